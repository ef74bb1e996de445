/*
 * Unit tests of the Slurm executor against a fake Slurm: sbatch, squeue,
 * scontrol, scancel and sinfo are shell scripts on PATH that keep each
 * job's state in a file and play what the test chose for it (run it,
 * leave it pending, fail its node, preempt it, lose it, run it out of
 * memory, refuse it), so that every outcome the real cluster of the
 * regress test cannot produce on demand is checked here: the mapping of
 * Slurm's states, the start-up probe, the cleanup of a crashed run's
 * jobs, timeouts and stops through scancel, the placement the shim
 * reports, and counters the shim opens itself. The jobs run the real
 * shim ($WAYFINDER_EXEC), in the background of the fake sbatch.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "tap.h"
#include "../../src/exec-slurm.h"
#include "../../src/diag.h"
#include "../../src/files.h"
#include "../../src/pmu.h"
#include "../../src/spec.h"
#include "../../src/xmalloc.h"

extern char **environ;

static char *F; /* the fake Slurm's directory */
static char *T; /* the test's directory */
static uv_loop_t loop;

static void
skip(const char *why)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, why);
	fflush(stdout);
}

static void
put(const char *path, const char *text, int mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
}

/* A fake command: text with @F@ replaced by the fake's directory. */
static void
fake(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", F, name), *out, *p;
	size_t n = 0;
	const char *q;

	for (q = text; (q = strstr(q, "@F@")) != NULL; q += 3)
		n++;
	out = xcalloc(strlen(text) + n * strlen(F) + 1, 1);
	for (p = out, q = text; *q != '\0';) {
		if (strncmp(q, "@F@", 3) == 0) {
			strcpy(p, F);
			p += strlen(F);
			q += 3;
		} else
			*p++ = *q++;
	}
	put(path, out, 0755);
	free(out);
	free(path);
}

