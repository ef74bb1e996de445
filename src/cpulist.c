/*
 * CPU lists as the kernel writes them ("0-3,8,10-15:2/4"), read and
 * written for the command line, sysfs files and messages.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "buf.h"
#include "cpulist.h"
#include "xmalloc.h"

struct list {
	int *v;
	size_t n;
};

static void
add(struct list *s, int cpu)
{
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n++] = cpu;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

size_t
cpulist_norm(int *cpus, size_t n)
{
	size_t i, k = 0;

	if (n == 0)
		return 0;
	qsort(cpus, n, sizeof *cpus, cmp_int);
	for (i = 1; i < n; i++)
		if (cpus[i] != cpus[k])
			cpus[++k] = cpus[i];
	return k + 1;
}

/* A non-negative decimal number; advances *p. */
static int
number(const char **p, long *out)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	*out = strtol(*p, &end, 10);
	if (errno != 0 || *out > 1 << 22)
		return -1;
	*p = end;
	return 0;
}

int
cpulist_parse(const char *text, int **out, size_t *nout)
{
	struct list s = { NULL, 0 };
	const char *p = text;
	long a, b, used, group, i;

	while (isspace((unsigned char)*p))
		p++;
	while (*p != '\0' && !isspace((unsigned char)*p)) {
		if (number(&p, &a) != 0)
			goto bad;
		b = a;
		used = group = 1;
		if (*p == '-') {
			p++;
			if (number(&p, &b) != 0 || b < a)
				goto bad;
			if (*p == ':') { /* a-b:used/group */
				p++;
				if (number(&p, &used) != 0 || *p++ != '/' ||
				    number(&p, &group) != 0 || used == 0 ||
				    group == 0 || used > group)
					goto bad;
			}
		}
		for (i = a; i <= b; i++)
			if ((i - a) % group < used)
				add(&s, (int)i);
		if (*p == ',')
			p++;
		else if (*p != '\0' && !isspace((unsigned char)*p))
			goto bad;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		goto bad;
	s.n = cpulist_norm(s.v, s.n);
	*out = s.v;
	*nout = s.n;
	return 0;
bad:
	free(s.v);
	return -1;
}

char *
cpulist_format(const int *cpus, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i, j;

	if (n == 0)
		return xstrdup("none");
	for (i = 0; i < n; i = j + 1) {
		for (j = i; j + 1 < n && cpus[j + 1] == cpus[j] + 1; j++)
			;
		if (i > 0)
			buf_addc(&b, ',');
		if (j == i)
			buf_printf(&b, "%d", cpus[i]);
		else
			buf_printf(&b, "%d-%d", cpus[i], cpus[j]);
	}
	return buf_steal(&b);
}
