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

#endif
