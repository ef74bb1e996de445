/*
 * The live view of one experiment: its progress; the per-core job map,
 * drawn from the daemon's topology (packages, last-level cache domains,
 * cores, PUs), where each PU shows the job it runs (build or test, the
 * trial, the configuration abbreviated, the time it has run, and live
 * counters from the sample events); the queue of trials waiting; the
 * convergence chart (every trial's value, the best so far, the baseline
 * as a reference line); and the log tail of a chosen job. When the
 * experiment's jobs run on a cluster (Slurm: job.start names a node),
 * the map shows the nodes instead, each with the CPUs its jobs hold.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/buf.h"
#include "../src/xmalloc.h"
#include "ui.h"

#define QUEUE_W 30
#define LOG_BYTES 16384

enum pane { P_MAP, P_QUEUE, P_CHART, P_NPANES };

static enum pane focus;
static struct w_list map, queue;
static int show_log;
static int64_t log_exp, log_job;
static char *log_out, *log_err; /* its logs while it ran */
static char log_what[96];

/* A line of the core map: a group heading, a PU, or (on a cluster) a
 * job on a node. */
enum line_kind { L_HEAD, L_PU, L_JOB, L_IDLE };
struct map_line {
	enum line_kind kind;
	int pu;           /* L_PU: index in ui->pus */
	int64_t exp, job; /* L_JOB */
	char text[96];
};

static struct map_line *lines;
static size_t nlines;
static const struct ui_pu *built_for; /* the topology lines were made of */
static int cluster;                   /* the lines are the cluster's */

static int
cmp_pu(const void *a, const void *b, void *arg)
{
	const struct ui_pu *pa = a, *pb = b;

	(void)arg;
	if (pa->pkg != pb->pkg)
		return pa->pkg - pb->pkg;
	if (pa->llc != pb->llc)
		return pa->llc - pb->llc;
	if (pa->core != pb->core)
		return pa->core - pb->core;
	return pa->os - pb->os;
}

/* The PUs in topology order, with a heading per package and cache
 * domain where there is more than one of either. */
static void
build_lines(struct ui *ui)
{
	int pkg = -1, llc = -1, many_pkg = 0, many_llc = 0;
	size_t i;

	free(lines);
	lines = xcalloc(2 * ui->npus + 1, sizeof *lines);
	nlines = 0;
	built_for = ui->pus;
	cluster = 0;
	qsort_r(ui->pus, ui->npus, sizeof *ui->pus,
	    (int (*)(const void *, const void *, void *))cmp_pu, NULL);
	for (i = 1; i < ui->npus; i++) {
		many_pkg |= ui->pus[i].pkg != ui->pus[0].pkg;
		many_llc |= ui->pus[i].llc != ui->pus[0].llc;
	}
	for (i = 0; i < ui->npus; i++) {
		if ((many_pkg || many_llc) &&
		    (ui->pus[i].pkg != pkg || ui->pus[i].llc != llc)) {
			lines[nlines].kind = L_HEAD;
			snprintf(lines[nlines].text, sizeof lines[0].text,
			    "package %d, %s %d", ui->pus[i].pkg,
			    ui->llc_name != NULL ? ui->llc_name : "cache",
			    ui->pus[i].llc);
			nlines++;
		}
		pkg = ui->pus[i].pkg;
		llc = ui->pus[i].llc;
		lines[nlines].kind = L_PU;
		lines[nlines].pu = (int)i;
		nlines++;
	}
}

/* CPU numbers as "0-3,6" into buf. */
static char *
cpu_list(const int *cpus, size_t n, char *buf, size_t len)
{
	size_t i, k, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i = k + 1) {
		for (k = i; k + 1 < n && cpus[k + 1] == cpus[k] + 1; k++)
			;
		off += (size_t)snprintf(buf + off, len - off, "%s%d",
		    i ? "," : "", cpus[i]);
		if (k > i && off < len)
			off += (size_t)snprintf(buf + off, len - off, "-%d",
			    cpus[k]);
	}
	return buf;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int
