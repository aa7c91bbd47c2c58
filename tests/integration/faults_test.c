/* faults_test.c - kill -9 at seeded random moments: nothing lost, nothing
 * counted twice.
 *
 * For each worker kind (ingester, a transformer, the aggregator, the sink,
 * redis-server), TRIALS runs of `lnob run --workdir` on the same extract
 * (suite faults: a merged file; faults_udb4: four UDB files; faults_mis: MIS exports);
 * in each, SIGKILL that worker at a seeded random moment within the length
 * of an undisturbed run. lnob run's supervisor restarts it; the run must
 * still exit 0 and print exactly the cells of the undisturbed run (the JSON
 * carries every value in shortest round-trip form: bit for bit). The seed
 * of a failing trial is in the assertion message; LNOB_FAULT_TRIALS
 * overrides the count (make soak). A kill counts only when lnob run logged
 * the restart it caused.
 *
 * Then one case per fault of docs/delivery.md's table (SIGSTOP and SIGTERM
 * of each worker kind, SIGSTOP of redis-server, a frozen external Redis,
 * SIGTERM/SIGINT to lnob run, a quarantine Redis lost rows of, a Redis
 * restarted without persistence, SIGTERM with the downstream frozen, short
 * liveness bounds, the same
 * file twice, a failed file's progress): each asserts the log line that
 * only its handling writes, and the cells where the run must succeed. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "lnob/clock.h"
#include "lnob/mem.h"
#include "aggregate.h" /* LNOB_QUARANTINE_PART */

#define TRIALS 10
#define HOUSEHOLDS 4000
#define BATCH "150"
#define RUN_TIMEOUT_S 90

#define UDB4_HOUSEHOLDS 4000
#define UDB4_TRIALS 10
#define MIS_TRIALS 10

static char s_dir[256], s_csv[300], s_ref[300];
static char s_udb4[4][320]; /* the four-file suite's D, H, R, P; [0] "" in the other */
#define MIS_FILES 48
static char s_mis[MIS_FILES][400], s_key[320]; /* the MIS suite's exports and key */
static size_t s_n_mis;
static int64_t s_ref_ms;

/* Starts lnob run on the suite's input with the options in extra (NULL or
 * NULL-terminated) after the usual ones; stdout to out, stderr (lnob run's
 * supervision messages and the workers' logs) to err. */
static pid_t s_start_run_with(const char *workdir, const char *out, const char *err,
                              const char *const *extra)
{
    const char *a[MIS_FILES + 40] = {"run"};
    size_t n = 1;
    if (s_n_mis) {
        a[n++] = "--mis";
        for (size_t i = 0; i < s_n_mis; i++)
            a[n++] = s_mis[i];
        const char *mis[] = {"--pseudonym-key", s_key, "--period", "2024", NULL};
        for (size_t i = 0; mis[i]; i++)
            a[n++] = mis[i];
    } else {
        a[n++] = "--silc";
        for (int i = 0; i < 4 && s_udb4[0][0]; i++)
            a[n++] = s_udb4[i];
        if (!s_udb4[0][0])
            a[n++] = s_csv;
    }
    const char *rest[] = {"--batch-size", s_n_mis ? "50" : BATCH, "--format", "json", "--workdir",
                          workdir, NULL};
    for (size_t i = 0; rest[i]; i++)
        a[n++] = rest[i];
    for (size_t i = 0; extra && extra[i]; i++)
        a[n++] = extra[i];
    a[n] = NULL;
    return th_spawn_logged("lnob", a, out, err);
}

static const char *const s_quiet[] = {"--log-level", "error", NULL};

static pid_t s_start_run(const char *workdir, const char *out, const char *err)
{
    return s_start_run_with(workdir, out, err, s_quiet);
}

static void s_reference(void);
static void s_teardown(void);

/* One undisturbed run of a merged extract gives the reference output and
 * the run's length. */
static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/lnob-faults-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_csv, sizeof s_csv, "%s/f.csv", s_dir);
    snprintf(s_ref, sizeof s_ref, "%s/ref.json", s_dir);
    s_udb4[0][0] = '\0';
    th_gen(s_csv, HOUSEHOLDS, 17);
    s_reference();
}

/* The same for the four UDB files of a generated year (the join path). */
static void s_setup_udb4(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/lnob-faults-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_ref, sizeof s_ref, "%s/ref.json", s_dir);
    char dir[300];
    snprintf(dir, sizeof dir, "%s/udb4", s_dir);
    th_gen_as(dir, UDB4_HOUSEHOLDS, 19, "udb4");
    for (int i = 0; i < 4; i++)
        snprintf(s_udb4[i], sizeof s_udb4[i], "%s/%c.csv", dir, "DHRP"[i]);
    s_reference();
}

static int s_cmp_path(const void *a, const void *b)
{
    return strcmp((const char *) a, (const char *) b);
}

