/* nf_shape: the catch22-kind summary set (engine/blocks/stats.py, Catch): per axis, the
   nine statistics of nf_features, then seven shape features. */
#ifndef NF_SHAPE_H
#define NF_SHAPE_H

#include "nf_base.h"
#include "nf_features.h"
#include "nf_math.h"

/* One axis (shape_features): first zero crossing and first minimum of the centred
   signal's unnormalised autocorrelation (lag by lag, stopping once both are found),
   longest stretch above the mean, longest run of decreases, time-reversal asymmetry,
   positions of the maximum and the minimum; counts and positions as fractions of the
   length. */
static NF_UNUSED void nf_shape_axis(const float *r, int len, float *out)
{
    int t, lag, zero = len, fmin = len, run = 0, above = 0, down = 0, imax = 0, imin = 0;
    float s = 0.0f, m, q = 0.0f, prev2, prev = 0.0f, inv, tr = 0.0f;
    for (t = 0; t < len; t++) s += r[t];
    m = s / (float)len;
    for (t = 0; t < len; t++) { float c = r[t] - m; q += c * c; }
    prev2 = q;
    for (lag = 1; lag < len && (zero == len || fmin == len); lag++) {
        float cur = 0.0f;
        for (t = 0; t < len - lag; t++) cur += (r[t] - m) * (r[t + lag] - m);
        if (zero == len && cur <= 0.0f) zero = lag;
        if (lag > 1) {
            if (fmin == len && prev < prev2 && prev <= cur) fmin = lag - 1;
            prev2 = prev;
        }
        prev = cur;
    }
    for (t = 0; t < len; t++) {
        run = (r[t] - m > 0.0f) ? run + 1 : 0;
        if (run > above) above = run;
        if (r[t] > r[imax]) imax = t;
        if (r[t] < r[imin]) imin = t;
    }
    run = 0;
    for (t = 1; t < len; t++) { run = r[t] < r[t - 1] ? run + 1 : 0; if (run > down) down = run; }
    inv = 1.0f / (nf_math_sqrtf(q / (float)len) + 1e-6f);
    for (t = 1; t < len; t++) { float d = (r[t] - m) * inv - (r[t - 1] - m) * inv; tr += d * d * d; }
    out[0] = (float)zero / (float)len; out[1] = (float)fmin / (float)len;
    out[2] = (float)above / (float)len; out[3] = (float)down / (float)len;
    out[4] = len > 1 ? tr / (float)(len - 1) : 0.0f;
    out[5] = (float)imax / (float)len; out[6] = (float)imin / (float)len;
}

static NF_UNUSED void nf_shape_features(const float *x, int axes, int len, float *out)
{
    int a;
    for (a = 0; a < axes; a++) {
        nf_features_stats(x + a * len, 1, len, out);
        nf_shape_axis(x + a * len, len, out + 9);
        out += 16;
    }
}

#endif
