"""C text of the shared helpers and of every block and model (DESIGN §3.1, the C side).

Rules that make the host build and every Cortex-M build give the same bits:
float32 only (every constant has an `f`), no libm (own sqrt, exp, log from + − × ÷ and
bit moves), no fused multiply-add (-ffp-contract=off at build), fixed loop order, and
the same source text for all targets. Each function is emitted only when a library uses
it; all are `static`, so nothing but the NanoEdge API leaves the object file.
"""

from __future__ import annotations

BITS = r"""
typedef union { float f; uint32_t u; } nf_bits;
"""

MATH = {
    "nf_absf": r"""
static float nf_absf(float x) { return x < 0.0f ? -x : x; }
""",
    "nf_sqrtf": r"""
/* Newton's square root from a bit-level first guess; four steps reach float accuracy. */
static float nf_sqrtf(float x)
{
    nf_bits v;
    float y;
    int i;
    if (!(x > 0.0f)) return 0.0f;
    v.f = x;
    v.u = (v.u >> 1) + 0x1fbb4f2eu;
    y = v.f;
    for (i = 0; i < 4; i++) y = 0.5f * (y + x / y);
    return y;
}
""",
    "nf_expf": r"""
/* e^x: x = k ln2 + r with |r| <= ln2/2, a degree-7 polynomial for e^r, 2^k by bits. */
static float nf_expf(float x)
{
    nf_bits v;
    float k, r, p;
    int ki;
    if (x < -87.0f) return 0.0f;
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
""",
    "nf_logf": r"""
/* log x for x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s). */
static float nf_logf(float x)
{
    nf_bits v;
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
""",
    "nf_softmax": r"""
static void nf_softmax(float *s, int n)
{
    int i;
    float m = s[0], sum = 0.0f;
    for (i = 1; i < n; i++) if (s[i] > m) m = s[i];
    for (i = 0; i < n; i++) { s[i] = nf_expf(s[i] - m); sum += s[i]; }
    for (i = 0; i < n; i++) s[i] = s[i] / sum;
}
""",
}


# ------------------------------------------------------------------ signal blocks

SIGNAL = {
    "mean_removal": r"""
static void nf_mean_removal_apply(float *x, int axes, int len)
{
    int a, t;
    for (a = 0; a < axes; a++) {
        float *r = x + a * len, s = 0.0f, m;
        for (t = 0; t < len; t++) s += r[t];
        m = s / (float)len;
        for (t = 0; t < len; t++) r[t] = r[t] - m;
    }
}
""",
    "zscore": r"""
static void nf_zscore_apply(float *x, int axes, int len)
{
    int a, t;
    for (a = 0; a < axes; a++) {
        float *r = x + a * len, s = 0.0f, m, q = 0.0f, inv;
        for (t = 0; t < len; t++) s += r[t];
        m = s / (float)len;
        for (t = 0; t < len; t++) { float c = r[t] - m; r[t] = c; q += c * c; }
        inv = 1.0f / (nf_sqrtf(q / (float)len) + 1e-6f);
        for (t = 0; t < len; t++) r[t] = r[t] * inv;
    }
}
""",
    "diff": r"""
/* Output rows are len-1 long and packed, so the next block sees a dense (axes, len-1). */
static void nf_diff_apply(float *x, int axes, int len)
{
    int a, t, o = 0;
    for (a = 0; a < axes; a++) {
        const float *r = x + a * len;
        for (t = 0; t < len - 1; t++) x[o++] = r[t + 1] - r[t];
    }
}
""",
    "decimate": r"""
static void nf_decimate_apply(float *x, int axes, int len, int f)
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
""",
    "bandpass": r"""
static void nf_bandpass_apply(float *x, int axes, int len, const float *sos, int sections)
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
""",
}

