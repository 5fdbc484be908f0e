/* Example firmware: a fan monitor written against the NanoEdge AI n-class API.
   `make` links it with the library `nanoforge deploy` wrote into ./nanoforge/. */
#include <stdint.h>
#include "NanoEdgeAI.h"
#include "knowledge.h"

static float input_user_buffer[DATA_INPUT_USER * AXIS_NUMBER];
static float output_class_buffer[CLASS_NUMBER];
volatile uint16_t last_class;

/* Replace with the accelerometer driver: DATA_INPUT_USER samples of x, y, z, interleaved. */
static void read_accelerometer(float *buffer)
{
    for (int i = 0; i < DATA_INPUT_USER * AXIS_NUMBER; i++) buffer[i] = 0.0f;
}

int main(void)
{
    uint16_t id_class = 0;
    if (neai_classification_init(knowledge) != NEAI_OK) return 1;
    for (;;) {
        read_accelerometer(input_user_buffer);
        if (neai_classification(input_user_buffer, output_class_buffer, &id_class) == NEAI_OK) last_class = id_class;
    }
}
