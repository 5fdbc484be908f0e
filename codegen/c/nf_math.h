/* nf_math: float32 arithmetic without libm, so every target computes the same bits.
   Square root, exponential and logarithm are built from + - x / and bit moves; no
   function relies on the C library or on fused multiply-add. */
#ifndef NF_MATH_H
#define NF_MATH_H

#include "nf_base.h"

typedef union { float f; uint32_t u; } nf_math_bits;

static NF_UNUSED float nf_math_absf(float x) { return x < 0.0f ? -x : x; }

/* Newton's square root from a bit-level first guess; four steps reach float accuracy. */
static NF_UNUSED float nf_math_sqrtf(float x)
{
    nf_math_bits v;
    float y;
    int i;
    if (!(x > 0.0f)) return 0.0f;
    v.f = x;
    v.u = (v.u >> 1) + 0x1fbb4f2eu;
    y = v.f;
    for (i = 0; i < 4; i++) y = 0.5f * (y + x / y);
    return y;
}

/* e^x: x = k ln2 + r with |r| <= ln2/2, a degree-7 polynomial for e^r, 2^k by bits.
   NaN (from extreme but finite inputs: FLT_MAX - FLT_MAX) comes back as NaN: it fails
   both range tests, and the integer of a NaN is undefined behaviour. */
static NF_UNUSED float nf_math_expf(float x)
{
    nf_math_bits v;
    float k, r, p;
    int ki;
    if (!(x >= -87.0f)) return x < -87.0f ? 0.0f : x;
    if (x > 88.0f) x = 88.0f;
    ki = (int)(x * 1.44269504f + (x >= 0.0f ? 0.5f : -0.5f));
    k = (float)ki;
    r = x - k * 0.693359375f;
    r = r + k * 2.12194440e-4f;
    p = 1.0f + r * (1.0f + r * (0.5f + r * (0.166666672f + r * (0.0416666679f + r * (0.00833333377f
        + r * (0.00138888892f + r * 0.000198412701f))))));
    v.u = (uint32_t)(ki + 127) << 23;
    return p * v.f;
}

/* log x for x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s).
   Returns -87 (about log of the smallest float) for x <= 0. */
static NF_UNUSED float nf_math_logf(float x)
{
    nf_math_bits v;
    int e;
    float m, s, s2;
    if (!(x > 0.0f)) return -87.0f;
    v.f = x;
    e = (int)((v.u >> 23) & 0xffu) - 127;
    v.u = (v.u & 0x007fffffu) | 0x3f800000u;
    m = v.f;
    if (m > 1.41421356f) { m = m * 0.5f; e = e + 1; }
    s = (m - 1.0f) / (m + 1.0f);
    s2 = s * s;
    return (float)e * 0.693147182f
        + 2.0f * s * (1.0f + s2 * (0.333333343f + s2 * (0.2f + s2 * (0.142857149f + s2 * 0.111111112f))));
}

/* Scores to probabilities in place, shifted by the maximum so that expf cannot overflow. */
static NF_UNUSED void nf_math_softmax(float *s, int n)
{
    int i;
    float m = s[0], sum = 0.0f;
    for (i = 1; i < n; i++) if (s[i] > m) m = s[i];
    for (i = 0; i < n; i++) { s[i] = nf_math_expf(s[i] - m); sum += s[i]; }
    for (i = 0; i < n; i++) s[i] = s[i] / sum;
}

#endif
