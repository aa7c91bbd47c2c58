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
 * overrides the count (make soak). */
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

static pid_t s_start_run(const char *workdir, const char *out)
{
    const char *args[] = {"run", "--silc", s_csv, "--batch-size", BATCH, "--format", "json",
                          "--workdir", workdir, "--log-level", "error", NULL};
    const char *udb4[] = {"run", "--silc", s_udb4[0], s_udb4[1], s_udb4[2], s_udb4[3],
                          "--batch-size", BATCH, "--format", "json", "--workdir", workdir,
                          "--log-level", "error", NULL};
    if (s_n_mis) {
        const char *mis[MIS_FILES + 20] = {"run", "--mis"};
        size_t n = 2;
        for (size_t i = 0; i < s_n_mis; i++)
            mis[n++] = s_mis[i];
        const char *rest[] = {"--pseudonym-key", s_key, "--period", "2024", "--batch-size", "50",
                              "--format", "json", "--workdir", workdir, "--log-level", "error", NULL};
        memcpy(mis + n, rest, sizeof rest);
        return th_spawn("lnob", mis, out);
    }
    return th_spawn("lnob", s_udb4[0][0] ? udb4 : args, out);
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
    int64_t t0 = lnob_now_ms();
    cr_assert_eq(th_wait(s_start_run(wd, s_ref), "reference run", RUN_TIMEOUT_S), 0);
    s_ref_ms = lnob_now_ms() - t0;
}

static void s_teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
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

/* One trial: kills the worker name at a seeded random moment within
 * max_ms of its start; the run must still give the reference cells.
 * Returns 1 if the kill landed (the worker was still there). */
static int s_kill_trial(const char *ref, const char *name, unsigned seed, int64_t max_ms, int t)
{
    srand(seed);
    int64_t delay = rand() % (max_ms > 1 ? max_ms : 1);
    char wd[300], out[320];
    snprintf(wd, sizeof wd, "%s/%s-%d", s_dir, name, t);
    snprintf(out, sizeof out, "%s.json", wd);
    mkdir(wd, 0700);
    pid_t run = s_start_run(wd, out);
    int64_t t0 = lnob_now_ms();
    while (s_read_pid(wd, name) == 0 && lnob_now_ms() - t0 < 10000)
        usleep(2000);
    usleep((useconds_t) delay * 1000);
    pid_t victim = s_read_pid(wd, name);
    cr_assert_gt(victim, 0, "%s never started (seed %u)", name, seed);
    int landed = kill(victim, SIGKILL) == 0;
    int status = th_wait(run, "lnob run", RUN_TIMEOUT_S);
    cr_assert_eq(status, 0, "%s killed after %lld ms (seed %u): lnob run exited %d", name,
                 (long long) delay, seed, status);
    char *got = th_read(out, NULL);
    cr_assert_str_eq(got, ref, "%s killed after %lld ms (seed %u): cells differ", name,
                     (long long) delay, seed);
    free(got);
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
