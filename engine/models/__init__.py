"""Models by kernel family, scikit-learn style: one module per family owns its numpy
float32 reference (the C library's arithmetic) and its footprint estimate, and its
models serve every task the kernel suits.

    linear      linear (LDA, logreg, linear SVM, SEFR), ridge
    prototypes  centroid, knn, knn_reg, knn_oc, knn_shift; on-device kmeans, reservoir
    rbf         svm_rbf, svr, ocsvm
    trees       forest, gbt, forest_reg, gbt_reg, iforest; on-device hst
    gaussian    gnb, maha, gmm; on-device gauss
    mlp         mlp, mlp_reg

`heads` holds the task heads and task base classes, `ondevice` what the anomaly models
that learn on the device share. Importing this package registers every kind in
`Model.registry`; a new model is one class in one module imported here.

Each family's C call is its emitter in codegen/emit/<family>.py, its kernel in
codegen/c/nf_<family>.h.

Families import scikit-learn where a model is fitted, not at module level: it takes
seconds to load, and the daemon imports the engine to read and build libraries without
fitting anything.
"""

from .base import F32, Model
from .gaussian import Gauss, GaussianMixture, GaussianNB, Mahalanobis, gaussian_scores
from .heads import Classifier, OneClass, Regressor, limit, similarity, softmax
from .linear import Linear, Ridge, linear_scores
from .mlp import MLP, MLPRegressor, mlp_scores
from .ondevice import CAL, NOMINAL, ADModel
from .prototypes import (
    KNN,
    Centroid,
    KMeans,
    KNNDistance,
    KNNRegressor,
    KNNShiftDistance,
    Reservoir,
    sqdist,
    xorshift32,
)
from .rbf import SVMRBF, SVR, OneClassSVM, rbf_kernel
from .trees import GBT, Forest, ForestRegressor, GBTRegressor, HalfSpace, IsolationForest, tree_sum

__all__ = [
    "CAL", "F32", "GBT", "KNN", "MLP", "NOMINAL", "SVMRBF", "SVR", "ADModel", "Centroid", "Classifier", "Forest",
    "ForestRegressor", "GBTRegressor", "Gauss", "GaussianMixture", "GaussianNB", "HalfSpace", "IsolationForest",
    "KMeans", "KNNDistance", "KNNRegressor", "KNNShiftDistance", "Linear", "MLPRegressor", "Mahalanobis", "Model",
    "OneClass", "OneClassSVM", "Regressor", "Reservoir", "Ridge", "gaussian_scores", "limit", "linear_scores",
    "mlp_scores", "rbf_kernel", "similarity", "softmax", "sqdist", "tree_sum", "xorshift32",
]
