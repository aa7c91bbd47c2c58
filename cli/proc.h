/* proc.h - child processes that die with their parent.
 *
 * lnob run starts redis-server and the workers as children. Each child
 * gets PR_SET_PDEATHSIG so that killing lnob never leaves orphans behind
 * (but one started to outlive it: lnob run --keep's Redis);
 * stop() sends SIGTERM and, after a grace period, SIGKILL. Not for:
 * supervision policy (run.c decides what an exit means). */
#ifndef LNOB_CLI_PROC_H
#define LNOB_CLI_PROC_H
#include <sys/types.h>

#define LNOB_PROC_NAME_MAX 48

typedef struct {
    char name[LNOB_PROC_NAME_MAX]; /* for messages, e.g. "transform:2" */
    pid_t pid;                     /* 0 when not running */
    int exited;                    /* 1 once reaped */
    int status;                    /* exit code, or 128 + signal */
    long max_rss_kb;               /* peak resident set, once reaped */
    int forced;                    /* stop() had to SIGKILL it */
    int pidfd;                     /* readable once it exits (pidfd_open); -1 none */
} lnob_proc_t;

/* Starts path with argv (NULL-terminated). Returns 0, or -1 with err. */
int lnob_proc_start(lnob_proc_t *p, const char *name, const char *path, char *const argv[],
                    char *err, size_t cap);
/* The same, with LNOB_PROC_OUTLIVE: the child is not told of its parent's
 * death, is in a process group of its own (a Ctrl-C to the parent's
 * terminal does not reach it) and keeps none of the parent's descriptors
 * (its stdin, stdout and stderr are /dev/null): for what the user asked
 * to keep. */
#define LNOB_PROC_OUTLIVE 1
int lnob_proc_start_as(lnob_proc_t *p, const char *name, const char *path, char *const argv[], int flags,
                       char *err, size_t cap);
/* Reaps p if it has exited, without waiting. Returns 1 if exited. */
int lnob_proc_poll(lnob_proc_t *p);
/* Waits up to ms for one of ps (those not yet reaped) to exit, or for a
 * signal: returns as soon as one has, with no polling interval. Returns 1
 * when one may have exited, 0 after ms. */
int lnob_proc_wait(lnob_proc_t *const *ps, size_t n, int ms);
/* SIGTERM (and SIGCONT when it is stopped), wait up to grace_ms, then
 * SIGKILL; reaps. */
void lnob_proc_stop(lnob_proc_t *p, int grace_ms);
/* lnob_proc_stop of n processes side by side: all are told at once, and
 * the grace period is one for all. */
void lnob_proc_stop_all(lnob_proc_t *const *ps, size_t n, int grace_ms);
/* Directory holding the running executable (for sibling binaries). */
int lnob_proc_self_dir(char *out, size_t cap);

#endif