static void
make_fakes(void)
{
	fake("sbatch",
	    "#!/bin/sh\n"
	    "# sbatch: records the job, plays @F@/mode.KEY (else run).\n"
	    "F=@F@\n"
	    "out=/dev/null err=/dev/null name= script= test=0 cpt=1\n"
	    "for a; do\n"
	    "  case $a in\n"
	    "  --output=*) out=${a#--output=} ;;\n"
	    "  --error=*) err=${a#--error=} ;;\n"
	    "  --job-name=*) name=${a#--job-name=} ;;\n"
	    "  --cpus-per-task=*) cpt=${a#--cpus-per-task=} ;;\n"
	    "  --test-only) test=1 ;;\n"
	    "  -*) ;;\n"
	    "  *) script=$a ;;\n"
	    "  esac\n"
	    "done\n"
	    "if [ $test = 1 ]; then\n"
	    "  if [ $cpt -gt 4 ]; then\n"
	    "    echo 'allocation failure: Requested node configuration is "
	    "not available' >&2\n"
	    "    exit 1\n"
	    "  fi\n"
	    "  echo 'sbatch: Job 1 to start now' >&2\n"
	    "  exit 0\n"
	    "fi\n"
	    "# Ids are taken with mkdir, atomically: sbatch runs in parallel.\n"
	    "id=$(( $(cat $F/next 2>/dev/null || echo 100) + 1 ))\n"
	    "while ! mkdir $F/jobs/$id.taken 2>/dev/null; do id=$((id + 1)); "
	    "done\n"
	    "echo $id > $F/next\n"
	    "echo $id > $F/id.${name##*-}\n"
	    "printf '%s\\n' \"$@\" > $F/jobs/$id.args\n"
	    "key=${name##*-}\n"
	    "mode=$(cat $F/mode.$key 2>/dev/null || echo run)\n"
	    "J=$F/jobs/$id\n"
	    "case $mode in\n"
	    "refuse) echo 'sbatch: error: Batch job submission failed: "
	    "Invalid account or account/partition combination specified' "
	    ">&2; exit 1 ;;\n"
	    "busy) echo 'sbatch: error: Batch job submission failed: Unable "
	    "to contact slurm controller (connect failure)' >&2\n"
	    "  echo run > $F/mode.$key; exit 1 ;;\n"
	    "pending) echo PENDING > $J.state ;;\n"
	    "vanish) ;;\n"
	    "node_fail|preempted)\n"
	    "  echo RUNNING > $J.state\n"
	    "  st=NODE_FAIL; [ $mode = preempted ] && st=PREEMPTED\n"
	    "  ( sleep 0.3; echo $st > $J.state ) >/dev/null 2>&1 & ;;\n"
	    "*)\n"
	    "  echo RUNNING > $J.state\n"
	    "  ( SLURMD_NODENAME=fake SLURM_JOB_ID=$id\n"
	    "    export SLURMD_NODENAME SLURM_JOB_ID\n"
	    "    rc=0\n"
	    "    if [ $mode != elsewhere ]; then\n"
	    "      sh \"$script\" > \"$out\" 2> \"$err\" &\n"
	    "      echo $! > $J.pid\n"
	    "      wait $!\n"
	    "      rc=$?\n"
	    "    fi\n"
	    "    echo $rc > $J.rc\n"
	    "    if [ -e $J.cancelled ]; then echo CANCELLED\n"
	    "    elif [ $mode = oom ]; then echo OUT_OF_MEMORY\n"
	    "    elif [ $mode = cancelled_ok ]; then echo CANCELLED\n"
	    "    elif [ $rc = 0 ]; then echo COMPLETED\n"
	    "    else echo FAILED; fi > $J.state.new\n"
	    "    mv $J.state.new $J.state ) >/dev/null 2>&1 &\n"
	    "  ;;\n"
	    "esac\n"
	    "echo $id\n");
	fake("squeue",
	    "#!/bin/sh\n"
	    "F=@F@\n"
	    "ids= fmt= all=0\n"
	    "for a; do\n"
	    "  case $a in\n"
	    "  --jobs=*) ids=${a#--jobs=} ;;\n"
	    "  --format=*) fmt=${a#--format=} ;;\n"
	    "  --states=all) all=1 ;;\n"
	    "  esac\n"
	    "done\n"
	    "echo \"$@\" >> $F/squeue.log\n"
	    "found=0\n"
	    "for id in $(echo $ids | tr , ' '); do\n"
	    "  [ -f $F/jobs/$id.state ] || continue\n"
	    "  found=1\n"
	    "  st=$(cat $F/jobs/$id.state)\n"
	    "  case $st in PENDING|RUNNING) ;; *) [ $all = 1 ] || continue ;; "
	    "esac\n"
	    "  case $fmt in\n"
	    "  '%i|%T|%r') echo \"$id|$st|None\" ;;\n"
	    "  '%T|%r') echo \"$st|None\" ;;\n"
	    "  *) echo $id ;;\n"
	    "  esac\n"
	    "done\n"
	    "if [ $found = 0 ]; then\n"
	    "  echo 'slurm_load_jobs error: Invalid job id specified' >&2\n"
	    "  exit 1\n"
	    "fi\n");
	fake("scontrol",
	    "#!/bin/sh\n"
	    "F=@F@\n"
	    "case \"$1 $2\" in\n"
	    "'show config')\n"
	    "  echo 'TaskPlugin              = task/fake,task/more'\n"
	    "  echo 'ProctrackType           = proctrack/fake' ;;\n"
	    "'show job')\n"
	    "  J=$F/jobs/$4\n"
	    "  if [ ! -f $J.state ]; then\n"
	    "    echo 'slurm_load_jobs error: Invalid job id specified' >&2\n"
	    "    exit 1\n"
	    "  fi\n"
	    "  echo \"JobId=$4 JobName=x JobState=$(cat $J.state) "
	    "Reason=None ExitCode=$(cat $J.rc 2>/dev/null || echo 0):0 "
	    "NodeList=fake\" ;;\n"
	    "*) exit 1 ;;\n"
	    "esac\n");
	fake("scancel",
	    "#!/bin/sh\n"
	    "F=@F@\n"
	    "for id; do\n"
	    "  J=$F/jobs/$id\n"
	    "  [ -f $J.state ] || continue\n"
	    "  echo $id >> $F/cancelled\n"
	    "  case $(cat $J.state) in\n"
	    "  PENDING) echo CANCELLED > $J.state ;;\n"
	    "  RUNNING) touch $J.cancelled\n"
	    "    [ -f $J.pid ] && kill -TERM $(cat $J.pid) ;;\n"
	    "  esac\n"
	    "done\n"
	    "exit 0\n");
	fake("sinfo", "#!/bin/sh\necho 'fake|4|idle'\necho 'fake|4|idle'\n");
}

