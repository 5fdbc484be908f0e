/* main.c - nanoforge datalogger for Zephyr, through the generic sensor API.
 *
 * Written by `nanoforge datalogger`; the settings are in nf_config.h. Any board whose
 * devicetree has a supported accelerometer / IMU / magnetometer works: the sensor is
 * the devicetree alias `nanoforge-sensor` if your overlay sets one, else `accel0`.
 * The channels read are NF_CHANNELS (nf_config.h), 3 values each (x, y, z).
 *
 * A sampling thread waits on a periodic k_timer (no busy-wait) and fills one of two
 * buffers; the main thread prints a full buffer while the other fills. Output is
 * nanoforge's signal format on the console UART: one line per buffer (buffered mode)
 * or per sample (continuous mode), lines ended by "\r\n". A buffer that fills while
 * the other is still printing is dropped whole (the console is too slow for the data:
 * raise its baud rate, `current-speed` in the devicetree) and counted on a '#' line.
 */
#include <zephyr/device.h>
#include <zephyr/drivers/sensor.h>
#include <zephyr/kernel.h>
#include <zephyr/sys/printk.h>

#include "nf_config.h"
#include "nf_format.h"

#if DT_NODE_EXISTS(DT_ALIAS(nanoforge_sensor))
#define NF_SENSOR_NODE DT_ALIAS(nanoforge_sensor)
#else
#define NF_SENSOR_NODE DT_ALIAS(accel0)
#endif

static const struct device *const nf_sensor = DEVICE_DT_GET(NF_SENSOR_NODE);
static const enum sensor_channel nf_channels[] = {NF_CHANNELS};
#define NF_CHANNEL_COUNT (sizeof nf_channels / sizeof nf_channels[0])
BUILD_ASSERT(NF_CHANNEL_COUNT * 3 == NF_AXES, "NF_AXES must be 3 values per channel");

static float nf_buffers[2][NF_BUFFER][NF_AXES];
static volatile int nf_ready = -1;
static volatile uint32_t nf_overruns;

K_SEM_DEFINE(nf_full, 0, 1);
K_TIMER_DEFINE(nf_tick, NULL, NULL);

static void nf_read_sample(float *sample)
{
    struct sensor_value v[3];
    if (sensor_sample_fetch(nf_sensor) != 0) {
        for (uint32_t a = 0u; a < NF_AXES; a++) {
            sample[a] = 0.0f; /* a failed read keeps the line's width */
        }
        return;
    }
    for (size_t c = 0; c < NF_CHANNEL_COUNT; c++) {
        (void)sensor_channel_get(nf_sensor, nf_channels[c], v);
        for (int k = 0; k < 3; k++) {
            sample[c * 3 + k] = (float)sensor_value_to_double(&v[k]);
        }
    }
}

static void nf_sampler(void *p1, void *p2, void *p3)
{
    ARG_UNUSED(p1);
    ARG_UNUSED(p2);
    ARG_UNUSED(p3);
    int filling = 0;
    uint32_t count = 0;
    k_timer_start(&nf_tick, K_USEC(NF_PERIOD_US), K_USEC(NF_PERIOD_US));
    for (;;) {
        k_timer_status_sync(&nf_tick); /* sleeps until the next period */
        nf_read_sample(nf_buffers[filling][count]);
        if (++count < NF_BUFFER) {
            continue;
        }
        count = 0;
        if (nf_ready >= 0) {
            nf_overruns++;
            continue;
        }
        nf_ready = filling;
        filling ^= 1;
        k_sem_give(&nf_full);
    }
}

K_THREAD_DEFINE(nf_sampler_id, 1024, nf_sampler, NULL, NULL, NULL, 2, 0, 0);

static void nf_print_value(float v, int last)
{
    char text[NF_VALUE_MAX];
    (void)nf_format_value(v, last, text);
    printk("%s", text);
}

int main(void)
{
    uint32_t reported = 0;
    if (!device_is_ready(nf_sensor)) {
        printk("# nanoforge datalogger: sensor %s is not ready\r\n", nf_sensor->name);
        return 0;
    }
    for (;;) {
        k_sem_take(&nf_full, K_FOREVER);
        const float(*buf)[NF_AXES] = (const float(*)[NF_AXES])nf_buffers[nf_ready];
        for (uint32_t s = 0u; s < NF_BUFFER; s++) {
            for (uint32_t a = 0u; a < NF_AXES; a++) {
#if NF_CONTINUOUS
                nf_print_value(buf[s][a], a + 1u == NF_AXES);
#else
                nf_print_value(buf[s][a], s + 1u == NF_BUFFER && a + 1u == NF_AXES);
#endif
            }
        }
        nf_ready = -1;
        if (nf_overruns != reported) {
            reported = nf_overruns;
            printk("# buffers dropped (console too slow): %u\r\n", (unsigned)reported);
        }
    }
    return 0;
}
