/* nf_ad_kmeans: slots are online k-means centres (the first NF_K signals, then running means). */
#ifndef NF_AD_KMEANS_H
#define NF_AD_KMEANS_H

#include "nf_ad_slots.h"

static void nf_admodel_learn(const float *x)
{
    int c, j, k = (int)NF_FILLED, best = 0;
    float d, bd;
    float *p;
    if (k < NF_K) {
        nf_ad_slots_copy(k, x);
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

#endif
