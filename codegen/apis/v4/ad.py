"""Anomaly detection, NanoEdge 4.x API: the spine's feature blocks, then the on-device
learning of codegen/c/nf_ad*.h.

The library ships untrained: `neai_anomalydetection_init()` empties the learned state,
`learn()` adds one nominal buffer, `detect()` gives a similarity 0–100. Constant tables
(band-pass coefficients, half-space tree shapes from the seed, MiniRocket's biases fitted
on the project's nominal signals) are flash; everything learned on the device is one
static float array in RAM.
"""

from __future__ import annotations

import ctypes
import hashlib
import threading
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.engine.dataset import load_file, load_stream
from nanoforge.engine.models import CAL, ADModel
from nanoforge.engine.pipeline import Pipeline

from ... import armrun
from ...cgen import (
    HEADER_CLOSE,
    HEADER_OPEN,
    NEAI_STATE_ENUM,
    V4,
    ApiNames,
    Generated,
    LibraryGen,
    c_array,
    c_float,
    check_number,
    declarations,
    header_top,
    indent,
    local_ints,
    sections,
)
from ...emit import OnDeviceEmitter
from ...emulator import fill, per_row, rows
from .. import CApi
from ..params import file_and_targets, learn_detect
from .common import example

TIMING_LEARNS = 32  # learn calls before detection is timed (`timing_inputs`)
NOMINAL_SIMILARITY = 90  # detect() at or above this is nominal


def generate(pipe: Pipeline, axes: int, length: int, neai_id: str, min_learn: int, sensor: str = "generic",
             suffix: str = "", pretrained: np.ndarray | None = None) -> Generated:
    return ADGen(pipe, axes, length, neai_id, min_learn, sensor, suffix, pretrained).build()