cmp_job_cpu(const void *a, const void *b)
{
	const struct ui_job *ja = *(const struct ui_job *const *)a;
	const struct ui_job *jb = *(const struct ui_job *const *)b;
	int ca = ja->ncpus > 0 ? ja->cpus[0] : -1;
	int cb = jb->ncpus > 0 ? jb->cpus[0] : -1;

	if (ca != cb)
		return ca - cb;
	return ja->job < jb->job ? -1 : ja->job > jb->job;
}

/* The cluster: a heading per node the experiment's jobs have run on,
 * with the CPUs they hold there now, then a line per job running on it
 * (by its first CPU), or "idle". Made afresh each frame: jobs come and
 * go. */
static void
build_cluster_lines(struct ui *ui)
{
	const struct ui_job **on;
	int *busy;
	size_t i, k, n, nbusy, m;
	char list[64];

	free(lines);
	lines = xcalloc(2 * ui->nnodes + ui->njobs + 1, sizeof *lines);
	nlines = 0;
	built_for = NULL;
	cluster = 1;
	on = xcalloc(ui->njobs + 1, sizeof *on);
	for (i = 0; i < ui->nnodes; i++) {
		n = nbusy = 0;
		for (k = 0; k < ui->njobs; k++)
			if (ui->jobs[k].exp == ui->cur &&
			    ui->jobs[k].node != NULL &&
			    strcmp(ui->jobs[k].node, ui->nodes[i]) == 0) {
				on[n++] = &ui->jobs[k];
				nbusy += ui->jobs[k].ncpus;
			}
		qsort(on, n, sizeof *on, cmp_job_cpu);
		busy = xcalloc(nbusy + 1, sizeof *busy);
		for (k = 0, m = 0; k < n; k++) {
			memcpy(busy + m, on[k]->cpus,
			    on[k]->ncpus * sizeof *busy);
			m += on[k]->ncpus;
		}
		qsort(busy, nbusy, sizeof *busy, cmp_int);
		lines[nlines].kind = L_HEAD;
		if (nbusy > 0)
			snprintf(lines[nlines].text, sizeof lines[0].text,
			    "node %s: %zu CPU%s busy (%s)", ui->nodes[i], nbusy,
			    nbusy == 1 ? "" : "s",
			    cpu_list(busy, nbusy, list, sizeof list));
		else
			snprintf(lines[nlines].text, sizeof lines[0].text,
			    "node %s", ui->nodes[i]);
		free(busy);
		nlines++;
		for (k = 0; k < n; k++) {
			lines[nlines].kind = L_JOB;
			lines[nlines].exp = on[k]->exp;
			lines[nlines].job = on[k]->job;
			nlines++;
		}
		if (n == 0)
			lines[nlines++].kind = L_IDLE;
	}
	if (ui->nnodes == 0) {
		lines[nlines].kind = L_HEAD;
		snprintf(lines[nlines].text, sizeof lines[0].text,
		    "no job placed yet");
		nlines++;
	}
	free(on);
}

/* Jobs of the chosen experiment the cluster has not placed yet. */
static size_t
queued_jobs(const struct ui *ui)
{
	json_t *v = ui->progress != NULL ?
	    json_object_get(ui->progress, "queued") :
	    NULL;

	return v != NULL ? (size_t)json_integer_value(v) : 0;
}

static const struct ui_job *
job_by_id(const struct ui *ui, int64_t exp, int64_t job)
{
	size_t i;

	for (i = 0; i < ui->njobs; i++)
		if (ui->jobs[i].exp == exp && ui->jobs[i].job == job)
			return &ui->jobs[i];
	return NULL;
}

/* The job on CPU os of this machine (a cluster's jobs are not). */
static const struct ui_job *
job_on(const struct ui *ui, int os)
{
	size_t i, k;

	for (i = 0; i < ui->njobs; i++)
		for (k = 0; k < ui->jobs[i].ncpus; k++)
			if (ui->jobs[i].cpus[k] == os &&
			    ui->jobs[i].node == NULL &&
			    (ui->cur == 0 || ui->jobs[i].exp == ui->cur))
				return &ui->jobs[i];
	/* Another experiment's job is still worth showing. */
	for (i = 0; i < ui->njobs; i++)
		for (k = 0; k < ui->jobs[i].ncpus; k++)
			if (ui->jobs[i].cpus[k] == os &&
			    ui->jobs[i].node == NULL)
				return &ui->jobs[i];
	return NULL;
}