/* What a job's done() and placed() said. */
struct result {
	int done, placed;
	enum exec_how how;
	int status, signal, oom;
	char *error;
	char node[64];
	size_t ncpus;
	double counter;
	char *note;
};

static void
on_done(void *arg, const struct exec_result *r)
{
	struct result *o = arg;

	o->done = 1;
	o->how = r->how;
	o->status = r->status;
	o->signal = r->signal;
	o->oom = r->oom;
	o->error = r->error != NULL ? xstrdup(r->error) : NULL;
	o->counter = r->counters != NULL ? r->counters[0] : NAN;
	o->note = r->counters_note != NULL ? xstrdup(r->counters_note) : NULL;
}

static void
on_placed(void *arg, const char *node, const int *cpus, size_t n)
{
	struct result *o = arg;

	(void)cpus;
	o->placed = 1;
	snprintf(o->node, sizeof o->node, "%s", node);
	o->ncpus = n;
}

static void
result_free(struct result *o)
{
	free(o->error);
	free(o->note);
}

/* Runs the loop until cond or seconds pass. */
static int
wait_for(const int *cond, double seconds)
{
	uint64_t end = uv_hrtime() + (uint64_t)(seconds * 1e9);

	while (!*cond && uv_hrtime() < end)
		uv_run(&loop, UV_RUN_ONCE);
	return *cond;
}

static char *
slurp(const char *path)
{
	size_t len;
	char *t = files_read(path, &len);

	return t != NULL ? t : xstrdup("");
}

/* Starts job id running "sh -c cmd" in the fake's mode. */
static void *
start(struct slurm *s, int64_t id, const char *mode, const char *cmd,
    double timeout, const struct pmu_set *pmu, struct result *o)
{
	struct exec_req req;
	char *argv[4], *env[4], *path, *out, *err, *cause = NULL;
	void *x;

	memset(o, 0, sizeof *o);
	o->counter = NAN;
	path = xasprintf("%s/mode.%lld", F, (long long)id);
	put(path, mode, 0644);
	free(path);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	env[0] = "PATH=/usr/bin:/bin";
	env[1] = "PARAM=a value; not $shell";
	env[2] = "WAYFINDER_CORES=";
	env[3] = NULL;
	out = xasprintf("%s/%lld.out", T, (long long)id);
	err = xasprintf("%s/%lld.err", T, (long long)id);
	memset(&req, 0, sizeof req);
	req.job = id;
	req.kind = "test";
	req.trial = 1;
	req.argv = argv;
	req.env = env;
	req.cwd = T;
	req.out_path = out;
	req.err_path = err;
	req.cores = 1;
	req.timeout = timeout;
	req.aslr = -1;
	req.pmu = pmu;
	req.sample_interval = pmu != NULL ? 0.05 : 0;
	req.done = on_done;
	req.placed = on_placed;
	req.arg = o;
	if ((x = exec_slurm.start(s, &req, &cause)) == NULL)
		diag("start: %s", cause);
	free(cause);
	free(out);
	free(err);
	return x;
}

static struct execspec xs;

