/*
 * Search strategies: the ops table every strategy implements (ask/tell),
 * the registry, and a wrapper that guarantees what every strategy must:
 * a configuration is never proposed twice.
 */
#ifndef WAYFINDER_STRATEGY_H
#define WAYFINDER_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "../src/space.h"
#include "../src/spec.h"

enum outcome_status {
	OUTCOME_DONE,   /* measured: value holds the trial's aggregate */
	OUTCOME_FAILED, /* build or test failed, timed out, or no metric */
	OUTCOME_PENDING /* proposed earlier and not finished yet */
};

struct outcome {
	enum outcome_status status;
	double value;
	double stddev; /* spread of the measured repeats */
	int n;         /* measured repeats */
	const char *reason;
};

struct strategy_conf {
	uint64_t seed;
	int seeded; /* the user gave the seed (grid: randomise the start) */
	enum direction direction;
	/* Settings (search: options:, or --option), checked against the
	 * strategy's table; dir resolves relative paths in them. */
	const struct spec_option *options;
	size_t noptions;
	const char *dir;
	/* Where the user was when they gave the run (relative paths of
	 * --option resolve there after dir); NULL: the current directory. */
	const char *cwd;
};

/* A setting a strategy takes. */
enum strategy_opt_type {
	SOPT_INT,
	SOPT_FLOAT,
	SOPT_BOOL,
	SOPT_STR,
	SOPT_LIST /* a list of strings, e.g. a command */
};

struct strategy_opt {
	const char *name;
	enum strategy_opt_type type;
	double min, max; /* numbers */
	const char *help;
};

struct strategy_ops {
	const char *name;
	const char *summary;
	/* Returns the strategy's state, or NULL with *cause set. */
	void *(*init)(const struct space *, const struct strategy_conf *,
	    char **cause);
	/* Stores up to n new configurations (canonical, caller frees) in
	 * out; returns how many, 0 when it has nothing more to propose. */
	size_t (*ask)(void *, struct config **out, size_t n);
	/* The outcome of a configuration proposed now or in an earlier run
	 * of the same experiment; each configuration is told at most once
	 * as DONE or FAILED. */
	void (*tell)(void *, const struct config *, const struct outcome *);
	void (*free)(void *);
	/* The settings it takes, up to an entry with a NULL name; NULL
	 * when none. */
	const struct strategy_opt *opts;
	/* Why it broke (e.g. an external optimiser that died), or NULL:
	 * an ask that returns 0 is then a failure, not the end of the
	 * space. NULL when the strategy cannot break. */
	const char *(*error)(void *);
};

struct strategy;

const struct strategy_ops *strategy_find(const char *name);
/* The registered names, NULL-terminated, and as "grid, random, ...". */
const char *const *strategy_names(void);
const char *strategy_list(void);

/* Starts the named strategy; NULL with *cause set on failure. */
struct strategy *strategy_new(const char *name, const struct space *,
    const struct strategy_conf *, char **cause);
/* Like the op, but never returns a configuration already proposed or
 * told. */
size_t strategy_ask(struct strategy *, struct config **out, size_t n);
void
strategy_tell(struct strategy *, const struct config *, const struct outcome *);
const char *strategy_name(const struct strategy *);
/* Marks cfg as proposed, for a trial the engine makes itself (the
 * default configuration, first): the strategy will not propose it. */
void strategy_mark(struct strategy *, const struct config *);
/* Why the strategy broke, or NULL (see the op). */
const char *strategy_error(const struct strategy *);
void strategy_free(struct strategy *);

/*
 * Whether o is a setting ops takes, with a value of the right type and
 * range. Returns 0, or -1 with *why (allocated) and, for an unknown name
 * close to a known one, *hint (static).
 */
int strategy_check_option(const struct strategy_ops *,
    const struct spec_option *o, char **why, const char **hint);
/* A setting by name, or NULL when not given. */
const struct spec_option *
strategy_option(const struct strategy_conf *, const char *name);
/* A number, a boolean (0/1) or a string setting, or dflt. */
double strategy_option_num(const struct strategy_conf *, const char *name,
    double dflt);
const char *strategy_option_str(const struct strategy_conf *, const char *name,
    const char *dflt);

extern const struct strategy_ops strategy_grid;
extern const struct strategy_ops strategy_random;
extern const struct strategy_ops strategy_external;
extern const struct strategy_ops strategy_tpe;
extern const struct strategy_ops strategy_bayes;

#endif
