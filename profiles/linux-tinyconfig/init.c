/*
 * init.c -- the whole user space of the linux-tinyconfig profile's guest.
 *
 * The kernel runs this as /init from the initramfs built into bzImage.
 * It marks the boot (the line WAYFINDER BOOTED on QEMU's debug console,
 * I/O port 0xe9, which Wayfinder's boot monitor watches, and on the
 * serial console), reports how long the kernel's clocks say it has been
 * up and how much of the guest's memory the kernel holds, and resets the
 * machine, which QEMU's -no-reboot turns into QEMU
 * exiting with status 0. tinyconfig has no ACPI, so there is no way to
 * power the machine off: a reboot(2) with LINUX_REBOOT_CMD_POWER_OFF
 * would return to init's death and a panic.
 *
 * Built static (gcc -static) by build.sh, so that the initramfs needs no
 * loader and no libraries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <sys/sysinfo.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MARKER "WAYFINDER BOOTED\n"
#define DEBUGCON_PORT 0xe9

static void
debugcon(const char *s)
{
	for (; *s != '\0'; s++)
		outb((unsigned char)*s, DEBUGCON_PORT);
}

static long long
clock_us(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return -1;
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
main(void)
{
	char line[320];
	struct sysinfo si;
	int port;
	long long up, total_kb = -1, free_kb = -1, used_kb = -1;
	const char *mem;

	/* The marker first, before anything that takes time. */
	port = ioperm(DEBUGCON_PORT, 1, 1) == 0;
	if (port)
		debugcon(MARKER);
	/* fds 0-2 are /dev/console when the initramfs has that node. */
	(void)write(1, MARKER, strlen(MARKER));

	/*
	 * CLOCK_BOOTTIME starts when the kernel's timekeeping does, early
	 * in start_kernel: it leaves out QEMU, the firmware and the
	 * decompressor, which the boot monitor's clock includes.
	 */
	up = clock_us(CLOCK_BOOTTIME);
	/*
	 * sysinfo(2) needs no /proc (tinyconfig has none). totalram is the
	 * memory the kernel manages, what is left of the guest's once the
	 * firmware, the kernel's image and its early allocations are
	 * taken; freeram is what is still free with only this process
	 * running. The guest's size comes from test.sh on the kernel
	 * command line (guest_mem_mib=N, which the kernel hands to init as
	 * an environment variable): the guest's memory less freeram is the
	 * footprint of the booted system, kernel and this small init.
	 */
	if (sysinfo(&si) == 0) {
		total_kb = (long long)si.totalram * si.mem_unit / 1024;
		free_kb = (long long)si.freeram * si.mem_unit / 1024;
	}
	mem = getenv("guest_mem_mib");
	if (mem != NULL && free_kb >= 0)
		used_kb = strtoll(mem, NULL, 10) * 1024 - free_kb;
	snprintf(line, sizeof line,
	    "wayfinder-init: kernel up %lld us, debug port %s\n"
	    "wayfinder-init: memory managed %lld kB, free %lld kB, used %lld kB\n",
	    up, port ? "written" : "not available (no ioperm)", total_kb,
	    free_kb, used_kb);
	(void)write(1, line, strlen(line));
	if (port)
		debugcon(line);

	/* Let the serial port send it all before the machine goes. */
	(void)tcdrain(1);
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}
