/*
 * kernel.c -- the guest of Wayfinder's boot-time profile.
 *
 * A tiny multiboot kernel that QEMU boots with -kernel.  Before it declares
 * itself booted it does an amount of work fixed at compile time by four
 * build parameters (build.sh passes them as -D macros), so that its boot
 * time moves with them:
 *
 *   BANNER_LINES  lines of boot log printed on the serial port (COM1); every
 *                 byte is a port write, which QEMU emulates one at a time
 *   PAGING        1: identity-map all of the guest's memory with 4 KiB pages
 *                 and turn paging on; every later memory access is
 *                 translated through those tables
 *   CLEAR_MIB     MiB of memory zeroed, from 4 MiB up (fewer if the guest
 *                 has less memory); the host backs every page touched, so
 *                 QEMU's memory use grows with it
 *   BUSY_WORK     millions of rounds of a xorshift checksum
 *
 * Then it signals the boot marker both ways Wayfinder's boot monitor can
 * watch: the line "WAYFINDER BOOTED" on the serial port and the same text
 * written byte by byte to the isa-debugcon port 0xe9.  Nothing else is ever
 * written to 0xe9, so its first byte is the moment of boot.  A summary line
 * follows on the serial port; then boot.S ends the machine, and QEMU exits
 * with status 0 when it runs with -no-reboot.
 *
 * Memory layout: the kernel at 1 MiB (well under 1 MiB long), the page
 * directory at 2 MiB followed by up to 256 page tables (1 GiB mapped),
 * the cleared memory from 4 MiB.
 */

#ifndef BANNER_LINES
#define BANNER_LINES 0
#endif
#ifndef PAGING
#define PAGING 0
#endif
#ifndef CLEAR_MIB
#define CLEAR_MIB 0
#endif
#ifndef BUSY_WORK
#define BUSY_WORK 0
#endif

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define MIB (1024u * 1024u)

#define COM1 0x3f8
#define DEBUGCON 0xe9

#define MB_LOADER_MAGIC 0x2badb002u
#define MB_INFO_MEM 0x1u /* mem_lower and mem_upper are valid */

#define PAGE_DIR 0x200000u   /* 2 MiB */
#define CLEAR_BASE 0x400000u /* 4 MiB */
#define MAX_MAPPED (1024u * MIB)

#define MARKER "WAYFINDER BOOTED\n"

/* The start of the multiboot information, as far as it is used here. */
struct mb_info {
	u32 flags;
	u32 mem_lower; /* KiB below 640 KiB */
	u32 mem_upper; /* KiB from 1 MiB up to the first hole */
};

extern char __kernel_end[];

