"""C text of the on-device learning: the twins of engine/admodels.py, statement for
statement (same operation order, float32 throughout, no fused multiply-add).

All learned state is one float array `nf_mem` (layout below), so firmware can save it to
flash and restore it after a reset, and tests can compare it bit for bit:

    [0] n   [1, 1+d) mean   [1+d, 1+2d) m2   [1+2d] ncal   [2+2d, 2+2d+CAL) cal
    then the model: k-means / reservoir: filled, cnt[K], slot[K×d];  hst: mass[T×nodes]
"""

from __future__ import annotations

# Needs: NF_D, NF_CAL, NF_MARGIN (float literal), NF_MODEL_OFF, nf_mem, nf_w, nf_calbuf.
CORE = r"""
#define NF_N (nf_mem[0])
#define NF_MEAN (nf_mem + 1)
#define NF_M2 (nf_mem + 1 + NF_D)
#define NF_NCAL (nf_mem[1 + 2 * NF_D])
#define NF_CALS (nf_mem + 2 + 2 * NF_D)
#define NF_MODEL (nf_mem + NF_MODEL_OFF)

/* 1 / (variance + floor); the floor is 1 % of the mean variance. */
static void nf_ad_weights(void)
{
    int j;
    float n = NF_N, avg = 0.0f, fl;
    for (j = 0; j < NF_D; j++) {
        nf_w[j] = n > 0.0f ? NF_M2[j] / n : 0.0f;
        avg += nf_w[j];
    }
    avg = avg / (float)NF_D;
    fl = 0x1.47ae14p-7f * avg + 0x1.197998p-40f;
    for (j = 0; j < NF_D; j++) nf_w[j] = 1.0f / (nf_w[j] + fl);
}

#if defined(__GNUC__)
#define NF_UNUSED __attribute__((unused))
#else
#define NF_UNUSED
#endif
static NF_UNUSED float nf_ad_sqdist(const float *x, const float *p)
{
    int j;
    float acc = 0.0f, t;
    for (j = 0; j < NF_D; j++) {
        t = x[j] - p[j];
        acc += t * t * nf_w[j];
    }
    return acc;
}

static void nf_ad_welford(const float *x)
{
    int j;
    float n = NF_N + 1.0f, delta;
    NF_N = n;
    for (j = 0; j < NF_D; j++) {
        delta = x[j] - NF_MEAN[j];
        NF_MEAN[j] = NF_MEAN[j] + delta / n;
        NF_M2[j] = NF_M2[j] + delta * (x[j] - NF_MEAN[j]);
    }
}

/* margin x the lower median of the last NF_CAL prequential scores */
static float nf_ad_threshold(void)
{
    int k = NF_NCAL < (float)NF_CAL ? (int)NF_NCAL : NF_CAL, i, j;
    float v;
    if (k == 0) return 0.0f;
    for (i = 0; i < k; i++) {
        v = NF_CALS[i];
        for (j = i; j > 0 && nf_calbuf[j - 1] > v; j--) nf_calbuf[j] = nf_calbuf[j - 1];
        nf_calbuf[j] = v;
    }
    return NF_MARGIN * nf_calbuf[(k - 1) / 2];
}

static void nf_ad_learn(const float *x)
{
    int k;
    nf_ad_weights();
    if (NF_N >= (float)NF_WARMUP && nf_model_ready()) {
        k = (int)NF_NCAL;
        NF_CALS[k % NF_CAL] = nf_model_score(x);
        NF_NCAL = NF_NCAL + 1.0f;
    }
    nf_model_learn(x);
    nf_ad_welford(x);
}

static uint8_t nf_ad_similarity(const float *x, float sensitivity)
{
    float s, t, r, e, sim;
    if (NF_N == 0.0f) return 0;
    nf_ad_weights();
    s = nf_model_score(x);
    t = nf_ad_threshold();
    if (t <= 0x1.197998p-40f) t = 0x1.197998p-40f;
    r = (sensitivity * s) / t;
    e = r * r;
    if (!(e < 1e30f)) e = 1e30f;
    sim = 900.0f / (9.0f + e);
    return (uint8_t)(sim + 0.5f);
}
"""