/* The Slurm id the fake gave engine job id. */
static char *
slurm_id(int64_t id)
{
	char *path = xasprintf("%s/id.%lld", F, (long long)id), *text;

	text = slurp(path);
	text[strcspn(text, "\n")] = '\0';
	free(path);
	return text;
}

/* Whether the fake's scancel was run for engine job id. */
static int
was_cancelled(int64_t id)
{
	char *path = xasprintf("%s/cancelled", F), *text, *sid, *p;
	size_t len;
	int found = 0;

	text = slurp(path);
	sid = slurm_id(id);
	len = strlen(sid);
	for (p = text; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n')
		if (len > 0 && strncmp(p, sid, len) == 0 && p[len] == '\n')
			found = 1;
	free(text);
	free(sid);
	free(path);
	return found;
}

static void
test_states(void)
{
	char *why;
	int oom;

	ok(slurm_state_ended("COMPLETED") && slurm_state_ended("CANCELLED") &&
		slurm_state_ended("TIMEOUT") &&
		slurm_state_ended("NODE_FAIL") &&
		slurm_state_ended("OUT_OF_MEMORY") &&
		slurm_state_ended("PREEMPTED") &&
		slurm_state_ended("BOOT_FAIL"),
	    "final states end a job");
	ok(!slurm_state_ended("PENDING") && !slurm_state_ended("RUNNING") &&
		!slurm_state_ended("COMPLETING") &&
		!slurm_state_ended("SUSPENDED") &&
		!slurm_state_ended("CONFIGURING"),
	    "waiting and running states do not");
	ok(slurm_outcome("7", "TIMEOUT", "0:15", 0, 0, &oom, &why) ==
		    EXEC_TIMEOUT &&
		why == NULL,
	    "TIMEOUT is a timeout");
	ok(slurm_outcome("7", "CANCELLED", "0:15", 1, 0, &oom, &why) ==
		EXEC_STOPPED,
	    "cancelled by a stop is stopped");
	ok(slurm_outcome("7", "CANCELLED", "0:15", 0, 1, &oom, &why) ==
		EXEC_TIMEOUT,
	    "cancelled by our timeout is a timeout");
	ok(slurm_outcome("7", "CANCELLED", "0:15", 0, 0, &oom, &why) ==
		    EXEC_LOST &&
		strstr(why, "cancelled from outside") != NULL &&
		strstr(why, "CANCELLED") != NULL,
	    "cancelled from outside is lost, and says so");
	free(why);
	ok(slurm_outcome("7", "OUT_OF_MEMORY", "0:9", 0, 0, &oom, &why) ==
		    EXEC_SIGNALED &&
		oom == 1,
	    "OUT_OF_MEMORY is an out-of-memory failure");
	ok(slurm_outcome("7", "NODE_FAIL", "0:0", 0, 0, &oom, &why) ==
		    EXEC_LOST &&
		strstr(why, "NODE_FAIL") != NULL,
	    "NODE_FAIL is lost, named");
	free(why);
	ok(slurm_outcome("7", "PREEMPTED", "0:0", 0, 0, &oom, &why) ==
		    EXEC_LOST &&
		strstr(why, "PREEMPTED") != NULL,
	    "PREEMPTED is lost, named");
	free(why);
	ok(slurm_outcome("7", "BOOT_FAIL", "0:0", 0, 0, &oom, &why) ==
		    EXEC_LOST &&
		strstr(why, "BOOT_FAIL") != NULL,
	    "BOOT_FAIL is lost, named");
	free(why);
	ok(slurm_outcome("7", "", NULL, 0, 0, &oom, &why) == EXEC_LOST &&
		strstr(why, "vanished") != NULL,
	    "a vanished job is lost");
	free(why);
	ok(slurm_outcome("7", "FAILED", "127:0", 0, 0, &oom, &why) ==
		    EXEC_LOST &&
		strstr(why, "127:0") != NULL,
	    "a job that ended without a report is lost, with its exit code");
	free(why);
}

static void
test_encoding(void)
{
	char *names[] = { "task-clock", "no-such-event-here" };
	struct pmu_set *ps = pmu_set_new(names, 2);
	struct pmu_encoding en;

	ok(pmu_set_encoding(ps, 0, &en) == 0 && en.type == 1 /* software */
		&& en.config == 1 /* task clock */,
	    "task-clock's encoding is perf's software task clock");
	ok(pmu_set_encoding(ps, 1, &en) == -1, "an unknown event has none");
	pmu_set_free(ps);
}

/* The spec's executor: section, as the executor reads it, and its
 * errors, each at its line and column. */
static const char spec_head[] =
    "name: x\n"
    "params:\n"
    "  - {name: A, type: int, values: [1, 2]}\n"
    "test:\n"
    "  run: 'true'\n"
    "  metrics: [v]\n"
    "  objective: {metric: v, direction: maximize}\n";

static struct spec *
parse_with(const char *executor, struct diags *d)
{
	char *text = xasprintf("%s%s", spec_head, executor);
	struct spec *sp;

	memset(d, 0, sizeof *d);
	sp = spec_parse("x.yaml", text, strlen(text), d);
	free(text);
	return sp;
}

/* Whether d holds an error at line:col whose message has needle. */
static int
has_error(const struct diags *d, int line, int col, const char *needle)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].level == DIAG_ERROR && d->v[i].line == line &&
		    d->v[i].col == col && strstr(d->v[i].msg, needle) != NULL)
			return 1;
	for (i = 0; i < d->n; i++)
		diag("%d:%d: %s", d->v[i].line, d->v[i].col, d->v[i].msg);
	return 0;
}

