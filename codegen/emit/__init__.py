"""The C of every block and model kind, one module per family mirroring engine/blocks
and engine/models:

    blocks  signal, bandpass, raw, stats, spectrum, minirocket, projection
    models  linear, prototypes, rbf, trees, gaussian, mlp; `ondevice` is the contract of
            the anomaly models that learn on the device

Importing this package registers every emitter by kind (`Emitter.registry`); the
generators find them with `BlockEmitter.lookup(b.kind)`, `ModelEmitter.lookup(m.kind)`
or `OnDeviceEmitter.lookup(m.kind)` and never name a kind. A new step's C is one class
in its family's module here, plus its kernel in codegen/c/.
"""

from . import (
    bandpass,
    gaussian,
    linear,
    minirocket,
    mlp,
    projection,
    prototypes,
    raw,
    rbf,
    signal,
    spectrum,
    stats,
    trees,
)
from .base import BlockEmitter, Emitter, ModelEmitter, Sink
from .ondevice import OnDeviceEmitter

__all__ = [
    "BlockEmitter", "Emitter", "ModelEmitter", "OnDeviceEmitter", "Sink", "bandpass", "gaussian", "linear",
    "minirocket", "mlp", "projection", "prototypes", "raw", "rbf", "signal", "spectrum", "stats", "trees",
]
