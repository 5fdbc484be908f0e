/* sensor.c - nanoforge datalogger: REPLACE THIS FILE with your sensor's code.
 *
 * As written, it makes a test signal (a slow triangle wave per axis, different on each
 * axis) so that the datalogger can be built, flashed and recorded before the sensor is
 * wired: `nanoforge signals record` should show lines arriving at the chosen rate.
 * Replace both functions with your driver (I2C/SPI reads of your accelerometer, an ADC
 * conversion, ...), or keep this file and build with `make SENSOR_SRC=my_sensor.c`.
 */
#include "nf_sensor.h"

static uint32_t nf_phase;

void nf_sensor_init(void)
{
    nf_phase = 0u;
}

void nf_read_sample(float sample[NF_AXES])
{
    for (uint32_t a = 0u; a < NF_AXES; a++) {
        uint32_t t = (nf_phase * (a + 1u)) % 200u;
        sample[a] = (float)(t < 100u ? t : 200u - t) / 100.0f - 0.5f;
    }
    nf_phase++;
}
