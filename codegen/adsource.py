"""An anomaly-detection pipeline → C (DESIGN §3.4): the feature blocks of the spine, then
the on-device learning of codegen/cad.py behind the NanoEdge AD API.

The library ships untrained: `neai_anomalydetection_init()` empties the learned state,
`learn()` adds one nominal buffer, `detect()` gives a similarity 0–100. Constant tables
(band-pass coefficients, half-space tree shapes from the seed) are flash; everything
learned is one static float array in RAM.
"""

from __future__ import annotations

import numpy as np

from nanoforge.engine.admodels import CAL, ADModel
from nanoforge.engine.pipeline import Pipeline

from . import cad
from . import cruntime as rt
from .csource import NEAI_STATE_ENUM, Generated, _Gen, c_array, c_float, check_suffix


def generate(pipe: Pipeline, axes: int, length: int, neai_id: str, min_learn: int, sensor: str = "generic",
             suffix: str = "") -> Generated:
    check_suffix(suffix)
    return _ADGen(pipe, axes, length, neai_id, min_learn, sensor, suffix).build()


def memory_layout(model: ADModel, d: int) -> int:
    """Floats of `nf_mem`, the learned state."""
    return model.state_floats(d)


class _ADGen(_Gen):
    def __init__(self, pipe: Pipeline, axes: int, length: int, neai_id: str, min_learn: int, sensor: str,
                 suffix: str) -> None:
        super().__init__(pipe, axes, length, [], neai_id, suffix)
        self.min_learn = max(1, int(min_learn))
        self.sensor = sensor

    def model(self, v: str, d: int) -> None:
        m = self.pipe.model
        assert isinstance(m, ADModel)
        self.vec_name = v
        self.mem = m.state_floats(d)
        self.buf("nf_w", d)
        self.buf("nf_calbuf", CAL)
        defs = [f"#define NF_D {d}", f"#define NF_CAL {CAL}", f"#define NF_WARMUP {m.warmup}",
                f"#define NF_MARGIN {c_float(float(m.params.get('margin', 3.0)))}",
                f"#define NF_MODEL_OFF {2 * d + 2 + CAL}", f"#define NF_MEM_SIZE {self.mem}"]
        model_c = ""
        self.rng_init = ""
        if m.kind == "gauss":
            model_c = cad.MODELS["gauss"]
        elif m.kind in ("kmeans", "reservoir"):
            k = int(m.params["k"] if m.kind == "kmeans" else m.params["slots"])
            defs.append(f"#define NF_K {k}")
            model_c = cad.MODELS["protos"] + cad.MODELS[m.kind]
            if m.kind == "reservoir":
                m.reset(d)
                self.rng_init = f"nf_rng = {int(m.rng)}u;"
        elif m.kind == "hst":
            self.need("nf_sqrtf")
            dims, vals = m.shape(d)
            trees, depth = dims.shape[0], int(m.params["depth"])
            defs += [f"#define NF_T {trees}", f"#define NF_DEPTH {depth}", f"#define NF_INNER {dims.shape[1]}",
                     f"#define NF_NODES {2 ** (depth + 1) - 1}"]
            idx = ", ".join(str(int(q)) for q in dims.ravel())
            self.tables.append(f"static const unsigned short nf_hd[{dims.size}] = {{ {idx} }};\n")
            self.tables.append(f"static const float nf_hv[{vals.size}] = {{\n{c_array(vals)}\n}};\n")
            defs.append("#define NF_HV nf_hv")
            model_c = cad.MODELS["hst"]
        else:
            raise ValueError(f"no C for anomaly model {m.kind}")
        self.ad_defs = "\n".join(defs) + "\n"
        self.ad_code = cad.CORE.replace("static void nf_ad_learn", model_c + "\nstatic void nf_ad_learn", 1)

    def emit(self) -> Generated:
        s = self.sfx
        kn = self.k.array(0.0)[2:] if self.k.size > 2 else np.zeros(1, np.float32)
        order = ["nf_absf", "nf_sqrtf", "nf_expf", "nf_logf", "nf_softmax"]
        helpers = "".join(rt.MATH[h] for h in order if h in self.helpers)
        bufs = "".join(f"static {t} {n}[{size}];\n" for n, (t, size) in self.buffers.items())
        uses_i = any("(i = 0" in line for line in self.body)
        body = "\n    ".join(self.body)
        # knowledge offsets were taken after a 2-float header; keep them valid
        konst = np.concatenate([np.zeros(2, np.float32), kn]) if self.k.size > 2 else np.zeros(2, np.float32)
        konst_c = (f"static const float nf_kc[{len(konst)}] = {{\n{c_array(konst)}\n}};\n"
                   "static const float *const nf_k = nf_kc;\n") if self.k.size > 2 else ""
        ring_reset = "nf_roll_n = 0;\n    for (i = 0; i < (int)(sizeof nf_ring / sizeof nf_ring[0]); i++) nf_ring[i] = 0.0f;" \
            if "nf_ring" in self.buffers else ""
        bits = rt.BITS if any(h in self.helpers for h in ("nf_sqrtf", "nf_expf", "nf_logf")) else ""
        src = f"""/* nanoforge anomaly-detection library {self.neai_id}: generated, do not edit. */
#include <stdint.h>
#include "NanoEdgeAI.h"

{bits}
{self.ad_defs}
{konst_c}static float nf_mem[NF_MEM_SIZE];
static float nf_sens = 1.0f;
static int nf_ready;
{bufs}
{''.join(self.tables)}
{helpers}
{''.join(self.funcs)}
{self.ad_code}
static void nf_features(const float data_input[])
{{
    int a, t;
    {'int i;' if uses_i else ''}
    {body}
    (void)a; (void)t;
}}

enum neai_state neai_anomalydetection_init{s}(void)
{{
    int i;
    for (i = 0; i < NF_MEM_SIZE; i++) nf_mem[i] = 0.0f;
    {self.rng_init}
    {ring_reset}
    nf_sens = 1.0f;
    nf_ready = 1;
    return NEAI_OK;
}}

enum neai_state neai_anomalydetection_learn{s}(float data_input[])
{{
    if (!nf_ready) return NEAI_INIT_FCT_NOT_CALLED;
    if (!data_input) return NEAI_UNKNOWN_ERROR;
    nf_features(data_input);
    nf_ad_learn({self.vec_name});
    return NF_N < (float)MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING{s}
        ? NEAI_NOT_ENOUGH_CALL_TO_LEARNING : NEAI_MINIMAL_RECOMMENDED_LEARNING_DONE;
}}

enum neai_state neai_anomalydetection_detect{s}(float data_input[], uint8_t *similarity)
{{
    if (!nf_ready) return NEAI_INIT_FCT_NOT_CALLED;
    if (!data_input || !similarity) return NEAI_UNKNOWN_ERROR;
    nf_features(data_input);
    *similarity = nf_ad_similarity({self.vec_name}, nf_sens);
    return NEAI_OK;
}}

enum neai_state neai_anomalydetection_set_sensitivity{s}(float sensitivity)
{{
    if (!nf_ready) return NEAI_INIT_FCT_NOT_CALLED;
    if (!(sensitivity > 0.0f) || sensitivity > 100.0f) return NEAI_UNKNOWN_ERROR;
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
"""
        header = ad_header(self.neai_id, self.axes, self.length, self.min_learn, self.sensor, s)
        know = f"""/* nanoforge library {self.neai_id}: anomaly detection learns on the device, so there is no
   knowledge to load. neai_anomalydetection_memory{s}() gives the learned state to save. */
#ifndef NANOFORGE_KNOWLEDGE{s.upper()}_H
#define NANOFORGE_KNOWLEDGE{s.upper()}_H
#endif
"""
        ram = sum(size for _, size in self.buffers.values()) + self.mem
        return Generated({"neai.c": src, "NanoEdgeAI.h": header, "knowledge.h": know}, np.zeros(0, np.float32),
                         ram, {"memory_floats": self.mem})


