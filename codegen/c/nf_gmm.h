/* nf_gmm: the 1-class Gaussian-mixture score. */
#ifndef NF_GMM_H
#define NF_GMM_H

#include "nf_base.h"
#include "nf_gnb.h"

/* kmax minus the best component's log-density: >= 0, growing away from the data.
   out holds `comps` floats. */
static NF_UNUSED float nf_gmm_score(const float *v, int n, const float *mu, const float *iv, const float *k, int comps,
                                    float kmax, float *out)
{
    int c;
    float best;
    nf_gnb_predict(v, n, mu, iv, k, comps, out);
    best = out[0];
    for (c = 1; c < comps; c++) if (out[c] > best) best = out[c];
    return kmax - best;
}

#endif
