/* nf_maha: the 1-class Mahalanobis score. */
#ifndef NF_MAHA_H
#define NF_MAHA_H

#include "nf_base.h"

/* Squared Mahalanobis distance (v - mean)' P (v - mean); t (n floats) holds v - mean. */
static NF_UNUSED float nf_maha_score(const float *v, int n, const float *mean, const float *prec, float *t)
{
    int i, j;
    float acc = 0.0f;
    for (i = 0; i < n; i++) t[i] = v[i] - mean[i];
    for (i = 0; i < n; i++) {
        float u = 0.0f;
        for (j = 0; j < n; j++) u = u + t[j] * prec[i * n + j];
        acc = acc + t[i] * u;
    }
    return acc;
}

#endif
