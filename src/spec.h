/*
 * The experiment spec: a YAML file (libyaml) loaded strictly into the
 * structures below. Every problem found is reported with its file, line
 * and column; nothing unknown is ignored.
 */
#ifndef WAYFINDER_SPEC_H
#define WAYFINDER_SPEC_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "expr.h"

enum ptype { PT_INT, PT_FLOAT, PT_BOOL, PT_TRISTATE, PT_STR };
enum stage { STAGE_BUILD, STAGE_TEST };
enum isolation { ISO_NONE, ISO_CORE, ISO_CACHE, ISO_SOCKET, ISO_FULL };
enum direction { DIR_MAXIMIZE, DIR_MINIMIZE };
enum aggregate { AGG_MEDIAN, AGG_MEAN, AGG_MIN, AGG_MAX };
enum stream { STREAM_STDOUT, STREAM_STDERR };

struct pos {
	int line; /* 1-based */
	int col;  /* 1-based */
};

/*
 * A parameter's domain is either a list of values or a range (min, max,
 * step, increment or power), indexed 0 .. card - 1 and never expanded:
 * spec_value() computes the text of an index on demand.
 */
struct param {
	char *name;
	enum ptype type;
	enum stage stage;
	char *description;
	int is_range;
	uint64_t card;
	char **values;         /* list domain: canonical text of each value */
	double *nums;          /* list domain: numeric value (int, float) */
	double min, max, step; /* range domain */
	int power;             /* range: geometric (min * step^k) */
	uint64_t def;          /* index of the default value */
	char *cond_text;       /* `if:`, NULL when unconditional */
	struct expr *cond;
	struct pos pos;
	struct pos cond_pos; /* of the condition's first character */
};

struct metric {
	char *name;
	char *regex_text; /* NULL: read from the results file */
	regex_t regex;
	enum stream stream;
	int optional; /* a missing value does not fail the trial */
	char *unit;
	char *description;
	struct pos pos;
};

struct tmpl {
	char *path;   /* absolute */
	char *rel;    /* as written in the spec */
	char *output; /* file name in the work dir (the name minus ".in") */
	struct pos pos;
};

enum boot_source { BOOT_NONE, BOOT_CONSOLE, BOOT_DEBUGCON };

/* A test's boot monitor: the time from the job's exec (the VMM's start)
 * to a marker on the guest's console or its debug port. */
struct bootspec {
	enum boot_source source;
	char *marker;       /* the regex as written; NULL: any output */
	char *marker_posix; /* ... translated for POSIX regcomp */
	int stop;           /* end the job once the marker is seen */
	struct pos pos;
};

/* The build: or test: section. */
struct stagespec {
	int present;
	char *script; /* absolute path, or NULL */
	char *script_rel;
	char *run; /* inline shell, or NULL */
	int cores;
	double timeout;  /* seconds; 0 for none */
	double estimate; /* seconds, for plans; 0 when not given */
	struct tmpl *templates;
	size_t ntemplates;
	char *config_h; /* build only: file names in the build dir */
	char *kconfig;
	enum isolation isolation; /* builds default to none */
	int repeat;               /* test only */
	int warmup;               /* test only */
	/* The job's sandbox. */
	uint64_t memory; /* bytes; 0: no limit */
	uint64_t pids;   /* 0: no limit */
	int network;     /* NETWORK_HOST or NETWORK_NONE */
	int aslr;        /* -1: as the host; 0: off; 1: on */
	/* Cache and memory-bandwidth allocation (resctrl), tests only. */
	int cache_ways;    /* 0: not asked */
	int mem_bandwidth; /* percent; 0: not asked */
	/* Counters and monitors. */
	char **pmu; /* event names, as written (each a metric) */
	size_t npmu;
	double sample_interval; /* seconds; 0: no live sampling */
	struct bootspec boot;   /* tests only */
	struct pos pos;
};

enum { NETWORK_HOST, NETWORK_NONE };

/* A setting of the search strategy, from search: options:. */
struct spec_option {
	char *name;
	char *value; /* a scalar's text, or NULL for a list */
	char **list; /* a list's items (e.g. a command), NULL-terminated */
	size_t nlist;
	struct pos pos;       /* of the name */
	struct pos value_pos; /* of the value */
};

enum executor { EXECUTOR_LOCAL, EXECUTOR_SLURM };

