/*
 * hwloc behind a flat table: each PU with the index of its core, cache
 * domain, package and NUMA node, which is all placement needs. hwloc is
 * asked for every PU, allowed or not, so `wayfinder topology` can show
 * the whole machine and say why a PU is not used.
 */
#include "config.h"

#include <errno.h>
#include <hwloc.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cpulist.h"
#include "topo.h"
#include "xmalloc.h"

/* The deepest cache above the PUs with several cores below it would be
 * ideal, but the last level is what benchmarks fight over: the highest
 * cache level present. */
static hwloc_obj_type_t
llc_type(hwloc_topology_t t)
{
	static const hwloc_obj_type_t levels[] = { HWLOC_OBJ_L5CACHE,
		HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L2CACHE,
		HWLOC_OBJ_L1CACHE };
	size_t i;

	for (i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (hwloc_get_nbobjs_by_type(t, levels[i]) > 0)
			return levels[i];
	return HWLOC_OBJ_PACKAGE;
}

static int
ancestor_index(hwloc_topology_t t, hwloc_obj_t pu, hwloc_obj_type_t type)
{
	hwloc_obj_t o;

	o = hwloc_get_ancestor_obj_by_type(t, type, pu);
	return o != NULL ? (int)o->logical_index : 0;
}

static int
numa_index(hwloc_topology_t t, hwloc_obj_t pu)
{
	hwloc_obj_t o;

	o = hwloc_get_obj_covering_cpuset(t, pu->cpuset);
	for (; o != NULL; o = o->parent) {
		if (o->memory_arity > 0 && o->memory_first_child != NULL &&
		    o->memory_first_child->type == HWLOC_OBJ_NUMANODE)
			return (int)o->memory_first_child->logical_index;
	}
	return -1;
}

int
topo_load(const char *which, struct topo **out, char **cause)
{
	hwloc_topology_t t;
	hwloc_const_cpuset_t allowed;
	hwloc_obj_t pu;
	hwloc_obj_type_t llc;
	struct topo *tp;
	cpu_set_t mine;
	int rc, n, i, real = which == NULL || *which == '\0';

	if (hwloc_topology_init(&t) != 0) {
		*cause = xasprintf("hwloc: %s", strerror(errno));
		return -1;
	}
	hwloc_topology_set_flags(t, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
	if (real)
		rc = 0;
	else if (strncmp(which, "synthetic:", 10) == 0)
		rc = hwloc_topology_set_synthetic(t, which + 10);
	else if (strncmp(which, "xml:", 4) == 0)
		rc = hwloc_topology_set_xml(t, which + 4);
	else {
		*cause = xasprintf("topology '%s': give synthetic:DESCRIPTION "
				   "(e.g. synthetic:'pack:2 l3:1 core:8 pu:2') "
				   "or xml:FILE",
		    which);
		hwloc_topology_destroy(t);
		return -1;
	}
	if (rc != 0 || hwloc_topology_load(t) != 0) {
		*cause = xasprintf("topology '%s': hwloc cannot load it%s%s",
		    real ? "this machine" : which, errno != 0 ? ": " : "",
		    errno != 0 ? strerror(errno) : "");
		hwloc_topology_destroy(t);
		return -1;
	}
	tp = xcalloc(1, sizeof *tp);
	tp->is_real = real;
	tp->source = real ? xstrdup("this machine") : xasprintf("%s", which);
	llc = llc_type(t);
	tp->llc_name = xstrdup(
	    llc == HWLOC_OBJ_PACKAGE ? "package" : hwloc_obj_type_string(llc));
	if (strlen(tp->llc_name) > 5 &&
	    strcmp(tp->llc_name + strlen(tp->llc_name) - 5, "Cache") == 0)
		tp->llc_name[strlen(tp->llc_name) - 5] = '\0'; /* "L3" */
	n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	tp->pus = xcalloc((size_t)n + 1, sizeof *tp->pus);
	tp->ncores = (size_t)hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
	tp->nllcs = (size_t)hwloc_get_nbobjs_by_type(t, llc);
	tp->npkgs = (size_t)hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE);
	tp->nnumas = (size_t)hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	if (tp->ncores == 0)
		tp->ncores = (size_t)n; /* no cores known: a PU each */
	if (tp->npkgs == 0)
		tp->npkgs = 1;
	if (tp->nllcs == 0)
		tp->nllcs = 1;
	allowed = hwloc_topology_get_allowed_cpuset(t);
	CPU_ZERO(&mine);
	if (real && sched_getaffinity(0, sizeof mine, &mine) != 0)
		CPU_ZERO(&mine);
	for (i = 0; i < n; i++) {
		struct topo_pu *p = &tp->pus[tp->npus++];

		pu = hwloc_get_obj_by_type(t, HWLOC_OBJ_PU, (unsigned)i);
		p->os = (int)pu->os_index;
		p->core = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE) > 0 ?
		    ancestor_index(t, pu, HWLOC_OBJ_CORE) :
		    i;
		p->llc = ancestor_index(t, pu, llc);
		p->pkg = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE) > 0 ?
		    ancestor_index(t, pu, HWLOC_OBJ_PACKAGE) :
		    0;
		p->numa = numa_index(t, pu);
		p->usable = hwloc_bitmap_isset(allowed, pu->os_index);
		if (real && p->os < CPU_SETSIZE && !CPU_ISSET(p->os, &mine))
			p->usable = 0; /* taskset narrower than the cgroup */
		p->reason = p->usable ? TOPO_USABLE : TOPO_DISALLOWED;
	}
	hwloc_topology_destroy(t);
	for (i = 0; i < (int)tp->npus; i++)
		tp->nusable += tp->pus[i].usable;
	*out = tp;
	return 0;
}

