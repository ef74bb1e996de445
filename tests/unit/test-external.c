/*
 * Unit tests of the external strategy with small scripted peers (sh):
 * the space message and tells a correct peer receives, canonical
 * configurations back, repeats answered from known outcomes, resumed
 * outcomes forwarded; and peers that propose a value outside the domain,
 * die, write garbage, answer with the wrong message, close their stdout,
 * never answer or speak another version, each breaking the strategy with
 * a clear reason, without a hang, a zombie or a leftover process.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "spec-util.h"
#include "../../src/space.h"
#include "../../src/xmalloc.h"
#include "../../strategies/strategy.h"

static const char spec_text[] =
    "name: ext\n"
    "params:\n"
    "  - {name: X, type: int, min: 1, max: 10, when: test}\n"
    "  - {name: M, type: str, values: [a, b]}\n"
    "  - {name: F, type: float, min: 0.5, max: 8, step: 2,"
    " step_mode: power, if: \"M == 'a'\", default: 2}\n"
    "  - {name: B, type: bool, default: true, when: test}\n"
    "build: {run: 'true'}\n"
    "test: {run: 'true', objective: {metric: wall_ms, direction: "
    "minimize}}\n";

/* The peer's prologue: keeps the space message, answers ready, then logs
 * every line it gets; ASK is the shell run on each ask ($i counts). */
#define PEER(ASK) \
	"read -r space\n" \
	"printf '%s\\n' \"$space\" > space.json\n" \
	"echo '{\"type\":\"ready\",\"version\":1}'\n" \
	"i=0\n" \
	"while read -r line; do\n" \
	"  printf '%s\\n' \"$line\" >> log\n" \
	"  case $line in *'\"type\":\"ask\"'*)\n" \
	"    i=$((i + 1))\n" ASK "  ;; esac\n" \
	"done\n"

static const char good_peer[] = PEER(
    "    case $i in\n"
    "    1) echo '{\"type\":\"configs\",\"configs\":["
    "{\"params\":{\"X\":1,\"M\":\"b\",\"F\":4},\"tag\":\"a\"},"
    "{\"params\":{\"X\":\"2\",\"M\":\"a\",\"B\":false},\"tag\":\"b\"}]}' ;;\n"
    "    2) echo ''; echo '{\"type\":\"configs\",\"configs\":["
    "{\"params\":{\"X\":1,\"M\":\"b\"},\"tag\":\"c\"},"
    "{\"params\":{\"X\":3,\"F\":null},\"tag\":\"d\"}]}' ;;\n"
    "    *) echo '{\"type\":\"done\"}' ;;\n"
    "    esac\n");