/* Where jobs run: this machine, or a Slurm cluster. */
struct execspec {
	enum executor type;
	char *partition, *account, *qos, *constraint; /* Slurm's; or NULL */
	char **extra; /* more sbatch options, as given */
	size_t nextra;
	double poll; /* seconds between looks at the queue */
	int retries; /* runs of a job the cluster lost, at most */
	struct pos pos;
};

struct hostspec {
	char *governor;       /* NULL when not given */
	int turbo, smt, aslr; /* -1 when not given, else 0/1 */
};

struct spec {
	char *path; /* as given */
	char *dir;  /* absolute directory of the spec */
	char *text; /* the file's contents */
	char *name;
	char *description;
	struct param *params;
	size_t nparams;
	struct stagespec build;
	struct stagespec test;
	struct metric *metrics;
	size_t nmetrics;
	char *objective; /* a metric name */
	enum direction direction;
	enum aggregate aggregate;
	char *strategy;  /* NULL: the default */
	uint64_t budget; /* 0: not given */
	uint64_t seed;
	int has_seed;
	int baseline; /* the default configuration is the first trial */
	struct spec_option *options; /* the strategy's settings */
	size_t noptions;
	struct hostspec host;
	struct execspec executor;
	char **inputs; /* absolute paths of extra identifying files */
	size_t ninputs;
	char hash[65]; /* sha256 of the spec and every file it names */
};

/* Built-in metrics every job records. */
#define SPEC_METRIC_WALL "wall_ms"
#define SPEC_METRIC_RSS "maxrss_kb"
#define SPEC_METRIC_CPU "cpu_ms"
#define SPEC_METRIC_MEMORY "memory_peak_kb"
#define SPEC_METRIC_VCSW "voluntary_switches"
#define SPEC_METRIC_IVCSW "involuntary_switches"
#define SPEC_METRIC_MINFLT "minor_faults"
#define SPEC_METRIC_MAJFLT "major_faults"
/* ... and one every test with a boot monitor records. */
#define SPEC_METRIC_BOOT "boot_time_ms"

/*
 * Loads and checks path. Returns the spec, or NULL when there are errors,
 * which are added to d (warnings may be added either way).
 */
struct spec *spec_load(const char *path, struct diags *d);
/* The same for text already in memory (len bytes; path names it in
 * messages and locates the files it names). */
struct spec *
spec_parse(const char *path, const char *text, size_t len, struct diags *d);
void spec_free(struct spec *);
void spec_options_free(struct spec_option *, size_t);

/* 1 if name is a metric every test job records (wall_ms, maxrss_kb,
 * cpu_ms, memory_peak_kb and the rusage counts). */
int spec_builtin_metric(const char *name);
/* 1 if name is a metric the spec's tests record: a declared or built-in
 * one, a pmu event, a metric derived from them, boot_time_ms with a
 * boot monitor. */
int spec_has_metric(const struct spec *, const char *name);
/* 1 if s can name a parameter (and so a shell variable):
 * [A-Za-z_][A-Za-z0-9_]*. */
int spec_valid_name(const char *s);
/* 1 if name is a variable of the script contract, WAYFINDER_CORE_IDi too. */
int spec_contract_var(const char *name);
/* Index of the parameter called name, or -1. */
int spec_param_index(const struct spec *, const char *name);
/* Writes the text of value idx of p into buf (at least 64 bytes for
 * ranges; list values are returned directly). */
const char *
spec_value(const struct param *, uint64_t idx, char *buf, size_t len);
/* The numeric value of index idx (int, float; index for others). */
double spec_value_num(const struct param *, uint64_t idx);
/* The index of text in p's domain, or -1 when it is not a value. */
int64_t spec_value_index(const struct param *, const char *text);
/* Number of values (list or range) and a description like "1..64". */
char *spec_domain_text(const struct param *);

const char *spec_type_name(enum ptype);
const char *spec_stage_name(enum stage);
const char *spec_isolation_name(enum isolation);
const char *spec_direction_name(enum direction);
/* Parses "90", "90s", "10m", "2h", "1h30m", "500ms" into seconds. */
int spec_parse_duration(const char *, double *);
/* Parses "512M", "2G", "64k", "1.5G" or plain bytes (powers of 1024). */
int spec_parse_size(const char *, uint64_t *);

#endif
