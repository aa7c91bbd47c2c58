/* proc.c - start, poll and stop child processes (proc.h). */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lnob/clock.h"

#define STOP_POLL_MS 10 /* between looks, where a child has no pidfd */
#define WAIT_MAX 128     /* children one wait watches */
#define FD_SCAN_MAX 4096 /* fds closed one by one where close_range is missing */

/* In a child that outlives its parent: stdin, stdout and stderr on
 * /dev/null and no other inherited descriptor, so that it holds no pipe a
 * caller waits on (`lnob run --keep | head`, a test harness's output).
 * Only async-signal-safe calls: the parent has threads. */
static void s_detach_fds(void)
{
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
        dup2(null, fd);
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
        return;
#endif
    for (int fd = 3; fd < FD_SCAN_MAX; fd++)
        close(fd);
}

int lnob_proc_start(lnob_proc_t *p, const char *name, const char *path, char *const argv[],
                    char *err, size_t cap)
{
    return lnob_proc_start_as(p, name, path, argv, 0, err, cap);
}

int lnob_proc_start_as(lnob_proc_t *p, const char *name, const char *path, char *const argv[], int flags,
                       char *err, size_t cap)
{
    memset(p, 0, sizeof *p);
    p->pidfd = -1;
    snprintf(p->name, sizeof p->name, "%s", name);
    if (access(path, X_OK) != 0) {
        snprintf(err, cap, "cannot run %s: %s", path, strerror(errno));
        return -1;
    }
    pid_t parent = getpid();
    /* Until exec the child runs the parent's signal handlers, which would
     * swallow a SIGTERM meant for the worker: it is held until the child
     * has the default action back. */
    sigset_t stop, saved;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, &saved);
    pid_t pid = fork();
    if (pid != 0)
        sigprocmask(SIG_SETMASK, &saved, NULL);
    if (pid < 0) {
        snprintf(err, cap, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        sigprocmask(SIG_SETMASK, &saved, NULL);
        if (flags & LNOB_PROC_OUTLIVE) {
            setpgid(0, 0);
            s_detach_fds();
        } else if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(127);
        execv(path, argv);
        fprintf(stderr, "lnob: exec %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    p->pid = pid;
    p->pidfd = pidfd_open(pid, 0); /* close-on-exec; -1 on a kernel without it: then polled */
    return 0;
}

static void s_reaped(lnob_proc_t *p, int wstatus, const struct rusage *ru)
{
    p->exited = 1;
    if (p->pidfd >= 0)
        close(p->pidfd);
    p->pidfd = -1;
    p->max_rss_kb = ru->ru_maxrss;
    p->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

int lnob_proc_poll(lnob_proc_t *p)
{
    if (p->exited || p->pid <= 0)
        return p->exited;
    int wstatus;
    struct rusage ru = {0};
    pid_t got = wait4(p->pid, &wstatus, WNOHANG, &ru);
    if (got == p->pid)
        s_reaped(p, wstatus, &ru);
    else if (got < 0 && errno == ECHILD) /* reaped by someone else: how it ended is lost */
        s_reaped(p, 255 << 8, &ru);
    return p->exited;
}

/* 1 when pid is stopped (SIGSTOP): its state in /proc/<pid>/stat is T.
 * SIGCONT goes only to such a process: sent to every worker at each stop,
 * it made an ASan worker hang in its exit now and then. */
static int s_stopped(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *end = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
    return end && end[1] == ' ' && end[2] == 'T';
}

int lnob_proc_wait(lnob_proc_t *const *ps, size_t n, int ms)
{
    struct pollfd fds[WAIT_MAX];
    nfds_t k = 0;
    int blind = 0; /* a running child without a pidfd: look again soon */
    for (size_t i = 0; i < n; i++) {
        if (ps[i]->pid <= 0 || ps[i]->exited)
            continue;
        if (ps[i]->pidfd < 0 || k == WAIT_MAX)
            blind = 1;
        else
            fds[k++] = (struct pollfd){ps[i]->pidfd, POLLIN, 0};
    }
    if (blind && ms > STOP_POLL_MS)
        ms = STOP_POLL_MS;
    return poll(fds, k, ms) != 0; /* -1: a signal came, which the caller looks at */
}

/* 1 when every process of ps has exited. */
static int s_all_exited(lnob_proc_t *const *ps, size_t n)
{
    int all = 1;
    for (size_t i = 0; i < n; i++)
        all &= ps[i]->pid <= 0 || lnob_proc_poll(ps[i]);
    return all;
}

void lnob_proc_stop_all(lnob_proc_t *const *ps, size_t n, int grace_ms)
{
    for (size_t i = 0; i < n; i++) {
        if (ps[i]->pid <= 0 || lnob_proc_poll(ps[i]))
            continue;
        kill(ps[i]->pid, SIGTERM);
        if (s_stopped(ps[i]->pid)) /* it would hold SIGTERM until SIGKILL */
            kill(ps[i]->pid, SIGCONT);
    }
    int64_t end_us = lnob_mono_us() + (int64_t) grace_ms * 1000;
    for (int64_t left_us; !s_all_exited(ps, n) && (left_us = end_us - lnob_mono_us()) > 0;)
        lnob_proc_wait(ps, n, (int) ((left_us + 999) / 1000));
    for (size_t i = 0; i < n; i++) {
        lnob_proc_t *p = ps[i];
        if (p->pid <= 0 || lnob_proc_poll(p))
            continue;
        kill(p->pid, SIGKILL);
        p->forced = 1;
        int wstatus;
        struct rusage ru = {0};
        pid_t got;
        while ((got = wait4(p->pid, &wstatus, 0, &ru)) < 0 && errno == EINTR)
            ;
        if (got == p->pid)
            s_reaped(p, wstatus, &ru);
        else
            s_reaped(p, 255 << 8, &ru);
    }
}

void lnob_proc_stop(lnob_proc_t *p, int grace_ms)
{
    lnob_proc_stop_all(&p, 1, grace_ms);
}

int lnob_proc_self_dir(char *out, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0)
        return -1;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}
