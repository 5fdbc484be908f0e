"""The contract of the anomaly models that learn on the device (engine/models/ondevice.py):
the C is a fixed module of codegen/c/nf_ad_<model>.h sharing nf_ad.h's learn/detect
loop, so an emitter says which module, the #defines that size it and how init seeds it.
The shared defines (dimension, calibration, margin, state size) are the project type's."""

from __future__ import annotations

from typing import ClassVar

from nanoforge.engine.models import ADModel

from .base import Emitter, Sink


class OnDeviceEmitter(Emitter):
    what = "anomaly model"
    module: ClassVar[str] = ""  # the C module holding its nf_admodel_* functions

    def setup(self, g: Sink, m: ADModel, d: int) -> tuple[list[str], str]:
        """Its own #define lines (it may add flash tables to `g`), and the C statement
        `neai_anomalydetection_init` runs to seed it ('' when nothing needs seeding)."""
        return [], ""