static void
test_spec(void)
{
	struct diags d;
	struct spec *sp;

	sp = parse_with("executor:\n"
			"  type: slurm\n"
			"  partition: bench\n"
			"  account: osperf\n"
			"  qos: high\n"
			"  constraint: 'skylake&ib'\n"
			"  options: [--reservation=tuning, --gres=gpu:1]\n"
			"  poll: 500ms\n"
			"  retries: 5\n",
	    &d);
	ok(sp != NULL && d.nerrors == 0 &&
		sp->executor.type == EXECUTOR_SLURM &&
		strcmp(sp->executor.partition, "bench") == 0 &&
		strcmp(sp->executor.account, "osperf") == 0 &&
		strcmp(sp->executor.qos, "high") == 0 &&
		strcmp(sp->executor.constraint, "skylake&ib") == 0 &&
		sp->executor.nextra == 2 &&
		strcmp(sp->executor.extra[1], "--gres=gpu:1") == 0 &&
		fabs(sp->executor.poll - 0.5) < 1e-9 &&
		sp->executor.retries == 5,
	    "executor: every Slurm setting is read");
	spec_free(sp);
	diag_free(&d);

	sp = parse_with("executor: slurm\n", &d);
	ok(sp != NULL && d.nerrors == 0 &&
		sp->executor.type == EXECUTOR_SLURM &&
		sp->executor.partition == NULL && sp->executor.nextra == 0 &&
		sp->executor.poll == 2 && sp->executor.retries == 3,
	    "executor: slurm alone takes the defaults (poll 2s, retries 3)");
	spec_free(sp);
	diag_free(&d);

	sp = parse_with("executor: {type: slurm, partiton: x, options: [bad], "
			"poll: 1ms, retries: 101}\n",
	    &d);
	ok(sp == NULL && d.nerrors == 4 &&
		has_error(&d, 8, 25, "did you mean 'partition'") &&
		has_error(&d, 8, 48, "not an sbatch option") &&
		has_error(&d, 8, 60, "between 100ms and 10m") &&
		has_error(&d, 8, 74, "retries"),
	    "executor: a misspelt key, a bad option, poll and retries out "
	    "of range, each at its line and column");
	spec_free(sp);
	diag_free(&d);

	sp = parse_with("executor: {type: local, partition: x}\n", &d);
	ok(sp == NULL && has_error(&d, 8, 36, "setting of the slurm executor"),
	    "executor: local refuses Slurm's settings");
	spec_free(sp);
	diag_free(&d);

	sp = parse_with("executor: {type: pbs}\n", &d);
	ok(sp == NULL && d.nerrors == 1 && d.v[0].line == 8,
	    "executor: an unknown type is refused at its line");
	spec_free(sp);
	diag_free(&d);
}