class ADGen(LibraryGen):
    def __init__(self, pipe: Pipeline, axes: int, length: int, neai_id: str, min_learn: int, sensor: str,
                 suffix: str, pretrained: np.ndarray | None = None) -> None:
        super().__init__(pipe, axes, length, neai_id, suffix)
        self.min_learn = max(1, int(min_learn))
        self.sensor = sensor
        self.pretrained = None if pretrained is None else np.asarray(pretrained, np.float32)

    def model(self, v: str, d: int) -> None:
        """The defines every on-device model shares, then the model's own (its emitter's)."""
        m = self.pipe.model
        assert isinstance(m, ADModel)
        em = OnDeviceEmitter.lookup(m.kind)
        self.vec_name = v
        self.mem = m.state_floats(d)
        if self.pretrained is not None and len(self.pretrained) != self.mem:
            raise ValueError(f"pretrained state of {len(self.pretrained)} floats for a library of {self.mem}")
        self.buf("nf_w", d)
        self.buf("nf_calbuf", CAL)
        defs = [f"#define NF_D {d}", f"#define NF_CAL {CAL}", f"#define NF_WARMUP {m.warmup}",
                f"#define NF_MARGIN {c_float(float(m.params.get('margin', 3.0)))}",
                f"#define NF_MODEL_OFF {2 * d + 2 + CAL}", f"#define NF_MEM_SIZE {self.mem}",
                f"#define NF_MEM_CHECK {c_float(self.mem_check())}"]
        own, self.rng_init = em.setup(self, m, d)
        self.ad_defs = "\n".join(defs + own) + "\n"
        self.use("nf_ad", em.module)

    def source(self, names: ApiNames, init_sig: str, on_init: list[str], learn_ret: str, detect_ret: str,
               statics: str = "", after: str = "") -> str:
        """neai.c of either API: the learning and detection they share, with the init
        (`init_sig`, then `on_init` after the reset) and return states given."""
        s, n_in = self.sfx, names.n_in(self.sfx)
        # constants (band-pass, scaling) stay in flash: a knowledge array nobody passes in,
        # its offsets taken after the usual 2-float header
        konst_c = ""
        if self.k.size > 2:
            konst = np.concatenate([np.zeros(2, np.float32), self.k.array(0.0)[2:]])
            konst_c = (f"{self.k.defines()}static const float nf_kc[{len(konst)}] = {{\n{c_array(konst)}\n}};\n"
                       "static const float *const nf_k = nf_kc;\n")
        resets = [x for x in (self.rng_init,) if x]
        if "nf_ring" in self.buffers:
            resets.append(f"nf_rolling_reset(nf_ring, {self.buffers['nf_ring'][1]});")
        head = f"""/* nanoforge anomaly-detection library {self.neai_id}: generated, do not edit. */
#include <stdint.h>
#include "NanoEdgeAI.h"
"""
        state = "static float nf_mem[NF_MEM_SIZE];\nstatic float nf_sens = 1.0f;\nstatic int nf_ready;\n" + statics
        return sections(head, self.ad_defs, konst_c, state + self.buffers_c(), "\n".join(self.tables),
                        self.kernels_c()) + f"""
static void nf_features(const float data_input[])
{{
    {local_ints("a, t", self.body)}
{indent(self.body)}
}}

{init_sig}
{{
    int i;
    nf_ready = 0;
    for (i = 0; i < NF_MEM_SIZE; i++) nf_mem[i] = 0.0f;
{indent(resets + on_init)}
    nf_sens = 1.0f;
    nf_ready = 1;
    return NEAI_OK;
}}

enum neai_state neai_anomalydetection_learn{s}(float data_input[])
{{
    if (!nf_ready) return {names.not_init};
    if (!data_input) return {names.bad_input};
    if (!nf_base_finite(data_input, {n_in})) return {names.bad_input};
    nf_features(data_input);
    nf_ad_learn({self.vec_name});
    return {learn_ret};
}}

enum neai_state neai_anomalydetection_detect{s}(float data_input[], uint8_t *similarity)
{{
    if (!nf_ready) return {names.not_init};
    if (!data_input || !similarity) return {names.bad_input};
    if (!nf_base_finite(data_input, {n_in})) return {names.bad_input};
    nf_features(data_input);
    *similarity = nf_ad_similarity({self.vec_name}, nf_sens);
    return {detect_ret};
}}

enum neai_state neai_anomalydetection_set_sensitivity{s}(float sensitivity)
{{
    if (!nf_ready) return {names.not_init};
    if (!(sensitivity > 0.0f) || sensitivity > 100.0f) return {names.bad_input};
    nf_sens = sensitivity;
    return NEAI_OK;
}}

float neai_anomalydetection_get_sensitivity{s}(void)
{{
    return nf_sens;
}}

float *neai_anomalydetection_memory{s}(uint32_t *n_floats)
{{
    if (n_floats) *n_floats = NF_MEM_SIZE;
    return nf_mem;
}}
""" + after

    def mem_check(self) -> float:
        """What a saved learned state is checked against: the library's id and, when a
        block was fitted off the device (MiniRocket's biases), what it learned. The same
        candidate benchmarked again on more nominal signals ships other biases under the
        same id; a state learned through the old ones must be refused, not read."""
        fitted = [np.asarray(v, np.float32).tobytes() for b in self.pipe.blocks if b.learns()
                  for _, v in sorted(b.state.items())]
        if not fitted:
            return check_number(self.neai_id)
        h = hashlib.sha1(self.neai_id.encode())
        for f in fitted:
            h.update(f)
        return check_number(h.hexdigest())

    def knowledge(self) -> np.ndarray:
        """knowledge.h's array when deployed pretrained: check number, length, learned state."""
        if self.pretrained is None:
            return np.zeros(0, np.float32)
        head = np.asarray([self.mem_check(), float(self.mem + 2)], np.float32)
        return np.concatenate([head, self.pretrained])

    def emit(self) -> Generated:
        s, S = self.sfx, self.sfx.upper()
        src = self.source(V4, f"enum neai_state neai_anomalydetection_init{s}(void)", [],
                          f"NF_N < (float)MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING{S}\n"
                          "        ? NEAI_NOT_ENOUGH_CALL_TO_LEARNING : NEAI_MINIMAL_RECOMMENDED_LEARNING_DONE", "NEAI_OK",
                          after=f"""
enum neai_state neai_anomalydetection_knowledge{s}(const float knowledge_buffer[])
{{
    int i;
    if (!nf_ready) return NEAI_INIT_FCT_NOT_CALLED;
    if (!knowledge_buffer || knowledge_buffer[0] != NF_MEM_CHECK || knowledge_buffer[1] != (float)(NF_MEM_SIZE + 2)
        || !nf_base_finite(knowledge_buffer, NF_MEM_SIZE + 2))
        return NEAI_KNOWLEDGE_BUFFER_ERROR;
    for (i = 0; i < NF_MEM_SIZE; i++) nf_mem[i] = knowledge_buffer[i + 2];
    return NEAI_OK;
}}
""")
        header = header_text(self.neai_id, self.axes, self.length, self.min_learn, self.sensor, s)
        kn = self.knowledge()
        if len(kn):
            know = f"""/* nanoforge knowledge for library {self.neai_id}: what it learned from the project's nominal
   signals; pass it to neai_anomalydetection_knowledge{s}() after neai_anomalydetection_init{s}(). */
#ifndef NANOFORGE_KNOWLEDGE{S}_H
#define NANOFORGE_KNOWLEDGE{S}_H

const float knowledge{s}[{len(kn)}] = {{
{c_array(kn)}
}};

#endif
"""
        else:
            know = f"""/* nanoforge library {self.neai_id}: deployed without --pretrained, it starts empty and learns on
   the device, so there is no knowledge to load. neai_anomalydetection_memory{s}() gives the
   learned state to save. */
#ifndef NANOFORGE_KNOWLEDGE{S}_H
#define NANOFORGE_KNOWLEDGE{S}_H
#endif
"""
        return Generated({"neai.c": src, "NanoEdgeAI.h": header, "knowledge.h": know}, kn,
                         self.ram() + self.mem, {"memory_floats": self.mem})


