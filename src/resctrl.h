/*
 * Cache and memory-bandwidth allocation through the resctrl filesystem
 * (Intel RDT, AMD PQoS): a group per isolated test job, holding a
 * number of L3 cache ways no other group of ours has (cache_ways in the
 * spec) and a share of memory bandwidth (mem_bandwidth, in percent).
 *
 * Library-like (house rule 5): functions return 0 or a negative errno,
 * and an allocated explanation in *why where a human needs one. Nothing
 * here creates a file: the kernel makes a group's files with it, and a
 * group directory that exists already is reused, so unit tests can
 * prepare a fake tree.
 */
#ifndef WAYFINDER_RESCTRL_H
#define WAYFINDER_RESCTRL_H

#include <stddef.h>

struct resctrl;
struct resctrl_group;

/*
 * Detects a resctrl filesystem at root ("/sys/fs/resctrl" or a fake):
 * L3 cache allocation from info/L3 (or info/L3CODE and info/L3DATA under
 * CDP: cbm_mask, min_cbm_bits, num_closids, shareable_bits), memory
 * bandwidth allocation from info/MB (bandwidth_gran, min_bandwidth), the
 * L3 domains (cache ids) from the default group's schemata. Returns 0
 * and *rp, or -ENOENT (nothing mounted), -ENOTSUP (no allocation, say
 * monitoring only), -EACCES (not root) or -EIO, with *why.
 */
int resctrl_open(const char *root, struct resctrl **rp, char **why);
/* Frees; free the groups first. */
void resctrl_close(struct resctrl *);
/* A line for humans, e.g. "L3 CAT: 11 ways, 2 domains, 16 groups; MBA:
 * 10% steps"; the caller frees it. */
char *resctrl_describe(const struct resctrl *);

/*
 * Creates group name (one path component) whose schemata gives it ways
 * contiguous L3 cache ways (0: no cache line in its schemata) on the
 * cache ids[0..n) (n 0: all domains), the same ways in each and none
 * another live group of this resctrl holds (the default group and
 * groups made by others are not considered), and bandwidth percent of
 * memory bandwidth (0: none set) on the same domains, rounded up to the
 * hardware's steps. Errors, with *why: -ENOTSUP (CAT or MBA absent),
 * -EINVAL (ways below min_cbm_bits or above the cache's, an unknown
 * cache id, bandwidth outside 1..100), -ENOSPC (not enough contiguous
 * ways free, or no CLOSID left), else what the kernel said.
 */
int resctrl_group_new(struct resctrl *, const char *name, const int *ids,
    size_t n, int ways, int bandwidth, struct resctrl_group **gp, char **why);
/* The tasks file to write a pid into, owned by the group. */
const char *resctrl_group_tasks(const struct resctrl_group *);
/* The schemata text written, e.g. "L3:0=ff0;1=ff0\nMB:0=50;1=50\n". */
const char *resctrl_group_schemata(const struct resctrl_group *);
/* Removes the group (its tasks go back to the default group) and gives
 * its ways back. */
void resctrl_group_free(struct resctrl_group *);

/*
 * The id of the L3 cache of CPU cpu, from sysroot (a prefix: "" for the
 * real /sys, or a fake tree) /sys/devices/system/cpu/cpuN/cache/indexI
 * with level 3. Returns the id (>= 0) or -errno (-ENOENT: no L3).
 */
int resctrl_cache_id(const char *sysroot, int cpu);

#endif
