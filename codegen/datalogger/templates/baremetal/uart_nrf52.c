/* uart_nrf52.c - nanoforge datalogger: UART0 of nRF52 MCUs, registers only.
 *
 * The legacy UART (not UARTE: no EasyDMA buffer to keep in RAM) on P0.06 (TX) and
 * P0.08 (RX): on the nRF52 DK and nRF52840 DK this is the J-Link virtual COM port.
 * It runs from the internal 16 MHz clock; for a baud rate error below 1 % start the
 * crystal (HFXO) in nf_sensor_init or before. Registers: nRF52840 Product
 * Specification, UART chapter.
 */
#include "nf_config.h"
#include "nf_uart.h"

#define UART0_BASE 0x40002000u
#define UART0_REG(off) (*(volatile uint32_t *)(UART0_BASE + (off)))
#define UART0_TASKS_STARTTX UART0_REG(0x008u)
#define UART0_EVENTS_TXDRDY UART0_REG(0x11Cu)
#define UART0_ENABLE UART0_REG(0x500u)
#define UART0_PSEL_TXD UART0_REG(0x50Cu)
#define UART0_PSEL_RXD UART0_REG(0x514u)
#define UART0_TXD UART0_REG(0x51Cu)
#define UART0_BAUDRATE UART0_REG(0x524u)
#define UART0_CONFIG UART0_REG(0x56Cu)

#define NF_UART_TX_PIN 6u
#define NF_UART_RX_PIN 8u

void nf_uart_init(uint32_t baud)
{
    /* BAUDRATE = baud * 2^32 / 16 MHz, rounded to the 0x1000 steps the register has */
    uint32_t reg = (uint32_t)((((uint64_t)baud << 32) / 16000000u + 0x800u) & ~(uint64_t)0xFFFu);
    UART0_PSEL_TXD = NF_UART_TX_PIN;
    UART0_PSEL_RXD = NF_UART_RX_PIN;
    UART0_BAUDRATE = reg;
    UART0_CONFIG = 0u; /* 8N1, no flow control */
    UART0_ENABLE = 4u;
    UART0_TASKS_STARTTX = 1u;
}

void nf_uart_write(const char *data, uint32_t n)
{
    for (uint32_t i = 0u; i < n; i++) {
        UART0_EVENTS_TXDRDY = 0u;
        UART0_TXD = (uint32_t)(uint8_t)data[i];
        while (UART0_EVENTS_TXDRDY == 0u) {
        }
    }
}
