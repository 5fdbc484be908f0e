"""A candidate library: ordered blocks plus a model, its footprint and its spec.

The spec is the single description that the search stores, the emulator builds, deploy
compiles and metadata.json shows; knowledge travels with it as float32 arrays, so a
library can be rebuilt years later without refitting anything.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import msgpack
import numpy as np

from . import codesize
from .blocks import Block
from .f32 import F32
from .models import ADModel, Model
from .models.ondevice import CAL

SPEC_VERSION = 1
# Code and stack are calibrated against real builds of a seeded sample of candidates on
# every core (bench/footprint.py --calibrate, engine/codesize.py); the knowledge is counted
# exactly once fitted, the static buffers as the C generator declares them.
STACK_BYTES = codesize.STACK_DEFAULT  # what sizing leaves for the stack (engine/types/ad.py)


@dataclass
class Pipeline:
    blocks: list[Block]
    model: Model
    meta: dict[str, Any] = field(default_factory=dict)
    # A second scorer of the same signal whose score, times its meta["ratio"] (the
    # model's threshold over its own), the output never falls below: the 1-class
    # library's distance to the nearest learned raw buffer (engine/types/oneclass.py,
    # `backstop_config`). Fitted by the project type, so not part of the candidate's
    # configuration or key.
    backstop: Pipeline | None = None

    # -------------------------------------------------------------- shapes and size

    def shapes(self, axes: int, length: int) -> list[tuple[int, ...]]:
        """Input shape, then the shape after each block."""
        out: list[tuple[int, ...]] = [(axes, length)]
        for b in self.blocks:
            out.append(b.out_shape(out[-1]))
        return out

    def feature_dim(self, axes: int, length: int) -> int:
        return int(self.shapes(axes, length)[-1][0])

    def footprint(self, axes: int, length: int, n_train: int, n_classes: int, core: str | None = None
                  ) -> tuple[int, int]:
        """(flash, RAM) bytes on `core` (the Cortex-M4F's when None), estimated without
        fitting: what the search rejects on. `n_train`: the signals the shipped library is
        fitted on."""
        shapes = self.shapes(axes, length)
        if isinstance(self.model, ADModel):
            return self._ad_footprint(shapes, core)
        fitted = bool(self.model.state)
        flash = self.code_bytes(core)
        flash += self.model.knowledge_bytes() if fitted else self.model.estimate_bytes(shapes[-1][0], n_train, n_classes)
        sig = self.signal_floats(axes, length)
        vec = 0
        scratch = 0
        for b, s_in, s_out in zip(self.blocks, shapes, shapes[1:], strict=False):
            flash += b.flash_tables(s_in)
            flash += b.knowledge_bytes() if b.state else b.knowledge_estimate(s_in, s_out)
            if len(s_out) == 1:
                vec = max(vec, s_out[0])
            scratch = max(scratch, b.scratch_floats(s_in))
        scratch += self.model.scratch_floats(shapes[-1][0], n_classes)  # the model's buffers are its own
        copy = shapes[-1][0] if any(b.out_of_place for b in self.blocks) else 0
        # the output (one float for single-output types; ncc writes the caller's) and the knowledge pointer
        ram = 4 * (sig + vec + copy + scratch + n_classes + 1) + self.stack_bytes(core)
        if self.backstop is not None:
            # its knowledge on top (its code is in code_bytes); it runs first and shares
            # the stage buffers, each as large as the larger user's, so at most its
            # feature vector and scratch on top of the model's RAM (and never less than
            # its own), and the float that keeps its score
            bs = self.backstop
            b_flash, b_ram = bs.footprint(axes, length, n_train, n_classes, core)
            b_dim = bs.feature_dim(axes, length)
            extra = 4 * (b_dim + bs.model.scratch_floats(b_dim, n_classes))
            flash, ram = flash + b_flash - bs.code_bytes(core), max(ram + extra, b_ram) + 4
        return int(flash), int(ram)

    def code_bytes(self, core: str | None) -> int:
        """Code on `core` (the Cortex-M4F's when None), with the run-time routines a
        firmware link adds for it (engine/codesize.py), the backstop's steps included:
        one library, the routines counted once."""
        steps = [*self.blocks, self.model]
        if self.backstop is not None:
            steps += [*self.backstop.blocks, self.backstop.model]
        return codesize.library_bytes([p for s in steps for p in s.code_parts()], isinstance(self.model, ADModel), core)

    def stack_bytes(self, core: str | None) -> int:
        """The deepest stack on `core`: the deepest of the steps' (engine/codesize.py)."""
        learns = [codesize.ONDEVICE_STEP] if isinstance(self.model, ADModel) else []
        return codesize.stack_bytes([s.kind for s in [*self.blocks, self.model]] + learns, core)

    def signal_floats(self, axes: int, length: int) -> int:
        """The C keeps one axis at a time when every block works axis by axis."""
        whole = any(b.whole_signal for b in self.blocks)
        return axes * length if whole or axes == 1 else length

    def _ad_footprint(self, shapes: list[tuple[int, ...]], core: str | None) -> tuple[int, int]:
        """Learned state is RAM on the device; the seeded tree shapes are flash."""
        d = shapes[-1][0]
        m = self.model
        flash = self.code_bytes(core) + m.table_bytes(d)
        sig = self.signal_floats(shapes[0][0], shapes[0][1])
        vec = scratch = state = 0
        for b, s_in, s_out in zip(self.blocks, shapes, shapes[1:], strict=False):
            flash += b.flash_tables(s_in) + b.knowledge_estimate(s_in, s_out)
            if len(s_out) == 1:
                vec = max(vec, s_out[0])
            scratch = max(scratch, b.scratch_floats(s_in))
            state += b.ram_floats(s_in)
        scratch += m.scratch_floats(d, 0)
        # nf_w (d weights), the calibration buffer, the sensitivity and the ready flag
        ram = 4 * (sig + vec + scratch + state + m.state_floats(d) + d + CAL + 2) + self.stack_bytes(core)
        return int(flash), int(ram)

    # -------------------------------------------------------------- compute

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> Pipeline:
        h = x
        for b in self.blocks:
            b.fit(h, y)
            h = b.transform(h)
        self.model.fit(h, y, n_classes)
        return self

    def features(self, x: np.ndarray) -> np.ndarray:
        h = x
        for b in self.blocks:
            h = b.transform(h)
        return h

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.backstopped(self.model.predict_proba(self.features(x)), x)

    def backstopped(self, out: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The model's outputs `out` for signals `x`, raised to the backstop's score times
        its ratio where that is larger (float32, as the C); `out` as is without one."""
        if self.backstop is None:
            return out
        b = self.backstop.predict_proba(x)[:, 0].astype(F32)
        out = out.astype(F32, copy=True)
        out[:, 0] = np.maximum(out[:, 0], (b * F32(self.backstop.meta["ratio"])).astype(F32))
        return out

    # -------------------------------------------------------------- spec

    def config(self) -> dict[str, Any]:
        """Structure without knowledge: what identifies a candidate in the search."""
        return {"blocks": [{"kind": b.kind, "params": _plain(b.params)} for b in self.blocks],
                "model": {"kind": self.model.kind, "params": _plain(self.model.params)}}

    def key(self) -> str:
        return candidate_key(self.config())

    def to_spec(self) -> dict[str, Any]:
        cfg = self.config()
        for entry, b in zip(cfg["blocks"], self.blocks, strict=False):
            entry["knowledge"] = {k: _arr(v) for k, v in b.state.items()}
        cfg["model"]["knowledge"] = {k: _arr(v) for k, v in self.model.state.items()}
        out = {"version": SPEC_VERSION, **self.meta, **cfg}
        if self.backstop is not None:
            out["backstop"] = self.backstop.to_spec()
        return out

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Pipeline:
        blocks = [Block.build(e["kind"], e["params"], {k: _unarr(v) for k, v in e.get("knowledge", {}).items()})
                  for e in spec["blocks"]]
        m = spec["model"]
        model = Model.build(m["kind"], dict(m["params"]), {k: _unarr(v) for k, v in m.get("knowledge", {}).items()})
        meta = {k: v for k, v in spec.items() if k not in ("version", "blocks", "model", "backstop")}
        backstop = cls.from_spec(spec["backstop"]) if spec.get("backstop") else None
        return cls(blocks, model, meta, backstop)

    @classmethod
    def from_config(cls, cfg: dict[str, Any], meta: dict[str, Any] | None = None) -> Pipeline:
        return cls([Block.build(e["kind"], dict(e["params"])) for e in cfg["blocks"]],
                   Model.build(cfg["model"]["kind"], dict(cfg["model"]["params"])), dict(meta or {}))


def candidate_key(cfg: dict[str, Any]) -> str:
    """Short stable id of a configuration: the library id users see."""
    return hashlib.sha1(json.dumps(cfg, sort_keys=True).encode()).hexdigest()[:10]


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(params, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def _arr(a: np.ndarray) -> dict[str, Any]:
    a = np.ascontiguousarray(a)
    return {"dtype": a.dtype.str, "shape": list(a.shape), "data": a.tobytes()}


def _unarr(d: dict[str, Any]) -> np.ndarray:
    return np.frombuffer(d["data"], dtype=np.dtype(d["dtype"])).reshape(d["shape"]).copy()


def pack(spec: dict[str, Any]) -> bytes:
    return msgpack.packb(spec, use_bin_type=True)


def unpack(raw: bytes) -> dict[str, Any]:
    return msgpack.unpackb(raw, raw=False, strict_map_key=False)


def spec_json(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as JSON for people: arrays shown by shape, not by bytes."""
    def show(v: Any) -> Any:
        if isinstance(v, dict) and "data" in v and "dtype" in v:
            return {"dtype": np.dtype(v["dtype"]).name, "shape": v["shape"]}
        if isinstance(v, dict):
            return {k: show(x) for k, x in v.items()}
        if isinstance(v, list):
            return [show(x) for x in v]
        return v
    return show(spec)
