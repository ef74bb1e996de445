/*
 * The simulated executor: a list of running jobs with their end times;
 * plan_run() repeatedly ends the earliest one, which lets the engine
 * start more. Every job is kept as a row of the plan.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "plan.h"
#include "spec.h"
#include "xmalloc.h"

struct row {
	int64_t job;
	char *kind;
	int64_t trial;
	int isolation;
	char *cpus;
	size_t ncpus;
	double start, end;
};

struct sim_job {
	struct plan *p;
	size_t row;
	int done;
	void (*cb)(void *, const struct exec_result *);
	void *arg;
};

struct plan {
	const struct topo *t;
	double now;
	struct row *rows;
	size_t nrows;
	struct sim_job **running;
	size_t nrunning;
};

struct plan *
plan_new(const struct topo *t)
{
	struct plan *p;

	p = xcalloc(1, sizeof *p);
	p->t = t;
	return p;
}

void
plan_free(struct plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrows; i++) {
		free(p->rows[i].kind);
		free(p->rows[i].cpus);
	}
	free(p->rows);
	free(p->running);
	free(p);
}

double
plan_now(const struct plan *p)
{
	return p->now;
}

static void *
sim_start(void *ctx, const struct exec_req *req, char **cause)
{
	struct plan *p = ctx;
	struct sim_job *j;
	struct row *r;

	(void)cause;
	p->rows = xreallocarray(p->rows, p->nrows + 1, sizeof *p->rows);
	r = &p->rows[p->nrows];
	r->job = req->job;
	r->kind = xstrdup(req->kind);
	r->trial = req->trial;
	r->isolation = req->isolation;
	r->cpus = job_cpu_list(req->cpus, req->ncpus);
	r->ncpus = req->ncpus;
	r->start = p->now;
	r->end = p->now + (req->estimate > 0 ? req->estimate : 1);
	j = xcalloc(1, sizeof *j);
	j->p = p;
	j->row = p->nrows++;
	j->cb = req->done;
	j->arg = req->arg;
	p->running =
	    xreallocarray(p->running, p->nrunning + 1, sizeof *p->running);
	p->running[p->nrunning++] = j;
	return j;
}

static void
sim_stop(void *job, int force)
{
	struct sim_job *j = job;

	(void)force;
	/* A stopped job ends now. */
	j->p->rows[j->row].end = j->p->now;
}

const struct executor_ops plan_executor = {
	.name = "plan",
	.start = sim_start,
	.stop = sim_stop,
};

void
plan_run(struct plan *p)
{
	struct exec_result r;
	struct sim_job *j;
	size_t i, first;

	while (p->nrunning > 0) {
		/* The earliest end; ties in start order. */
		first = 0;
		for (i = 1; i < p->nrunning; i++)
			if (p->rows[p->running[i]->row].end <
			    p->rows[p->running[first]->row].end)
				first = i;
		j = p->running[first];
		memmove(p->running + first, p->running + first + 1,
		    (p->nrunning - first - 1) * sizeof *p->running);
		p->nrunning--;
		if (p->rows[j->row].end > p->now)
			p->now = p->rows[j->row].end;
		memset(&r, 0, sizeof r);
		r.how = EXEC_EXITED;
		r.status = 0;
		r.wall_ms = (p->rows[j->row].end - p->rows[j->row].start) * 1e3;
		j->cb(j->arg, &r);
		free(j);
	}
}

void
plan_csv(const struct plan *p, FILE *f)
{
	size_t i;

	fprintf(f, "job,kind,trial,isolation,cpus,start,end\n");
	for (i = 0; i < p->nrows; i++) {
		const struct row *r = &p->rows[i];

		fprintf(f, "%lld,%s,", (long long)r->job, r->kind);
		if (r->trial > 0)
			fprintf(f, "%lld", (long long)r->trial);
		fprintf(f, ",%s,\"%s\",%.3f,%.3f\n",
		    spec_isolation_name((enum isolation)r->isolation), r->cpus,
		    r->start, r->end);
	}
}

void
plan_summary(const struct plan *p, FILE *f)
{
	double makespan = 0, busy = 0, t;
	size_t i, k, peak = 0, now;

	for (i = 0; i < p->nrows; i++) {
		if (p->rows[i].end > makespan)
			makespan = p->rows[i].end;
		busy += (double)p->rows[i].ncpus *
		    (p->rows[i].end - p->rows[i].start);
	}
	/* Peak parallelism: jobs running at each start instant. */
	for (i = 0; i < p->nrows; i++) {
		t = p->rows[i].start;
		now = 0;
		for (k = 0; k < p->nrows; k++)
			if (p->rows[k].start <= t && p->rows[k].end > t)
				now++;
		if (now > peak)
			peak = now;
	}
	fprintf(f, "# %zu jobs on %zu usable CPUs of %s\n", p->nrows,
	    p->t->nusable, p->t->source);
	fprintf(f,
	    "# makespan %.3f s, mean CPU utilisation %.1f%%, peak "
	    "parallelism %zu\n",
	    makespan,
	    makespan > 0 ? 100 * busy / ((double)p->t->nusable * makespan) :
			   0.0,
	    peak);
}