/* The same for municipal MIS exports of a generated year (lnob gen mis). */
static void s_setup_mis(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/lnob-faults-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_ref, sizeof s_ref, "%s/ref.json", s_dir);
    snprintf(s_key, sizeof s_key, "%s/person.key", s_dir);
    FILE *k = fopen(s_key, "w");
    cr_assert_not_null(k);
    fputs("8899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677\n", k); /* test only */
    fclose(k);
    chmod(s_key, 0600);
    char dir[300], exports[320];
    snprintf(dir, sizeof dir, "%s/mis", s_dir);
    const char *gen[] = {"gen", "mis", "--seed", "5", "--municipalities", "12", "--persons", "1500",
                         "--out", dir, NULL};
    cr_assert_eq(th_run("lnob", gen, NULL, 60), 0);
    snprintf(exports, sizeof exports, "%s/exports", dir);
    DIR *d = opendir(exports);
    s_n_mis = 0;
    for (struct dirent *e; d && (e = readdir(d)) && s_n_mis < MIS_FILES;)
        if (e->d_name[0] != '.')
            snprintf(s_mis[s_n_mis++], sizeof s_mis[0], "%.300s/%.80s", exports, e->d_name);
    closedir(d);
    qsort(s_mis, s_n_mis, sizeof s_mis[0], s_cmp_path);
    s_reference();
}

static void s_teardown_mis(void)
{
    s_n_mis = 0;
    s_teardown();
}

static void s_reference(void)
{
    char wd[300];
    snprintf(wd, sizeof wd, "%s/ref", s_dir);
    mkdir(wd, 0700);
    char err[320];
    snprintf(err, sizeof err, "%s/ref.log", s_dir);
    int64_t t0 = lnob_now_ms();
    cr_assert_eq(th_wait(s_start_run(wd, s_ref, err), "reference run", RUN_TIMEOUT_S), 0);
    s_ref_ms = lnob_now_ms() - t0;
}

static void s_teardown(void)
{
    th_rm_rf(s_dir);
}

TestSuite(faults, .init = s_setup, .fini = s_teardown, .timeout = 900);
TestSuite(faults_udb4, .init = s_setup_udb4, .fini = s_teardown, .timeout = 900);
TestSuite(faults_mis, .init = s_setup_mis, .fini = s_teardown_mis, .timeout = 900);

static pid_t s_read_pid(const char *workdir, const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s.pid", workdir, name);
    FILE *f = fopen(path, "r");
    int pid = 0;
    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t) pid;
}

static int s_trials(void)
{
    int def = s_udb4[0][0] ? UDB4_TRIALS : s_n_mis ? MIS_TRIALS : TRIALS;
    const char *env = getenv("LNOB_FAULT_TRIALS");
    int n = env ? atoi(env) : def;
    return n > 0 ? n : def;
}

/* The name lnob run gives a worker in its messages: the pid file's name
 * with ':' for '-' ("transform-1" is "transform:1"). */
static void s_label(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s", name);
    if (strcmp(name, "redis-server") != 0)
        for (char *c = out; *c; c++)
            if (*c == '-')
                *c = ':';
}

/* 1 when lnob run's log says it restarted the worker name after a SIGKILL:
 * the kill landed on a live worker and the supervisor handled it. */
static int s_restarted_after_kill(const char *log, const char *name)
{
    char label[64], line[160];
    s_label(name, label, sizeof label);
    snprintf(line, sizeof line, "lnob: %s killed by a signal (status 137); restarting", label);
    return strstr(log, line) != NULL;
}

/* One trial: kills the worker name at a seeded random moment within
 * max_ms of its start; the run must still give the reference cells.
 * Returns 1 if the kill landed: lnob run logged the restart it caused. */
static int s_kill_trial(const char *ref, const char *name, unsigned seed, int64_t max_ms, int t)
{
    srand(seed);
    int64_t delay = rand() % (max_ms > 1 ? max_ms : 1);
    char wd[300], out[320], err[320];
    snprintf(wd, sizeof wd, "%s/%s-%d", s_dir, name, t);
    snprintf(out, sizeof out, "%s.json", wd);
    snprintf(err, sizeof err, "%s.log", wd);
    mkdir(wd, 0700);
    pid_t run = s_start_run(wd, out, err);
    int64_t t0 = lnob_now_ms();
    while (s_read_pid(wd, name) == 0 && lnob_now_ms() - t0 < 10000)
        usleep(2000);
    usleep((useconds_t) delay * 1000);
    pid_t victim = s_read_pid(wd, name);
    cr_assert_gt(victim, 0, "%s never started (seed %u)", name, seed);
    kill(victim, SIGKILL);
    int status = th_wait(run, "lnob run", RUN_TIMEOUT_S);
    if (status != 0) {
        char *log = th_read(err, NULL);
        cr_assert_fail("%s killed after %lld ms (seed %u): lnob run exited %d:\n%s", name,
                       (long long) delay, seed, status, log);
    }
    char *got = th_read(out, NULL);
    cr_assert_str_eq(got, ref, "%s killed after %lld ms (seed %u): cells differ", name,
                     (long long) delay, seed);
    free(got);
    char *log = th_read(err, NULL);
    int landed = s_restarted_after_kill(log, name);
    free(log);
    return landed;
}

/* Runs the trials for one worker; returns how many kills landed mid-run.
 * The moments span the reference run; should every one miss the worker's
 * life (a short-lived worker on a loaded machine), further trials aim at
 * ever earlier moments until one lands, so the test never passes empty. */
