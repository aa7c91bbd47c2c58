/* startup_test.c - a worker stopped at any moment of its start leaves
 * promptly and cleanly.
 *
 * SIGTERM lands 0 to 300 ms after each worker kind is started (every
 * millisecond of the first 50, where the sockets, their watchers and the
 * metrics are opened). Each must leave within 5 s, by the default action
 * (143) before its handler is set, else by its handler with the status of
 * a signal stop, which lnob run does not count as a failure. A watcher
 * thread that took the signal for itself once left a worker blocked for
 * ever at start-up, and lnob run killed it and failed the run. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "lnob/clock.h"
#include "lnob/exit.h"

static char s_dir[256], s_csv[300];

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/lnob-startup-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_csv, sizeof s_csv, "%s/f.csv", s_dir);
    th_gen(s_csv, 2000, 5);
}

static void s_teardown(void)
{
    th_rm_rf(s_dir);
}

TestSuite(startup, .init = s_setup, .fini = s_teardown, .timeout = 300);

static int s_started_and_terminated(const char *const *args, int delay_us, int stopped_status)
{
    char log[320];
    snprintf(log, sizeof log, "%s/starting.log", s_dir);
    pid_t pid = th_spawn_logged(args[0], args + 1, NULL, log);
    usleep((useconds_t) delay_us);
    kill(pid, SIGTERM);
    int64_t t0 = lnob_now_ms();
    int status = th_wait(pid, args[0], 20);
    int64_t took = lnob_now_ms() - t0;
    char *text = th_read(log, NULL);
    cr_assert_lt(took, 5000, "%s took %lld ms to leave after SIGTERM %d us into its start:\n%s", args[0],
                 (long long) took, delay_us, text);
    cr_assert(status == 128 + SIGTERM || status == stopped_status,
              "%s exited %d after SIGTERM %d us into its start:\n%s", args[0], status, delay_us, text);
    free(text);
    return status == stopped_status;
}

Test(startup, every_worker_terminated_while_starting_leaves_promptly)
{
    char in[320], mid[320], out[320], ctl[320], sctl[320];
    snprintf(in, sizeof in, "ipc://%s/s-in", s_dir);
    snprintf(mid, sizeof mid, "ipc://%s/s-mid", s_dir);
    snprintf(out, sizeof out, "ipc://%s/s-out", s_dir);
    snprintf(ctl, sizeof ctl, "ipc://%s/s-ctl", s_dir);
    snprintf(sctl, sizeof sctl, ">ipc://%s/s-ctl", s_dir);
    const char *const ingest[] = {"lnob-ingest", "--silc", s_csv, "--push", in, "--control", ctl,
                                  "--metrics", "none", "--linger-ms", "0", "--heartbeat-ms", "50", NULL};
    const char *const transform[] = {"lnob-transform", "--pull", in, "--push", mid, "--metrics", "none", NULL};
    const char *const aggregate[] = {"lnob-aggregate", "--pull", mid, "--push", out,
                                     "--control", ctl, "--metrics", "none", NULL};
    char pub[320];
    snprintf(pub, sizeof pub, "ipc://%s/s-pub", s_dir);
    const char *const sink[] = {"lnob-sink", "--pull", out, "--pub", pub, "--control", sctl,
                                "--redis", "redis://127.0.0.1:1", "--metrics", "none", NULL};
    const char *const *workers[] = {ingest, transform, aggregate, sink};
    const int stopped[] = {LNOB_EXIT_STOPPED, 0, 0, 0};
    for (int w = 0; w < 4; w++) {
        int handled = 0;
        /* every 1 ms of the first 50 (where the sockets are opened), then every 50 */
        for (int us = 0; us <= 300000; us += us < 50000 ? 1000 : 50000)
            handled += s_started_and_terminated(workers[w], us, stopped[w]);
        cr_assert_gt(handled, 0, "no SIGTERM reached %s's handler", workers[w][0]);
    }
}
