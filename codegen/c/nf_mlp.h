/* nf_mlp: one hidden ReLU layer, then an affine output layer; h holds `hidden` floats. */
#ifndef NF_MLP_H
#define NF_MLP_H

#include "nf_base.h"

static NF_UNUSED void nf_mlp_predict(const float *v, int n, int hidden, const float *w1, const float *b1,
                                     const float *w2, const float *b2, int outputs, float *h, float *out)
{
    int i, j, c;
    for (j = 0; j < hidden; j++) h[j] = b1[j];
    for (i = 0; i < n; i++)
        for (j = 0; j < hidden; j++) h[j] = h[j] + v[i] * w1[j * n + i];
    for (j = 0; j < hidden; j++) if (h[j] < 0.0f) h[j] = 0.0f;
    for (c = 0; c < outputs; c++) out[c] = b2[c];
    for (j = 0; j < hidden; j++)
        for (c = 0; c < outputs; c++) out[c] = out[c] + h[j] * w2[c * hidden + j];
}

#endif