static int s_kill_trials(const char *name, unsigned seed0)
{
    char *ref = th_read(s_ref, NULL);
    int landed = 0, trials = s_trials(), t = 0;
    for (; t < trials; t++)
        landed += s_kill_trial(ref, name, seed0 * 1000u + (unsigned) t, s_ref_ms, t);
    for (int64_t max = s_ref_ms / 2; !landed && max > 0 && t < trials + 8; max /= 2, t++)
        landed += s_kill_trial(ref, name, seed0 * 1000u + (unsigned) t, max, t);
    free(ref);
    return landed;
}

Test(faults, ingester_killed_anywhere) { cr_assert_gt(s_kill_trials("ingest", 1), 0); }
Test(faults, transformer_killed_anywhere) { cr_assert_gt(s_kill_trials("transform-1", 2), 0); }
Test(faults, aggregator_killed_anywhere) { cr_assert_gt(s_kill_trials("aggregate", 3), 0); }
Test(faults, sink_killed_anywhere) { cr_assert_gt(s_kill_trials("sink", 4), 0); }
Test(faults, redis_killed_anywhere) { cr_assert_gt(s_kill_trials("redis-server", 5), 0); }

/* The four-file path (join, whole-household batches, work intensity). */
Test(faults_udb4, ingester_killed_anywhere) { cr_assert_gt(s_kill_trials("ingest", 11), 0); }
Test(faults_udb4, transformer_killed_anywhere) { cr_assert_gt(s_kill_trials("transform-1", 12), 0); }
Test(faults_udb4, aggregator_killed_anywhere) { cr_assert_gt(s_kill_trials("aggregate", 13), 0); }
Test(faults_udb4, sink_killed_anywhere) { cr_assert_gt(s_kill_trials("sink", 14), 0); }

/* The MIS path (pseudonymised exports of several municipalities). */
Test(faults_mis, ingester_killed_anywhere) { cr_assert_gt(s_kill_trials("ingest", 21), 0); }
Test(faults_mis, aggregator_killed_anywhere) { cr_assert_gt(s_kill_trials("aggregate", 23), 0); }
Test(faults_mis, sink_killed_anywhere) { cr_assert_gt(s_kill_trials("sink", 24), 0); }
Test(faults_mis, transformer_killed_anywhere) { cr_assert_gt(s_kill_trials("transform-1", 22), 0); }

/* ---- signals, silence, Redis: each case asserts the line only its handling logs ---- */

#define BEAT_MS "100"
#define SILENT_MS "1000" /* under the ingester's redelivery (2 s): a stopped worker holding batches is found first */
#define SIGNAL_TRIES 6

/* Short liveness bounds, so that a silent worker is found in seconds; small
 * batches, so that every worker has work in hand for most of the run. */
static const char *const s_liveness[] = {"--log-level", "debug", "--heartbeat-ms", BEAT_MS,
                                         "--silent-ms", SILENT_MS, "--batch-size", "10", NULL};

/* One run in which sig goes to the worker name delay_ms after the first
 * batch went through transform:1 (so the ingester and the transformers
 * are mid-stream);
 * the run must exit 0 and print the reference cells. Returns lnob run's
 * log (owned); *pid the worker that got the signal. */
static char *s_signal_run(const char *name, int sig, int delay_ms, int t, pid_t *pid)
{
    char wd[300], out[320], err[320];
    snprintf(wd, sizeof wd, "%s/sig%d-%s-%d", s_dir, sig, name, t);
    snprintf(out, sizeof out, "%s.json", wd);
    snprintf(err, sizeof err, "%s.log", wd);
    mkdir(wd, 0700);
    pid_t run = s_start_run_with(wd, out, err, s_liveness);
    int64_t t0 = lnob_now_ms();
    while (!th_logged(err, "[transform:1] DEBUG batch") && lnob_now_ms() - t0 < 10000)
        usleep(1000);
    while (!s_read_pid(wd, name) && lnob_now_ms() - t0 < 10000) /* the sink starts once Redis answers */
        usleep(1000);
    usleep((useconds_t) delay_ms * 1000);
    *pid = s_read_pid(wd, name);
    cr_assert_gt(*pid, 0, "%s never started", name);
    kill(*pid, sig);
    int status = th_wait(run, "lnob run", RUN_TIMEOUT_S);
    char *log = th_read(err, NULL);
    cr_assert_eq(status, 0, "signal %d to %s after %d ms: lnob run exited %d\n%s", sig, name,
                 delay_ms, status, log);
    char *got = th_read(out, NULL), *ref = th_read(s_ref, NULL);
    cr_assert_str_eq(got, ref, "signal %d to %s after %d ms: cells differ", sig, name, delay_ms);
    free(got);
    free(ref);
    return log;
}

/* Sends sig to the worker name at ever other moments until lnob run's log
 * shows the handling: "lnob: <label> (pid <pid>)<tail>" with with_pid,
 * else "lnob: <label><tail>". A signal that comes after the worker's part
 * is done shows nothing; one of SIGNAL_TRIES moments must land. */