def header_text(neai_id: str, axes: int, length: int, min_learn: int, sensor: str, s: str = "") -> str:
    S = s.upper()
    shape = ("one sample of AXIS_NUMBER variables per call" if sensor == "multi"
             else "DATA_INPUT_USER samples x AXIS_NUMBER axes, interleaved (x0 y0 z0 x1 ...)")
    top = header_top("anomaly detection", neai_id, axes, length, s,
                     intro="\n   Learns on the device: init, then learn() nominal buffers, then detect().",
                     shape=f": {shape}",
                     extra_defines="/* learn() calls the benchmark found enough (its learning curve) */\n"
                                   f"#define MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING{S} {min_learn}\n")
    decl = declarations([f"float input_user_buffer[DATA_INPUT_USER{S} * AXIS_NUMBER{S}]; // buffer of input values",
                         "uint8_t similarity = 0; // 0-100, nominal at 90 and above"])
    return top + f"""#ifndef MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING
#define MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING{S}
#endif

{NEAI_STATE_ENUM}
{HEADER_OPEN}
/* Empties what was learned; call once before anything else.
   Returns NEAI_OK. */
enum neai_state neai_anomalydetection_init{s}(void);

/* Learns one nominal signal.
   data_input: DATA_INPUT_USER{S} samples x AXIS_NUMBER{S} axes, interleaved; read only.
   Returns NEAI_NOT_ENOUGH_CALL_TO_LEARNING until MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING{S}
   calls, then NEAI_MINIMAL_RECOMMENDED_LEARNING_DONE; NEAI_INIT_FCT_NOT_CALLED before init;
   NEAI_UNKNOWN_ERROR for a null pointer or a non-finite input (nothing learned). */
enum neai_state neai_anomalydetection_learn{s}(float data_input[]);

/* Similarity of one signal to what was learned.
   data_input: as for learn; read only.
   similarity: 0-100, written; nominal at 90 and above.
   Returns NEAI_OK; NEAI_INIT_FCT_NOT_CALLED before init; NEAI_UNKNOWN_ERROR for a null
   pointer or a non-finite input. */
enum neai_state neai_anomalydetection_detect{s}(float data_input[], uint8_t *similarity);

/* similarity = 100 * 9 / (9 + (sensitivity * score / T)^2), T calibrated on the
   learned nominal buffers. Default 1; 2 doubles every score (more anomalies),
   0.5 halves it. Accepted: 0 < sensitivity <= 100, else NEAI_UNKNOWN_ERROR. */
enum neai_state neai_anomalydetection_set_sensitivity{s}(float sensitivity);
float neai_anomalydetection_get_sensitivity{s}(void);

/* Loads what the library learned from the project's nominal signals (knowledge{s} in
   knowledge{s}.h, written by `nanoforge deploy --pretrained`); call after init.
   learn() afterwards enriches it.
   Returns NEAI_OK; NEAI_INIT_FCT_NOT_CALLED before init; NEAI_KNOWLEDGE_BUFFER_ERROR for
   knowledge of another library. */
enum neai_state neai_anomalydetection_knowledge{s}(const float knowledge_buffer[]);

/* nanoforge extension: the learned state (n_floats floats), to save in flash and copy
   back after a reset, following an init. */
float *neai_anomalydetection_memory{s}(uint32_t *n_floats);

{HEADER_CLOSE}{decl}"""


