/*
 * Bare-metal startup for hypertinypw's Cortex-M test and benchmark programs under QEMU
 * (mps2-an386 Cortex-M4, microbit Cortex-M0). Vector table with the initial stack pointer and the
 * reset handler; the reset handler zeroes .bss (QEMU's ELF loader writes .data in place), enables
 * the FPU when built for one, opens semihosting and returns main's status through exit(), which
 * semihosting turns into QEMU's exit status. Every fault exits non-zero so a crash never hangs.
 */
#include <stdint.h>
#include <stdlib.h>

extern uint32_t __stack_top;
extern uint32_t __bss_start__;
extern uint32_t __bss_end__;
extern int main(void);
extern void initialise_monitor_handles(void);

void Reset_Handler(void);
void Fault_Handler(void);

__attribute__((section(".vectors"), used)) void (*const htpw_vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top, Reset_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0,
    Fault_Handler, Fault_Handler,
};

void Reset_Handler(void) {
  uint32_t *p;
  for (p = &__bss_start__; p < &__bss_end__; p++) *p = 0;
#if defined(__ARM_FP)
  /* CPACR: full access to CP10 and CP11 */
  *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
  __asm__ volatile("dsb\n\tisb");
#endif
  initialise_monitor_handles();
  exit(main());
}

void Fault_Handler(void) {
  exit(99);
}

/* newlib's __libc_init_array / __libc_fini_array call these (crti/crtn are not linked). */
void _init(void);
void _fini(void);
void _init(void) {}
void _fini(void) {}
