/* nf_ad_slots: NF_K stored vectors scored by the nearest one (needs nf_ad.h and NF_K).
   Model state from NF_MODEL: [0] slots filled, [1, 1+NF_K) counts, then NF_K x NF_D vectors.
   nf_ad_kmeans.h and nf_ad_reservoir.h say how slots are filled. */
#ifndef NF_AD_SLOTS_H
#define NF_AD_SLOTS_H

#include "nf_ad.h"

#define NF_FILLED (NF_MODEL[0])
#define NF_CNT (NF_MODEL + 1)
#define NF_SLOT(c) (NF_MODEL + 1 + NF_K + (c) * NF_D)

static int nf_admodel_ready(void) { return NF_FILLED > 0.0f; }

static float nf_admodel_score(const float *x)
{
    int c, k = (int)NF_FILLED;
    float best = nf_ad_sqdist(x, NF_SLOT(0)), d;
    for (c = 1; c < k; c++) {
        d = nf_ad_sqdist(x, NF_SLOT(c));
        if (d < best) best = d;
    }
    return best / (float)NF_D;
}

static void nf_ad_slots_copy(int c, const float *x)
{
    int j;
    for (j = 0; j < NF_D; j++) NF_SLOT(c)[j] = x[j];
}

#endif
