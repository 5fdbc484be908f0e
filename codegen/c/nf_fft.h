/* nf_fft: radix-2 FFT with precomputed twiddles, and the magnitude spectrum of one axis. */
#ifndef NF_FFT_H
#define NF_FFT_H

#include "nf_base.h"
#include "nf_math.h"

/* In-place FFT of n = 2^k points; tw holds cos then sin of 2*pi*i/n, i < n/2. */
static NF_UNUSED void nf_fft_transform(float *re, float *im, int n, const float *tw)
{
    int i, j, k, len;
    for (i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) { float t = re[i]; re[i] = re[j]; re[j] = t; t = im[i]; im[i] = im[j]; im[j] = t; }
    }
    for (len = 2; len <= n; len <<= 1) {
        int half = len >> 1, step = n / len;
        for (i = 0; i < n; i += len) {
            for (k = 0; k < half; k++) {
                float wr = tw[k * step], wi = -tw[n / 2 + k * step];
                float xr = re[i + k + half] * wr - im[i + k + half] * wi;
                float xi = re[i + k + half] * wi + im[i + k + half] * wr;
                re[i + k + half] = re[i + k] - xr;
                im[i + k + half] = im[i + k] - xi;
                re[i + k] = re[i + k] + xr;
                im[i + k] = im[i + k] + xi;
            }
        }
    }
}

/* Magnitudes of bins 0 .. nfft/2-1 of one axis, zero-padded, windowed when win is not 0.
   scr holds 2 nfft + nfft/2 floats: real part, imaginary part, then the magnitudes. */
static NF_UNUSED void nf_fft_mag(const float *x, int len, int nfft, const float *tw, const float *win, float *scr)
{
    float *re = scr, *im = scr + nfft, *mag = scr + 2 * nfft;
    int t;
    for (t = 0; t < nfft; t++) { re[t] = t < len ? (win ? x[t] * win[t] : x[t]) : 0.0f; im[t] = 0.0f; }
    nf_fft_transform(re, im, nfft, tw);
    for (t = 0; t < nfft / 2; t++) mag[t] = nf_math_sqrtf(re[t] * re[t] + im[t] * im[t]);
}

#endif
