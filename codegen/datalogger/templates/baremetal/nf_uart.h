/* nf_uart.h - nanoforge datalogger: the UART the signals go out on (8N1, TX only).
 * One small HAL-free driver per MCU family (uart_<family>.c); board.mk picks it. */
#ifndef NF_UART_H
#define NF_UART_H

#include <stdint.h>

void nf_uart_init(uint32_t baud);
/* Blocks until every byte is in the transmitter. */
void nf_uart_write(const char *data, uint32_t n);

#endif /* NF_UART_H */
