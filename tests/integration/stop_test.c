/* stop_test.c - lnob/stop.h with real processes and real signals: a
 * process told to stop (SIGTERM) that keeps busy, as a worker deep in one
 * long computation does, is ended by SIGALRM once its grace is over; one
 * that stops when told exits as it chooses, and no alarm comes. */
#include <criterion/criterion.h>
#include <czmq.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lnob/stop.h"

#define GRACE_S 1
#define WAIT_MS 8000 /* every wait here has this bound */

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* A child that says 'r' once its handler is in, 'i' when it sees the stop
 * flag, and then exits 0 (busy 0) or carries on (busy 1), for 20 s at most. */
static pid_t s_child(int busy, int fd)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid != 0)
        return pid;
    lnob_stop_bound(GRACE_S);
    if (write(fd, "r", 1) != 1)
        _exit(8);
    for (int told = 0, i = 0; i < 20000; i++) {
        if (zsys_interrupted && !told) {
            told = 1;
            if (write(fd, "i", 1) != 1 || !busy)
                _exit(0);
        }
        usleep(1000);
    }
    _exit(9);
}

static char s_read(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    char c = 0;
    cr_assert_eq(poll(&p, 1, WAIT_MS), 1, "the child said nothing within %d ms", WAIT_MS);
    cr_assert_eq(read(fd, &c, 1), 1);
    return c;
}

/* Sends SIGTERM and waits for the end; its status into *status, the
 * seconds it took as the result. */
static double s_stop(pid_t pid, int fd, int *status)
{
    cr_assert_eq(s_read(fd), 'r');
    double t0 = s_now();
    cr_assert_eq(kill(pid, SIGTERM), 0);
    while (waitpid(pid, status, WNOHANG) == 0) {
        if (s_now() - t0 > WAIT_MS / 1000.0) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            cr_assert_fail("the child did not end within %d ms of SIGTERM", WAIT_MS);
        }
        usleep(5000);
    }
    return s_now() - t0;
}

Test(stop, a_busy_process_is_ended_by_the_alarm_after_its_grace)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    int status;
    double took = s_stop(s_child(1, fds[1]), fds[0], &status);
    cr_assert_eq(s_read(fds[0]), 'i', "the handler set the stop flag, as CZMQ's does");
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM, "ended by SIGALRM (status %#x)", status);
    cr_assert_geq(took, GRACE_S * 0.9, "not before its grace (%.2f s)", took);
}

Test(stop, a_process_that_stops_when_told_exits_as_it_chooses)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    int status;
    s_stop(s_child(0, fds[1]), fds[0], &status);
    cr_assert_eq(s_read(fds[0]), 'i');
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit 0, no alarm (status %#x)", status);
}