def ad_header(neai_id: str, axes: int, length: int, min_learn: int, sensor: str, s: str = "") -> str:
    guard = f"NANOEDGEAI{s.upper()}_H"
    shape = ("one sample of AXIS_NUMBER variables per call" if sensor == "multi"
             else "DATA_INPUT_USER samples x AXIS_NUMBER axes, interleaved (x0 y0 z0 x1 ...)")
    return f"""/* NanoEdge AI Library API, anomaly detection: generated by nanoforge.
   Library {neai_id}. Link libneai{s}.a; no dynamic memory, no libm needed.
   Learns on the device: init, then learn() nominal buffers, then detect(). */
#ifndef {guard}
#define {guard}

#include <stdint.h>

/* NEAI ID */
#define NEAI_ID{s} "{neai_id}"

/* Input signal configuration: {shape} */
#define DATA_INPUT_USER{s} {length}
#define AXIS_NUMBER{s} {axes}
/* learn() calls the benchmark found enough (its learning curve) */
#define MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING{s} {min_learn}
#ifndef DATA_INPUT_USER
#define DATA_INPUT_USER DATA_INPUT_USER{s}
#define AXIS_NUMBER AXIS_NUMBER{s}
#define NEAI_ID NEAI_ID{s}
#endif
#ifndef MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING
#define MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING{s}
#endif

{NEAI_STATE_ENUM}
#ifdef __cplusplus
extern "C" {{
#endif

/* Empties what was learned; call once before learning. */
enum neai_state neai_anomalydetection_init{s}(void);

/* Learns one nominal buffer. Returns NEAI_NOT_ENOUGH_CALL_TO_LEARNING until
   MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING calls, then
   NEAI_MINIMAL_RECOMMENDED_LEARNING_DONE. */
enum neai_state neai_anomalydetection_learn{s}(float data_input[]);

/* Similarity 0-100 of one buffer to what was learned; nominal at 90 and above. */
enum neai_state neai_anomalydetection_detect{s}(float data_input[], uint8_t *similarity);

/* similarity = 100 * 9 / (9 + (sensitivity * score / T)^2), T calibrated on the
   learned nominal buffers. Default 1; 2 doubles every score (more anomalies),
   0.5 halves it. Accepted: 0 < sensitivity <= 100. */
enum neai_state neai_anomalydetection_set_sensitivity{s}(float sensitivity);
float neai_anomalydetection_get_sensitivity{s}(void);

/* nanoforge extension: the learned state (NF floats), to save in flash and copy back
   after a reset, following an init. */
float *neai_anomalydetection_memory{s}(uint32_t *n_floats);

#ifdef __cplusplus
}}
#endif

#endif
"""
