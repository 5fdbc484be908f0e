"""Compatibility: the 1-class models now live with their kernel families in
engine/models/ (maha and gmm in gaussian, knn_oc in prototypes, ocsvm in rbf, iforest in
trees, the threshold head in heads). This module keeps the names the 1-class search
imports from here."""

from .models.gaussian import GaussianMixture, Mahalanobis
from .models.heads import FOLDS, OneClass, limit
from .models.prototypes import KNNDistance
from .models.rbf import OneClassSVM
from .models.trees import IsolationForest

__all__ = ["FOLDS", "GaussianMixture", "IsolationForest", "KNNDistance", "Mahalanobis", "OneClass", "OneClassSVM",
           "limit"]
