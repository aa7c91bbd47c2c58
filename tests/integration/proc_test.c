/* proc_test.c - cli/proc.h with real child processes: a wait wakes as
 * soon as its child exits, not at its bound; a child that keeps running
 * lets the wait run to its bound; a stopped child is reaped and its
 * pidfd closed. */
#include <criterion/criterion.h>
#include <signal.h>
#include <time.h>

#include "proc.h"

#define BOUND_MS 5000 /* every wait here has this bound */

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void s_sleep(lnob_proc_t *p, const char *seconds)
{
    char err[256], *argv[] = {"sleep", (char *) seconds, NULL};
    cr_assert_eq(lnob_proc_start(p, "sleep", "/bin/sleep", argv, err, sizeof err), 0, "%s", err);
    cr_assert_geq(p->pidfd, 0, "the child has a pidfd");
}

Test(proc, a_wait_wakes_when_its_child_exits)
{
    lnob_proc_t p, *ps[] = {&p};
    s_sleep(&p, "0.2");
    double t0 = s_now();
    cr_assert_eq(lnob_proc_wait(ps, 1, BOUND_MS), 1);
    double took = s_now() - t0;
    cr_assert_lt(took, BOUND_MS / 2000.0, "woke after %.3f s: at the bound, not at the exit", took);
    cr_assert(lnob_proc_poll(&p), "exited");
    cr_assert_eq(p.status, 0);
    cr_assert_eq(p.pidfd, -1, "the pidfd is closed once the child is reaped");
}

Test(proc, a_running_child_lets_the_wait_run_to_its_bound)
{
    lnob_proc_t p, *ps[] = {&p};
    s_sleep(&p, "30");
    double t0 = s_now();
    cr_assert_eq(lnob_proc_wait(ps, 1, 100), 0, "no child exited");
    cr_assert_geq(s_now() - t0, 0.09);
    cr_assert_not(lnob_proc_poll(&p));
    lnob_proc_stop(&p, BOUND_MS);
    cr_assert(p.exited && !p.forced, "SIGTERM ended it within the grace");
    cr_assert_eq(p.status, 128 + SIGTERM);
    cr_assert_eq(p.pidfd, -1);
    cr_assert_eq(lnob_proc_wait(ps, 1, 0), 0, "a reaped child is not waited on");
}