EXAMPLE_MAIN = """/* Hello world for the nanoforge anomaly-detection library: learn, then detect.
   Build: add libneai{s}.a to the link (no libm or libc functions are needed). */
#include <stdint.h>
#include "NanoEdgeAI{s}.h"

@FILL@
int main(void)
{{
    uint8_t similarity = 0;
    volatile int alarm = 0;
    int i;
    if (neai_anomalydetection_init{s}() != NEAI_OK) return 1;
    /* Learn the machine running normally; learn more than the minimum when you can. */
    for (i = 0; i < MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING{S}; i++) {{
        fill_buffer(input_user_buffer);
        neai_anomalydetection_learn{s}(input_user_buffer);
    }}
    neai_anomalydetection_set_sensitivity{s}(1.0f);
    for (;;) {{
        fill_buffer(input_user_buffer);
        if (neai_anomalydetection_detect{s}(input_user_buffer, &similarity) != NEAI_OK) return 2;
        alarm = similarity < 90;
        (void)alarm;
    }}
}}
"""

EMULATOR_C = r"""/* nanoforge emulator, anomaly detection: the library built for the host.
   Usage: emulator [--sensitivity S] --learn FILE [--learn FILE ...] --detect FILE [...]
   Prints one JSON object per detected signal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "NanoEdgeAI.h"

#define N_IN (@LEN@@SU@ * @AXES@@SU@)
@READER@
static int run(const char *path, int learn)
{
    static float in[N_IN];
    FILE *f = fopen(path, "r");
    long lineno = 0;
    int r, bad = 0;
    if (!f) { perror(path); return 2; }
    while ((r = nf_read_line(f, path, &lineno, in, N_IN)) != 0) {
        if (r < 0) { bad = 1; continue; }
        if (learn) {
            neai_anomalydetection_learn@S@(in);
        } else {
            uint8_t sim = 0;
            neai_anomalydetection_detect@S@(in, &sim);
            printf("{\"file\": \"%s\", \"line\": %ld, \"similarity\": %u, \"status\": \"%s\"}\n", path, lineno,
                   (unsigned)sim, sim >= 90 ? "nominal" : "anomaly");
        }
    }
    fclose(f);
    return bad;
}

int main(int argc, char **argv)
{
    int i, bad = 0;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: %s [--sensitivity S] --learn FILE ... --detect FILE ...\n"
               "Learns the --learn files, then prints the similarity of every signal of the --detect files.\n",
               argv[0]);
        return 0;
    }
    if (argc < 3) { fprintf(stderr, "usage: %s [--sensitivity S] --learn FILE ... --detect FILE ...\n", argv[0]); return 2; }
    @INIT@;
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--sensitivity")) {
            if (neai_anomalydetection_set_sensitivity@S@((float)atof(argv[i + 1])) != NEAI_OK) {
                fprintf(stderr, "sensitivity must be > 0 and <= 100\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--learn")) bad |= run(argv[i + 1], 1);
        else if (!strcmp(argv[i], "--detect")) bad |= run(argv[i + 1], 0);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    return bad;
}
"""


