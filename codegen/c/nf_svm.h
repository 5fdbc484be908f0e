/* nf_svm: RBF-kernel decision values, sum_s alpha_cs exp(-gamma |v - sv_s|^2) + b_c. */
#ifndef NF_SVM_H
#define NF_SVM_H

#include "nf_base.h"
#include "nf_math.h"

static NF_UNUSED void nf_svm_predict(const float *v, int n, const float *sv, int count, const float *alpha,
                                     const float *b, float gamma, int outputs, float *out)
{
    int s, i, c;
    for (c = 0; c < outputs; c++) out[c] = 0.0f;
    for (s = 0; s < count; s++) {
        float d = 0.0f, kv;
        for (i = 0; i < n; i++) { float t = v[i] - sv[s * n + i]; d = d + t * t; }
        kv = nf_math_expf(-gamma * d);
        for (c = 0; c < outputs; c++) out[c] = out[c] + kv * alpha[c * count + s];
    }
    for (c = 0; c < outputs; c++) out[c] = out[c] + b[c];
}

#endif
