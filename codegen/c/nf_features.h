/* nf_features: signal-to-vector blocks computed in the time domain. */
#ifndef NF_FEATURES_H
#define NF_FEATURES_H

#include "nf_base.h"
#include "nf_math.h"

static NF_UNUSED void nf_features_flatten(const float *x, int n, float *out)
{
    int i;
    for (i = 0; i < n; i++) out[i] = x[i];
}

/* Nine statistics per axis: mean, std, min, max, RMS, skewness, kurtosis, mean-crossing
   rate, mean absolute difference. */
static NF_UNUSED void nf_features_stats(const float *x, int axes, int len, float *out)
{
    int a, t;
    for (a = 0; a < axes; a++) {
        const float *r = x + a * len;
        float s = 0.0f, m, q = 0.0f, sd, inv, s3 = 0.0f, s4 = 0.0f, mn = r[0], mx = r[0], sq = 0.0f, md = 0.0f;
        int cross = 0;
        for (t = 0; t < len; t++) { s += r[t]; sq += r[t] * r[t]; if (r[t] < mn) mn = r[t]; if (r[t] > mx) mx = r[t]; }
        m = s / (float)len;
        for (t = 0; t < len; t++) { float c = r[t] - m; q += c * c; }
        sd = nf_math_sqrtf(q / (float)len);
        inv = 1.0f / (sd + 1e-6f);
        for (t = 0; t < len; t++) {
            float z = (r[t] - m) * inv, z2 = z * z;
            s3 += z2 * z;
            s4 += z2 * z2;
            if (t > 0) {
                if ((r[t] - m >= 0.0f) != (r[t - 1] - m >= 0.0f)) cross++;
                md += nf_math_absf(r[t] - r[t - 1]);
            }
        }
        out[0] = m; out[1] = sd; out[2] = mn; out[3] = mx; out[4] = nf_math_sqrtf(sq / (float)len);
        out[5] = s3 / (float)len; out[6] = s4 / (float)len;
        out[7] = len > 1 ? (float)cross / (float)(len - 1) : 0.0f;
        out[8] = len > 1 ? md / (float)(len - 1) : 0.0f;
        out += 9;
    }
}

/* MiniRocket's PPV of the {-1, 2} kernels: nine taps summed (zero outside the buffer),
   three of them counted three times, compared with a learned bias. */
static NF_UNUSED void nf_features_minirocket(const float *x, int axes, int len, const unsigned char *kern, int nk,
                                             const int *dil, int nd, const float *bias, float *out)
{
    int a, k, d, t, j, o = 0;
    for (a = 0; a < axes; a++) {
        const float *r = x + a * len;
        for (k = 0; k < nk; k++) {
            const unsigned char *kv = kern + 3 * k;
            for (d = 0; d < nd; d++) {
                int dl = dil[d], count = 0;
                for (t = 0; t < len; t++) {
                    float all = 0.0f, sel, c;
                    float tap[9];
                    for (j = 0; j < 9; j++) {
                        int p = t + (j - 4) * dl;
                        tap[j] = (p >= 0 && p < len) ? r[p] : 0.0f;
                        all = j == 0 ? tap[0] : all + tap[j];
                    }
                    sel = tap[kv[0]] + tap[kv[1]] + tap[kv[2]];
                    c = 3.0f * sel - all;
                    if (c > bias[o]) count++;
                }
                out[o] = (float)count / (float)len;
                o++;
            }
        }
    }
}

#endif