MODELS = {
    "gauss": r"""
static int nf_model_ready(void) { return 1; }
static float nf_model_score(const float *x) { return nf_ad_sqdist(x, NF_MEAN) / (float)NF_D; }
static void nf_model_learn(const float *x) { (void)x; }
""",
    # slots: NF_MODEL[0] filled, [1, 1+K) cnt, then K x d vectors
    "protos": r"""
#define NF_FILLED (NF_MODEL[0])
#define NF_CNT (NF_MODEL + 1)
#define NF_SLOT(c) (NF_MODEL + 1 + NF_K + (c) * NF_D)
static int nf_model_ready(void) { return NF_FILLED > 0.0f; }
static float nf_model_score(const float *x)
{
    int c, k = (int)NF_FILLED;
    float best = nf_ad_sqdist(x, NF_SLOT(0)), d;
    for (c = 1; c < k; c++) {
        d = nf_ad_sqdist(x, NF_SLOT(c));
        if (d < best) best = d;
    }
    return best / (float)NF_D;
}
static void nf_slot_copy(int c, const float *x)
{
    int j;
    for (j = 0; j < NF_D; j++) NF_SLOT(c)[j] = x[j];
}
""",
    "kmeans": r"""
static void nf_model_learn(const float *x)
{
    int c, j, k = (int)NF_FILLED, best = 0;
    float d, bd;
    float *p;
    if (k < NF_K) {
        nf_slot_copy(k, x);
        NF_CNT[k] = 1.0f;
        NF_FILLED = (float)(k + 1);
        return;
    }
    bd = nf_ad_sqdist(x, NF_SLOT(0));
    for (c = 1; c < NF_K; c++) {
        d = nf_ad_sqdist(x, NF_SLOT(c));
        if (d < bd) { bd = d; best = c; }
    }
    NF_CNT[best] = NF_CNT[best] + 1.0f;
    p = NF_SLOT(best);
    for (j = 0; j < NF_D; j++) p[j] = p[j] + (x[j] - p[j]) / NF_CNT[best];
}
""",
    "reservoir": r"""
static uint32_t nf_rng;
static void nf_model_learn(const float *x)
{
    uint32_t n = (uint32_t)NF_N, j;
    if (n < (uint32_t)NF_K) {
        nf_slot_copy((int)n, x);
        NF_FILLED = (float)(n + 1u);
        return;
    }
    nf_rng ^= nf_rng << 13;
    nf_rng ^= nf_rng >> 17;
    nf_rng ^= nf_rng << 5;
    j = nf_rng % (n + 1u);
    if (j < (uint32_t)NF_K) nf_slot_copy((int)j, x);
}
""",
    # half-space trees: NF_MODEL = mass[T x NODES]; shapes nf_hd (dims) and NF_HV (values)
    "hst": r"""
static int nf_model_ready(void) { return NF_N > 0.0f; }
static float nf_hst_z(const float *x, int q) { return (x[q] - NF_MEAN[q]) * nf_sqrtf(nf_w[q]); }
static void nf_model_learn(const float *x)
{
    int t, i, level;
    float *mass;
    if (NF_N < 2.0f) return;
    for (t = 0; t < NF_T; t++) {
        mass = NF_MODEL + t * NF_NODES;
        i = 0;
        for (level = 0; level <= NF_DEPTH; level++) {
            mass[i] = mass[i] + 1.0f;
            if (level == NF_DEPTH) break;
            i = 2 * i + (nf_hst_z(x, nf_hd[t * NF_INNER + i]) < NF_HV[t * NF_INNER + i] ? 1 : 2);
        }
    }
}
static float nf_model_score(const float *x)
{
    int t, i, level;
    float acc = 0.0f, limit = 0x1.99999ap-4f * NF_N;
    const float *mass;
    for (t = 0; t < NF_T; t++) {
        mass = NF_MODEL + t * NF_NODES;
        i = 0;
        level = 0;
        while (level < NF_DEPTH && mass[i] >= limit) {
            i = 2 * i + (nf_hst_z(x, nf_hd[t * NF_INNER + i]) < NF_HV[t * NF_INNER + i] ? 1 : 2);
            level++;
        }
        acc += mass[i] * (float)(1L << level);
    }
    return ((float)NF_T * NF_N) / (acc + 1.0f);
}
""",
}
