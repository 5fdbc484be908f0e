/* nf_gnb: Gaussian log-densities with diagonal covariance, one per class (or component). */
#ifndef NF_GNB_H
#define NF_GNB_H

#include "nf_base.h"

/* out[c] = k[c] - 1/2 sum_i (v_i - mu_ci)^2 iv_ci; k holds each class's log-normaliser. */
static NF_UNUSED void nf_gnb_predict(const float *v, int n, const float *mu, const float *iv, const float *k,
                                     int classes, float *out)
{
    int c, i;
    for (c = 0; c < classes; c++) out[c] = 0.0f;
    for (i = 0; i < n; i++)
        for (c = 0; c < classes; c++) {
            float t = v[i] - mu[c * n + i];
            out[c] = out[c] + t * t * iv[c * n + i];
        }
    for (c = 0; c < classes; c++) out[c] = k[c] - 0.5f * out[c];
}

#endif
