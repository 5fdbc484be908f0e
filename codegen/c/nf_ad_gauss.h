/* nf_ad_gauss: anomaly score = weighted squared distance to the running mean (needs nf_ad.h). */
#ifndef NF_AD_GAUSS_H
#define NF_AD_GAUSS_H

#include "nf_ad.h"

static int nf_admodel_ready(void) { return 1; }
static float nf_admodel_score(const float *x) { return nf_ad_sqdist(x, NF_MEAN) / (float)NF_D; }
static void nf_admodel_learn(const float *x) { (void)x; }

#endif
