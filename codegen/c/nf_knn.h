/* nf_knn: nearest stored vectors (squared Euclidean distance), and what n-class,
   extrapolation and 1-class libraries make of them. */
#ifndef NF_KNN_H
#define NF_KNN_H

#include "nf_base.h"
#include "nf_math.h"

/* Keeps the k smallest distances offered so far in best_d (nearest first) and the
   offering prototype's index in best_i; ties keep the earlier. */
static NF_UNUSED void nf_knn_keep(float d, int p, int k, int *found, float *best_d, int *best_i)
{
    int j;
    if (*found < k || d < best_d[*found - 1]) {
        j = *found < k ? (*found)++ : k - 1;
        while (j > 0 && best_d[j - 1] > d) { best_d[j] = best_d[j - 1]; best_i[j] = best_i[j - 1]; j--; }
        best_d[j] = d;
        best_i[j] = p;
    }
}

/* The k nearest of `count` stored vectors, nearest first; ties keep the earlier.
   Returns how many were found (min(k, count)). */
static NF_UNUSED int nf_knn_select(const float *v, int n, const float *proto, int count, int k, float *best_d,
                                   int *best_i)
{
    int p, i, found = 0;
    for (p = 0; p < count; p++) {
        float d = 0.0f;
        for (i = 0; i < n; i++) { float t = v[i] - proto[p * n + i]; d = d + t * t; }
        nf_knn_keep(d, p, k, &found, best_d, best_i);
    }
    return found;
}

/* k nearest prototypes, each voting 1/(d + 1e-6) for its class: class probabilities. */
static NF_UNUSED void nf_knn_classify(const float *v, int n, const float *proto, const float *label, int count, int k,
                                      int classes, float *best_d, int *best_i, float *out)
{
    int i, j, found = nf_knn_select(v, n, proto, count, k, best_d, best_i);
    float sum = 0.0f;
    for (i = 0; i < classes; i++) out[i] = 0.0f;
    for (j = 0; j < found; j++) out[(int)label[best_i[j]]] += 1.0f / (best_d[j] + 1e-6f);
    for (i = 0; i < classes; i++) sum += out[i];
    for (i = 0; i < classes; i++) out[i] = out[i] / sum;
}

/* Mean target of the k nearest stored signals. */
static NF_UNUSED float nf_knn_regress(const float *v, int n, const float *proto, const float *value, int count, int k,
                                      float *best_d, int *best_i)
{
    int j, found = nf_knn_select(v, n, proto, count, k, best_d, best_i);
    float acc = 0.0f;
    for (j = 0; j < found; j++) acc = acc + value[best_i[j]];
    return acc / (float)found;
}

/* Inverse-distance weighted mean target of the k nearest stored signals. */
static NF_UNUSED float nf_knn_regress_weighted(const float *v, int n, const float *proto, const float *value,
                                               int count, int k, float *best_d, int *best_i)
{
    int j, found = nf_knn_select(v, n, proto, count, k, best_d, best_i);
    float acc = 0.0f, wsum = 0.0f;
    for (j = 0; j < found; j++) {
        float w = 1.0f / (nf_math_sqrtf(best_d[j]) + 1e-6f);
        acc = acc + value[best_i[j]] * w;
        wsum = wsum + w;
    }
    return acc / wsum;
}

/* Mean of the `found` smallest distances. */
static NF_UNUSED float nf_knn_mean(const float *best_d, int found)
{
    int j;
    float acc = 0.0f;
    for (j = 0; j < found; j++) acc = acc + best_d[j];
    return acc / (float)found;
}

/* 1-class score: mean squared distance to the k nearest prototypes. */
static NF_UNUSED float nf_knn_distance(const float *v, int n, const float *proto, int count, int k, float *best_d,
                                       int *best_i)
{
    return nf_knn_mean(best_d, nf_knn_select(v, n, proto, count, k, best_d, best_i));
}

/* Squared distance from v to p, v shifted by s samples within each of `segments` equal runs
   (the axes of a raw buffer), the edge sample repeated where it runs out. With a bound
   (>= 0) it stops once the sum reaches it: a sum of squares only grows, so the distance is
   then at least what it returns, and exact whenever that is below the bound. */
static NF_UNUSED float nf_knn_shifted_sqdist(const float *v, const float *p, int n, int segments, int s, float bound)
{
    int run = n / segments, a, i, j;
    float d = 0.0f;
    for (a = 0; a < segments; a++) {
        for (i = 0; i < run; i++) {
            float t;
            j = i - s;
            j = j < 0 ? 0 : j >= run ? run - 1 : j;
            t = v[a * run + j] - p[a * run + i];
            d = d + t * t;
            if ((i & 15) == 15 && bound >= 0.0f && d >= bound) return d;
        }
        if (bound >= 0.0f && d >= bound) return d;
    }
    return d;
}

/* 1-class score forgiving a time shift: mean over the k nearest prototypes of the least
   squared distance over shifts of v by -shift..shift samples (a shift replaces the
   unshifted distance only when less). A shift's sum stops once it cannot be the least,
   a prototype's once it cannot be among the k nearest: the result of computing every sum,
   in a fraction of the time when most prototypes are far. */
static NF_UNUSED float nf_knn_shift_distance(const float *v, int n, int segments, int shift, const float *proto,
                                             int count, int k, float *best_d, int *best_i)
{
    int p, s, found = 0;
    for (p = 0; p < count; p++) {
        const float *q = proto + p * n;
        int full = found == k;
        float limit = full ? best_d[k - 1] : -1.0f; /* none (-1) until k are kept */
        float d = nf_knn_shifted_sqdist(v, q, n, segments, 0, limit);
        for (s = -shift; s <= shift; s++) {
            float e;
            if (s == 0) continue;
            e = nf_knn_shifted_sqdist(v, q, n, segments, s, full && limit < d ? limit : d);
            if (e < d) d = e;
        }
        if (!full || d < limit) nf_knn_keep(d, p, k, &found, best_d, best_i);
    }
    return nf_knn_mean(best_d, found);
}

#endif
