/* nanoforge_datalogger.ino - nanoforge datalogger for Arduino boards.
 *
 * Written by `nanoforge datalogger`; the settings are in nf_config.h (same folder).
 * Replace nf_sensor_init() and nf_read_sample() with your sensor's code; as written,
 * they read NF_AXES analog inputs (A0, A1, ...), a real sensor for a microphone or a
 * piezo, and a quick check of the wiring otherwise.
 *
 * Timing: Arduino has no timer interrupt common to all its cores, so samples are taken
 * on micros() deadlines (the next deadline is the previous plus the period, so the rate
 * does not drift; jitter is one pass of loop()). For a hardware timer use your core's
 * (TimerOne on AVR, IntervalTimer on Teensy, mbed::Ticker on Nano 33 BLE).
 * Buffered mode fills a whole buffer, then prints it as one line: signals are
 * independent examples, so the pause while printing is harmless. Continuous mode
 * prints each sample as it is taken; if printing is slower than the period, missed
 * samples are counted on a '#' line (raise NF_BAUD or lower the rate).
 */
#include "nf_config.h"
#include "nf_format.h"

#if !NF_CONTINUOUS
static float nf_buffer[NF_BUFFER][NF_AXES];
#endif
static uint32_t nf_next_us;
static uint32_t nf_missed;

static void nf_sensor_init(void)
{
    /* analog inputs need no set-up; a digital sensor starts its bus (Wire.begin()) here */
}

static void nf_read_sample(float *sample)
{
    static const uint8_t pins[] = {A0, A1, A2, A3, A4, A5};
    for (uint32_t a = 0u; a < NF_AXES; a++) {
        sample[a] = (float)analogRead(pins[a % 6]);
    }
}

static void nf_print_value(float v, bool last)
{
    char text[NF_VALUE_MAX];
    Serial.write((const uint8_t *)text, (size_t)nf_format_value(v, last ? 1 : 0, text));
}

/* Waits for the next sampling deadline; counts the periods already missed. */
static void nf_wait_tick(void)
{
    nf_next_us += NF_PERIOD_US;
    int32_t late = (int32_t)(micros() - nf_next_us);
    if (late > (int32_t)NF_PERIOD_US) {
        nf_missed += (uint32_t)late / NF_PERIOD_US;
        nf_next_us = micros();
        return;
    }
    while ((int32_t)(micros() - nf_next_us) < 0) {
    }
}

void setup()
{
    Serial.begin(NF_BAUD);
    while (!Serial) {
    }
    nf_sensor_init();
    nf_next_us = micros();
}

void loop()
{
#if NF_CONTINUOUS
    float sample[NF_AXES];
    nf_wait_tick();
    nf_read_sample(sample);
    for (uint32_t a = 0u; a < NF_AXES; a++) {
        nf_print_value(sample[a], a + 1u == NF_AXES);
    }
#else
    for (uint32_t s = 0u; s < NF_BUFFER; s++) {
        nf_wait_tick();
        nf_read_sample(nf_buffer[s]);
    }
    for (uint32_t s = 0u; s < NF_BUFFER; s++) {
        for (uint32_t a = 0u; a < NF_AXES; a++) {
            nf_print_value(nf_buffer[s][a], s + 1u == NF_BUFFER && a + 1u == NF_AXES);
        }
    }
    nf_next_us = micros(); /* the next buffer starts now: no catching up after printing */
#endif
    if (nf_missed != 0u) {
        Serial.print("# samples missed (printing slower than the period): ");
        Serial.println(nf_missed);
        nf_missed = 0u;
    }
}
