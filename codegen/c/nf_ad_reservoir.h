/* nf_ad_reservoir: slots are a uniform sample of every signal learned (reservoir sampling
   with a xorshift32 generator the library seeds in nf_ad_reservoir_rng at init). */
#ifndef NF_AD_RESERVOIR_H
#define NF_AD_RESERVOIR_H

#include "nf_ad_slots.h"

static uint32_t nf_ad_reservoir_rng;

static void nf_admodel_learn(const float *x)
{
    uint32_t n = (uint32_t)NF_N, j;
    if (n < (uint32_t)NF_K) {
        nf_ad_slots_copy((int)n, x);
        NF_FILLED = (float)(n + 1u);
        return;
    }
    nf_ad_reservoir_rng ^= nf_ad_reservoir_rng << 13;
    nf_ad_reservoir_rng ^= nf_ad_reservoir_rng >> 17;
    nf_ad_reservoir_rng ^= nf_ad_reservoir_rng << 5;
    j = nf_ad_reservoir_rng % (n + 1u);
    if (j < (uint32_t)NF_K) nf_ad_slots_copy((int)j, x);
}

#ifdef NF_LOO
/* The lower median of the kept buffers' scaled distances to their nearest other one, in
   *median; 0 with fewer than two kept. Each pair is measured once ((a - b)^2 is
   (b - a)^2, bit for bit): the running minima, then the sort, use nf_calbuf (NF_K floats
   at least; the prequential threshold, which also sorts there, is not computed then). */
static int nf_ad_loo(float *median)
{
    int k = (int)NF_FILLED, c, o, i;
    float d, v;
    if (k < 2) return 0;
    for (c = 0; c < k; c++) nf_calbuf[c] = -1.0f; /* distances are >= 0: none yet */
    for (c = 0; c < k; c++) {
        for (o = c + 1; o < k; o++) {
            d = nf_ad_sqdist(NF_SLOT(c), NF_SLOT(o));
            if (nf_calbuf[c] < 0.0f || d < nf_calbuf[c]) nf_calbuf[c] = d;
            if (nf_calbuf[o] < 0.0f || d < nf_calbuf[o]) nf_calbuf[o] = d;
        }
    }
    for (c = 0; c < k; c++) {
        v = nf_calbuf[c] / (float)NF_D;
        for (i = c; i > 0 && nf_calbuf[i - 1] > v; i--) nf_calbuf[i] = nf_calbuf[i - 1];
        nf_calbuf[i] = v;
    }
    *median = nf_calbuf[(k - 1) / 2];
    return 1;
}
#endif

#endif
