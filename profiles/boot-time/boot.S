/*
 * boot.S -- entry point of the boot-time profile's guest kernel.
 *
 * Holds the multiboot (version 1) header that lets QEMU's -kernel load
 * this 32-bit ELF, sets up a stack, calls kmain (kernel.c) with the
 * loader's magic and information pointer, and when kmain returns ends
 * the machine with a triple fault: an empty interrupt table makes the
 * breakpoint below unrecoverable, the CPU resets, and with -no-reboot
 * QEMU exits with status 0 instead of rebooting.
 */

#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000002 /* bit 1: give the memory sizes */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .bss
	.balign 16
stack_bottom:
	.skip 16384
stack_top:

	.section .rodata
	.balign 4
empty_idt:
	.word 0 /* limit 0: no vector is valid */
	.long 0

	.section .text
	.globl _start
	.type _start, @function
_start:
	cli
	movl $stack_top, %esp
	pushl %ebx /* multiboot information */
	pushl %eax /* multiboot magic */
	call kmain
	lidt empty_idt
	int3 /* no handler, no double-fault handler: triple fault */
1:	hlt
	jmp 1b
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
