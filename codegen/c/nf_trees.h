/* nf_trees: decision-tree ensembles stored as flat node tables of floats (indices are
   exact below 2^24): feature (-1 at a leaf), threshold, left (leaf row at a leaf), right.
   A node goes left when v[feature] <= threshold. */
#ifndef NF_TREES_H
#define NF_TREES_H

#include "nf_base.h"

/* The leaf row reached from `node`. */
static NF_UNUSED int nf_trees_leaf(const float *v, const float *feat, const float *thr, const float *left,
                                   const float *right, int node)
{
    while (feat[node] >= 0.0f) node = v[(int)feat[node]] <= thr[node] ? (int)left[node] : (int)right[node];
    return (int)left[node];
}

/* Adds the leaf row (width floats) of each of `count` trees onto out, in tree order. */
static NF_UNUSED void nf_trees_sum(const float *v, const float *feat, const float *thr, const float *left,
                                   const float *right, const float *leaf, int width, const float *roots, int count,
                                   float *out)
{
    int t, c;
    for (t = 0; t < count; t++) {
        const float *row = leaf + width * nf_trees_leaf(v, feat, thr, left, right, (int)roots[t]);
        for (c = 0; c < width; c++) out[c] = out[c] + row[c];
    }
}

#endif
