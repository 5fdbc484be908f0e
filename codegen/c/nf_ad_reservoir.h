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

#endif
