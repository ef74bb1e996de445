/*
 * Subcommands: one cmd-*.c file each. Each takes the arguments after its
 * name (argv[0] is the subcommand) and returns the process exit status.
 */
#ifndef WAYFINDER_CMD_H
#define WAYFINDER_CMD_H

/* Exit statuses, documented in wayfinder(1). */
#define EXIT_OK 0
#define EXIT_FAIL 1      /* the command could not do its work */
#define EXIT_USAGE 2     /* bad arguments or an invalid spec */
#define EXIT_STORE 3     /* the state database failed */
#define EXIT_NO_RESULT 4 /* run: finished, but no trial succeeded */
#define EXIT_INTERRUPTED 130

int cmd_control(int, char **); /* pause, resume, stop */
int cmd_daemon(int, char **);
int cmd_events(int, char **);
int cmd_host(int, char **);
int cmd_import(int, char **);
int cmd_insights(int, char **);
int cmd_run(int, char **);
int cmd_status(int, char **);
int cmd_validate(int, char **);
int cmd_results(int, char **);
int cmd_replay(int, char **);
int cmd_topology(int, char **);
int cmd_tui(int, char **); /* ui/ui.c: the terminal UI */

/* Prints "wayfinder: message" to stderr. */
void cmd_error(const char *, ...) __attribute__((format(printf, 1, 2)));
/* A duration in seconds as a clock shows it, rounded to the second:
 * "1:02:03", or "2:03" under an hour. Caller frees. */
char *cmd_clock(double seconds);
/* Prints one CSV field on stdout, quoted when it must be. */
void cmd_csv_field(const char *);

#endif
