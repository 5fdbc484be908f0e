/* nf_rolling: the multi-sensor block. One call sees one sample of v variables; a ring of
   the last w samples lives in the caller's RAM and persists across calls. */
#ifndef NF_ROLLING_H
#define NF_ROLLING_H

#include "nf_base.h"

static uint32_t nf_rolling_n; /* samples seen since the last reset */

/* Forgets every sample: the ring (n floats) and the count. */
static NF_UNUSED void nf_rolling_reset(float *ring, int n)
{
    int i;
    nf_rolling_n = 0;
    for (i = 0; i < n; i++) ring[i] = 0.0f;
}

/* The sample, then per variable the mean and range of the last w samples (summed in slot
   order); w = 0 passes the sample through. */
static NF_UNUSED void nf_rolling_apply(const float *x, int v, int w, float *ring, float *out)
{
    int j, s, k, slot;
    float acc, mx, mn, r;
    if (w == 0) {
        for (j = 0; j < v; j++) out[j] = x[j];
        return;
    }
    slot = (int)(nf_rolling_n % (uint32_t)w);
    k = nf_rolling_n + 1u < (uint32_t)w ? (int)(nf_rolling_n + 1u) : w;
    for (j = 0; j < v; j++) ring[slot * v + j] = x[j];
    for (j = 0; j < v; j++) {
        acc = 0.0f;
        mx = mn = ring[j];
        for (s = 0; s < k; s++) {
            r = ring[s * v + j];
            acc += r;
            if (r > mx) mx = r;
            if (r < mn) mn = r;
        }
        out[3 * j] = x[j];
        out[3 * j + 1] = acc / (float)k;
        out[3 * j + 2] = mx - mn;
    }
    nf_rolling_n++;
}

#endif
