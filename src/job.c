/*
 * The script contract. See wayfinder.yaml(5), "SCRIPT CONTRACT".
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "job.h"
#include "template.h"
#include "xmalloc.h"

extern char **environ;

struct strv {
	char **v;
	size_t n;
};

static void
strv_add(struct strv *s, char *str)
{
	s->v = xreallocarray(s->v, s->n + 2, sizeof *s->v);
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

void
job_free_strv(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

char *
job_cpu_list(const int *cpus, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%d", i > 0 ? "," : "", cpus[i]);
	return buf_steal(&b);
}

/* A variable of the caller's environment that the job must not inherit:
 * one named like a parameter (an inactive one must be unset), or one of
 * the contract's own. */
static int
shadowed(const struct spec *spec, const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t len, i;

	if (eq == NULL)
		return 1;
	len = (size_t)(eq - entry);
	if (len >= 10 && strncmp(entry, "WAYFINDER_", 10) == 0)
		return strncmp(entry, "WAYFINDER_STATE=", 16) != 0;
	for (i = 0; i < spec->nparams; i++)
		if (strlen(spec->params[i].name) == len &&
		    strncmp(spec->params[i].name, entry, len) == 0)
			return 1;
	return 0;
}

char **
job_env(const struct job_ctx *j)
{
	struct strv s = { NULL, 0 };
	struct buf cores = BUF_INIT;
	char tmp[64], **e, key[17];
	const char *v;
	size_t i;

	for (e = environ; *e != NULL; e++)
		if (!shadowed(j->spec, *e))
			strv_add(&s, xstrdup(*e));
	for (i = 0; i < j->spec->nparams; i++) {
		if ((v = space_value(j->space, j->cfg, i, tmp, sizeof tmp)) ==
		    NULL)
			continue;
		if (j->stage == STAGE_BUILD &&
		    j->spec->params[i].stage != STAGE_BUILD)
			continue;
		strv_add(&s, xasprintf("%s=%s", j->spec->params[i].name, v));
	}
	for (i = 0; i < j->ncpus; i++) {
		buf_printf(&cores, "%s%d", i > 0 ? " " : "", j->cpus[i]);
		strv_add(&s,
		    xasprintf("WAYFINDER_CORE_ID%zu=%d", i, j->cpus[i]));
	}
	strv_add(&s, xasprintf("WAYFINDER_CORES=%s", buf_str(&cores)));
	buf_free(&cores);
	strv_add(&s, xasprintf("WAYFINDER_TOTAL_CORES=%zu", j->ncpus));
	strv_add(&s, xasprintf("WAYFINDER_SPEC_DIR=%s", j->spec->dir));
	strv_add(&s, xasprintf("WAYFINDER_WORK_DIR=%s", j->workdir));
	if (j->builddir != NULL)
		strv_add(&s, xasprintf("WAYFINDER_BUILD_DIR=%s", j->builddir));
	strv_add(&s,
	    xasprintf("WAYFINDER_STAGE=%s", spec_stage_name(j->stage)));
	if (j->debugcon != NULL)
		strv_add(&s, xasprintf("WAYFINDER_DEBUGCON=%s", j->debugcon));
	strv_add(&s,
	    xasprintf("WAYFINDER_EXPERIMENT=%lld", (long long)j->experiment));
	strv_add(&s, xasprintf("WAYFINDER_JOB=%lld", (long long)j->job));
	strv_add(&s,
	    xasprintf("WAYFINDER_CONFIG_ID=%s",
		space_id_hex(j->stage == STAGE_BUILD ? j->cfg->build :
						       j->cfg->id,
		    key)));
	if (j->stage == STAGE_TEST) {
		strv_add(&s, xasprintf("WAYFINDER_RESULTS=%s", j->results));
		strv_add(&s,
		    xasprintf("WAYFINDER_TRIAL=%lld", (long long)j->trial));
		strv_add(&s, xasprintf("WAYFINDER_ITERATION=%d", j->iteration));
		strv_add(&s, xasprintf("WAYFINDER_WARMUP=%d", j->warmup));
	}
	return s.v;
}

