/* nf_base: what every nanoforge kernel module needs.
   Kernels are static functions in headers: a library's neai.c holds every module it uses,
   and only the functions it calls reach the object file (NF_UNUSED silences the others). */
#ifndef NF_BASE_H
#define NF_BASE_H

#include <stdint.h>

#if defined(__GNUC__)
#define NF_UNUSED __attribute__((unused))
#else
#define NF_UNUSED
#endif

/* 1 when every value is a number: NaN and infinities fail x - x == 0 (no libm needed).
   Entry points refuse other inputs before touching any state, so one bad buffer from a
   sensor cannot poison what a library has learned, nor reach a float-to-int conversion. */
static NF_UNUSED int nf_base_finite(const float *x, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++)
        if (!(x[i] - x[i] == 0.0f)) return 0;
    return 1;
}

#endif