class ADHostLibrary:
    """A built anomaly-detection host library: learn and detect, and its learned state."""

    def __init__(self, so: Path, axes: int, length: int) -> None:
        self.lib = ctypes.CDLL(str(so))
        self.axes, self.length = axes, length
        fp = ctypes.POINTER(ctypes.c_float)
        lib = self.lib
        lib.neai_anomalydetection_init.restype = ctypes.c_int
        lib.neai_anomalydetection_learn.argtypes = [fp]
        lib.neai_anomalydetection_learn.restype = ctypes.c_int
        lib.neai_anomalydetection_detect.argtypes = [fp, ctypes.POINTER(ctypes.c_uint8)]
        lib.neai_anomalydetection_detect.restype = ctypes.c_int
        lib.neai_anomalydetection_set_sensitivity.argtypes = [ctypes.c_float]
        lib.neai_anomalydetection_set_sensitivity.restype = ctypes.c_int
        lib.neai_anomalydetection_get_sensitivity.restype = ctypes.c_float
        lib.neai_anomalydetection_memory.argtypes = [ctypes.POINTER(ctypes.c_uint32)]
        lib.neai_anomalydetection_memory.restype = fp
        self.init()

    def init(self) -> None:
        st = self.lib.neai_anomalydetection_init()
        if st != 0:
            raise RuntimeError(f"neai_anomalydetection_init returned {st}")

    def learn(self, signals: np.ndarray) -> list[int]:
        """signals (n, axes, length) learned in order; the state returned by each call."""
        fp = ctypes.POINTER(ctypes.c_float)
        return [int(self.lib.neai_anomalydetection_learn(r.ctypes.data_as(fp))) for r in rows(signals)]

    def detect(self, signals: np.ndarray) -> np.ndarray:
        return per_row(self.lib.neai_anomalydetection_detect, rows(signals), ctypes.c_uint8, np.uint8)

    def set_sensitivity(self, s: float) -> int:
        return int(self.lib.neai_anomalydetection_set_sensitivity(ctypes.c_float(s)))

    def get_sensitivity(self) -> float:
        return float(self.lib.neai_anomalydetection_get_sensitivity())

    def memory(self) -> np.ndarray:
        n = ctypes.c_uint32()
        p = self.lib.neai_anomalydetection_memory(ctypes.byref(n))
        return np.ctypeslib.as_array(p, shape=(n.value,)).copy()


HARNESS_C = armrun.harness("int n_learn, int n_detect", """    float *in = (float *)NF_IN;
    uint8_t *sims = (uint8_t *)NF_OUT;
    float *mem_out = (float *)NF_IDS;
    const float *mem;
    uint32_t n = 0, j;
    int i;
    if (neai_anomalydetection_init() != NEAI_OK) return -1;
    for (i = 0; i < n_learn; i++) neai_anomalydetection_learn(in + i * DATA_INPUT_USER * AXIS_NUMBER);
    for (i = 0; i < n_detect; i++)
        if (neai_anomalydetection_detect(in + (n_learn + i) * DATA_INPUT_USER * AXIS_NUMBER, sims + i) != NEAI_OK)
            return -2;
    mem = neai_anomalydetection_memory(&n);
    for (j = 0; j < n; j++) mem_out[j] = mem[j];
    return 0;
""", knowledge=False)