struct run {
	struct spec *spec;
	struct space *space;
	struct strategy *s; /* through the registry and its wrapper */
	void *state;        /* or the ops called directly */
	char *cause;
	double t0;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts the strategy with peer text as a script run by /bin/sh; with
 * direct, its ops are called without the wrapper (which asks again for
 * the rest when a peer gives fewer configurations than asked). */
static int
start_how(struct run *r, const char *script, const char *peer,
    const char *timeout, int direct)
{
	char *argv[3] = { "/bin/sh", (char *)script, NULL };
	struct spec_option opts[2];
	struct strategy_conf conf;

	memset(r, 0, sizeof *r);
	r->spec = load_text(spec_text);
	r->space = space_new(r->spec);
	write_file(script, peer);
	unlink(write_file("log", ""));
	memset(opts, 0, sizeof opts);
	opts[0].name = "command";
	opts[0].list = argv;
	opts[0].nlist = 2;
	opts[1].name = "timeout";
	opts[1].value = (char *)timeout;
	memset(&conf, 0, sizeof conf);
	conf.seed = 42;
	conf.seeded = 1;
	conf.direction = DIR_MINIMIZE;
	conf.options = opts;
	conf.noptions = timeout != NULL ? 2 : 1;
	conf.dir = r->spec->dir;
	r->t0 = now();
	if (direct) {
		r->state = strategy_external.init(r->space, &conf, &r->cause);
		return r->state != NULL ? 0 : -1;
	}
	r->s = strategy_new("external", r->space, &conf, &r->cause);
	return r->s != NULL ? 0 : -1;
}

static int
start(struct run *r, const char *script, const char *peer, const char *timeout)
{
	return start_how(r, script, peer, timeout, 0);
}

/* No child of ours is left, not even a zombie. */
static int
no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void
finish_run(struct run *r)
{
	if (r->state != NULL)
		strategy_external.free(r->state);
	strategy_free(r->s);
	ok(no_children(), "the peer is reaped");
	free(r->cause);
	space_free(r->space);
	spec_free(r->spec);
}

/* X=x M=m, the rest at their defaults. */
static struct config *
cfg(struct run *r, const char *x, const char *m)
{
	struct config *c = space_config_new(r->space);
	size_t i;

	for (i = 0; i < r->spec->nparams; i++)
		c->v[i] = -1;
	c->v[0] = spec_value_index(&r->spec->params[0], x);
	c->v[1] = spec_value_index(&r->spec->params[1], m);
	return space_canon(r->space, c);
}

static char *
slurp(const char *name)
{
	char path[600], *text;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/%s", spec_util_dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return xstrdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = xcalloc(1, (size_t)n + 1);
	if (fread(text, 1, (size_t)n, f) != (size_t)n)
		text[0] = '\0';
	fclose(f);
	return text;
}

static int
has(const char *text, const char *want, const char *what)
{
	int cond = text != NULL && strstr(text, want) != NULL;

	if (!ok(cond, "%s", what))
		diag("'%s' not in '%s'", want, text != NULL ? text : "(null)");
	return cond;
}

static const char *
value_of(struct run *r, const struct config *c, const char *name, char *buf)
{
	int i = spec_param_index(r->spec, name);
	const char *v = space_value(r->space, c, (size_t)i, buf, 64);

	return v != NULL ? v : "(inactive)";
}

static void
test_good(void)
{
	struct run r;
	struct config *out[4], *c;
	struct outcome o;
	char buf[64], *text;
	size_t n, i;

	if (!ok(start_how(&r, "good.sh", good_peer, NULL, 1) == 0,
		"a correct peer starts")) {
		diag("%s", r.cause);
		return;
	}
	/* Resumed: an outcome of an earlier run, before any ask. */
	c = cfg(&r, "7", "b");
	memset(&o, 0, sizeof o);
	o.status = OUTCOME_DONE;
	o.value = 3.5;
	o.stddev = 0.25;
	o.n = 5;
	strategy_external.tell(r.state, c, &o);
	free(c);
	c = cfg(&r, "8", "b");
	o.status = OUTCOME_PENDING;
	strategy_external.tell(r.state, c, &o);
	free(c);

	n = strategy_external.ask(r.state, out, 4);
	is_int((long long)n, 2, "first ask: two configurations");
	if (n == 2) {
		is_str(value_of(&r, out[0], "X", buf), "1", "X=1");
		is_str(value_of(&r, out[0], "F", buf), "(inactive)",
		    "F of M=b dropped (inactive)");
		is_str(value_of(&r, out[0], "B", buf), "true",
		    "omitted B takes its default");
		is_str(value_of(&r, out[1], "X", buf), "2",
		    "X given as the string \"2\"");
		is_str(value_of(&r, out[1], "F", buf), "2",
		    "omitted F of M=a takes its default");
		is_str(value_of(&r, out[1], "B", buf), "false", "B=false");
		memset(&o, 0, sizeof o);
		o.status = OUTCOME_DONE;
		o.value = 1.5;
		o.stddev = 0.125;
		o.n = 3;
		strategy_external.tell(r.state, out[0], &o);
		memset(&o, 0, sizeof o);
		o.status = OUTCOME_FAILED;
		o.reason = "build failed: exit status 2";
		strategy_external.tell(r.state, out[1], &o);
	}
	for (i = 0; i < n; i++)
		free(out[i]);
	n = strategy_external.ask(r.state, out, 4);
	is_int((long long)n, 1, "second ask: the repeat is kept back");
	if (n == 1)
		is_str(value_of(&r, out[0], "X", buf), "3", "X=3 is new");
	for (i = 0; i < n; i++)
		free(out[i]);
	is_int((long long)strategy_external.ask(r.state, out, 4), 0,
	    "done ends it");
	ok(strategy_external.error(r.state) == NULL, "done is not an error");
	ok(now() - r.t0 < 10, "no waiting on a prompt peer");
	finish_run(&r);

	text = slurp("space.json");
	has(text, "{\"type\":\"space\",\"version\":1,\"experiment\":\"ext\"",
	    "space: type, version, experiment");
	has(text, "\"direction\":\"minimize\",\"seed\":42,\"seeded\":true",
	    "space: direction and seed");
	has(text,
	    "{\"name\":\"X\",\"type\":\"int\",\"stage\":\"test\",\"range\":"
	    "{\"min\":1,\"max\":10,\"step\":1,\"power\":false,\"count\":10},"
	    "\"default\":1}",
	    "space: an int range");
	has(text,
	    "{\"name\":\"M\",\"type\":\"str\",\"stage\":\"build\","
	    "\"values\":[\"a\",\"b\"],\"default\":\"a\"}",
	    "space: a list");
	has(text,
	    "\"range\":{\"min\":0.5,\"max\":8.0,\"step\":2.0,\"power\":true,"
	    "\"count\":5},\"default\":2.0,\"condition\":\"M == 'a'\"}",
	    "space: a power range with its condition");
	has(text, "\"values\":[false,true],\"default\":true}",
	    "space: a bool as JSON booleans");
	free(text);
	text = slurp("log");
	has(text, "{\"type\":\"tell\",\"id\":\"",
	    "tells carry the configuration id");
	has(text,
	    "\"status\":\"done\",\"value\":3.5,\"stddev\":0.25,\"n\":5,"
	    "\"params\":{\"X\":7,\"M\":\"b\",\"B\":true}}\n"
	    "{\"type\":\"tell\",\"id\":",
	    "a resumed outcome is told first, without a tag");
	has(text, "\"status\":\"pending\",\"params\":{\"X\":8,",
	    "a resumed unfinished trial is told as pending");
	has(text, "{\"type\":\"ask\",\"n\":4}\n", "asks carry n");
	has(text,
	    "\"tag\":\"a\",\"status\":\"done\",\"value\":1.5,\"stddev\":"
	    "0.125,\"n\":3,\"params\":{\"X\":1,\"M\":\"b\",\"B\":true}}",
	    "a done tell: value, stddev, n, the tag and the canonical params");
	has(text,
	    "\"tag\":\"b\",\"status\":\"failed\",\"reason\":\"build failed: "
	    "exit status 2\",\"params\":{\"X\":2,\"M\":\"a\",\"F\":2.0,"
	    "\"B\":false}}",
	    "a failed tell: the reason");
	has(text, "\"tag\":\"c\",\"status\":\"done\",\"value\":1.5,",
	    "a repeat is told its known outcome under its own tag");
	free(text);
}

/* A repeat of a configuration still running is told its outcome under
 * both tags; a peer that proposes nothing new is taken as done. */
static void
test_repeats(void)
{
	struct run r;
	struct config *out[2];
	struct outcome o;
	char buf[64], *text;
	size_t n;

	if (!ok(start_how(&r, "repeats.sh",
		    PEER("    case $i in\n"
			 "    1) echo '{\"type\":\"configs\",\"configs\":["
			 "{\"params\":{\"X\":5},\"tag\":\"p\"}]}' ;;\n"
			 "    2) echo '{\"type\":\"configs\",\"configs\":["
			 "{\"params\":{\"X\":5},\"tag\":\"q\"},"
			 "{\"params\":{\"X\":6},\"tag\":\"r\"}]}' ;;\n"
			 "    *) echo '{\"type\":\"configs\",\"configs\":["
			 "{\"params\":{\"X\":6}}]}' ;;\n"
			 "    esac\n"),
		    NULL, 1) == 0,
		"repeats.sh: starts"))
		return;
	n = strategy_external.ask(r.state, out, 2);
	is_int((long long)n, 1, "one configuration");
	if (n == 1)
		free(out[0]);
	n = strategy_external.ask(r.state, out, 2);
	is_int((long long)n, 1, "a repeat of a running one is kept back");
	if (n == 1) {
		is_str(value_of(&r, out[0], "X", buf), "6", "the new one");
		free(out[0]);
	}
	memset(&o, 0, sizeof o);
	o.status = OUTCOME_DONE;
	o.value = 9;
	out[0] = cfg(&r, "5", "a");
	strategy_external.tell(r.state, out[0], &o);
	free(out[0]);
	n = strategy_external.ask(r.state, out, 2);
	is_int((long long)n, 0, "nothing but repeats: the end");
	ok(strategy_external.error(r.state) == NULL, "and not an error");
	finish_run(&r);
	text = slurp("log");
	has(text, "\"tag\":\"p\",\"status\":\"done\",\"value\":9.0,",
	    "the first proposal is told");
	has(text, "\"tag\":\"q\",\"status\":\"done\",\"value\":9.0,",
	    "and so is its repeat");
	free(text);
}

/* A peer that breaks on its first ask (or at start): the strategy
 * fails with a reason holding want, promptly, and leaves nothing. */
static void
broken(const char *name, const char *peer, const char *timeout,
    const char *want)
{
	struct run r;
	struct config *out[4], *c;
	struct outcome o;
	const char *why;
	size_t n;

	if (!ok(start(&r, name, peer, timeout) == 0, "%s: starts", name)) {
		diag("%s", r.cause);
		finish_run(&r);
		return;
	}
	n = strategy_ask(r.s, out, 4);
	is_int((long long)n, 0, "an ask of a broken peer gives nothing");
	while (n > 0)
		free(out[--n]);
	why = strategy_error(r.s);
	ok(why != NULL, "%s: the strategy says it broke", name);
	has(why, want, "the reason says why");
	if (why != NULL)
		diag("%s: %s", name, why);
	ok(now() - r.t0 < 8, "%s: no hang", name);
	/* Later calls are harmless. */
	c = cfg(&r, "5", "a");
	memset(&o, 0, sizeof o);
	o.status = OUTCOME_FAILED;
	o.reason = "x";
	strategy_tell(r.s, c, &o);
	free(c);
	is_int((long long)strategy_ask(r.s, out, 1), 0, "and stays broken");
	finish_run(&r);
}

/* A peer that cannot start: strategy_new fails, saying want. */
static void
refused(const char *name, const char *peer, const char *want)
{
	struct run r;

	ok(start(&r, name, peer, "2") != 0, "%s: refused at start", name);
	has(r.cause, want, "the cause says why");
	if (r.cause != NULL)
		diag("%s: %s", name, r.cause);
	ok(now() - r.t0 < 8, "%s: no hang", name);
	ok(no_children(), "%s: nothing left", name);
	free(r.cause);
	space_free(r.space);
	spec_free(r.spec);
}

static int
proc_dead(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;
	int k;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	k = fscanf(f, "%*d %*s %c", &state);
	fclose(f);
	return k == 1 && (state == 'Z' || state == 'X');
}

static void
test_timeout(void)
{
	char *text;
	pid_t pid;
	int i;

	broken("silent.sh", PEER("    sleep 30 & echo $! > sleeper; wait\n"),
	    "0.5", "did not answer an ask within 0.5 s (the timeout setting)");
	text = slurp("sleeper");
	pid = (pid_t)atoi(text);
	free(text);
	for (i = 0; i < 100 && pid > 0 && !proc_dead(pid); i++)
		usleep(20000);
	ok(pid > 0 && proc_dead(pid), "what the peer started is killed too");
}

static void
test_tell_dead(void)
{
	struct run r;
	struct config *c;
	struct outcome o;

	/* Wayfinder must not die of SIGPIPE writing to a peer gone. */
	signal(SIGPIPE, SIG_DFL);
	if (!ok(start(&r, "quits.sh",
		    "read -r space\n"
		    "echo '{\"type\":\"ready\",\"version\":1}'\n"
		    "exec 0<&- 1>&-\nexit 4\n",
		    "2") == 0,
		"quits.sh: starts")) {
		finish_run(&r);
		return;
	}
	usleep(300000);
	c = cfg(&r, "5", "a");
	memset(&o, 0, sizeof o);
	o.status = OUTCOME_DONE;
	o.value = 1;
	strategy_tell(r.s, c, &o);
	free(c);
	ok(1, "a tell to a peer gone is survived");
	has(strategy_error(r.s),
	    "quits.sh closed its stdin (it exited with "
	    "status 4)",
	    "and breaks the strategy");
	finish_run(&r);
}

int
main(void)
{
	alarm(120); /* a hang fails the test rather than the build */
	test_good();
	test_repeats();
	broken("outside.sh",
	    PEER("    echo '{\"type\":\"configs\",\"configs\":["
		 "{\"params\":{\"X\":4}},{\"params\":{\"X\":11}}]}'\n"),
	    NULL,
	    "outside.sh proposed X=11 in configuration 2, which is not a "
	    "value of 'X' (int 1..10)");
	broken("unknown.sh",
	    PEER("    echo '{\"type\":\"configs\",\"configs\":["
		 "{\"params\":{\"Y\":4}}]}'\n"),
	    NULL,
	    "a value for 'Y' in configuration 1, which is not a parameter");
	broken("noparams.sh",
	    PEER("    echo '{\"type\":\"configs\",\"configs\":[{\"X\":4}]}'\n"),
	    NULL, "without a \"params\" object");
	broken("toomany.sh",
	    PEER("    echo '{\"type\":\"configs\",\"configs\":[{\"params\":{}},"
		 "{\"params\":{}},{\"params\":{}},{\"params\":{}},"
		 "{\"params\":{}}]}'\n"),
	    NULL, "proposed 5 configurations when asked for 4");
	broken("dies.sh", PEER("    echo 'dying now' >&2; exit 3\n"), NULL,
	    "dies.sh closed its stdout (it exited with status 3) before it "
	    "answered an ask (last on its stderr: dying now)");
	broken("garbage.sh", PEER("    echo 'hello world'\n"), NULL,
	    "garbage.sh answered an ask with a line that is not a JSON "
	    "object");
	broken("wrong.sh",
	    PEER("    echo '{\"type\":\"ready\",\"version\":1}'\n"), NULL,
	    "wrong.sh answered an ask with \"ready\" where \"configs\" or "
	    "\"done\" was expected");
	broken("gaveup.sh",
	    PEER("    echo '{\"type\":\"error\",\"message\":\"no idea\"}'\n"),
	    NULL, "gaveup.sh gave up: no idea");
	broken("closes.sh", PEER("    exec 1>&-; sleep 30\n"), "3",
	    "closes.sh closed its stdout (it still runs) before it answered "
	    "an ask");
	test_timeout();
	test_tell_dead();
	refused("version.sh",
	    "read -r s; echo '{\"type\":\"ready\",\"version\":2}'; read -r s\n",
	    "version.sh speaks version 2 of the protocol");
	refused("early.sh", "echo 'no space for me' >&2; exit 2\n",
	    "exited with status 2");
	refused("hello.sh", "read -r s; echo '{\"type\":\"hello\"}'; cat\n",
	    "answered the space message with \"hello\" where \"ready\" was "
	    "expected");
	refused("mute.sh", "sleep 30\n",
	    "mute.sh did not answer the space message within 2 s");
	{
		struct run r;
		char *argv[1] = { "./no-such-peer" };
		struct spec_option opt;
		struct strategy_conf conf;

		memset(&r, 0, sizeof r);
		r.spec = load_text(spec_text);
		r.space = space_new(r.spec);
		memset(&opt, 0, sizeof opt);
		opt.name = "command";
		opt.list = argv;
		opt.nlist = 1;
		memset(&conf, 0, sizeof conf);
		conf.options = &opt;
		conf.noptions = 1;
		conf.dir = r.spec->dir;
		ok(strategy_new("external", r.space, &conf, &r.cause) == NULL,
		    "a missing program is refused");
		has(r.cause,
		    "./no-such-peer is neither in the spec's directory",
		    "and named");
		free(r.cause);
		conf.noptions = 0;
		r.cause = NULL;
		ok(strategy_new("external", r.space, &conf, &r.cause) == NULL,
		    "no command is refused");
		has(r.cause, "needs its peer", "and explained");
		free(r.cause);
		space_free(r.space);
		spec_free(r.spec);
	}
	cleanup_dir();
	return done_testing();
}
