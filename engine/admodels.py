"""Compatibility: the anomaly-detection models now live with their kernel families in
engine/models/ (gauss in gaussian, kmeans and reservoir in prototypes, hst in trees, the
shared Welford/calibration base in ondevice). This module keeps the names codegen and
the AD search import from here."""

from .models.gaussian import Gauss
from .models.ondevice import CAL, FLOOR, NOMINAL, ADModel
from .models.prototypes import KMeans, Reservoir, xorshift32
from .models.trees import HalfSpace

__all__ = ["CAL", "FLOOR", "NOMINAL", "ADModel", "Gauss", "HalfSpace", "KMeans", "Reservoir", "xorshift32"]