FFT = r"""
/* In-place radix-2 FFT of n = 2^k points; tw holds cos then sin of 2*pi*i/n, i < n/2. */
static void nf_fft(float *re, float *im, int n, const float *tw)
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

/* Magnitudes of bins 0 .. nfft/2-1 of one axis, zero-padded, optionally windowed. */
static void nf_fft_mag(const float *x, int len, int nfft, const float *tw, const float *win, float *scr)
{
    float *re = scr, *im = scr + nfft, *mag = scr + 2 * nfft;
    int t;
    for (t = 0; t < nfft; t++) { re[t] = t < len ? (win ? x[t] * win[t] : x[t]) : 0.0f; im[t] = 0.0f; }
    nf_fft(re, im, nfft, tw);
    for (t = 0; t < nfft / 2; t++) mag[t] = nf_sqrtf(re[t] * re[t] + im[t] * im[t]);
}
"""

FEATURE = {
    "rolling": r"""
/* Multi-sensor: the sample, then per variable the mean and range of the last w samples
   (ring in RAM, summed in slot order). */
static uint32_t nf_roll_n;
static void nf_rolling_apply(const float *x, int v, int w, float *ring, float *out)
{
    int j, s, k, slot;
    float acc, mx, mn, r;
    if (w == 0) {
        for (j = 0; j < v; j++) out[j] = x[j];
        return;
    }
    slot = (int)(nf_roll_n % (uint32_t)w);
    k = nf_roll_n + 1u < (uint32_t)w ? (int)(nf_roll_n + 1u) : w;
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
    nf_roll_n++;
}
""",
    "flatten": r"""
static void nf_flatten_apply(const float *x, int n, float *out)
{
    int i;
    for (i = 0; i < n; i++) out[i] = x[i];
}
""",
    "fft": r"""
static void nf_fftbands_apply(const float *x, int axes, int len, int nfft, const float *tw, const float *win,
                              int bands, int use_log, float *scr, float *out)
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
            out[a * bands + b] = use_log ? nf_logf(1.0f + s) : s;
        }
    }
}
""",
    "stats": r"""
static void nf_stats_apply(const float *x, int axes, int len, float *out)
{
    int a, t;
    for (a = 0; a < axes; a++) {
        const float *r = x + a * len;
        float s = 0.0f, m, q = 0.0f, sd, inv, s3 = 0.0f, s4 = 0.0f, mn = r[0], mx = r[0], sq = 0.0f, md = 0.0f;
        int cross = 0;
        for (t = 0; t < len; t++) { s += r[t]; sq += r[t] * r[t]; if (r[t] < mn) mn = r[t]; if (r[t] > mx) mx = r[t]; }
        m = s / (float)len;
        for (t = 0; t < len; t++) { float c = r[t] - m; q += c * c; }
        sd = nf_sqrtf(q / (float)len);
        inv = 1.0f / (sd + 1e-6f);
        for (t = 0; t < len; t++) {
            float z = (r[t] - m) * inv, z2 = z * z;
            s3 += z2 * z;
            s4 += z2 * z2;
            if (t > 0) {
                if ((r[t] - m >= 0.0f) != (r[t - 1] - m >= 0.0f)) cross++;
                md += nf_absf(r[t] - r[t - 1]);
            }
        }
        out[0] = m; out[1] = sd; out[2] = mn; out[3] = mx; out[4] = nf_sqrtf(sq / (float)len);
        out[5] = s3 / (float)len; out[6] = s4 / (float)len;
        out[7] = len > 1 ? (float)cross / (float)(len - 1) : 0.0f;
        out[8] = len > 1 ? md / (float)(len - 1) : 0.0f;
        out += 9;
    }
}
""",
    "spectral": r"""
static void nf_spectral_apply(const float *x, int axes, int len, int nfft, const float *tw, float *scr, float *out)
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
        out[1] = nf_sqrtf(spr / tot);
        out[2] = (float)peak / (float)bins;
        out[3] = nf_logf(1.0f + tot);
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
""",
    "minirocket": r"""
/* PPV of the {-1, 2} kernels: nine taps summed (zero outside the buffer), three of them
   counted three times, compared with a learned bias. */
static void nf_minirocket_apply(const float *x, int axes, int len, const unsigned char *kern, int nk,
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
""",
}

