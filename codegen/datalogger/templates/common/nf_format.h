/* nf_format.h - nanoforge datalogger: numbers to text without printf.
 *
 * Written by `nanoforge datalogger`. Shared by the bare-metal, Zephyr and Arduino
 * dataloggers so that all three print exactly the same signal format: decimal point,
 * a fixed number of decimals, values separated by NF_SEPARATOR, one line per signal
 * (buffered mode) or per sample (continuous mode), lines ended by "\r\n".
 * No printf: newlib's float printf costs ~20 KB of flash and Zephyr's printk has none.
 */
#ifndef NF_FORMAT_H
#define NF_FORMAT_H

#include <stdint.h>

#ifndef NF_DECIMALS
#define NF_DECIMALS 4
#endif
#ifndef NF_SEPARATOR
#define NF_SEPARATOR ','
#endif

/* Largest text nf_format_float writes: sign, 10 digits, point, decimals. */
#define NF_FORMAT_MAX (1 + 10 + 1 + NF_DECIMALS)

/* Writes `v` into `out` (at least NF_FORMAT_MAX bytes, not terminated); returns the
 * number of characters. Values beyond +/-4e9 are clamped: no sensor reads that, and a
 * clamped value stays a number that `nanoforge check` accepts. */
static inline int nf_format_float(float v, char *out)
{
    int n = 0;
    uint32_t scale = 1u;
    for (int i = 0; i < NF_DECIMALS; i++) {
        scale *= 10u;
    }
    if (v != v) { /* NaN: print 0, a broken read must not break the file's grammar */
        v = 0.0f;
    }
    if (v < 0.0f) {
        out[n++] = '-';
        v = -v;
    }
    if (v > 4.0e9f) {
        v = 4.0e9f;
    }
    uint32_t whole = (uint32_t)v;
    uint32_t frac = (uint32_t)((v - (float)whole) * (float)scale + 0.5f);
    if (frac >= scale) { /* 0.99996 rounds up to the next whole number */
        frac -= scale;
        whole += 1u;
    }
    char digits[10];
    int d = 0;
    do {
        digits[d++] = (char)('0' + whole % 10u);
        whole /= 10u;
    } while (whole != 0u);
    while (d > 0) {
        out[n++] = digits[--d];
    }
#if NF_DECIMALS > 0
    out[n++] = '.';
    for (uint32_t div = scale / 10u; div != 0u; div /= 10u) {
        out[n++] = (char)('0' + (frac / div) % 10u);
    }
#endif
    return n;
}

/* One value as it goes on the line: the number, then NF_SEPARATOR, or "\r\n" after
 * the line's last value. `out` holds at least NF_VALUE_MAX bytes; the text is also
 * '\0'-terminated (for printk) and the return value is its length. */
#define NF_VALUE_MAX (NF_FORMAT_MAX + 3)
static inline int nf_format_value(float v, int last, char *out)
{
    int n = nf_format_float(v, out);
    if (last) {
        out[n++] = '\r';
        out[n++] = '\n';
    } else {
        out[n++] = NF_SEPARATOR;
    }
    out[n] = '\0';
    return n;
}

#endif /* NF_FORMAT_H */