static void s_signal_handled(const char *name, int sig, int with_pid, const char *tail)
{
    static const int delays[SIGNAL_TRIES] = {0, 30, 60, 10, 100, 150};
    char label[64], line[256];
    s_label(name, label, sizeof label);
    for (int t = 0; t < SIGNAL_TRIES; t++) {
        pid_t pid;
        char *log = s_signal_run(name, sig, delays[t], t, &pid);
        int k = snprintf(line, sizeof line, "lnob: %s", label);
        if (with_pid)
            k += snprintf(line + k, sizeof line - (size_t) k, " (pid %d)", (int) pid);
        snprintf(line + k, sizeof line - (size_t) k, "%s", tail);
        int seen = strstr(log, line) != NULL;
        free(log);
        if (seen)
            return;
    }
    cr_assert_fail("no run logged '%s' after signal %d to %s", tail, sig, name);
}

#define SILENT 1, " silent for "
#define EXITED_0 0, " exited (status 0); restarting"

/* SIGSTOP: the worker stops beating; lnob run kills and restarts it. */
Test(faults, ingester_stopped) { s_signal_handled("ingest", SIGSTOP, SILENT); }
Test(faults, transformer_stopped) { s_signal_handled("transform-1", SIGSTOP, SILENT); }
Test(faults, aggregator_stopped) { s_signal_handled("aggregate", SIGSTOP, SILENT); }
Test(faults, sink_stopped) { s_signal_handled("sink", SIGSTOP, SILENT); }
Test(faults, redis_stopped)
{
    s_signal_handled("redis-server", SIGSTOP, 1, " has not answered PING for ");
}

/* SIGTERM: the ingester is not done (exit 3), the others leave cleanly
 * (exit 0); each is started again. */
Test(faults, ingester_terminated)
{
    s_signal_handled("ingest", SIGTERM, 0,
                     " stopped by a signal before its work was stored (status 3); restarting");
}
Test(faults, transformer_terminated) { s_signal_handled("transform-1", SIGTERM, EXITED_0); }
Test(faults, aggregator_terminated) { s_signal_handled("aggregate", SIGTERM, EXITED_0); }
Test(faults, sink_terminated) { s_signal_handled("sink", SIGTERM, EXITED_0); }

#define START_GRACE_MS 10000 /* cli/run.c's START_SILENT_MS: docs/delivery.md */
#define GRACE_TRIES 3

/* How long lnob run let the aggregator of this log be silent before it
 * killed it, in ms; -1 when it never did. */
static long s_silent_for(const char *log, pid_t pid)
{
    char line[96];
    snprintf(line, sizeof line, "lnob: aggregate (pid %d) silent for ", (int) pid);
    const char *at = strstr(log, line);
    return at ? strtol(at + strlen(line), NULL, 10) : -1;
}

/* A worker frozen (SIGSTOP) the moment it is spawned, before its first
 * beat, is starting, not stuck: lnob run gives it START_SILENT_MS rather
 * than --silent-ms (1 s here), then kills and restarts it. The aggregator
 * holds the whole run back meanwhile, so the run cannot end first; the
 * restarted one gives the reference cells. Should a try be too late (the
 * aggregator beat before the signal: killed after 1 s), another is made. */
Test(faults, a_worker_frozen_before_its_first_beat_gets_the_start_grace)
{
    long silent = -1;
    for (int t = 0; t < GRACE_TRIES && silent < START_GRACE_MS; t++) {
        char wd[300], out[320], err[320];
        snprintf(wd, sizeof wd, "%s/grace-%d", s_dir, t);
        snprintf(out, sizeof out, "%s.json", wd);
        snprintf(err, sizeof err, "%s.log", wd);
        mkdir(wd, 0700);
        pid_t run = s_start_run_with(wd, out, err, s_liveness), pid = 0;
        int64_t t0 = lnob_now_ms();
        while (!(pid = s_read_pid(wd, "aggregate")) && lnob_now_ms() - t0 < 10000)
            usleep(100);
        cr_assert_gt(pid, 0, "the aggregator never started");
        kill(pid, SIGSTOP);
        int status = th_wait(run, "lnob run", RUN_TIMEOUT_S);
        char *log = th_read(err, NULL), *got = th_read(out, NULL), *ref = th_read(s_ref, NULL);
        cr_assert_eq(status, 0, "lnob run exited %d\n%s", status, log);
        cr_assert_str_eq(got, ref, "the cells after the restart differ");
        silent = s_silent_for(log, pid);
        cr_assert_gt(silent, 0, "the frozen aggregator was never killed:\n%s", log);
        free(log);
        free(got);
        free(ref);
    }
    cr_assert_geq(silent, START_GRACE_MS, "killed after %ld ms, before the start grace", silent);
}

/* SIGTERM while what the worker sends to is frozen (SIGSTOP): the worker
 * is blocked on a full queue (ingester, transformer) or waiting for a
 * confirmation that cannot come (aggregator), and still leaves within 5 s;
 * lnob run restarts it and, the downstream thawed, the run ends with the
 * reference cells. The downstream is frozen as soon as it has a pid, so
 * the extract cannot be stored before the signal lands; after (or NULL)
 * is the log text that shows the victim at work. */
