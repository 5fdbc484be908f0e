/* nf_spectrum: feature vectors from the magnitude spectrum of each axis. */
#ifndef NF_SPECTRUM_H
#define NF_SPECTRUM_H

#include "nf_base.h"
#include "nf_math.h"
#include "nf_fft.h"

/* Mean magnitude of `bands` equal slices of the spectrum, log(1 + m) when use_log. */
static NF_UNUSED void nf_spectrum_bands(const float *x, int axes, int len, int nfft, const float *tw,
                                        const float *win, int bands, int use_log, float *scr, float *out)
{
    int a, b, t, bins = nfft / 2;
    for (a = 0; a < axes; a++) {
        const float *mag = scr + 2 * nfft;
        nf_fft_mag(x + a * len, len, nfft, tw, win, scr);
        for (b = 0; b < bands; b++) {
            int lo = b * bins / bands, hi = (b + 1) * bins / bands;
            float s = 0.0f;
            for (t = lo; t < hi; t++) s += mag[t];
            s = s / (float)(hi - lo);
            out[a * bands + b] = use_log ? nf_math_logf(1.0f + s) : s;
        }
    }
}

/* Nine shape features per axis: centroid, spread, peak bin, log energy, 85 % roll-off,
   and the energy share of four equal bands. */
static NF_UNUSED void nf_spectrum_shape(const float *x, int axes, int len, int nfft, const float *tw, float *scr,
                                        float *out)
{
    int a, t, b, bins = nfft / 2, peak;
    const float *mag = scr + 2 * nfft;
    for (a = 0; a < axes; a++) {
        float tot = 0.0f, cen = 0.0f, spr = 0.0f, cum = 0.0f, best = -1.0f, roll = 0.0f;
        nf_fft_mag(x + a * len, len, nfft, tw, 0, scr);
        for (t = 0; t < bins; t++) { float p = mag[t] * mag[t]; tot += p; cen += p * ((float)t / (float)bins); }
        tot = tot + 1e-12f;
        cen = cen / tot;
        peak = 1;
        for (t = 0; t < bins; t++) {
            float p = mag[t] * mag[t], d = (float)t / (float)bins - cen;
            spr += p * d * d;
            if (t >= 1 && mag[t] > best) { best = mag[t]; peak = t; }
        }
        for (t = 0; t < bins; t++) { cum += mag[t] * mag[t]; if (cum < 0.85f * tot) roll += 1.0f; }
        out[0] = cen;
        out[1] = nf_math_sqrtf(spr / tot);
        out[2] = (float)peak / (float)bins;
        out[3] = nf_math_logf(1.0f + tot);
        out[4] = roll / (float)bins;
        for (b = 0; b < 4; b++) {
            int lo = b * bins / 4, hi = (b + 1) * bins / 4;
            float e = 0.0f;
            for (t = lo; t < hi; t++) e += mag[t] * mag[t];
            out[5 + b] = e / tot;
        }
        out += 9;
    }
}

#endif
