/* nf_vector: vector-to-vector blocks (standardisation, projection). */
#ifndef NF_VECTOR_H
#define NF_VECTOR_H

#include "nf_base.h"

static NF_UNUSED void nf_vector_scale(float *v, int n, const float *mean, const float *inv)
{
    int i;
    for (i = 0; i < n; i++) v[i] = (v[i] - mean[i]) * inv[i];
}

/* out = comp (v - mean), comp being k rows of n. */
static NF_UNUSED void nf_vector_pca(const float *v, int n, int k, const float *mean, const float *comp, float *out)
{
    int i, j;
    for (j = 0; j < k; j++) out[j] = 0.0f;
    for (i = 0; i < n; i++) {
        float c = v[i] - mean[i];
        for (j = 0; j < k; j++) out[j] = out[j] + c * comp[j * n + i];
    }
}

#endif
