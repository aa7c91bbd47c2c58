/* config_cli_test.c - the configuration file from the command line: `lnob
 * config check` on the shipped example and on a file whose endpoints do
 * not meet, a worker refusing a bad file, `lnob run --config` changing what
 * the run does (the batch size in the ingester's log and the extract's
 * metadata), and `lnob run --dry-run` starting nothing. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "lnob/clock.h"

#define RUN_TIMEOUT_S 120
#define CHECK_TIMEOUT_S 30
#define DEMO LNOB_SOURCE_DIR "/data/sample/silc_demo.csv"
#define DEMO_ROWS "10674"
#define PATH_LEN 512

static th_redis_t s_redis;

static void s_setup(void) { th_redis_start(&s_redis); }
static void s_teardown(void) { th_redis_stop(&s_redis); }

TestSuite(config_cli, .init = s_setup, .fini = s_teardown, .timeout = 300);

/* A path in the test's private dir. */
static void s_path(char *out, const char *name)
{
    snprintf(out, PATH_LEN, "%s/%s", s_redis.dir, name);
}

/* Writes text to the file name in the test's dir; its path in out. */
static void s_file(char *out, const char *name, const char *text)
{
    s_path(out, name);
    FILE *f = fopen(out, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

/* Runs exe with args (stdout to out_path, or nowhere when NULL), asserts
 * it exits want; returns what it said on stderr, owned. */
static char *s_said(const char *exe, const char *const args[], const char *out_path, int want, int timeout_s)
{
    char err[PATH_LEN];
    s_path(err, "stderr.txt");
    int rc = th_run_logged(exe, args, out_path, err, timeout_s);
    char *said = th_read(err, NULL);
    cr_assert_eq(rc, want, "%s exited %d, not %d:\n%s", exe, rc, want, said);
    return said;
}

/* Entries of dir besides . and .. */
static int s_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* keys/<role>.cert for the four workers and allow/ with their public
 * halves, in the test's dir, which becomes the working directory (the
 * example names them relative to it). */
static void s_keys_here(void)
{
    cr_assert_eq(chdir(s_redis.dir), 0);
    const char *roles[] = {"ingest", "transform", "aggregate", "sink"};
    for (int i = 0; i < 4; i++) {
        const char *args[] = {"keygen", "keys", "--role", roles[i], NULL};
        cr_assert_eq(th_run("lnob", args, NULL, CHECK_TIMEOUT_S), 0);
    }
    cr_assert_eq(system("mkdir -p allow && cp keys/*.cert allow/"), 0);
}

Test(config_cli, the_example_passes_the_check)
{
    char out[PATH_LEN];
    s_keys_here();
    s_path(out, "check.out");
    const char *args[] = {"config", "check", LNOB_SOURCE_DIR "/deploy/lnob.conf.example", "--no-env", NULL};
    char *said = s_said("lnob", args, out, 0, CHECK_TIMEOUT_S), *printed = th_read(out, NULL);
    cr_assert(strstr(said, "lnob.conf.example: valid"), "%s", said);
    cr_assert(strstr(printed, "[aggregate] ; lnob-aggregate\n"), "%s", printed);
    cr_assert(strstr(printed, "push               = @tcp://0.0.0.0:5555  "), "%s", printed);
    cr_assert(strstr(printed, "cert               = keys/sink.cert  "), "%s", printed);
    free(said);
    free(printed);
}

Test(config_cli, the_check_finds_endpoints_that_do_not_meet)
{
    char conf[PATH_LEN];
    s_file(conf, "mismatch.conf", "[ingest]\npush = @tcp://0.0.0.0:5555\n"
                                  "[transform]\npull = >tcp://127.0.0.1:5565\n"
                                  "[sink]\nhwm = many\n[common]\ninsecure-plaintext = 1\n");
    const char *args[] = {"config", "check", conf, "--no-env", NULL};
    char *said = s_said("lnob", args, NULL, 1, CHECK_TIMEOUT_S);
    cr_assert(strstr(said, "endpoints do not meet (batches): [ingest] push @tcp://0.0.0.0:5555"), "%s", said);
    cr_assert(strstr(said, "ports differ (5555, 5565)"), "%s", said);
    cr_assert(strstr(said, "mismatch.conf:6: [sink] hwm: 'many' is not a whole number in [1, 10000]"), "%s", said);
    cr_assert(strstr(said, ": 2 problems"), "%s", said);
    free(said);
}

/* A worker refuses a file with a typo: exit 2 (lnob run does not restart
 * it), the file, line and key named. */
Test(config_cli, a_worker_refuses_an_unknown_key)
{
    char conf[PATH_LEN];
    s_file(conf, "typo.conf", "[common]\nlog-level = info\n[sink]\nhwm = 4\nredis-url = x\n");
    const char *args[] = {"--config", conf, NULL};
    char *said = s_said("lnob-sink", args, NULL, 2, CHECK_TIMEOUT_S);
    cr_assert(strstr(said, "typo.conf:5: [sink] redis-url: unknown key"), "%s", said);
    free(said);
}

/* '|' separates aggregators (lnob/route.h): where only one socket can be
 * meant (the aggregator's push to the sinks), it is refused at start-up,
 * and so is an empty part. */
Test(config_cli, a_list_of_aggregators_only_where_there_can_be_several)
{
    char ep[PATH_LEN + 64], both[3 * PATH_LEN + 256], pull[2 * PATH_LEN], control[2 * PATH_LEN];
    s_path(ep, "runs");
    snprintf(pull, sizeof pull, "@ipc://%s.in", ep);
    snprintf(control, sizeof control, "@ipc://%s.ctl", ep);
    snprintf(both, sizeof both, ">ipc://%s.a|>ipc://%s.b", ep, ep);
    const char *agg[] = {"--pull", pull, "--control", control, "--push", both, "--metrics", "none", NULL};
    char *said = s_said("lnob-aggregate", agg, NULL, 1, CHECK_TIMEOUT_S);
    cr_assert(strstr(said, "one endpoint (list) only here: '|' separates aggregators"), "%s", said);
    free(said);
    snprintf(both, sizeof both, ">ipc://%s.a||>ipc://%s.b", ep, ep);
    snprintf(pull, sizeof pull, ">ipc://%s.in", ep);
    const char *tr[] = {"--pull", pull, "--push", both, "--metrics", "none", NULL};
    said = s_said("lnob-transform", tr, NULL, 1, CHECK_TIMEOUT_S);
    cr_assert(strstr(said, "an empty endpoint between '|'"), "%s", said);
    free(said);
}

/* The batch size from the ingester's section reaches the ingester under
 * lnob run: 10674 rows in batches of 500 are 22 batches (8192: 2), parsed
 * in the ingester; cut for the transformers, ranges of 500 rows or a little
 * more (to the end of a household): 21 or 22. */
Test(config_cli, run_takes_the_batch_size_from_the_file)
{
    char conf[PATH_LEN];
    s_file(conf, "run.conf", "[common]\nlog-level = info\n[ingest]\nbatch-size = 500\nparse-in = ingest\n"
                             "[run]\ntransformers = 1\n");
    const char *args[] = {"run", "--config", conf, "--silc", DEMO, "--redis", s_redis.url, NULL};
    char out[PATH_LEN];
    s_path(out, "stdout.txt");
    char *said = s_said("lnob", args, out, 0, RUN_TIMEOUT_S), *report = th_read(out, NULL);
    cr_assert(strstr(said, DEMO_ROWS " accepted, 22 batches"), "%s", said);
    cr_assert(strstr(said, "1 transformers"), "[run] transformers = 1: %s", said);
    cr_assert(strstr(report, "persons in the income population"), "the SILC kind's report line: %s", report);
    free(report);
    char *id = th_only_extract(s_redis.c), key[PATH_LEN];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *batches = th_hget(s_redis.c, key, "batches");
    cr_assert_str_eq(batches, "22");
    free(batches);
    free(id);
    free(said);
}

Test(config_cli, run_cuts_ranges_of_the_batch_size_from_the_file)
{
    char conf[PATH_LEN];
    s_file(conf, "cut.conf", "[common]\nlog-level = info\n[ingest]\nbatch-size = 500\nparse-in = transform\n"
                             "[run]\ntransformers = 1\n");
    const char *args[] = {"run", "--config", conf, "--silc", DEMO, "--redis", s_redis.url, NULL};
    char *said = s_said("lnob", args, NULL, 0, RUN_TIMEOUT_S);
    const char *at = strstr(said, " sent: ");
    cr_assert_not_null(at, "%s", said);
    int ranges = atoi(at + 7);
    cr_assert(strstr(at, " ranges of " DEMO_ROWS " rows"), "%s", said);
    cr_assert(ranges == 21 || ranges == 22, "%d ranges of at least 500 rows:\n%s", ranges, said);
    char *id = th_only_extract(s_redis.c), key[PATH_LEN];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *batches = th_hget(s_redis.c, key, "batches"), *rows = th_hget(s_redis.c, key, "rows_read");
    cr_assert_eq(atoi(batches), ranges);
    cr_assert_str_eq(rows, DEMO_ROWS, "the transformers read every row");
    free(rows);
    free(batches);
    free(id);
    free(said);
}

/* The aggregator tells an ingester that asked as soon as its extract is
 * stored: with the ingester asking only every 20 s (poll-ms, and a
 * heartbeat as long, which bounds every wait), the run still ends in a few
 * seconds, and the ingester says the extract is stored. Without the news
 * it would wait at least 20 s. */
Test(config_cli, the_ingester_hears_at_once_that_its_extract_is_stored)
{
    char conf[PATH_LEN];
    s_file(conf, "slow-poll.conf", "[common]\nlog-level = info\n[ingest]\npoll-ms = 20000\n");
    const char *args[] = {"run", "--config", conf, "--silc", DEMO, "--redis", s_redis.url,
                          "--heartbeat-ms", "20000", "--silent-ms", "60000", NULL};
    int64_t t0 = lnob_now_ms();
    char *said = s_said("lnob", args, NULL, 0, RUN_TIMEOUT_S);
    int64_t took = lnob_now_ms() - t0;
    int told = 0; /* "[ingest] INFO <path>silc_demo.csv: extract <id> stored" */
    for (const char *at = said; !told && (at = strstr(at, "silc_demo.csv: extract silc-")); at++) {
        const char *end = strchr(at, '\n');
        told = end && !strncmp(end - 7, " stored", 7);
    }
    cr_assert(told, "the ingester says it: %s", said);
    cr_assert_null(strstr(said, "stopped by a signal"), "lnob run had to stop the ingester: %s", said);
    cr_assert_lt(took, 15000, "%lld ms: the ingester waited for its next question\n%s", (long long) took, said);
    free(said);
}

/* --dry-run prints the commands and starts nothing: the work dir, where
 * every worker would leave its pid file and socket, stays empty. */
Test(config_cli, dry_run_starts_nothing)
{
    char conf[PATH_LEN], out[PATH_LEN], wd[PATH_LEN];
    s_file(conf, "dry.conf", "[ingest]\nbatch-size = 500\n");
    s_path(out, "dry.out");
    s_path(wd, "wd");
    cr_assert_eq(mkdir(wd, 0700), 0);
    const char *args[] = {"run", "--dry-run", "--config", conf, "--silc", DEMO, "--workdir", wd, NULL};
    char *said = s_said("lnob", args, out, 0, CHECK_TIMEOUT_S), *printed = th_read(out, NULL);
    cr_assert(strstr(printed, "would start"), "%s", printed);
    cr_assert(strstr(printed, "  ingest         "), "%s", printed);
    cr_assert(strstr(printed, "--config "), "the workers get the file: %s", printed);
    cr_assert(strstr(printed, "valid; nothing was started"), "%s", printed);
    cr_assert_eq(s_entries(wd), 0, "nothing was started in %s", wd);
    free(printed);
    free(said);
    s_file(conf, "dry-bad.conf", "[ingest]\nbatch-size = 0\n"); /* args holds conf: now this file */
    said = s_said("lnob", args, out, 1, CHECK_TIMEOUT_S);
    cr_assert(strstr(said, "dry-bad.conf:2: [ingest] batch-size: '0' is not a whole number"), "%s", said);
    cr_assert_eq(s_entries(wd), 0);
    free(said);
}