/* Live counters from the latest sample: IPC where both counts are
 * there, the share of a CPU the job used, its memory. */
static void
counters_text(const struct ui_job *j, char *buf, size_t len)
{
	const json_t *v = j->values;
	double ins, cyc, cpu = NAN, mem;
	size_t off = 0;

	buf[0] = '\0';
	if (v == NULL || j->t_ms <= 0)
		return;
	ins = json_number_value(json_object_get(v, "instructions"));
	cyc = json_number_value(json_object_get(v, "cycles"));
	if (json_object_get(v, "cycles") == NULL)
		cyc = json_number_value(json_object_get(v, "cpu-cycles"));
	if (json_is_number(json_object_get(v, "instructions")) && cyc > 0)
		off += (size_t)snprintf(buf + off, len - off, "IPC %.2f ",
		    ins / cyc);
	if (json_is_number(json_object_get(v, "task-clock")))
		cpu = json_number_value(json_object_get(v, "task-clock")) / 1e6;
	else if (json_is_number(json_object_get(v, "cpu_ms")))
		cpu = json_number_value(json_object_get(v, "cpu_ms"));
	if (isfinite(cpu) && off < len)
		off += (size_t)snprintf(buf + off, len - off, "cpu %.0f%% ",
		    100 * cpu / j->t_ms /
			(j->ncpus > 0 ? (double)j->ncpus : 1));
	if (json_is_number(json_object_get(v, "memory_kb")) && off < len &&
	    (mem = json_number_value(json_object_get(v, "memory_kb"))) > 0)
		snprintf(buf + off, len - off, "mem %.0fM", mem / 1024);
}

/* A job from column x of a map line: build or test, trial and
 * iteration, elapsed, live counters, its configuration. */
static void
draw_job(WINDOW *w, int y, int x, int width, const struct ui_job *j, attr_t a)
{
	char el[32], ctr[48], *cfg;

	x += w_printf(w, y, x, 6,
	    a |
		theme_attr(
		    strcmp(j->stage, "build") == 0 ? TH_BUILD : TH_TEST) |
		A_BOLD,
	    "%-5s", j->stage);
	x++;
	if (j->trial > 0)
		w_printf(w, y, x, 12, a, "t%-4lld %s%d", (long long)j->trial,
		    j->warmup ? "w" : "#", j->iteration);
	x += 12;
	w_printf(w, y, x, 7, a, "%6s",
	    model_duration(ui_now() - j->started, el, sizeof el));
	x += 7;
	counters_text(j, ctr, sizeof ctr);
	x += 1 + w_printf(w, y, x + 1, 22, a | A_BOLD, "%s", ctr);
	if (ctr[0] == '\0')
		x -= 1;
	if (width - x > 4) {
		cfg = w_abbrev_config(j->config, width - x - 1);
		w_put(w, y, x + 1, width - x - 1, cfg, a | theme_attr(TH_DIM));
		free(cfg);
	}
}

static void
draw_map(struct ui *ui, WINDOW *w, int y, int h)
{
	const struct ui_job *j;
	const struct ui_pu *pu;
	char title[96];
	int inner = h - 2, row, x, width = ui->cols - 2;
	size_t i;
	attr_t a;

	snprintf(title, sizeof title, "cores: %zu PUs%s%s", ui->npus,
	    ui->topo_source != NULL ? ", " : "",
	    ui->topo_source != NULL ? ui->topo_source : "");
	w_box(w, y, 0, h, ui->cols, title, focus == P_MAP);
	if (ui->npus == 0) {
		w_put(w, y + 1, 2, width - 2, "no topology from the daemon yet",
		    theme_attr(TH_DIM));
		return;
	}
	map.n = nlines;
	w_list_fit(&map, inner);
	for (i = map.top, row = 0; i < nlines && row < inner; i++, row++) {
		if (lines[i].kind != L_PU) {
			w_put(w, y + 1 + row, 2, width - 2, lines[i].text,
			    theme_attr(TH_HEADER));
			continue;
		}
		pu = &ui->pus[lines[i].pu];
		a = focus == P_MAP && i == map.sel ? theme_attr(TH_SELECT) :
						     A_NORMAL;
		if (a != A_NORMAL)
			w_fill(w, y + 1 + row, 1, width, " ", a);
		x = 2 +
		    w_printf(w, y + 1 + row, 2, 14, a, "core %-2d cpu %-3d",
			pu->core, pu->os);
		x++;
		if (!pu->usable) {
			w_printf(w, y + 1 + row, x, width - x, a | A_DIM,
			    "not for jobs (%s)", pu->why);
			continue;
		}
		if ((j = job_on(ui, pu->os)) == NULL) {
			w_put(w, y + 1 + row, x, width - x, "idle",
			    a | theme_attr(TH_DIM));
			continue;
		}
		draw_job(w, y + 1 + row, x, width, j, a);
	}
}