int
main(void)
{
	struct result a, b, c, d, e, g, h, k, m, n, p, q, r;
	struct slurm *s;
	char *cause = NULL, *path, *text, *exp, *oldpath;
	char *names[] = { "task-clock" };
	struct pmu_set *ps;
	struct spec sp;
	double sample[2];
	int sampled = 0;
	void *x;

	test_states();
	test_encoding();
	test_spec();
	if (access(exec_shim_path(), X_OK) != 0) {
		skip("no wayfinder-exec to run jobs (set WAYFINDER_EXEC)");
		return done_testing();
	}
	T = xstrdup("/tmp/wayfinder-test-slurm.XXXXXX");
	if (mkdtemp(T) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	F = xasprintf("%s/fake", T);
	path = xasprintf("%s/jobs", F);
	files_mkdirs(path, 0755);
	free(path);
	make_fakes();
	oldpath = xasprintf("%s:%s", F,
	    getenv("PATH") != NULL ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", oldpath, 1);
	free(oldpath);
	uv_loop_init(&loop);
	memset(&xs, 0, sizeof xs);
	xs.type = EXECUTOR_SLURM;
	xs.poll = 0.1;
	xs.retries = 3;

	/* The probe job's writes never come back: not shared. */
	exp = xasprintf("%s/state/experiments/1", T);
	files_mkdirs(exp, 0700);
	path = xasprintf("%s/mode.probe", F);
	put(path, "elsewhere", 0644);
	s = slurm_new(&loop, &xs, T, exp, 1, &cause);
	ok(s == NULL && cause != NULL &&
		strstr(cause, "must be on a file system the nodes share") !=
		    NULL,
	    "a state directory the nodes do not share is refused");
	if (cause != NULL)
		diag("%s", cause);
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);

	/* A crashed run left job 500 queued. */
	path = xasprintf("%s/jobs/500.state", F);
	put(path, "PENDING\n", 0644);
	free(path);
	path = xasprintf("%s/slurm", exp);
	files_mkdirs(path, 0700);
	free(path);
	path = xasprintf("%s/slurm/submitted", exp);
	put(path, "500\n", 0644);
	free(path);
	s = slurm_new(&loop, &xs, T, exp, 1, &cause);
	if (!ok(s != NULL, "the fake cluster passes the start-up probe")) {
		diag("%s", cause);
		return done_testing();
	}
	path = xasprintf("%s/jobs/500.state", F);
	text = slurp(path);
	ok(strcmp(text, "CANCELLED\n") == 0 &&
		strstr(slurm_notice(s), "cancelled 1 job") != NULL,
	    "a crashed run's queued job is cancelled, and said");
	free(text);
	free(path);
	is_str(slurm_protections(s), "slurm:task/fake+task/more+proctrack/fake",
	    "the protections name Slurm's plugins, without commas");
	ok(strstr(slurm_notice(s), "fake (4 CPUs, idle)") != NULL &&
		strstr(slurm_notice(s), "1 node:") != NULL,
	    "the notice lists the nodes, each once");

	memset(&sp, 0, sizeof sp);
	sp.test.present = 1;
	sp.test.cores = 8;
	ok(slurm_check(s, &sp, &cause) != 0 && cause != NULL &&
		strstr(cause, "test job (8 CPUs") != NULL &&
		strstr(cause, "Requested node configuration") != NULL,
	    "a stage the cluster cannot run is refused with Slurm's reason");
	free(cause);
	cause = NULL;
	sp.test.cores = 2;
	ok(slurm_check(s, &sp, &cause) == 0, "one it can run passes");

	/* A job that runs: placed on the shim's node and CPUs, which it
	 * learns from the environment; its own variables intact. */
	start(s, 1, "run",
	    "echo \"cores=$WAYFINDER_CORES total=$WAYFINDER_TOTAL_CORES "
	    "id0=$WAYFINDER_CORE_ID0 job=$SLURM_JOB_ID param=$PARAM\"",
	    0, NULL, &a);
	wait_for(&a.done, 20);
	ok(a.done && a.how == EXEC_EXITED && a.status == 0,
	    "a job that exits 0 is done");
	ok(a.placed && strcmp(a.node, "fake") == 0 && a.ncpus >= 1,
	    "placed() names the node and CPUs the shim reported");
	path = xasprintf("%s/1.out", T);
	text = slurp(path);
	ok(strstr(text, "cores=") != NULL && strstr(text, "cores= ") == NULL &&
		strstr(text, "total=0") == NULL &&
		strstr(text, "id0= ") == NULL,
	    "the job gets WAYFINDER_CORES from the shim's affinity");
	{
		char *sid = slurm_id(1), *want = xasprintf("job=%s ", sid);

		ok(strstr(text, want) != NULL &&
			strstr(text, "param=a value; not $shell") != NULL,
		    "its own SLURM_JOB_ID, and the engine's variables "
		    "verbatim");
		free(want);
		free(sid);
	}
	if (tap_failed)
		diag("out: %s", text);
	free(text);
	free(path);
	text = slurm_id(1);
	path = xasprintf("%s/jobs/%s.args", F, text);
	free(text);
	text = slurp(path);
	ok(strstr(text, "--cpus-per-task=1\n") != NULL &&
		strstr(text, "--no-requeue\n") != NULL &&
		strstr(text, "--output=") != NULL,
	    "sbatch is asked for the job's CPUs, without requeue, with its "
	    "logs");
	free(text);
	free(path);
	result_free(&a);

	start(s, 2, "run", "exit 3", 0, NULL, &b);
	wait_for(&b.done, 20);
	ok(b.done && b.how == EXEC_EXITED && b.status == 3,
	    "an exit status comes from the shim's report");
	result_free(&b);

	start(s, 3, "oom", "kill -9 $$", 0, NULL, &c);
	wait_for(&c.done, 20);
	ok(c.done && c.how == EXEC_SIGNALED && c.signal == 9 && c.oom,
	    "killed, and OUT_OF_MEMORY: an out-of-memory failure");
	result_free(&c);

	start(s, 4, "node_fail", "true", 0, NULL, &d);
	wait_for(&d.done, 20);
	ok(d.done && d.how == EXEC_LOST && d.error != NULL &&
		strstr(d.error, "NODE_FAIL") != NULL,
	    "a node failure loses the job, named");
	result_free(&d);

	start(s, 5, "preempted", "true", 0, NULL, &e);
	wait_for(&e.done, 20);
	ok(e.done && e.how == EXEC_LOST && e.error != NULL &&
		strstr(e.error, "PREEMPTED") != NULL,
	    "preemption loses the job, named");
	result_free(&e);

	start(s, 6, "vanish", "true", 0, NULL, &g);
	wait_for(&g.done, 20);
	ok(g.done && g.how == EXEC_LOST && g.error != NULL &&
		strstr(g.error, "vanished") != NULL,
	    "a job that vanishes from the queue is lost");
	result_free(&g);

	x = start(s, 7, "pending", "true", 0, NULL, &h);
	{
		uint64_t until = uv_hrtime() + 500000000ull;
		int never = 0;

		while (uv_hrtime() < until && !never)
			uv_run(&loop, UV_RUN_ONCE);
	}
	exec_slurm.stop(x, 0);
	wait_for(&h.done, 20);
	ok(h.done && h.how == EXEC_STOPPED && !h.placed && was_cancelled(7),
	    "a stopped pending job is cancelled: stopped");
	result_free(&h);

	start(s, 8, "run", "sleep 30", 0.5, NULL, &k);
	wait_for(&k.done, 20);
	ok(k.done && k.how == EXEC_TIMEOUT && was_cancelled(8),
	    "past its timeout a job is cancelled: timed out");
	result_free(&k);

	start(s, 9, "run", "sleep 30", 0, NULL, &m);
	wait_for(&m.placed, 20);
	text = slurm_id(9);
	path = xasprintf("scancel %s", text);
	if (system(path) != 0)
		diag("scancel failed");
	free(path);
	free(text);
	wait_for(&m.done, 20);
	ok(m.done && m.how == EXEC_LOST && m.error != NULL &&
		strstr(m.error, "cancelled from outside") != NULL,
	    "a running job cancelled from outside is lost: %s",
	    m.error != NULL ? m.error : "(none)");
	result_free(&m);

	start(s, 10, "refuse", "true", 0, NULL, &n);
	wait_for(&n.done, 20);
	ok(n.done && n.how == EXEC_ERROR && n.error != NULL &&
		strstr(n.error, "Invalid account") != NULL,
	    "a job sbatch refuses could not run, with its reason");
	result_free(&n);

	start(s, 11, "busy", "exit 0", 0, NULL, &p);
	wait_for(&p.done, 20);
	ok(p.done && p.how == EXEC_EXITED && p.status == 0,
	    "a controller that cannot be reached is tried again");
	result_free(&p);

	/* Counters the shim opens on the job. */
	ps = pmu_set_new(names, 1);
	if (pmu_set_status(ps, 0) != PMU_SUPPORTED) {
		skip("task-clock cannot be counted here");
		skip("task-clock cannot be counted here");
	} else {
		x = start(s, 12, "run",
		    "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done", 0, ps,
		    &q);
		while (!q.done && wait_for(&q.done, 0.05) == 0)
			if (!sampled && exec_slurm.counters(x, sample) == 0 &&
			    sample[0] > 0)
				sampled = 1;
		ok(q.done && q.how == EXEC_EXITED && q.counter > 1e6,
		    "the shim's final count comes back (task-clock %.0f ns)",
		    q.counter);
		ok(sampled, "samples come while the job runs");
		result_free(&q);
	}
	pmu_set_free(ps);

	/* scancel's signal ended the command the script waited for, and
	 * the script went on to exit 0: still lost, not measured. */
	start(s, 15, "cancelled_ok", "exit 0", 0, NULL, &b);
	wait_for(&b.done, 20);
	ok(b.done && b.how == EXEC_LOST && b.error != NULL &&
		strstr(b.error, "cancelled from outside") != NULL,
	    "a job cancelled from outside that still exits 0 is lost: %s",
	    b.error != NULL ? b.error : "(none)");
	result_free(&b);

	/* Two at once, and the ledger emptied at the end. */
	start(s, 13, "run", "sleep 0.3", 0, NULL, &r);
	start(s, 14, "run", "exit 1", 0, NULL, &a);
	wait_for(&r.done, 20);
	wait_for(&a.done, 20);
	if (!ok(r.done && a.done && r.how == EXEC_EXITED &&
		    a.how == EXEC_EXITED && a.status == 1,
		"jobs run side by side"))
		diag("first: done %d how %d status %d (%s); second: done %d "
		     "how %d status %d (%s)",
		    r.done, (int)r.how, r.status,
		    r.error != NULL ? r.error : "", a.done, (int)a.how,
		    a.status, a.error != NULL ? a.error : "");
	result_free(&r);
	result_free(&a);

	slurm_close(s);
	uv_run(&loop, UV_RUN_DEFAULT);
	path = xasprintf("%s/slurm/submitted", exp);
	ok(access(path, F_OK) != 0,
	    "a run that ended leaves nothing to "
	    "cancel");
	free(path);
	ok(uv_loop_close(&loop) == 0, "nothing is left on the loop");
	if (getenv("KEEP") == NULL)
		files_rmtree(T);
	free(exp);
	free(F);
	free(T);
	return done_testing();
}
