/*
 * wayfinder topology: the machine as placement sees it (packages, NUMA
 * nodes, last-level caches, cores, PUs, which are usable and why not),
 * and how many jobs of each isolation level fit at once.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "cpulist.h"
#include "sched.h"
#include "topo.h"
#include "xmalloc.h"

static void
usage(FILE *f)
{
	fputs("usage: wayfinder topology [--topology T] [--cpus LIST] "
	      "[--reserve LIST] [--cores N]\n",
	    f);
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The OS indices of PUs matching a predicate, as ranges. */
static char *
pus_where(const struct topo *t, int llc, int core, int usable_only, int reason)
{
	int *v;
	size_t i, n = 0;
	char *s;

	v = xcalloc(t->npus + 1, sizeof *v);
	for (i = 0; i < t->npus; i++) {
		const struct topo_pu *p = &t->pus[i];

		if ((llc >= 0 && p->llc != llc) ||
		    (core >= 0 && p->core != core) ||
		    (usable_only && !p->usable) ||
		    (reason >= 0 && p->reason != reason))
			continue;
		v[n++] = p->os;
	}
	qsort(v, n, sizeof *v, cmp_int);
	s = cpulist_format(v, n);
	free(v);
	return s;
}

static void
show(const struct topo *t, size_t cores_per_job)
{
	static const char *const why[] = { "", "outside the allowed cpuset",
		"not in --cpus", "reserved" };
	struct sched *s;
	char *a, *b;
	size_t i, k;
	int pkg, llc, core, detail = t->npus <= 64;

	printf("topology: %s\n", t->source);
	printf("  %zu package%s, %zu NUMA node%s, %zu %s domain%s, %zu "
	       "core%s, %zu PU%s (%zu usable)\n",
	    t->npkgs, t->npkgs == 1 ? "" : "s", t->nnumas,
	    t->nnumas == 1 ? "" : "s", t->nllcs, t->llc_name,
	    t->nllcs == 1 ? "" : "s", t->ncores, t->ncores == 1 ? "" : "s",
	    t->npus, t->npus == 1 ? "" : "s", t->nusable);
	for (pkg = 0; pkg < (int)t->npkgs; pkg++) {
		printf("package %d\n", pkg);
		for (llc = 0; llc < (int)t->nllcs; llc++) {
			int numa = -1, found = 0;

			for (i = 0; i < t->npus; i++)
				if (t->pus[i].llc == llc &&
				    t->pus[i].pkg == pkg) {
					found = 1;
					numa = t->pus[i].numa;
				}
			if (!found)
				continue;
			a = pus_where(t, llc, -1, 0, -1);
			b = pus_where(t, llc, -1, 1, -1);
			printf("  %s %d", t->llc_name, llc);
			if (numa >= 0)
				printf(" (NUMA %d)", numa);
			printf(": PUs %s, usable %s\n", a, b);
			free(a);
			free(b);
			if (!detail)
				continue;
			for (core = 0; core < (int)t->ncores; core++) {
				for (i = 0; i < t->npus; i++)
					if (t->pus[i].core == core &&
					    t->pus[i].llc == llc)
						break;
				if (i == t->npus)
					continue;
				printf("    core %d:", core);
				for (k = 0; k < t->npus; k++) {
					const struct topo_pu *p = &t->pus[k];

					if (p->core != core || p->llc != llc)
						continue;
					printf(" PU %d%s%s%s", p->os,
					    p->usable ? "" : " (",
					    p->usable ? "" : why[p->reason],
					    p->usable ? "" : ")");
				}
				printf("\n");
			}
		}
	}
	for (k = TOPO_DISALLOWED; k <= TOPO_RESERVED; k++) {
		a = pus_where(t, -1, -1, 0, (int)k);
		if (strcmp(a, "none") != 0)
			printf("%s: %s\n", why[k], a);
		free(a);
	}
	a = pus_where(t, -1, -1, 1, -1);
	printf("usable: %s\n", a);
	free(a);
	s = sched_new(t);
	printf("jobs of %zu CPU%s that fit at once, by isolation level:\n",
	    cores_per_job, cores_per_job == 1 ? "" : "s");
	for (k = ISO_NONE; k <= ISO_FULL; k++)
		printf("  %-7s %zu\n", spec_isolation_name((enum isolation)k),
		    sched_capacity(s, cores_per_job, (enum isolation)k));
	sched_free(s);
}

int
cmd_topology(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "topology", required_argument, NULL, 'T' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "reserve", required_argument, NULL, 'R' },
		{ "cores", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *which = NULL, *cpus = NULL, *reserve = NULL;
	struct topo *t;
	char *cause = NULL, *end;
	long cores = 1;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			which = optarg;
			break;
		case 'C':
			cpus = optarg;
			break;
		case 'R':
			reserve = optarg;
			break;
		case 'n':
			cores = strtol(optarg, &end, 10);
			if (*end != '\0' || cores < 1 ||
			    cores > SCHED_MAX_PUS) {
				cmd_error("--cores needs a number from 1 to %d",
				    SCHED_MAX_PUS);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (topo_load(which, &t, &cause) != 0 ||
	    topo_restrict(t, cpus, reserve, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	show(t, (size_t)cores);
	topo_free(t);
	return EXIT_OK;
}