/* The cluster's nodes and the jobs on them, in place of the core map. */
static void
draw_cluster(struct ui *ui, WINDOW *w, int y, int h)
{
	const struct ui_job *j;
	char title[128], list[32];
	int inner = h - 2, row, x, width = ui->cols - 2;
	size_t i, busy = 0, queued;
	attr_t a;

	for (i = 0; i < ui->njobs; i++)
		if (ui->jobs[i].exp == ui->cur && ui->jobs[i].node != NULL)
			busy += ui->jobs[i].ncpus;
	queued = queued_jobs(ui);
	snprintf(title, sizeof title,
	    "cluster: %zu node%s (Slurm), %zu CPU%s busy%s", ui->nnodes,
	    ui->nnodes == 1 ? "" : "s", busy, busy == 1 ? "" : "s",
	    queued > 0 ? ", " : "");
	if (queued > 0)
		snprintf(title + strlen(title), sizeof title - strlen(title),
		    "%zu job%s queued", queued, queued == 1 ? "" : "s");
	w_box(w, y, 0, h, ui->cols, title, focus == P_MAP);
	map.n = nlines;
	w_list_fit(&map, inner);
	for (i = map.top, row = 0; i < nlines && row < inner; i++, row++) {
		if (lines[i].kind == L_HEAD) {
			w_put(w, y + 1 + row, 2, width - 2, lines[i].text,
			    theme_attr(TH_HEADER));
			continue;
		}
		if (lines[i].kind == L_IDLE) {
			w_put(w, y + 1 + row, 4, width - 4, "idle",
			    theme_attr(TH_DIM));
			continue;
		}
		a = focus == P_MAP && i == map.sel ? theme_attr(TH_SELECT) :
						     A_NORMAL;
		if (a != A_NORMAL)
			w_fill(w, y + 1 + row, 1, width, " ", a);
		if ((j = job_by_id(ui, lines[i].exp, lines[i].job)) == NULL)
			continue;
		cpu_list(j->cpus, j->ncpus, list, sizeof list);
		x = 4 + w_printf(w, y + 1 + row, 4, 12, a, "cpu %-7s", list);
		x++;
		draw_job(w, y + 1 + row, x, width, j, a);
	}
}

/* A trial waiting: pending in the store (read at most once a second)
 * and no job of it started since. */
static int
waiting(const struct ui *ui, const struct store_trial *t)
{
	size_t i;

	if (strcmp(t->state, "pending") != 0)
		return 0;
	for (i = 0; i < ui->njobs; i++)
		if (ui->jobs[i].exp == ui->cur && ui->jobs[i].trial == t->seq)
			return 0;
	return 1;
}

static size_t
queue_count(const struct ui *ui)
{
	size_t i, n = 0;

	for (i = 0; i < ui->ntrials; i++)
		n += waiting(ui, &ui->trials[i]);
	return n;
}

