/*
 * First-fit placement over a flat list of CPUs: each job gets CPUs that
 * no other job holds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "xmalloc.h"

struct sched {
	int *cpus;
	unsigned char *busy;
	size_t n;
	size_t nbusy;
};

struct sched *
sched_new(const int *cpus, size_t n)
{
	struct sched *s;

	s = xcalloc(1, sizeof *s);
	s->cpus = xcalloc(n + 1, sizeof *s->cpus);
	memcpy(s->cpus, cpus, n * sizeof *cpus);
	s->busy = xcalloc(n + 1, 1);
	s->n = n;
	return s;
}

void
sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	free(s->cpus);
	free(s->busy);
	free(s);
}

size_t
sched_ncpus(const struct sched *s)
{
	return s->n;
}

size_t
sched_nfree(const struct sched *s)
{
	return s->n - s->nbusy;
}

int
sched_place(struct sched *s, size_t n, enum isolation iso, int *out)
{
	size_t i, got = 0;

	(void)iso;
	if (n > s->n - s->nbusy)
		return -1;
	for (i = 0; i < s->n && got < n; i++) {
		if (s->busy[i])
			continue;
		s->busy[i] = 1;
		out[got++] = s->cpus[i];
	}
	s->nbusy += n;
	return 0;
}

void
sched_release(struct sched *s, const int *cpus, size_t n)
{
	size_t i, j;

	for (j = 0; j < n; j++) {
		for (i = 0; i < s->n; i++) {
			if (s->cpus[i] == cpus[j] && s->busy[i]) {
				s->busy[i] = 0;
				s->nbusy--;
				break;
			}
		}
	}
}