static void s_terminated_while_frozen(const char *name, const char *const *frozen, const char *after,
                                      const char *tail)
{
    static const char *const extra[] = {"--log-level", "debug", "--silent-ms", "30000",
                                        "--batch-size", "10", NULL};
    char wd[300], out[320], err[320], label[64], line[256];
    snprintf(wd, sizeof wd, "%s/frozen-%s", s_dir, name);
    snprintf(out, sizeof out, "%s.json", wd);
    snprintf(err, sizeof err, "%s.log", wd);
    mkdir(wd, 0700);
    pid_t run = s_start_run_with(wd, out, err, extra);
    pid_t stopped[4] = {0}, victim = 0;
    int64_t t0 = lnob_now_ms();
    for (int i = 0; frozen[i]; i++) {
        while ((stopped[i] = s_read_pid(wd, frozen[i])) == 0 && lnob_now_ms() - t0 < 30000)
            usleep(1000);
        cr_assert_gt(stopped[i], 0, "%s never started", frozen[i]);
        kill(stopped[i], SIGSTOP);
    }
    while (after && !th_logged(err, after) && lnob_now_ms() - t0 < 30000)
        usleep(1000);
    usleep(1000 * 1000); /* the queues in between fill */
    char *early = th_read(err, NULL);
    int stored = strstr(early, "[sink] INFO extract ") != NULL;
    free(early);
    cr_assert(!stored, "the extract was stored with %s frozen: the test proves nothing", frozen[0]);
    victim = s_read_pid(wd, name);
    cr_assert_gt(victim, 0);
    s_label(name, label, sizeof label);
    snprintf(line, sizeof line, "lnob: %s%s", label, tail);
    kill(victim, SIGTERM);
    t0 = lnob_now_ms();
    while (!th_logged(err, line) && lnob_now_ms() - t0 < 10000)
        usleep(10000);
    int64_t took = lnob_now_ms() - t0;
    for (int i = 0; frozen[i]; i++)
        kill(stopped[i], SIGCONT);
    int status = th_wait(run, "lnob run", RUN_TIMEOUT_S);
    char *log = th_read(err, NULL);
    cr_assert_lt(took, 5000, "%s took %lld ms to leave after SIGTERM (no '%s'):\n%s", name, (long long) took,
                 line, log);
    cr_assert_eq(status, 0, "%s", log);
    char *got = th_read(out, NULL), *ref = th_read(s_ref, NULL);
    cr_assert_str_eq(got, ref);
    free(got);
    free(ref);
    free(log);
}

Test(faults, ingester_terminated_while_transformers_frozen)
{
    const char *const frozen[] = {"transform-1", "transform-2", NULL};
    s_terminated_while_frozen("ingest", frozen, NULL,
                              " stopped by a signal before its work was stored (status 3); restarting");
}
Test(faults, transformer_terminated_while_aggregator_frozen)
{
    const char *const frozen[] = {"aggregate", NULL};
    s_terminated_while_frozen("transform-1", frozen, "[transform:1] DEBUG batch", " exited (status 0); restarting");
}
Test(faults, aggregator_terminated_while_sink_frozen)
{
    const char *const frozen[] = {"sink", NULL};
    s_terminated_while_frozen("aggregate", frozen, "[aggregate] INFO extract ", " exited (status 0); restarting");
}

/* ---- inputs, progress, lnob run's own signals, Redis ------------------------------ */

/* Starts lnob run with args (after "run"), stdout and stderr to files in
 * s_dir named after tag; waits; returns the exit status and the log. */
static int s_run_logged(const char *tag, const char *const *args, char **log)
{
    char out[320], err[320];
    const char *a[40] = {"run"};
    size_t n = 1;
    for (size_t i = 0; args[i] && n < 39; i++)
        a[n++] = args[i];
    a[n] = NULL;
    snprintf(out, sizeof out, "%s/%s.out", s_dir, tag);
    snprintf(err, sizeof err, "%s/%s.log", s_dir, tag);
    int status = th_run_logged("lnob", a, out, err, RUN_TIMEOUT_S);
    *log = th_read(err, NULL);
    return status;
}

/* The same file twice and a copy under another name: one extract, read
 * once; the run finishes with the reference cells. */