VECTOR = {
    "scale": r"""
static void nf_scale_apply(float *v, int n, const float *mean, const float *inv)
{
    int i;
    for (i = 0; i < n; i++) v[i] = (v[i] - mean[i]) * inv[i];
}
""",
    "pca": r"""
static void nf_pca_apply(const float *v, int n, int k, const float *mean, const float *comp, float *out)
{
    int i, j;
    for (j = 0; j < k; j++) out[j] = 0.0f;
    for (i = 0; i < n; i++) {
        float c = v[i] - mean[i];
        for (j = 0; j < k; j++) out[j] = out[j] + c * comp[j * n + i];
    }
}
""",
}

# ------------------------------------------------------------------ models

MODEL = {
    "select": r"""
/* The k nearest of `count` stored vectors, nearest first; ties keep the earlier. */
static int nf_knn_select(const float *v, int n, const float *proto, int count, int k, float *best_d, int *best_i)
{
    int p, i, j, found = 0;
    for (p = 0; p < count; p++) {
        float d = 0.0f;
        for (i = 0; i < n; i++) { float t = v[i] - proto[p * n + i]; d = d + t * t; }
        if (found < k || d < best_d[found - 1]) {
            j = found < k ? found++ : k - 1;
            while (j > 0 && best_d[j - 1] > d) { best_d[j] = best_d[j - 1]; best_i[j] = best_i[j - 1]; j--; }
            best_d[j] = d;
            best_i[j] = p;
        }
    }
    return found;
}
""",
    "proto": r"""
/* k nearest prototypes, each voting 1/(d + 1e-6) for its class; ties keep the earlier. */
static void nf_proto_predict(const float *v, int n, const float *proto, const float *label, int count, int k,
                             int classes, float *best_d, int *best_i, float *out)
{
    int i, j, found = nf_knn_select(v, n, proto, count, k, best_d, best_i);
    float sum = 0.0f;
    for (i = 0; i < classes; i++) out[i] = 0.0f;
    for (j = 0; j < found; j++) out[(int)label[best_i[j]]] += 1.0f / (best_d[j] + 1e-6f);
    for (i = 0; i < classes; i++) sum += out[i];
    for (i = 0; i < classes; i++) out[i] = out[i] / sum;
}
""",
    "linear": r"""
static void nf_linear_predict(const float *v, int n, const float *w, const float *b, int classes, float *out)
{
    int c, i;
    for (c = 0; c < classes; c++) out[c] = b[c];
    for (i = 0; i < n; i++)
        for (c = 0; c < classes; c++) out[c] = out[c] + v[i] * w[c * n + i];
}
""",
    "gnb": r"""
static void nf_gnb_predict(const float *v, int n, const float *mu, const float *iv, const float *k, int classes,
                           float *out)
{
    int c, i;
    for (c = 0; c < classes; c++) out[c] = 0.0f;
    for (i = 0; i < n; i++)
        for (c = 0; c < classes; c++) {
            float t = v[i] - mu[c * n + i];
            out[c] = out[c] + t * t * iv[c * n + i];
        }
    for (c = 0; c < classes; c++) out[c] = k[c] - 0.5f * out[c];
}
""",
    "svm_rbf": r"""
static void nf_svm_predict(const float *v, int n, const float *sv, int count, const float *alpha, const float *b,
                           float gamma, int classes, float *out)
{
    int s, i, c;
    for (c = 0; c < classes; c++) out[c] = 0.0f;
    for (s = 0; s < count; s++) {
        float d = 0.0f, kv;
        for (i = 0; i < n; i++) { float t = v[i] - sv[s * n + i]; d = d + t * t; }
        kv = nf_expf(-gamma * d);
        for (c = 0; c < classes; c++) out[c] = out[c] + kv * alpha[c * count + s];
    }
    for (c = 0; c < classes; c++) out[c] = out[c] + b[c];
}
""",
    "trees": r"""
/* Node tables as floats (indices are exact below 2^24): feature (-1 at a leaf), threshold,
   left (leaf row at a leaf), right. Goes left when v[f] <= threshold. */
static int nf_tree_leaf(const float *v, const float *feat, const float *thr, const float *left,
                        const float *right, int node)
{
    while (feat[node] >= 0.0f) node = v[(int)feat[node]] <= thr[node] ? (int)left[node] : (int)right[node];
    return (int)left[node];
}

static void nf_trees_sum(const float *v, const float *feat, const float *thr, const float *left, const float *right,
                         const float *leaf, int width, const float *roots, int count, float *out)
{
    int t, c;
    for (t = 0; t < count; t++) {
        const float *row = leaf + width * nf_tree_leaf(v, feat, thr, left, right, (int)roots[t]);
        for (c = 0; c < width; c++) out[c] = out[c] + row[c];
    }
}
""",
    "mlp": r"""
static void nf_mlp_predict(const float *v, int n, int hidden, const float *w1, const float *b1, const float *w2,
                           const float *b2, int classes, float *h, float *out)
{
    int i, j, c;
    for (j = 0; j < hidden; j++) h[j] = b1[j];
    for (i = 0; i < n; i++)
        for (j = 0; j < hidden; j++) h[j] = h[j] + v[i] * w1[j * n + i];
    for (j = 0; j < hidden; j++) if (h[j] < 0.0f) h[j] = 0.0f;
    for (c = 0; c < classes; c++) out[c] = b2[c];
    for (j = 0; j < hidden; j++)
        for (c = 0; c < classes; c++) out[c] = out[c] + h[j] * w2[c * hidden + j];
}
""",
}