static void
draw_queue(struct ui *ui, WINDOW *w, int y, int x, int h, int wd)
{
	const struct store_trial *t;
	struct buf b = BUF_INIT;
	char title[64], *cfg;
	size_t i, k, n = queue_count(ui);
	int row = 0, inner = h - 2;

	snprintf(title, sizeof title, "queue: %zu waiting", n);
	w_box(w, y, x, h, wd, title, focus == P_QUEUE);
	queue.n = n;
	w_list_fit(&queue, inner);
	for (i = 0, k = 0; i < ui->ntrials && row < inner; i++) {
		t = &ui->trials[i];
		if (!waiting(ui, t) || k++ < queue.top)
			continue;
		buf_reset(&b);
		for (size_t v = 0; v < t->nvalues; v++)
			if (strcmp(t->values[v], "") != 0)
				buf_printf(&b, "%s%s=%s", v ? " " : "",
				    t->names[v], t->values[v]);
		cfg = w_abbrev_config(buf_str(&b), wd - 9);
		w_printf(w, y + 1 + row, x + 1, wd - 2,
		    focus == P_QUEUE && k - 1 == queue.sel ?
			theme_attr(TH_SELECT) :
			A_NORMAL,
		    "t%-5lld %s", (long long)t->seq, cfg);
		free(cfg);
		row++;
	}
	if (n == 0)
		w_put(w, y + 1, x + 2, wd - 4, "nothing waiting",
		    theme_attr(TH_DIM));
	buf_free(&b);
}

static void
draw_chart(struct ui *ui, WINDOW *w, int y, int h, int wd)
{
	struct w_chart_point *p;
	const struct store_trial *t;
	int maximize = ui->curx.direction != NULL &&
	    strcmp(ui->curx.direction, "maximize") == 0;
	double best = 0;
	int have = 0;
	size_t i, n = 0;
	char label[96];

	snprintf(label, sizeof label, "convergence: %s %s",
	    ui->curx.direction != NULL ? ui->curx.direction : "",
	    ui->curx.objective != NULL ? ui->curx.objective : "");
	w_box(w, y, 0, h, wd, label, focus == P_CHART);
	p = xcalloc(ui->ntrials + 1, sizeof *p);
	for (i = 0; i < ui->ntrials; i++) {
		t = &ui->trials[i];
		if (strcmp(t->state, "done") != 0 || !t->has_value)
			continue;
		p[n].x = (double)t->seq;
		p[n].y = t->value;
		p[n].baseline = t->baseline;
		if (!have || (maximize ? t->value > best : t->value < best)) {
			best = t->value;
			p[n].best = 1;
		}
		have = 1;
		n++;
	}
	snprintf(label, sizeof label, "trial  %s best  %s baseline",
	    theme_glyphs()->bestpt, "B");
	w_chart(w, y + 1, 1, h - 2, wd - 2, p, n, maximize, label);
	free(p);
}

/* The last lines of a file that fit in h rows (long lines wrap no:
 * they are cut). */