static inline void
outb(u16 port, u8 value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline u8
inb(u16 port)
{
	u8 value;

	__asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

/* 115200 baud, 8 bits, no parity, one stop bit, FIFOs on, no interrupts. */
static void
serial_init(void)
{
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);
	outb(COM1 + 2, 0xc7);
	outb(COM1 + 4, 0x03);
}

static void
serial_putc(char c)
{
	/* Wait for room in the transmitter, as real hardware needs. */
	while ((inb(COM1 + 5) & 0x20) == 0)
		;
	outb(COM1, (u8)c);
}

/* Lines end in a bare "\n": the output goes to a log, not a terminal. */
static void
serial_puts(const char *s)
{
	for (; *s != '\0'; s++)
		serial_putc(*s);
}

static void
serial_putu(u32 n)
{
	char buf[11];
	int i = 0;

	do {
		buf[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0);
	while (i > 0)
		serial_putc(buf[--i]);
}

static void
serial_puthex(u32 n)
{
	serial_puts("0x");
	for (int shift = 28; shift >= 0; shift -= 4)
		serial_putc("0123456789abcdef"[(n >> shift) & 0xf]);
}

static void
debugcon_puts(const char *s)
{
	for (; *s != '\0'; s++)
		outb(DEBUGCON, (u8)*s);
}

static void
banner(u32 lines)
{
	for (u32 i = 1; i <= lines; i++) {
		serial_puts("wayfinder-boot: banner line ");
		serial_putu(i);
		serial_puts(" of ");
		serial_putu(lines);
		serial_puts(": a kernel would tell its boot here\n");
	}
}

/*
 * Identity-maps [0, bytes) with 4 KiB pages (bytes a multiple of 4 MiB, at
 * most MAX_MAPPED) and turns paging on.
 */
static void
paging_enable(u32 bytes)
{
	u32 *dir = (u32 *)PAGE_DIR;
	u32 *tables = dir + 1024;
	u32 ntables = bytes / (4 * MIB);

	for (u32 t = 0; t < 1024; t++)
		dir[t] = t < ntables ? (u32)&tables[t * 1024] | 0x3 : 0;
	for (u32 p = 0; p < ntables * 1024; p++)
		tables[p] = p * 4096 | 0x3; /* present, writable */
	__asm__ volatile("movl %0, %%cr3" : : "r"(PAGE_DIR) : "memory");
	u32 cr0;
	__asm__ volatile("movl %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("movl %0, %%cr0"
			 :
			 : "r"(cr0 | 0x80000000u)
			 : "memory");
}

static void
clear(u32 addr, u32 bytes)
{
	u32 words = bytes / 4;

	__asm__ volatile("cld; rep stosl"
			 : "+D"(addr), "+c"(words)
			 : "a"(0)
			 : "memory");
}

static u32
busy_work(u32 millions)
{
	u32 x = 2463534242u, sum = 0;

	for (u32 m = 0; m < millions; m++)
		for (u32 i = 0; i < 1000000; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			sum += x;
		}
	return sum;
}

void kmain(u32 magic, const struct mb_info *info);

void
kmain(u32 magic, const struct mb_info *info)
{
	u32 ram_end = 0, mapped = 0, cleared = 0, sum;

	serial_init();
	if (magic != MB_LOADER_MAGIC)
		serial_puts("wayfinder-boot: not loaded by multiboot\n");
	else if ((info->flags & MB_INFO_MEM) == 0)
		serial_puts("wayfinder-boot: no memory size from the loader\n");
	else
		ram_end = MIB + info->mem_upper * 1024u;
	if ((u32)__kernel_end > PAGE_DIR)
		serial_puts(
		    "wayfinder-boot: kernel overlaps its page tables\n");

	banner(BANNER_LINES);

	/* Without a known memory size of at least 8 MiB, touch no memory. */
	if (ram_end >= 8 * MIB && (u32)__kernel_end <= PAGE_DIR) {
		u32 top = ram_end < MAX_MAPPED ? ram_end : MAX_MAPPED;
		if (PAGING) {
			mapped = (top + 4 * MIB - 1) / (4 * MIB) * (4 * MIB);
			if (mapped > MAX_MAPPED)
				mapped = MAX_MAPPED;
			paging_enable(mapped);
		}
		cleared = top - CLEAR_BASE;
		if (cleared > (u32)CLEAR_MIB * MIB)
			cleared = (u32)CLEAR_MIB * MIB;
		clear(CLEAR_BASE, cleared);
	}

	sum = busy_work(BUSY_WORK);

	debugcon_puts(MARKER);
	serial_puts(MARKER);

	serial_puts("wayfinder-boot: memory ");
	serial_putu(ram_end / MIB);
	serial_puts(" MiB, banner_lines ");
	serial_putu(BANNER_LINES);
	serial_puts(", paging ");
	serial_puts(mapped != 0 ? "on (" : "off (");
	serial_putu(mapped / MIB);
	serial_puts(" MiB mapped), cleared ");
	serial_putu(cleared / MIB);
	serial_puts(" of ");
	serial_putu(CLEAR_MIB);
	serial_puts(" MiB, busy_work ");
	serial_putu(BUSY_WORK);
	serial_puts("M checksum ");
	serial_puthex(sum);
	serial_puts("\n");
}
