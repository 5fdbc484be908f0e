/* main.c - nanoforge datalogger, bare-metal Cortex-M.
 *
 * Written by `nanoforge datalogger`; the settings are in nf_config.h.
 * SysTick interrupts at the sampling rate (it is in every Cortex-M core, so this file
 * is the same for every MCU family). Each tick reads one sample (all axes) through
 * nf_read_sample() into one of two buffers; when a buffer is full the main loop prints
 * it while the interrupt fills the other, and sleeps (WFI) in between: the rate comes
 * from the timer, never from a busy-wait loop.
 *
 * Output, in nanoforge's signal format (what `nanoforge signals record` and
 * `nanoforge check` read): buffered mode prints one line per buffer,
 * NF_BUFFER samples x NF_AXES values interleaved (x0,y0,z0,x1,y1,z1,...); continuous
 * mode prints one line per sample (NF_AXES values). Lines end with "\r\n".
 *
 * If the UART is too slow for the data (see the README for the arithmetic), a full
 * buffer that finds the other still waiting to be printed is dropped whole, so lines
 * stay complete signals; the count is printed as a '#' line, which the recorder skips.
 */
#include <stdint.h>

#include "nf_config.h"
#include "nf_format.h"
#include "nf_sensor.h"
#include "nf_uart.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_CSR_ENABLE_TICKINT_CORECLK 0x7u

static float nf_buffers[2][NF_BUFFER][NF_AXES];
static volatile uint32_t nf_fill_count; /* samples in nf_buffers[nf_filling] */
static volatile uint32_t nf_filling;
static volatile int32_t nf_ready = -1; /* a full buffer waiting to be printed, or -1 */
static volatile uint32_t nf_overruns;
#if NF_TICK_DIVIDER > 1
static volatile uint32_t nf_ticks;
#endif

void SysTick_Handler(void);
int main(void);

void SysTick_Handler(void)
{
#if NF_TICK_DIVIDER > 1
    /* rates too low for SysTick's 24-bit counter: count several ticks per sample */
    if (++nf_ticks < NF_TICK_DIVIDER) {
        return;
    }
    nf_ticks = 0u;
#endif
    uint32_t i = nf_fill_count;
    nf_read_sample(nf_buffers[nf_filling][i]);
    if (i + 1u < NF_BUFFER) {
        nf_fill_count = i + 1u;
        return;
    }
    nf_fill_count = 0u;
    if (nf_ready >= 0) {
        nf_overruns++; /* the printer is behind: refill this buffer, drop its samples */
        return;
    }
    nf_ready = (int32_t)nf_filling;
    nf_filling ^= 1u;
}

static void nf_print_value(float v, int last)
{
    char text[NF_VALUE_MAX];
    nf_uart_write(text, (uint32_t)nf_format_value(v, last, text));
}

static void nf_print_buffer(const float (*buf)[NF_AXES])
{
    for (uint32_t s = 0u; s < NF_BUFFER; s++) {
        for (uint32_t a = 0u; a < NF_AXES; a++) {
#if NF_CONTINUOUS
            nf_print_value(buf[s][a], a + 1u == NF_AXES); /* one line per sample */
#else
            nf_print_value(buf[s][a], s + 1u == NF_BUFFER && a + 1u == NF_AXES); /* one line per buffer */
#endif
        }
    }
}

static void nf_print_overruns(uint32_t count)
{
    static const char msg[] = "# buffers dropped (UART too slow): ";
    char text[NF_FORMAT_MAX + 2];
    nf_uart_write(msg, sizeof msg - 1u);
    int n = nf_format_float((float)count, text) - (NF_DECIMALS > 0 ? NF_DECIMALS + 1 : 0);
    text[n++] = '\r';
    text[n++] = '\n';
    nf_uart_write(text, (uint32_t)n);
}

int main(void)
{
    uint32_t reported = 0u;
    nf_uart_init(NF_BAUD);
    nf_sensor_init();
    SYST_RVR = NF_SYSTICK_RELOAD;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_ENABLE_TICKINT_CORECLK;
    for (;;) {
        while (nf_ready < 0) {
            __asm volatile("wfi"); /* sleep until the next tick */
        }
        nf_print_buffer((const float (*)[NF_AXES])nf_buffers[nf_ready]);
        nf_ready = -1;
        if (nf_overruns != reported) {
            reported = nf_overruns;
            nf_print_overruns(reported);
        }
    }
}
