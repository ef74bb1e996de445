/*
 * Converting a job file of the original Wayfinder (the research
 * prototype) into a spec of ours: both of its formats, the first (params,
 * inputs, outputs, runs) and the second (name, params with when and if,
 * build, test with a kernel, a benchtool and results). Whatever has no
 * equivalent becomes a note, and the spec produced is checked with our
 * own loader before it is handed back.
 */
#ifndef WAYFINDER_IMPORT_H
#define WAYFINDER_IMPORT_H

#include <stddef.h>

#include "diag.h"

/* What a note is about, which decides where it goes in the spec as a
 * comment. */
enum import_anchor {
	IMPORT_TOP,    /* the job as a whole: the spec's header */
	IMPORT_PARAM,  /* one parameter (index in note.param) */
	IMPORT_BUILD,  /* the build section */
	IMPORT_TEST,   /* the test section, its metrics and objective */
	IMPORT_INPUTS, /* inputs and outputs */
	IMPORT_SEARCH  /* the search section */
};

/* Something of the job that has no exact equivalent, and what was done. */
struct import_note {
	int line; /* in the job file, 1-based; 0: the job as a whole */
	int col;
	enum import_anchor anchor;
	size_t param;
	char *msg;
};

/* A script to write beside the spec. */
struct import_file {
	char *name; /* a file name, without a directory */
	char *text;
};

struct import_result {
	int format; /* 1 or 2: the original's first or second */
	char *spec; /* the spec's YAML text */
	struct import_file *files;
	size_t nfiles;
	struct import_note *notes; /* sorted by position, whole-job first */
	size_t nnotes;
};

struct import_opts {
	/* Scripts are named STEM.build.sh and STEM.test.sh. */
	const char *stem;
	/* The absolute directory the spec will be written to, so that
	 * inputs are named relative to it; NULL when unknown (printed
	 * spec): inputs are then absolute. */
	const char *spec_dir;
	/* 1 when the caller writes the scripts (-o), 0 when it prints the
	 * spec alone: a note then says how to get them. */
	int write_scripts;
};

/*
 * Converts the job in text (len bytes; path names it in messages and
 * locates the files it names). Returns 0 and fills res (free it with
 * import_result_free), or -1 with the job's errors added to d: YAML that
 * does not parse, values of the wrong kind, anything the original
 * rejected or could not run. The spec returned has been loaded with
 * spec_parse() (with its scripts as run: commands), so it is valid but
 * for the script files, which the caller writes.
 */
int import_convert(const char *path, const char *text, size_t len,
    const struct import_opts *, struct import_result *res, struct diags *d);
void import_result_free(struct import_result *);

/* What a condition may name: a parameter, its type and its values. */
struct import_pdesc {
	const char *name;
	int is_str;                /* str (else int) */
	const char *const *values; /* a list domain, or NULL for a range */
	size_t nvalues;
	long long min, max, step; /* a range domain: min, min+step, ... */
	int conditional;          /* it has an if: itself */
};

enum {
	IMPORT_COND_OK = 0,
	IMPORT_COND_UNSUPPORTED = 1, /* valid there, inexpressible here */
	IMPORT_COND_INVALID = -1     /* the original could not have run it */
};

/*
 * Translates an if: of the original (a govaluate expression over
 * parameters whose values y and n stood for true and false) into our
 * condition syntax. Returns IMPORT_COND_OK with *out set (caller frees)
 * and *remarks set to changes of meaning worth a note, one a line, or
 * NULL; otherwise *cause and *errcol (a byte offset in cond) say why.
 * refs, if not NULL, has nparams bytes, set to 1 for each parameter the
 * condition names.
 */
int import_condition(const char *cond, const struct import_pdesc *params,
    size_t nparams, unsigned char *refs, char **out, char **remarks,
    int *errcol, char **cause);

/*
 * Whether a metric of this name is better small (a time, a latency, a
 * size): returns the word of the name that says so (copied into word,
 * len bytes), or NULL when it is better large or nothing says; then, if
 * a word says it is better large (throughput, per, rate), that word is
 * in word, else word is "".
 */
const char *import_minimize_word(const char *name, char *word, size_t len);

#endif