/*
 * A command that needs no shell: plain words of safe characters, the
 * first not a shell keyword or builtin. Such a command is run directly,
 * as make does, which saves starting a shell for every job.
 */
static int
simple_command(const char *cmd)
{
	static const char *const shell_words[] = { ".", ":", "!", "{", "}",
		"alias", "bg", "break", "case", "cd", "command", "continue",
		"do", "done", "elif", "else", "esac", "eval", "exec", "exit",
		"export", "fc", "fg", "fi", "for", "getopts", "hash", "if",
		"jobs", "local", "read", "readonly", "return", "set", "shift",
		"source", "then", "times", "trap", "type", "ulimit", "umask",
		"unalias", "unset", "until", "wait", "while", NULL };
	size_t i, first;
	const char *p;

	if (cmd[strspn(cmd, " ")] == '\0')
		return 0;
	for (p = cmd; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) &&
		    strchr(" _./,:@%+-", *p) == NULL)
			return 0;
	p = cmd + strspn(cmd, " ");
	first = strcspn(p, " ");
	if (memchr(p, ':', first) != NULL)
		return 0; /* not a word a shell would run as a program */
	for (i = 0; shell_words[i] != NULL; i++)
		if (strlen(shell_words[i]) == first &&
		    strncmp(p, shell_words[i], first) == 0)
			return 0;
	return 1;
}

char **
job_argv(const struct stagespec *st)
{
	struct strv s = { NULL, 0 };
	const char *p;
	size_t n;

	if (st->run != NULL && simple_command(st->run)) {
		for (p = st->run; *p != '\0'; p += n) {
			p += strspn(p, " ");
			if ((n = strcspn(p, " ")) > 0)
				strv_add(&s, xstrndup(p, n));
		}
	} else if (st->run != NULL) {
		strv_add(&s, xstrdup("/bin/sh"));
		strv_add(&s, xstrdup("-c"));
		strv_add(&s, xstrdup(st->run));
	} else if (access(st->script, X_OK) == 0)
		strv_add(&s, xstrdup(st->script));
	else {
		/* Not executable: a shell script by convention. */
		strv_add(&s, xstrdup("/bin/sh"));
		strv_add(&s, xstrdup(st->script));
	}
	return s.v;
}

/* Creates the directories leading to path ("a/b" for "a/b/c.h"). */
static void
mkdir_parents(const char *path)
{
	char *copy, *p;

	copy = xstrdup(path);
	for (p = copy + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(copy, 0755);
		*p = '/';
	}
	free(copy);
}

static int
write_file(const char *dir, const char *name, const char *text, char **cause)
{
	char *path, *tmp;
	size_t len = strlen(text);
	int fd;

	path = xasprintf("%s/%s", dir, name);
	tmp = xasprintf("%s.tmp", path);
	mkdir_parents(path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		free(path);
		free(tmp);
		return -1;
	}
	free(path);
	free(tmp);
	return 0;
}

