/* nf_ad: on-device learning for anomaly detection, the twin of engine/admodels.py
   statement for statement (same operation order, float32, no fused multiply-add), so a
   learn sequence leaves the same bits on every target and in numpy.

   The including file defines NF_D (features), NF_CAL (calibration scores kept),
   NF_WARMUP (signals learned before scoring starts), NF_MARGIN (float), NF_MODEL_OFF,
   and declares float nf_mem[] (all learned state), nf_w[NF_D] and nf_calbuf[NF_CAL];
   NF_LOO when the model header calibrates the threshold itself (nf_ad_loo, which sorts
   in nf_calbuf: the includer sizes it for both);
   then it includes one model header (nf_ad_gauss.h, nf_ad_kmeans.h, ...), which defines
   nf_admodel_ready/score/learn. Layout of nf_mem, so firmware can save and restore it:

     [0] n   [1, 1+d) mean   [1+d, 1+2d) m2   [1+2d] ncal   [2+2d, 2+2d+CAL) cal
     then from NF_MODEL_OFF the model's own state. */
#ifndef NF_AD_H
#define NF_AD_H

#include "nf_base.h"

#define NF_N (nf_mem[0])
#define NF_MEAN (nf_mem + 1)
#define NF_M2 (nf_mem + 1 + NF_D)
#define NF_NCAL (nf_mem[1 + 2 * NF_D])
#define NF_CALS (nf_mem + 2 + 2 * NF_D)
#define NF_MODEL (nf_mem + NF_MODEL_OFF)

static int nf_admodel_ready(void);
static float nf_admodel_score(const float *x);
static void nf_admodel_learn(const float *x);

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

/* Squared distance weighted by nf_w. */
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

/* Welford's running mean and sum of squared deviations. */
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

#ifdef NF_LOO
static int nf_ad_loo(float *median);
#endif

/* margin x the lower median of the last NF_CAL prequential scores; with NF_LOO, of the
   model's own calibration (nf_ad_loo) once it has one */
static float nf_ad_threshold(void)
{
    int k = NF_NCAL < (float)NF_CAL ? (int)NF_NCAL : NF_CAL, i, j;
    float v;
#ifdef NF_LOO
    if (nf_ad_loo(&v)) return NF_MARGIN * v;
#endif
    if (k == 0) return 0.0f;
    for (i = 0; i < k; i++) {
        v = NF_CALS[i];
        for (j = i; j > 0 && nf_calbuf[j - 1] > v; j--) nf_calbuf[j] = nf_calbuf[j - 1];
        nf_calbuf[j] = v;
    }
    return NF_MARGIN * nf_calbuf[(k - 1) / 2];
}

/* Scores x before learning it (once warm), so the calibration sees unseen signals. */
static void nf_ad_learn(const float *x)
{
    int k;
    nf_ad_weights();
    if (NF_N >= (float)NF_WARMUP && nf_admodel_ready()) {
        k = (int)NF_NCAL;
        NF_CALS[k % NF_CAL] = nf_admodel_score(x);
        NF_NCAL = NF_NCAL + 1.0f;
    }
    nf_admodel_learn(x);
    nf_ad_welford(x);
}

/* 100 x 9 / (9 + (sensitivity x score / threshold)^2), rounded: 90 and above is nominal. */
static uint8_t nf_ad_similarity(const float *x, float sensitivity)
{
    float s, t, r, e, sim;
    if (NF_N == 0.0f) return 0;
    nf_ad_weights();
    s = nf_admodel_score(x);
    t = nf_ad_threshold();
    if (t <= 0x1.197998p-40f) t = 0x1.197998p-40f;
    r = (sensitivity * s) / t;
    e = r * r;
    if (!(e < 1e30f)) e = 1e30f;
    sim = 900.0f / (9.0f + e);
    return (uint8_t)(sim + 0.5f);
}

#endif
