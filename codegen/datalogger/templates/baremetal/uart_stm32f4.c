/* uart_stm32f4.c - nanoforge datalogger: USART2 of STM32F4 MCUs, registers only.
 *
 * USART2 on PA2 (TX) and PA3 (RX), alternate function 7: on Nucleo-64 boards this is
 * the ST-LINK virtual COM port, so the signals arrive on the USB cable. The clock is
 * the reset one (HSI, NF_CORE_CLOCK_HZ, APB1 undivided); if your code changes clocks,
 * set NF_CORE_CLOCK_HZ to the APB1 clock. Register addresses: RM0368 (STM32F401).
 */
#include "nf_config.h"
#include "nf_uart.h"

#define RCC_AHB1ENR (*(volatile uint32_t *)0x40023830u)
#define RCC_APB1ENR (*(volatile uint32_t *)0x40023840u)
#define GPIOA_MODER (*(volatile uint32_t *)0x40020000u)
#define GPIOA_AFRL (*(volatile uint32_t *)0x40020020u)
#define USART2_SR (*(volatile uint32_t *)0x40004400u)
#define USART2_DR (*(volatile uint32_t *)0x40004404u)
#define USART2_BRR (*(volatile uint32_t *)0x40004408u)
#define USART2_CR1 (*(volatile uint32_t *)0x4000440Cu)

#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_APB1ENR_USART2EN (1u << 17)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_UE (1u << 13)
#define USART_CR1_TE (1u << 3)

void nf_uart_init(uint32_t baud)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
    RCC_APB1ENR |= RCC_APB1ENR_USART2EN;
    GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 4)) | (0xAu << 4);     /* PA2, PA3: alternate function */
    GPIOA_AFRL = (GPIOA_AFRL & ~(0xFFu << 8)) | (0x77u << 8);     /* AF7: USART2 */
    USART2_BRR = (NF_CORE_CLOCK_HZ + baud / 2u) / baud;           /* 16x oversampling */
    USART2_CR1 = USART_CR1_UE | USART_CR1_TE;
}

void nf_uart_write(const char *data, uint32_t n)
{
    for (uint32_t i = 0u; i < n; i++) {
        while ((USART2_SR & USART_SR_TXE) == 0u) {
        }
        USART2_DR = (uint32_t)(uint8_t)data[i];
    }
}
