/*
 * The machine's topology, from hwloc: packages, NUMA nodes, last-level
 * caches, cores and processing units (PUs, hardware threads), and which
 * PUs jobs may use. The real machine, a synthetic description or an XML
 * export can be loaded, so a plan can be made for a big server from a
 * laptop and tests can cover machines we do not have.
 */
#ifndef WAYFINDER_TOPO_H
#define WAYFINDER_TOPO_H

#include <stddef.h>

struct topo_pu {
	int os;     /* the OS index: what taskset and cgroups call it */
	int core;   /* index of its core in topo.cores order */
	int llc;    /* index of its last-level cache domain */
	int pkg;    /* index of its package */
	int numa;   /* index of its NUMA node, -1 if unknown */
	int usable; /* jobs may run on it */
	int reason; /* why not usable: TOPO_* below */
};

enum {
	TOPO_USABLE,
	TOPO_DISALLOWED, /* outside the allowed cpuset (cgroup, taskset) */
	TOPO_NOT_LISTED, /* not in --cpus */
	TOPO_RESERVED    /* kept for the OS and the engine (--reserve) */
};

struct topo {
	struct topo_pu *pus; /* in hwloc's logical order */
	size_t npus;
	size_t ncores;
	size_t nllcs;
	size_t npkgs;
	size_t nnumas;
	char *llc_name; /* "L3", "L2", ... or "package" without caches */
	char *source;   /* "this machine", "synthetic: ...", "xml: FILE" */
	int is_real;    /* the machine we run on */
	size_t nusable;
};

/*
 * Loads a topology: NULL or "" for this machine, "synthetic:DESC" (hwloc's
 * synthetic syntax, e.g. "pack:2 l3:1 core:8 pu:2") or "xml:FILE". Returns
 * 0, or -1 with *cause set.
 */
int topo_load(const char *which, struct topo **, char **cause);
/*
 * Decides which PUs jobs may use: those allowed to this process (for the
 * real machine), restricted to cpus (a list such as "0-7,16"; NULL for
 * all), minus reserve (NULL: the first core when there are four cores or
 * more; "" for none). Returns 0, or -1 with *cause (a bad list, nothing
 * left).
 */
int topo_restrict(struct topo *, const char *cpus, const char *reserve,
    char **cause);
void topo_free(struct topo *);

/* The usable PUs' OS indices, in topology order; caller frees. */
int *topo_usable(const struct topo *, size_t *n);
/* A PU's index in t->pus from its OS index, or -1. */
int topo_pu_index(const struct topo *, int os);

#endif
