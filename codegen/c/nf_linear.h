/* nf_linear: one affine score per output, w holding one row of n weights per output. */
#ifndef NF_LINEAR_H
#define NF_LINEAR_H

#include "nf_base.h"

static NF_UNUSED void nf_linear_predict(const float *v, int n, const float *w, const float *b, int outputs, float *out)
{
    int c, i;
    for (c = 0; c < outputs; c++) out[c] = b[c];
    for (i = 0; i < n; i++)
        for (c = 0; c < outputs; c++) out[c] = out[c] + v[i] * w[c * n + i];
}

#endif
