/*
 * wayfinder import JOB [-o OUT]: converts a job file of the original
 * Wayfinder into a spec of ours and prints it, or writes it and its
 * scripts with -o. What has no equivalent is said in a note on standard
 * error (and as a comment in the spec).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "diag.h"
#include "import.h"
#include "xmalloc.h"

#define JOB_MAX_BYTES (64 * 1024 * 1024)

static void
usage(FILE *f)
{
	fputs("usage: wayfinder import [-o OUT.yaml] JOB.yaml\n", f);
}

/* Reads a whole regular file. Returns the text, or NULL with *cause. */
static char *
read_job(const char *path, size_t *len, char **cause)
{
	struct stat st;
	char *text;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		*cause = xstrdup(strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		*cause = xstrdup("not a regular file");
		fclose(f);
		return NULL;
	}
	if (st.st_size > JOB_MAX_BYTES) {
		*cause = xstrdup("larger than 64 MiB");
		fclose(f);
		return NULL;
	}
	text = xmalloc((size_t)st.st_size + 1);
	*len = fread(text, 1, (size_t)st.st_size, f);
	text[*len] = '\0';
	if (ferror(f)) {
		*cause = xstrdup(strerror(errno));
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	return text;
}

/* The file name of path without its directory and a .yaml or .yml. */
static char *
stem_of(const char *path)
{
	const char *base =
	    strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	size_t len = strlen(base);

	if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
		len -= 5;
	else if (len > 4 && strcmp(base + len - 4, ".yml") == 0)
		len -= 4;
	return xstrndup(base, len);
}

/* The absolute directory of path, which must exist; NULL otherwise. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	real = realpath(dir, NULL);
	free(dir);
	return real;
}

static int
same_file(const char *a, const struct stat *b)
{
	struct stat st;

	return stat(a, &st) == 0 && st.st_dev == b->st_dev &&
	    st.st_ino == b->st_ino;
}

/* Writes text to path with mode (before the umask, and also when the
 * file exists). Returns 0, or -1 after a message. */
static int
write_file(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text), done = 0;
	mode_t mask;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) <
	    0) {
		cmd_error("%s: %s", path, strerror(errno));
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, mode & ~mask) != 0) {
		cmd_error("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (done < len) {
		if ((n = write(fd, text + done, len - done)) < 0) {
			if (errno == EINTR)
				continue;
			cmd_error("%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	if (close(fd) != 0) {
		cmd_error("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
print_notes(const char *job, const struct import_result *r)
{
	size_t i;

	for (i = 0; i < r->nnotes; i++) {
		if (r->notes[i].line > 0)
			fprintf(stderr, "%s:%d:%d: note: %s\n", job,
			    r->notes[i].line, r->notes[i].col, r->notes[i].msg);
		else
			fprintf(stderr, "%s: note: %s\n", job, r->notes[i].msg);
	}
}

/* Writes the spec and its scripts beside it. */
static int
write_all(const char *out, const char *dir, const char *job,
    const struct import_result *r)
{
	struct stat jst;
	char *path;
	size_t i;
	int rc = 0;

	if (stat(job, &jst) != 0)
		memset(&jst, 0, sizeof jst);
	for (i = 0; i < r->nfiles; i++) {
		path = xasprintf("%s/%s", dir, r->files[i].name);
		if (jst.st_ino != 0 && same_file(path, &jst)) {
			cmd_error("%s: would overwrite the job itself", path);
			free(path);
			return -1;
		}
		free(path);
	}
	if (jst.st_ino != 0 && same_file(out, &jst)) {
		cmd_error("%s: would overwrite the job itself", out);
		return -1;
	}
	for (i = 0; rc == 0 && i < r->nfiles; i++) {
		path = xasprintf("%s/%s", dir, r->files[i].name);
		rc = write_file(path, r->files[i].text, 0755);
		free(path);
	}
	if (rc == 0)
		rc = write_file(out, r->spec, 0644);
	return rc;
}

int
cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diags d = { NULL, 0, 0 };
	struct import_opts o;
	struct import_result r;
	const char *out = NULL, *job;
	char *text, *cause = NULL, *stem, *dir = NULL;
	size_t len, i;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	job = argv[optind];
	if ((text = read_job(job, &len, &cause)) == NULL) {
		cmd_error("%s: %s", job, cause);
		free(cause);
		return EXIT_FAIL;
	}
	if (out != NULL && (dir = dir_of(out)) == NULL) {
		cmd_error("%s: cannot write there: %s", out, strerror(errno));
		free(text);
		return EXIT_FAIL;
	}
	stem = stem_of(out != NULL ? out : job);
	memset(&o, 0, sizeof o);
	o.stem = stem;
	o.spec_dir = dir;
	o.write_scripts = out != NULL;
	rc = import_convert(job, text, len, &o, &r, &d);
	free(text);
	diag_print(&d, stderr);
	if (rc != 0) {
		fprintf(stderr, "%s: %zu error%s\n", job, d.nerrors,
		    d.nerrors == 1 ? "" : "s");
		diag_free(&d);
		free(stem);
		free(dir);
		return EXIT_USAGE;
	}
	diag_free(&d);
	print_notes(job, &r);
	if (out == NULL) {
		fputs(r.spec, stdout);
		rc = fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK :
							      EXIT_FAIL;
	} else if (write_all(out, dir, job, &r) != 0)
		rc = EXIT_FAIL;
	else {
		/* The scripts as the user names them: beside OUT. */
		const char *slash = strrchr(out, '/');
		int plen = slash != NULL ? (int)(slash - out + 1) : 0;

		fprintf(stderr, "wayfinder: wrote %s", out);
		for (i = 0; i < r.nfiles; i++)
			fprintf(stderr, "%s%.*s%s",
			    i + 1 == r.nfiles ? " and " : ", ", plen, out,
			    r.files[i].name);
		fprintf(stderr, " (the original's %s format; %zu note%s)\n",
		    r.format == 1 ? "first" : "second", r.nnotes,
		    r.nnotes == 1 ? "" : "s");
		rc = EXIT_OK;
	}
	import_result_free(&r);
	free(stem);
	free(dir);
	return rc;
}
