/* nf_ad_hst: half-space trees on standardised features (needs nf_ad.h). The including
   file defines NF_T trees of depth NF_DEPTH (NF_INNER inner and NF_NODES nodes each) and
   their shapes, fixed by the seed: split dimensions nf_hd[] and values NF_HV.
   Model state from NF_MODEL: the mass of every node, NF_T x NF_NODES. */
#ifndef NF_AD_HST_H
#define NF_AD_HST_H

#include "nf_ad.h"
#include "nf_math.h"

static int nf_admodel_ready(void) { return NF_N > 0.0f; }

static float nf_ad_hst_z(const float *x, int q) { return (x[q] - NF_MEAN[q]) * nf_math_sqrtf(nf_w[q]); }

static void nf_admodel_learn(const float *x)
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
            i = 2 * i + (nf_ad_hst_z(x, nf_hd[t * NF_INNER + i]) < NF_HV[t * NF_INNER + i] ? 1 : 2);
        }
    }
}

static float nf_admodel_score(const float *x)
{
    int t, i, level;
    float acc = 0.0f, limit = 0x1.99999ap-4f * NF_N;
    const float *mass;
    for (t = 0; t < NF_T; t++) {
        mass = NF_MODEL + t * NF_NODES;
        i = 0;
        level = 0;
        while (level < NF_DEPTH && mass[i] >= limit) {
            i = 2 * i + (nf_ad_hst_z(x, nf_hd[t * NF_INNER + i]) < NF_HV[t * NF_INNER + i] ? 1 : 2);
            level++;
        }
        acc += mass[i] * (float)(1L << level);
    }
    return ((float)NF_T * NF_N) / (acc + 1.0f);
}

#endif
