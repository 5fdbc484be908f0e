/* nf_sensor.h - nanoforge datalogger: the hook to your sensor.
 *
 * nf_read_sample() runs in the SysTick interrupt, once per sample: keep it short
 * (read registers already converted, or a FIFO), and fill all NF_AXES values in the
 * order your project's axes are in (for an accelerometer: x, y, z).
 */
#ifndef NF_SENSOR_H
#define NF_SENSOR_H

#include <stdint.h>

#include "nf_config.h"

void nf_sensor_init(void);
void nf_read_sample(float sample[NF_AXES]);

#endif /* NF_SENSOR_H */