REGRESS = {
    "knn": r"""
/* Mean target of the k nearest stored signals (needs MODEL["proto"]'s selection). */
static float nf_knn_regress(const float *v, int n, const float *proto, const float *value, int count, int k,
                            float *best_d, int *best_i)
{
    int j, found = nf_knn_select(v, n, proto, count, k, best_d, best_i);
    float acc = 0.0f;
    for (j = 0; j < found; j++) acc = acc + value[best_i[j]];
    return acc / (float)found;
}
""",
    "knn_weighted": r"""
/* Inverse-distance weighted mean target of the k nearest stored signals. */
static float nf_knn_regress_weighted(const float *v, int n, const float *proto, const float *value, int count,
                                     int k, float *best_d, int *best_i)
{
    int j, found = nf_knn_select(v, n, proto, count, k, best_d, best_i);
    float acc = 0.0f, wsum = 0.0f;
    for (j = 0; j < found; j++) {
        float w = 1.0f / (nf_sqrtf(best_d[j]) + 1e-6f);
        acc = acc + value[best_i[j]] * w;
        wsum = wsum + w;
    }
    return acc / wsum;
}
""",
}

# 1-class scores (engine/ocmodels.py): each ≥ 0 and growing away from the nominal data.
ONECLASS = {
    "maha": r"""
/* Squared Mahalanobis distance (v - mean)' P (v - mean); t holds v - mean. */
static float nf_maha_score(const float *v, int n, const float *mean, const float *prec, float *t)
{
    int i, j;
    float acc = 0.0f;
    for (i = 0; i < n; i++) t[i] = v[i] - mean[i];
    for (i = 0; i < n; i++) {
        float u = 0.0f;
        for (j = 0; j < n; j++) u = u + t[j] * prec[i * n + j];
        acc = acc + t[i] * u;
    }
    return acc;
}
""",
    "knn": r"""
/* Mean squared distance to the k nearest prototypes (needs MODEL["select"]). */
static float nf_knn_distance(const float *v, int n, const float *proto, int count, int k, float *best_d, int *best_i)
{
    int j, found = nf_knn_select(v, n, proto, count, k, best_d, best_i);
    float acc = 0.0f;
    for (j = 0; j < found; j++) acc = acc + best_d[j];
    return acc / (float)found;
}
""",
    "gmm": r"""
/* k_max minus the best component's log-density (needs MODEL["gnb"]). */
static float nf_gmm_score(const float *v, int n, const float *mu, const float *iv, const float *k, int comps,
                          float kmax, float *out)
{
    int c;
    float best;
    nf_gnb_predict(v, n, mu, iv, k, comps, out);
    best = out[0];
    for (c = 1; c < comps; c++) if (out[c] > best) best = out[c];
    return kmax - best;
}
""",
}
