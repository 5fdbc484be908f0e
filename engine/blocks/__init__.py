"""Preprocessing blocks: the numpy float32 reference of every pipeline step, one module
per block or per small group of related blocks. Importing this package registers every
block kind (`Block.registry`); a new block is one class in one new module imported here."""

from .bandpass import BandPassBlock
from .base import EPS, F32, Block
from .minirocket import ROCKET_KERNELS, MiniRocket, rocket_conv, rocket_dilations
from .projection import PCA, Scale
from .raw import Flatten, Rolling
from .signal import Decimate, Diff, MeanRemoval, ZScore
from .spectrum import SPECTRAL, FFTMag, Spectral, band_edges, fft_magnitude, hann, next_pow2
from .stats import SHAPE, STATS, Catch, Stats

__all__ = [
    "EPS", "F32", "PCA", "SHAPE", "Catch", "ROCKET_KERNELS", "SPECTRAL", "STATS", "BandPassBlock", "Block", "Decimate", "Diff",
    "FFTMag", "Flatten", "MeanRemoval", "MiniRocket", "Rolling", "Scale", "Spectral", "Stats", "ZScore",
    "band_edges", "fft_magnitude", "hann", "next_pow2", "rocket_conv", "rocket_dilations",
]