def run_arm(img: armrun.ArmImage, learn: np.ndarray, detect: np.ndarray, mem_floats: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """Learns then detects (n, axes, length) signals on the emulated core (HARNESS_C): the
    similarities and the learned state, as the device holds them."""
    inter = rows(np.concatenate([learn, detect]))
    uc, _ = armrun.machine(img, inter, max(len(detect), 1), 4 * mem_floats, (len(learn), len(detect)))
    sims = np.frombuffer(bytes(uc.mem_read(armrun.OUT_ADDR, len(detect))), np.uint8)
    mem = np.frombuffer(bytes(uc.mem_read(armrun.IDS_ADDR, 4 * mem_floats)), np.float32)
    return sims.copy(), mem.copy()


_HOST_LOCK = threading.Lock()  # a host AD library is one learned state per process


def _signals(spec: dict[str, Any], file: str) -> np.ndarray:
    if spec.get("sensor") == "multi":
        return load_stream(file, int(spec["axes"]))
    return load_file(file, int(spec["axes"]), int(spec["buffer"]))


SCRIPT_RUN = r'''
LEARNING = 6  # 5.x NEAI_LEARNING_IN_PROGRESS: detect() wrote a similarity all the same


def run(lib, args):
    if API == "v4":
        lib.checked("anomalydetection_init")
        if args.pretrained:
            if not KNOWLEDGE:
                fail("this library was deployed without --pretrained")
            lib.checked("anomalydetection_knowledge", lib.knowledge())
    else:
        init = lib.fn("anomalydetection_init")
        init.argtypes = [ctypes.c_bool]
        st = init(bool(args.pretrained))
        if st != OK:
            fail("this library was deployed without --pretrained" if st == 4 else f"init returned state {st}")
    if args.sensitivity is not None:
        lib.fn("anomalydetection_set_sensitivity").argtypes = [ctypes.c_float]
        if lib.call("anomalydetection_set_sensitivity", ctypes.c_float(args.sensitivity)) != OK:
            fail("the sensitivity must be > 0 and <= 100")
    learned = 0
    for path in args.learn:
        for line, values in read_signals(path):
            st = lib.call("anomalydetection_learn", buffer(values))
            learned += 1
            if args.verbose and not args.json:
                print(f"learn {path}:{line}  state {st}")
    sim = ctypes.c_uint8()
    sims = []
    for path in args.detect:
        for line, values in read_signals(path):
            lib.checked("anomalydetection_detect", buffer(values), ctypes.byref(sim), allowed=(OK, LEARNING))
            sims.append(sim.value)
            status = "nominal" if sim.value >= 90 else "anomaly"
            show(args, where(args, path, line), f"{sim.value:>3} %  {status}",
                 {"file": path, "line": line, "similarity": sim.value, "status": status})
    nominal = sum(v >= 90 for v in sims)
    summary = {"learned": learned, "minimum_learn_calls": MIN_LEARN, "pretrained": bool(args.pretrained),
               "signals": len(sims), "nominal": nominal, "anomalies": len(sims) - nominal,
               "mean_similarity": sum(sims) / len(sims) if sims else None}
    if args.json:
        print(json.dumps({"summary": summary}))
    else:
        start = "started pretrained, " if args.pretrained else ""
        print(f"{start}learned {learned} signals; {len(sims)} detected: {nominal} nominal, "
              f"{len(sims) - nominal} anomalies")
    return 0
'''


class AnomalyDetection(CApi):
    name = "ad"
    title = "anomaly detection"
    learns_on_device = True
    harness = HARNESS_C
    script_run = SCRIPT_RUN

    def generate(self, spec: dict[str, Any], neai_id: str, suffix: str = "",
                 pretrained: np.ndarray | None = None) -> Generated:
        return generate(Pipeline.from_spec(spec), int(spec["axes"]), int(spec["buffer"]), neai_id,
                        int(spec.get("min_learn", 1)), spec.get("sensor", "generic"), suffix, pretrained)

    def pretrain(self, spec: dict[str, Any], cache: Path, nominal: list[Path]) -> np.ndarray:
        """What the device holds after learning the project's nominal signals in order,
        learned by the same C (the host build): the state `--pretrained` ships."""
        from ...library import host_library

        xs = [_signals(spec, str(f)) for f in nominal]
        if not xs:
            raise ValueError("--pretrained learns the project's nominal signals, and it has none")
        with _HOST_LOCK:
            host = host_library(spec, cache)
            host.init()
            for x in xs:
                host.learn(x)
            return host.memory()

    def metadata(self, spec: dict[str, Any], pipe: Pipeline) -> dict[str, Any]:
        return {"sensor": spec.get("sensor", "generic"), "minimum_learn_calls": int(spec.get("min_learn", 1)),
                "nominal_similarity": NOMINAL_SIMILARITY}

    def timing_inputs(self, signals: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
        """The harness learns `TIMING_LEARNS` signals (the given ones over and over, each
        round scaled by 1 + 0.001 × round so no two are equal), then detects the given
        ones: a model's detection costs as much as it keeps, so it is timed full (32 slots
        at most in the space), not after three learn calls."""
        n = max(len(signals), TIMING_LEARNS)
        learn = np.stack([signals[i % len(signals)] * np.float32(1 + 0.001 * (i // len(signals))) for i in range(n)])
        return np.concatenate([learn, signals]).astype(np.float32), (n, len(signals))

    def example_main(self, sfx: str, spec: dict[str, Any]) -> str:
        return example(EXAMPLE_MAIN, sfx)

    def emulator_source(self, sfx: str, spec: dict[str, Any]) -> str:
        return fill(EMULATOR_C, sfx, {"@INIT@": "neai_anomalydetection_init@S@()"})

    def host(self, so: Path, gen: Generated, spec: dict[str, Any]) -> ADHostLibrary:
        return ADHostLibrary(so, int(spec["axes"]), int(spec["buffer"]))

    def emulate(self, spec: dict[str, Any], cache: Path, params: dict[str, Any]) -> dict[str, Any]:
        """A fresh device: init, learn every `learn` file in order, detect every `detect` file."""
        from ...library import host_library

        files = learn_detect(params)
        if files is None:
            _, targets = file_and_targets(params)
            if targets:
                raise ValueError("--targets is for extrapolation libraries")
            raise ValueError(f"library {spec.get('library')} learns on the device: "
                             "use --learn NOMINAL_FILE --detect FILE")
        learn, detect = files
        sensitivity = params.get("sensitivity")
        learn_x = [_signals(spec, f) for f in learn]
        detect_x = [(f, _signals(spec, f)) for f in detect]
        with _HOST_LOCK:
            host = host_library(spec, cache, self.api)
            host.init()
            if sensitivity is not None and host.set_sensitivity(float(sensitivity)) != 0:
                raise ValueError(f"sensitivity {sensitivity} refused: it must be > 0 and ≤ 100")
            states = [s for x in learn_x for s in host.learn(x)]
            sims = [(f, host.detect(x)) for f, x in detect_x]
            used = host.get_sensitivity()
        results = [{"file": f, "line": i + 1, "similarity": int(v),
                    "status": "nominal" if v >= NOMINAL_SIMILARITY else "anomaly"}
                   for f, sv in sims for i, v in enumerate(sv)]
        allv = [r["similarity"] for r in results]
        min_learn = int(spec.get("min_learn", 1))
        return {"library": spec.get("library"), "results": results,
                "summary": {"learned": len(states), "minimum_learn_calls": min_learn,
                            "learning_done": len(states) >= min_learn, "signals": len(results),
                            "nominal": sum(r["status"] == "nominal" for r in results),
                            "anomalies": sum(r["status"] == "anomaly" for r in results),
                            "mean_similarity": float(sum(allv) / len(allv)) if allv else None,
                            "sensitivity": used}}