Test(faults, same_file_twice)
{
    char copy[320], cmd[700], wd[300], *log;
    snprintf(copy, sizeof copy, "%s/copy.csv", s_dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", s_csv, copy);
    cr_assert_eq(system(cmd), 0);
    snprintf(wd, sizeof wd, "%s/twice", s_dir);
    mkdir(wd, 0700);
    const char *args[] = {"--silc", s_csv, s_csv, copy, "--batch-size", BATCH, "--format", "json",
                          "--workdir", wd, "--timeout", "60", NULL};
    cr_assert_eq(s_run_logged("twice", args, &log), 0, "%s", log);
    char line[800];
    snprintf(line, sizeof line, "lnob: %s is the same file as %s; read once", s_csv, s_csv);
    cr_assert(strstr(log, line), "%s", log);
    snprintf(line, sizeof line, "lnob: %s holds the same bytes as %s; read once", copy, s_csv);
    cr_assert(strstr(log, line), "%s", log);
    cr_assert(strstr(log, "lnob: 1 of 1 input files stored"), "%s", log);
    char out[320];
    snprintf(out, sizeof out, "%s/twice.out", s_dir);
    char *got = th_read(out, NULL), *ref = th_read(s_ref, NULL);
    cr_assert_str_eq(got, ref);
    free(got);
    free(ref);
    free(log);
}

/* Short liveness bounds (beat 40 ms, silent 400 ms; 150 and 1500 under
 * ASan, whose workers start slowly) over a year of four large UDB files:
 * the ingester beats while it reads and joins them as a stream (for longer than the
 * bound on most machines), and idle workers beat while they
 * wait for work, so none of them is taken for a stuck one. The aggregator
 * is left out: it does not beat while it computes an extract's cells
 * (docs/delivery.md). */
Test(faults, short_silence_kills_no_busy_or_idle_worker)
{
    char dir[300], wd[300], files[4][320], *log;
    snprintf(dir, sizeof dir, "%s/bigudb", s_dir);
    snprintf(wd, sizeof wd, "%s/bigudb-run", s_dir);
    mkdir(wd, 0700);
    th_gen_as(dir, 60000, 23, "udb4");
    for (int i = 0; i < 4; i++)
        snprintf(files[i], sizeof files[i], "%s/%c.csv", dir, "DHRP"[i]);
#ifdef __SANITIZE_ADDRESS__ /* an ASan worker takes longer than 400 ms to start and beat at all */
    const char *beat = "150", *silent = "1500";
#else
    const char *beat = "40", *silent = "400";
#endif
    const char *args[] = {"--silc", files[0], files[1], files[2], files[3], "--workdir", wd,
                          "--heartbeat-ms", beat, "--silent-ms", silent, "--log-level", "debug", NULL};
    int status = s_run_logged("bigudb", args, &log);
    cr_assert_eq(status, 0, "%s", log);
    cr_assert(strstr(log, ": first read in ") && strstr(log, "in household order: streamed"), "%s", log);
    const char *names[] = {"ingest", "transform:1", "transform:2", "sink"};
    for (int i = 0; i < 4; i++) {
        char line[64];
        snprintf(line, sizeof line, "lnob: %s (pid ", names[i]);
        for (const char *at = strstr(log, line); at; at = strstr(at + 1, line))
            cr_assert(strncmp(strchr(at, ')'), ") silent for ", 13) != 0, "%s was taken for stuck:\n%s",
                      names[i], log);
    }
    free(log);
}

/* Progress counts only what is stored; a failed file says so, with why. */
Test(faults, progress_says_failed)
{
    char bad[320], wd[300], *log;
    snprintf(bad, sizeof bad, "%s/noweight.csv", s_dir);
    FILE *f = fopen(bad, "w");
    cr_assert_not_null(f);
    fputs("DB030,RB030,HX090\n1,101,5\n", f);
    fclose(f);
    snprintf(wd, sizeof wd, "%s/progress", s_dir);
    mkdir(wd, 0700);
    const char *args[] = {"--silc", s_csv, bad, "--batch-size", BATCH, "--workdir", wd, NULL};
    cr_assert_eq(s_run_logged("progress", args, &log), 1, "%s", log);
    char line[800];
    snprintf(line, sizeof line, "lnob: %s failed: MISSING_COLUMN: %s: missing required column RB050",
             bad, bad);
    cr_assert(strstr(log, line), "%s", log);
    cr_assert(strstr(log, "lnob: 1 of 2 input files stored"), "%s", log);
    cr_assert_null(strstr(log, "2 of 2"), "%s", log);
    cr_assert(strstr(log, "lnob: 1 input file(s) failed; the rest stored in "), "%s", log);
    free(log);
}

/* The entries of a directory other than . and .. */
static int s_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* The pid in <tmp>/<its one lnob-run-* dir>/<name>.pid, 0 while absent. */
static pid_t s_temp_pid(const char *tmp, const char *name)
{
    DIR *d = opendir(tmp);
    pid_t pid = 0;
    for (struct dirent *e; d && !pid && (e = readdir(d));)
        if (!strncmp(e->d_name, "lnob-run-", 9)) {
            char run[400];
            snprintf(run, sizeof run, "%s/%s", tmp, e->d_name);
            pid = s_read_pid(run, name);
        }
    if (d)
        closedir(d);
    return pid;
}

/* lnob run itself gets sig mid-run: it stops every worker and removes its
 * temp dir, and exits 1 with a message. */
static void s_run_interrupted(int sig)
{
    char tmp[300], err[320];
    snprintf(tmp, sizeof tmp, "%s/tmp%d", s_dir, sig);
    snprintf(err, sizeof err, "%s/interrupted%d.log", s_dir, sig);
    mkdir(tmp, 0700);
    setenv("TMPDIR", tmp, 1);
    const char *args[] = {"run", "--silc", s_csv, "--batch-size", "10", NULL};
    pid_t run = th_spawn_logged("lnob", args, NULL, err);
    unsetenv("TMPDIR");
    int64_t t0 = lnob_now_ms();
    while (!s_temp_pid(tmp, "sink") && lnob_now_ms() - t0 < 10000) /* the last one started */
        usleep(2000);
    const char *names[] = {"redis-server", "sink", "aggregate", "transform-1", "transform-2", "ingest"};
    pid_t pids[6];
    for (int i = 0; i < 6; i++)
        cr_assert_gt(pids[i] = s_temp_pid(tmp, names[i]), 0, "%s did not start", names[i]);
    kill(run, sig);
    int status = th_wait(run, "lnob run", RUN_TIMEOUT_S);
    char *log = th_read(err, NULL);
    cr_assert_eq(status, 1, "%s", log);
    cr_assert(strstr(log, "lnob: stopped by a signal; stopping the workers"), "%s", log);
    cr_assert_eq(s_entries(tmp), 0, "lnob run left its temp dir in %s", tmp);
    for (int i = 0; i < 6; i++)
        cr_assert(kill(pids[i], 0) != 0, "%s (pid %d) still runs", names[i], (int) pids[i]);
    free(log);
}

Test(faults, run_terminated) { s_run_interrupted(SIGTERM); }
Test(faults, run_interrupted) { s_run_interrupted(SIGINT); }

/* An external Redis that freezes (SIGSTOP): lnob run fails after
 * --silent-ms with a message, long before --timeout. */
Test(faults, external_redis_stopped)
{
    th_redis_t rd;
    th_redis_start(&rd);
    char wd[300], err[320];
    snprintf(wd, sizeof wd, "%s/frozen", s_dir);
    snprintf(err, sizeof err, "%s/frozen.log", s_dir);
    mkdir(wd, 0700);
    const char *args[] = {"run", "--silc", s_csv, "--redis", rd.url, "--workdir", wd, "--heartbeat-ms",
                          BEAT_MS, "--silent-ms", SILENT_MS, "--timeout", "60", NULL};
    pid_t run = th_spawn_logged("lnob", args, NULL, err);
    int64_t t0 = lnob_now_ms();
    while (!s_read_pid(wd, "sink") && lnob_now_ms() - t0 < 10000)
        usleep(2000);
    kill(rd.proc.pid, SIGSTOP);
    t0 = lnob_now_ms();
    int status = th_wait(run, "lnob run", RUN_TIMEOUT_S);
    int64_t took = lnob_now_ms() - t0;
    kill(rd.proc.pid, SIGCONT);
    char *log = th_read(err, NULL);
    char line[400];
    snprintf(line, sizeof line, "lnob: Redis at %s has not answered for ", rd.url);
    cr_assert_eq(status, 1, "%s", log);
    cr_assert(strstr(log, line), "%s", log);
    cr_assert_lt(took, 30000, "lnob run took %lld ms to give up", (long long) took);
    free(log);
    th_redis_stop(&rd);
}

/* A sink waiting on a frozen Redis still leaves within 5 s of SIGTERM:
 * every Redis call has a timeout. */
Test(faults, sink_terminated_while_redis_frozen)
{
    th_redis_t rd;
    th_redis_start(&rd);
    kill(rd.proc.pid, SIGSTOP);
    char pull[400], pub[400], ctl[400], url[400], err[400];
    snprintf(pull, sizeof pull, "@ipc://%s/results", rd.dir);
    snprintf(pub, sizeof pub, "@ipc://%s/pub", rd.dir);
    snprintf(ctl, sizeof ctl, ">ipc://%s/control", rd.dir);
    snprintf(url, sizeof url, "%s?db=1", rd.url); /* SELECT: a call that waits on the frozen server */
    snprintf(err, sizeof err, "%s/sink.log", rd.dir);
    const char *args[] = {"--pull", pull, "--pub", pub, "--control", ctl, "--redis", url, NULL};
    lnob_proc_t sink;
    th_start_logged(&sink, "lnob-sink", args, err);
    usleep(500 * 1000);
    int64_t t0 = lnob_now_ms();
    kill(sink.pid, SIGTERM);
    while (!lnob_proc_poll(&sink) && lnob_now_ms() - t0 < 10000)
        usleep(10000);
    int64_t took = lnob_now_ms() - t0;
    if (!sink.exited)
        lnob_proc_stop(&sink, 0);
    kill(rd.proc.pid, SIGCONT);
    cr_assert_lt(took, 5000, "the sink took %lld ms to stop", (long long) took);
    cr_assert_eq(sink.status, 0);
    th_redis_stop(&rd);
}

/* Copies the suite's extract to path with a bad weight on every nth data
 * row, so that the extract has a quarantine (BAD_NUMBER rows). */
static void s_write_bad_weights(const char *path, long every)
{
    char *in = th_read(s_csv, NULL), *save = NULL;
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    long row = 0;
    for (char *line = strtok_r(in, "\n", &save); line; line = strtok_r(NULL, "\n", &save), row++) {
        char *c = line;
        for (int field = 0; field < 5 && c; field++) /* RB050: the sixth column */
            c = strchr(c, ',') ? strchr(c, ',') + 1 : NULL;
        if (row > 0 && row % every == 0 && c)
            fprintf(f, "%.*sbad%s\n", (int) (c - line), line, strchr(c, ',') ? strchr(c, ',') : "");
        else
            fprintf(f, "%s\n", line);
    }
    fclose(f);
    free(in);
}

/* A Redis without persistence restarted mid-run keeps only the quarantine
 * entries written after it came back: the stream's top entries. Here the
 * stream holds just the top one when the extract arrives. The sink finds
 * the stream short of the metadata's count, writes quarantine and result
 * again from the aggregator's redelivery, and only then confirms. */
Test(faults, redis_lost_quarantine_rows)
{
    th_redis_t rd;
    th_redis_start(&rd);
    char bad[320], wd[300], *log;
    snprintf(bad, sizeof bad, "%s/badweights.csv", s_dir);
    s_write_bad_weights(bad, 97);
    snprintf(wd, sizeof wd, "%s/lost", s_dir);
    mkdir(wd, 0700);
    const char *args[] = {"--silc", bad, "--redis", rd.url, "--batch-size", BATCH, "--workdir", wd,
                          "--log-level", "warn", NULL};
    cr_assert_eq(s_run_logged("lost1", args, &log), 0, "%s", log);
    free(log);
    char *id = th_only_extract(rd.c), key[300];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *quarantined = th_hget(rd.c, key, "rows_quarantined"), *flags = th_hget(rd.c, key, "fields_flagged");
    long long want = atoll(quarantined) + atoll(flags); /* bad weights are flagged fields (spec 1.8) */
    cr_assert_gt(want, 100);
    redisReply *top = redisCommand(rd.c, "XREVRANGE lnob:quarantine:%s + - COUNT 1", id);
    cr_assert(top && top->type == REDIS_REPLY_ARRAY && top->elements == 1);
    char top_id[64];
    snprintf(top_id, sizeof top_id, "%s", top->element[0]->element[0]->str);
    freeReplyObject(top);
    freeReplyObject(redisCommand(rd.c, "FLUSHALL"));
    freeReplyObject(redisCommand(rd.c, "XADD lnob:quarantine:%s %s source %s", id, top_id, bad));

    cr_assert_eq(s_run_logged("lost2", args, &log), 0, "%s", log);
    char line[400];
    snprintf(line, sizeof line, "the quarantine of extract %s holds 1 of its %lld entries; writing its "
             "quarantine and result again", id, want);
    cr_assert(strstr(log, line), "%s", log);
    cr_assert_eq(th_int(rd.c, "XLEN lnob:quarantine:%s", id), want);
    char *meta = th_hget(rd.c, key, "rows_quarantined");
    cr_assert_str_eq(meta, quarantined);
    free(meta);
    free(quarantined);
    free(flags);
    free(id);
    free(log);
    th_redis_stop(&rd);
}

/* 1 when a quarantine stream holds a whole part (its first) and more is
 * to come; its key in key. */
static int s_first_part_stored(redisContext *c, char *key, size_t cap)
{
    redisReply *r = redisCommand(c, "KEYS lnob:quarantine:*");
    int found = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0;
    if (found)
        snprintf(key, cap, "%s", r->element[0]->str);
    freeReplyObject(r);
    return found && th_int(c, "XLEN %s", key) >= LNOB_QUARANTINE_PART;
}

/* A real Redis without persistence killed and started again, empty, while
 * the sink is between the first part of an extract's quarantine and its
 * result (the sink is held with SIGSTOP over the restart, so the moment is
 * certain).
 * The sink reconnects, finds the stream short of the metadata's count,
 * drops it and waits for the aggregator's redelivery; the run ends 0 with
 * every quarantine entry and every cell stored. */
Test(faults, redis_restarted_without_persistence)
{
    th_redis_t rd;
    th_redis_start(&rd);
    char bad[320], wd[300], err[320], key[300];
    snprintf(bad, sizeof bad, "%s/allbad.csv", s_dir);
    s_write_bad_weights(bad, 2); /* a flagged field on every other row: several quarantine parts */
    snprintf(wd, sizeof wd, "%s/restarted", s_dir);
    snprintf(err, sizeof err, "%s/restarted.log", s_dir);
    mkdir(wd, 0700);
    const char *args[] = {"run", "--silc", bad, "--redis", rd.url, "--batch-size", BATCH, "--workdir", wd,
                          "--log-level", "warn", "--timeout", "80", NULL};
    pid_t run = th_spawn_logged("lnob", args, NULL, err);
    int64_t t0 = lnob_now_ms();
    while (!s_first_part_stored(rd.c, key, sizeof key) && lnob_now_ms() - t0 < 60000)
        usleep(200);
    pid_t sink = s_read_pid(wd, "sink");
    cr_assert_gt(sink, 0);
    kill(sink, SIGSTOP);
    usleep(100 * 1000); /* what the sink had sent is processed */
    const char *id = key + strlen("lnob:quarantine:");
    cr_assert_eq(th_int(rd.c, "EXISTS lnob:extract:%s", id), 0, "the result was stored before the sink stopped");
    cr_assert_gt(th_int(rd.c, "XLEN %s", key), 0);
    th_redis_restart(&rd);
    kill(sink, SIGCONT);
    int status = th_wait(run, "lnob run", RUN_TIMEOUT_S);
    char *log = th_read(err, NULL);
    cr_assert_eq(status, 0, "%s", log);
    cr_assert(strstr(log, "; writing its quarantine and result again (rewrite "), "%s", log);
    char meta[320];
    snprintf(meta, sizeof meta, "lnob:extract:%s", id);
    char *quarantined = th_hget(rd.c, meta, "rows_quarantined"), *flags = th_hget(rd.c, meta, "fields_flagged");
    long long want = atoll(quarantined) + atoll(flags);
    cr_assert_gt(want, 4000, "%s + %s", quarantined, flags);
    cr_assert_eq(th_int(rd.c, "XLEN %s", key), want);
    char *got = th_snapshot(rd.c, id), *cells = th_in_process(bad, 100000);
    cr_assert_gt(strlen(cells), 1000);
    cr_assert_str_eq(got, cells, "the cells differ from the extract computed in-process");
    free(got);
    free(cells);
    free(quarantined);
    free(flags);
    free(log);
    th_redis_stop(&rd);
}
