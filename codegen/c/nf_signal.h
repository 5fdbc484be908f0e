/* nf_signal: signal-to-signal blocks, in place on an (axes, len) row-major buffer. */
#ifndef NF_SIGNAL_H
#define NF_SIGNAL_H

#include "nf_base.h"
#include "nf_math.h"

static NF_UNUSED void nf_signal_mean_removal(float *x, int axes, int len)
{
    int a, t;
    for (a = 0; a < axes; a++) {
        float *r = x + a * len, s = 0.0f, m;
        for (t = 0; t < len; t++) s += r[t];
        m = s / (float)len;
        for (t = 0; t < len; t++) r[t] = r[t] - m;
    }
}

static NF_UNUSED void nf_signal_zscore(float *x, int axes, int len)
{
    int a, t;
    for (a = 0; a < axes; a++) {
        float *r = x + a * len, s = 0.0f, m, q = 0.0f, inv;
        for (t = 0; t < len; t++) s += r[t];
        m = s / (float)len;
        for (t = 0; t < len; t++) { float c = r[t] - m; r[t] = c; q += c * c; }
        inv = 1.0f / (nf_math_sqrtf(q / (float)len) + 1e-6f);
        for (t = 0; t < len; t++) r[t] = r[t] * inv;
    }
}

/* Output rows are len-1 long and packed, so the next block sees a dense (axes, len-1). */
static NF_UNUSED void nf_signal_diff(float *x, int axes, int len)
{
    int a, t, o = 0;
    for (a = 0; a < axes; a++) {
        const float *r = x + a * len;
        for (t = 0; t < len - 1; t++) x[o++] = r[t + 1] - r[t];
    }
}

/* Means of f consecutive samples; rows are packed to len/f. */
static NF_UNUSED void nf_signal_decimate(float *x, int axes, int len, int f)
{
    int a, t, j, m = len / f, o = 0;
    float inv = 1.0f / (float)f;
    for (a = 0; a < axes; a++) {
        const float *r = x + a * len;
        for (t = 0; t < m; t++) {
            float s = 0.0f;
            for (j = 0; j < f; j++) s = s + r[t * f + j];
            x[o++] = s * inv;
        }
    }
}

/* Cascaded biquads (transposed direct form II); sos holds b0 b1 b2 a0 a1 a2 per section. */
static NF_UNUSED void nf_signal_bandpass(float *x, int axes, int len, const float *sos, int sections)
{
    int a, t, s;
    for (a = 0; a < axes; a++) {
        float *r = x + a * len;
        for (s = 0; s < sections; s++) {
            const float *c = sos + 6 * s;
            float z1 = 0.0f, z2 = 0.0f;
            for (t = 0; t < len; t++) {
                float in = r[t], out = c[0] * in + z1;
                z1 = c[1] * in - c[4] * out + z2;
                z2 = c[2] * in - c[5] * out;
                r[t] = out;
            }
        }
    }
}

#endif