static int
tail(WINDOW *w, const char *path, int y, int x, int h, int wd, attr_t a)
{
	char *buf, *lines_at[256], *p;
	struct stat st;
	FILE *f;
	size_t n, k = 0;
	long off;
	int i, row;

	if (path == NULL || h <= 0 || (f = fopen(path, "r")) == NULL)
		return 0;
	if (fstat(fileno(f), &st) != 0) {
		fclose(f);
		return 0;
	}
	off = st.st_size > LOG_BYTES ? (long)(st.st_size - LOG_BYTES) : 0;
	fseek(f, off, SEEK_SET);
	buf = xcalloc(LOG_BYTES + 1, 1);
	n = fread(buf, 1, LOG_BYTES, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	p = buf;
	if (off > 0 && (p = strchr(buf, '\n')) != NULL) /* a whole line */
		p++;
	else
		p = buf;
	while (p != NULL && *p != '\0') {
		if (k == sizeof lines_at / sizeof lines_at[0]) {
			memmove(lines_at, lines_at + 1,
			    sizeof lines_at - sizeof lines_at[0]);
			k--;
		}
		lines_at[k++] = p;
		if ((p = strchr(p, '\n')) != NULL)
			*p++ = '\0';
	}
	row = 0;
	for (i = k > (size_t)h ? (int)k - h : 0; i < (int)k; i++)
		w_put(w, y + row++, x, wd, lines_at[i], a);
	free(buf);
	return row;
}

static void
draw_log(struct ui *ui, WINDOW *w, int y, int h, int wd)
{
	char title[128], *out, *err;
	const struct ui_job *j = NULL;
	size_t i;
	int used, inner = h - 2;

	for (i = 0; i < ui->njobs; i++)
		if (ui->jobs[i].exp == log_exp && ui->jobs[i].job == log_job)
			j = &ui->jobs[i];
	snprintf(title, sizeof title, "log: job %lld, %s%s", (long long)log_job,
	    log_what, j != NULL ? " (running)" : "");
	w_box(w, y, 0, h, wd, title, focus == P_CHART);
	/* While it runs its logs are the slot's; then they are kept under
	 * its number (an empty one is not kept). */
	if (j != NULL) {
		out = j->out != NULL ? xstrdup(j->out) : NULL;
		err = j->err != NULL ? xstrdup(j->err) : NULL;
	} else {
		out = model_log_path(ui, log_exp, log_job, "out");
		err = model_log_path(ui, log_exp, log_job, "err");
		if (access(out, R_OK) != 0 && log_out != NULL &&
		    access(log_out, R_OK) == 0) {
			free(out);
			out = xstrdup(log_out);
		}
	}
	used = tail(w, err, y + 1, 1, inner / 3, wd - 2, theme_attr(TH_WARN));
	used += tail(w, out, y + 1 + used, 1, inner - used, wd - 2, A_NORMAL);
	if (used == 0)
		w_put(w, y + 1, 2, wd - 4,
		    j != NULL && j->out == NULL ?
			"this daemon does not say where a running job's "
			"logs are" :
			"(no output)",
		    theme_attr(TH_DIM));
	free(out);
	free(err);
}

static void
draw_progress(struct ui *ui, WINDOW *w)
{
	const struct ui_exp *e = model_exp(ui, ui->cur);
	const json_t *p = ui->progress;
	char num[32], el[32], eta[32];
	int x;

	if (e == NULL) {
		w_put(w, 0, 1, ui->cols - 2,
		    "No experiment chosen: 1 lists them, n starts one.",
		    theme_attr(TH_DIM));
		return;
	}
	x = 1 +
	    w_printf(w, 0, 1, 30, theme_attr(TH_TITLE), "#%lld %s ",
		(long long)e->id, e->name);
	x += 1 + w_printf(w, 0, x, 12, A_BOLD, "%s", e->state);
	w_bar(w, 0, x, 12,
	    e->budget > 0 ?
		(double)(e->done + e->failed + e->lost) / e->budget :
		0,
	    theme_attr(TH_BAR));
	x += 13;
	x += w_printf(w, 0, x, ui->cols - x, A_NORMAL, "%lld/%lld",
	    (long long)(e->done + e->failed + e->lost), (long long)e->budget);
	if (e->failed > 0)
		x += w_printf(w, 0, x, ui->cols - x, theme_attr(TH_BAD),
		    " (%lld failed)", (long long)e->failed);
	if (e->lost > 0)
		x += w_printf(w, 0, x, ui->cols - x, theme_attr(TH_DIM),
		    " (%lld lost)", (long long)e->lost);
	if (e->have_best)
		x += w_printf(w, 0, x, ui->cols - x, theme_attr(TH_BEST),
		    "  best %s (t%lld)", model_num(e->best, num, sizeof num),
		    (long long)e->best_trial);
	if (p != NULL && strcmp(e->state, "running") == 0) {
		model_duration(json_number_value(json_object_get(p, "elapsed")),
		    el, sizeof el);
		if (json_object_get(p, "eta") != NULL)
			model_duration(json_number_value(
					   json_object_get(p, "eta")),
			    eta, sizeof eta);
		else
			snprintf(eta, sizeof eta, "?");
		w_printf(w, 0, x, ui->cols - x - 1, A_NORMAL, "  %s, ETA %s",
		    el, eta);
	}
}

static void
draw(struct ui *ui, WINDOW *w)
{
	int bh = ui->rows - 3, mh, lh, lw = ui->cols - QUEUE_W;

	if (ui->nnodes > 0 || queued_jobs(ui) > 0)
		build_cluster_lines(ui);
	else if (lines == NULL || cluster || built_for != ui->pus)
		build_lines(ui);
	draw_progress(ui, w);
	/* The map takes what its PUs need, up to half the screen. */
	mh = (int)nlines + 2;
	if (mh > bh / 2)
		mh = bh / 2;
	if (mh < 3)
		mh = 3;
	if (cluster)
		draw_cluster(ui, w, 1, mh);
	else
		draw_map(ui, w, 1, mh);
	lh = bh - 1 - mh;
	if (show_log && log_job != 0)
		draw_log(ui, w, 1 + mh, lh, lw);
	else
		draw_chart(ui, w, 1 + mh, lh, lw);
	draw_queue(ui, w, 1 + mh, lw, lh, QUEUE_W);
}

static void
choose_log(struct ui *ui, const struct ui_job *j)
{
	log_exp = j->exp;
	log_job = j->job;
	free(log_out);
	free(log_err);
	log_out = j->out != NULL ? xstrdup(j->out) : NULL;
	log_err = j->err != NULL ? xstrdup(j->err) : NULL;
	if (j->trial > 0)
		snprintf(log_what, sizeof log_what, "%s, trial %lld %s%d",
		    j->stage, (long long)j->trial, j->warmup ? "w" : "#",
		    j->iteration);
	else
		snprintf(log_what, sizeof log_what, "%s", j->stage);
	show_log = 1;
	(void)ui;
}

static const struct ui_job *
selected_job(struct ui *ui)
{
	if (map.sel >= nlines)
		return NULL;
	if (lines[map.sel].kind == L_JOB)
		return job_by_id(ui, lines[map.sel].exp, lines[map.sel].job);
	if (lines[map.sel].kind != L_PU)
		return NULL;
	return job_on(ui, ui->pus[lines[map.sel].pu].os);
}

static void
enter(struct ui *ui)
{
	size_t i;

	/* The running experiment, else the newest. */
	for (i = 0; ui->cur == 0 && i < ui->nexps; i++)
		if (strcmp(ui->exps[i].state, "running") == 0)
			ui_set_current(ui, ui->exps[i].id);
	if (ui->cur == 0 && ui->nexps > 0)
		ui_set_current(ui, ui->exps[0].id);
	model_trials(ui, 1);
}

static int
action(struct ui *ui, enum ui_action a)
{
	const struct ui_job *j;

	switch (a) {
	case ACT_TAB:
	case ACT_BTAB:
		focus = (enum pane)(
		    (focus + (a == ACT_TAB ? 1 : P_NPANES - 1)) % P_NPANES);
		return 1;
	case ACT_PAUSE:
		ui_control(ui, "pause", ui->cur);
		return 1;
	case ACT_RESUME:
		ui_control(ui, "resume", ui->cur);
		return 1;
	case ACT_STOP:
		ui_control(ui, "stop", ui->cur);
		return 1;
	case ACT_LOG:
		if (show_log) {
			show_log = 0;
			return 1;
		}
		/* fall through */
	case ACT_ENTER:
		if (focus == P_MAP && (j = selected_job(ui)) != NULL)
			choose_log(ui, j);
		else if (log_job != 0)
			show_log = !show_log || a == ACT_ENTER;
		else
			ui_say(ui,
			    "choose a running job on the core map "
			    "first (Tab, arrows, Enter)");
		return 1;
	default:
		break;
	}
	if (focus == P_MAP) {
		if (!w_list_key(&map, a, (ui->rows - 3) / 2 - 2))
			return 0;
		/* Headings are not for choosing. */
		while (map.sel < nlines && lines[map.sel].kind == L_HEAD &&
		    map.sel + 1 < nlines)
			map.sel++;
		return 1;
	}
	if (focus == P_QUEUE)
		return w_list_key(&queue, a, 8);
	return 0;
}

static int
tick(struct ui *ui)
{
	size_t i;

	if (model_trials(ui, 0))
		return 1;
	if (show_log)
		return 1;
	for (i = 0; i < ui->njobs; i++)
		if (ui->jobs[i].exp == ui->cur)
			return 1; /* elapsed times move */
	return 0;
}

const struct screen_ops screen_live = { enter, draw, NULL, action, tick };