static void
c_string(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			buf_adds(b, "\\n");
		else if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\%03o", (unsigned char)*s);
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static char *
config_h_text(const struct job_ctx *j)
{
	const struct param *p;
	struct buf b = BUF_INIT;
	char tmp[64], key[17];
	const char *v;
	size_t i;

	buf_printf(&b, "/* Generated by wayfinder for build %s. */\n",
	    space_id_hex(j->cfg->build, key));
	for (i = 0; i < j->spec->nparams; i++) {
		p = &j->spec->params[i];
		if (p->stage != STAGE_BUILD)
			continue;
		v = space_value(j->space, j->cfg, i, tmp, sizeof tmp);
		if (v == NULL) {
			buf_printf(&b, "/* %s inactive */\n", p->name);
			continue;
		}
		switch (p->type) {
		case PT_BOOL:
			if (strcmp(v, "true") == 0)
				buf_printf(&b, "#define %s 1\n", p->name);
			else
				buf_printf(&b, "/* #undef %s */\n", p->name);
			break;
		case PT_TRISTATE:
			if (strcmp(v, "y") == 0)
				buf_printf(&b, "#define %s 1\n", p->name);
			else if (strcmp(v, "m") == 0)
				buf_printf(&b, "#define %s_MODULE 1\n",
				    p->name);
			else
				buf_printf(&b, "/* #undef %s */\n", p->name);
			break;
		case PT_STR:
			buf_printf(&b, "#define %s ", p->name);
			c_string(&b, v);
			buf_addc(&b, '\n');
			break;
		default:
			buf_printf(&b, "#define %s %s\n", p->name, v);
			break;
		}
	}
	return buf_steal(&b);
}

static char *
kconfig_text(const struct job_ctx *j)
{
	const struct param *p;
	struct buf b = BUF_INIT;
	char tmp[64], *name;
	const char *v;
	size_t i;

	for (i = 0; i < j->spec->nparams; i++) {
		p = &j->spec->params[i];
		if (p->stage != STAGE_BUILD ||
		    (v = space_value(j->space, j->cfg, i, tmp, sizeof tmp)) ==
			NULL)
			continue;
		name = strncmp(p->name, "CONFIG_", 7) == 0 ?
		    xstrdup(p->name) :
		    xasprintf("CONFIG_%s", p->name);
		switch (p->type) {
		case PT_BOOL:
		case PT_TRISTATE:
			if (strcmp(v, "true") == 0 || strcmp(v, "y") == 0)
				buf_printf(&b, "%s=y\n", name);
			else if (strcmp(v, "m") == 0)
				buf_printf(&b, "%s=m\n", name);
			else
				buf_printf(&b, "# %s is not set\n", name);
			break;
		case PT_STR:
			buf_printf(&b, "%s=", name);
			c_string(&b, v);
			buf_addc(&b, '\n');
			break;
		default:
			buf_printf(&b, "%s=%s\n", name, v);
			break;
		}
		free(name);
	}
	return buf_steal(&b);
}

struct render {
	char **env;
};

static const char *
render_value(const char *name, void *arg)
{
	struct render *r = arg;
	size_t len = strlen(name), i;

	for (i = 0; r->env[i] != NULL; i++)
		if (strncmp(r->env[i], name, len) == 0 && r->env[i][len] == '=')
			return r->env[i] + len + 1;
	return NULL;
}

static int
render_templates(const struct job_ctx *j, const struct stagespec *st,
    const char *dir, char **cause)
{
	struct render r;
	FILE *f;
	struct buf in = BUF_INIT;
	char chunk[8192], *out;
	size_t i, n;
	int rc = 0;

	if (st->ntemplates == 0)
		return 0;
	r.env = job_env(j);
	for (i = 0; i < st->ntemplates && rc == 0; i++) {
		if ((f = fopen(st->templates[i].path, "r")) == NULL) {
			*cause = xasprintf("template %s: %s",
			    st->templates[i].path, strerror(errno));
			rc = -1;
			break;
		}
		buf_reset(&in);
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_add(&in, chunk, n);
		fclose(f);
		out = template_render(buf_str(&in), render_value, &r);
		rc = write_file(dir, st->templates[i].output, out, cause);
		free(out);
	}
	buf_free(&in);
	job_free_strv(r.env);
	return rc;
}

int
job_prepare_build(const struct job_ctx *j, char **cause)
{
	const struct stagespec *st = &j->spec->build;
	char *text;
	int rc;

	if (st->config_h != NULL) {
		text = config_h_text(j);
		rc = write_file(j->builddir, st->config_h, text, cause);
		free(text);
		if (rc != 0)
			return -1;
	}
	if (st->kconfig != NULL) {
		text = kconfig_text(j);
		rc = write_file(j->builddir, st->kconfig, text, cause);
		free(text);
		if (rc != 0)
			return -1;
	}
	return render_templates(j, st, j->builddir, cause);
}

int
job_prepare_test(const struct job_ctx *j, char **cause)
{
	return render_templates(j, &j->spec->test, j->workdir, cause);
}