int
topo_restrict(struct topo *t, const char *cpus, const char *reserve,
    char **cause)
{
	int *list = NULL, *res = NULL, first_core = -1;
	size_t n = 0, nres = 0, i, k, cores = 0;
	unsigned char *seen;

	if (cpus != NULL && cpulist_parse(cpus, &list, &n) != 0) {
		*cause =
		    xasprintf("--cpus '%s' is not a CPU list such as 0-3,8",
			cpus);
		return -1;
	}
	for (k = 0; k < n; k++) {
		if (topo_pu_index(t, list[k]) < 0) {
			*cause = xasprintf("--cpus: CPU %d is not in the "
					   "topology (%s)",
			    list[k], t->source);
			free(list);
			return -1;
		}
	}
	if (cpus != NULL) {
		for (i = 0; i < t->npus; i++) {
			for (k = 0; k < n; k++)
				if (list[k] == t->pus[i].os)
					break;
			if (k == n && t->pus[i].usable) {
				t->pus[i].usable = 0;
				t->pus[i].reason = TOPO_NOT_LISTED;
			}
		}
	}
	free(list);
	if (reserve != NULL && cpulist_parse(reserve, &res, &nres) != 0) {
		*cause =
		    xasprintf("--reserve '%s' is not a CPU list such as 0,1",
			reserve);
		return -1;
	}
	if (reserve == NULL) {
		/* The first usable core, when there are four or more. */
		seen = xcalloc(t->ncores + 1, 1);
		for (i = 0; i < t->npus; i++) {
			if (!t->pus[i].usable || seen[t->pus[i].core])
				continue;
			seen[t->pus[i].core] = 1;
			if (first_core < 0)
				first_core = t->pus[i].core;
			cores++;
		}
		free(seen);
		if (cores >= 4)
			for (i = 0; i < t->npus; i++)
				if (t->pus[i].usable &&
				    t->pus[i].core == first_core) {
					res = xreallocarray(res, nres + 1,
					    sizeof *res);
					res[nres++] = t->pus[i].os;
				}
	}
	for (k = 0; k < nres; k++) {
		int idx = topo_pu_index(t, res[k]);

		if (idx < 0) {
			*cause = xasprintf("--reserve: CPU %d is not in the "
					   "topology (%s)",
			    res[k], t->source);
			free(res);
			return -1;
		}
		if (t->pus[idx].usable) {
			t->pus[idx].usable = 0;
			t->pus[idx].reason = TOPO_RESERVED;
		}
	}
	free(res);
	t->nusable = 0;
	for (i = 0; i < t->npus; i++)
		t->nusable += t->pus[i].usable;
	if (t->nusable == 0) {
		*cause =
		    xasprintf("no CPU is left for jobs (%s; see --cpus and "
			      "--reserve)",
			t->source);
		return -1;
	}
	return 0;
}

void
topo_free(struct topo *t)
{
	if (t == NULL)
		return;
	free(t->pus);
	free(t->llc_name);
	free(t->source);
	free(t);
}

int *
topo_usable(const struct topo *t, size_t *n)
{
	int *v;
	size_t i;

	v = xcalloc(t->npus + 1, sizeof *v);
	*n = 0;
	for (i = 0; i < t->npus; i++)
		if (t->pus[i].usable)
			v[(*n)++] = t->pus[i].os;
	return v;
}

int
topo_pu_index(const struct topo *t, int os)
{
	size_t i;

	for (i = 0; i < t->npus; i++)
		if (t->pus[i].os == os)
			return (int)i;
	return -1;
}
