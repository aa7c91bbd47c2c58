/* run.c - `lnob run`: spawn, wait, report, clean up (run.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "run.h"

#include <errno.h>
#include <ftw.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/mem.h"
#include "lnob/redis.h"
#include "proc.h"
#include "report.h"

#define MAX_TRANSFORMERS 64
#define POLL_MS 20
#define REDIS_START_MS 5000
#define STOP_GRACE_MS 10000
#define PATH_MAX_LEN 512 /* paths lnob makes; ipc paths must stay under 108 */
#define ARGV_MAX 80

typedef struct {
    lnob_strlist_t silc;
    long transformers;
    const char *redis;
    const char *format;
    long batch_size;
    long timeout_s;
    const char *log_level;
} cfg_t;

static const lnob_opt_t s_opts[] = {
    {"silc", NULL, LNOB_OPT_LIST, NULL, 0, 0, NULL, offsetof(cfg_t, silc),
     "SILC extract CSV files (one extract each)"},
    {"transformers", "LNOB_TRANSFORMERS", LNOB_OPT_INT, "2", 1, MAX_TRANSFORMERS, NULL,
     offsetof(cfg_t, transformers), "harmonising transformer processes"},
    {"redis", "LNOB_REDIS_URL", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, redis),
     "use this Redis instead of a private one (redis://host:port/db, unix:///path)"},
    {"format", NULL, LNOB_OPT_STR, "table", 0, 0, "table|json|csv", offsetof(cfg_t, format),
     "output format on stdout"},
    {"batch-size", "LNOB_BATCH_SIZE", LNOB_OPT_INT, "8192", 1, 1000000, NULL,
     offsetof(cfg_t, batch_size), "accepted rows per batch message"},
    {"timeout", "LNOB_RUN_TIMEOUT", LNOB_OPT_INT, "3600", 1, 86400, NULL,
     offsetof(cfg_t, timeout_s), "seconds to wait for the results before giving up"},
    {"log-level", "LNOB_LOG_LEVEL", LNOB_OPT_STR, "warn", 0, 0, "error|warn|info|debug",
     offsetof(cfg_t, log_level), "verbosity of the workers (stderr)"},
    LNOB_OPT_END};

/* Everything one run owns. */
typedef struct {
    cfg_t cfg;
    char dir[PATH_MAX_LEN];      /* private temp dir */
    char bin[PATH_MAX_LEN];      /* directory of the worker binaries */
    char redis_url[PATH_MAX_LEN + 32];
    char run_id[64];
    lnob_proc_t redis, sink, aggregate, ingest, transform[MAX_TRANSFORMERS];
    redisContext *rc;
} run_t;

static void s_note(const char *msg, const char *arg)
{
    fprintf(stderr, "lnob: %s%s\n", msg, arg ? arg : "");
}

/* ---- starting ------------------------------------------------------------- */

static int s_start(run_t *r, lnob_proc_t *p, const char *name, const char *exe, const char **args)
{
    char path[PATH_MAX_LEN * 2], err[256];
    const char *argv[ARGV_MAX];
    if (exe[0] == '/')
        snprintf(path, sizeof path, "%s", exe);
    else
        snprintf(path, sizeof path, "%s/%s", r->bin, exe);
    size_t n = 0;
    argv[n++] = path;
    for (size_t i = 0; args[i] && n < ARGV_MAX - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (lnob_proc_start(p, name, path, (char *const *) argv, err, sizeof err) != 0) {
        s_note(err, NULL);
        return -1;
    }
    return 0;
}

static const char *s_redis_server(void)
{
    static const char *const paths[] = {"/usr/bin/redis-server", "/usr/local/bin/redis-server", NULL};
    for (int i = 0; paths[i]; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

static int s_start_redis(run_t *r)
{
    const char *server = s_redis_server();
    if (!server) {
        s_note("redis-server is not installed (deploy/install-deps.sh installs it)", NULL);
        return -1;
    }
    char sock[PATH_MAX_LEN + 16], log[PATH_MAX_LEN + 16];
    snprintf(sock, sizeof sock, "%s/redis.sock", r->dir);
    snprintf(log, sizeof log, "%s/redis.log", r->dir);
    snprintf(r->redis_url, sizeof r->redis_url, "unix://%s", sock);
    const char *args[] = {"--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
                          "--save", "", "--appendonly", "no", "--dir", r->dir, "--logfile", log,
                          NULL};
    if (s_start(r, &r->redis, "redis-server", server, args) != 0)
        return -1;
    char err[256];
    for (int waited = 0; waited < REDIS_START_MS; waited += POLL_MS) {
        if (access(sock, F_OK) == 0 && (r->rc = lnob_redis_connect(r->redis_url, err, sizeof err)))
            return 0;
        if (lnob_proc_poll(&r->redis))
            break;
        usleep(POLL_MS * 1000);
    }
    s_note("the private redis-server did not start; its log: ", log);
    return -1;
}

static int s_start_workers(run_t *r)
{
    char ep[6][PATH_MAX_LEN + 64];
    snprintf(ep[0], sizeof ep[0], "@ipc://%s/results", r->dir);
    snprintf(ep[1], sizeof ep[1], "@ipc://%s/pub", r->dir);
    snprintf(ep[2], sizeof ep[2], "@ipc://%s/runs", r->dir);
    snprintf(ep[3], sizeof ep[3], ">ipc://%s/results", r->dir);
    snprintf(ep[4], sizeof ep[4], ">ipc://%s/batches", r->dir);
    snprintf(ep[5], sizeof ep[5], ">ipc://%s/runs", r->dir);
    const char *ll = r->cfg.log_level;
    const char *sink[] = {"--pull", ep[0], "--pub", ep[1], "--redis", r->redis_url, "--log-level", ll, NULL};
    const char *agg[] = {"--role", "aggregate", "--pull", ep[2], "--push", ep[3], "--log-level", ll, NULL};
    if (s_start(r, &r->sink, "sink", "lnob-sink", sink) || s_start(r, &r->aggregate, "aggregate", "lnob-transform", agg))
        return -1;
    for (long i = 0; i < r->cfg.transformers; i++) {
        char inst[24], name[40];
        snprintf(inst, sizeof inst, "%ld", i + 1);
        snprintf(name, sizeof name, "transform:%ld", i + 1);
        const char *t[] = {"--pull", ep[4], "--push", ep[5], "--instance", inst, "--log-level", ll, NULL};
        if (s_start(r, &r->transform[i], name, "lnob-transform", t))
            return -1;
    }
    char push[PATH_MAX_LEN + 32], bs[32];
    snprintf(push, sizeof push, "@ipc://%s/batches", r->dir);
    snprintf(bs, sizeof bs, "%ld", r->cfg.batch_size);
    const char *in[ARGV_MAX] = {"--push", push, "--run-id", r->run_id, "--batch-size", bs,
                                "--log-level", ll, "--hold", "--silc"};
    size_t n = 10;
    for (size_t i = 0; i < r->cfg.silc.n && n < ARGV_MAX - 1; i++)
        in[n++] = r->cfg.silc.items[i];
    in[n] = NULL;
    return s_start(r, &r->ingest, "ingest", "lnob-ingest", in);
}

/* ---- waiting -------------------------------------------------------------- */

/* A worker that should still be running has exited: name it. */
static const lnob_proc_t *s_dead_worker(run_t *r)
{
    lnob_proc_t *all[] = {&r->sink, &r->aggregate};
    for (size_t i = 0; i < 2; i++)
        if (lnob_proc_poll(all[i]))
            return all[i];
    for (long i = 0; i < r->cfg.transformers; i++)
        if (lnob_proc_poll(&r->transform[i]))
            return &r->transform[i];
    if (lnob_proc_poll(&r->ingest) && r->ingest.status != 0)
        return &r->ingest;
    if (r->redis.pid && lnob_proc_poll(&r->redis))
        return &r->redis;
    return NULL;
}

static long long s_stored(run_t *r)
{
    redisReply *rep = redisCommand(r->rc, "HLEN lnob:run:%s", r->run_id);
    long long n = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
    freeReplyObject(rep);
    return n;
}

static int s_wait(run_t *r)
{
    int64_t deadline = lnob_now_ms() + r->cfg.timeout_s * 1000;
    long long want = (long long) r->cfg.silc.n, last = 0;
    while (lnob_now_ms() < deadline) {
        long long got = s_stored(r);
        if (got < 0) {
            s_note("lost the connection to Redis", NULL);
            return -1;
        }
        if (got != last)
            fprintf(stderr, "lnob: %lld of %lld extracts stored\n", got, want);
        last = got;
        if (got >= want)
            return 0;
        const lnob_proc_t *dead = s_dead_worker(r);
        if (dead) {
            fprintf(stderr, "lnob: %s exited (status %d) before the results were stored\n",
                    dead->name, dead->status);
            return -1;
        }
        usleep(POLL_MS * 1000);
    }
    fprintf(stderr, "lnob: no results after %ld s (--timeout)\n", r->cfg.timeout_s);
    return -1;
}

/* ---- reporting and cleaning up ---------------------------------------------- */

static int s_report(run_t *r)
{
    lnob_report_t rep = {stdout, stderr, lnob_report_parse_format(r->cfg.format), 0};
    char err[256];
    int failed = 0;
    lnob_report_begin(&rep);
    for (size_t i = 0; i < r->cfg.silc.n; i++) {
        redisReply *id = redisCommand(r->rc, "HGET lnob:run:%s %s", r->run_id, r->cfg.silc.items[i]);
        if (!id || id->type != REDIS_REPLY_STRING) {
            fprintf(stderr, "lnob: no extract stored for %s\n", r->cfg.silc.items[i]);
            failed = 1;
        } else if (lnob_report_extract(&rep, r->rc, id->str, err, sizeof err) != 0) {
            fprintf(stderr, "lnob: %s\n", err);
            failed = 1;
        } else {
            redisReply *st = redisCommand(r->rc, "HGET lnob:extract:%s status", id->str);
            failed |= !st || st->type != REDIS_REPLY_STRING || strcmp(st->str, "complete") != 0;
            freeReplyObject(st);
        }
        freeReplyObject(id);
    }
    lnob_report_end(&rep);
    fflush(stdout);
    if (failed)
        s_note("some extracts failed; nothing of them was published", NULL);
    return failed ? -1 : 0;
}

static int s_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void) sb; (void) flag; (void) ftw;
    return remove(path);
}

/* Peak memory of each worker, for operators and the benchmark. */
static void s_print_rss(const run_t *r)
{
    const lnob_proc_t *fixed[] = {&r->ingest, &r->aggregate, &r->sink};
    fprintf(stderr, "lnob: peak RSS MB:");
    for (size_t i = 0; i < 3; i++)
        if (fixed[i]->exited)
            fprintf(stderr, " %s %.1f", fixed[i]->name, fixed[i]->max_rss_kb / 1024.0);
    for (long i = 0; i < r->cfg.transformers; i++)
        if (r->transform[i].exited)
            fprintf(stderr, " %s %.1f", r->transform[i].name, r->transform[i].max_rss_kb / 1024.0);
    fprintf(stderr, "\n");
}

static void s_stop_all(run_t *r)
{
    lnob_proc_stop(&r->ingest, STOP_GRACE_MS);
    for (long i = 0; i < r->cfg.transformers; i++)
        lnob_proc_stop(&r->transform[i], STOP_GRACE_MS);
    lnob_proc_stop(&r->aggregate, STOP_GRACE_MS);
    lnob_proc_stop(&r->sink, STOP_GRACE_MS);
    if (r->rc)
        redisFree(r->rc);
    r->rc = NULL;
    lnob_proc_stop(&r->redis, STOP_GRACE_MS);
    s_print_rss(r);
    if (r->dir[0])
        nftw(r->dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static int s_check_inputs(const cfg_t *cfg)
{
    for (size_t i = 0; i < cfg->silc.n; i++)
        if (access(cfg->silc.items[i], R_OK) != 0) {
            fprintf(stderr, "lnob: cannot read %s: %s\n", cfg->silc.items[i], strerror(errno));
            return -1;
        }
    return 0;
}

static int s_setup(run_t *r)
{
    char err[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof r->dir, "%s/lnob-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r->dir)) {
        fprintf(stderr, "lnob: cannot make a temp dir: %s\n", strerror(errno));
        r->dir[0] = '\0';
        return -1;
    }
    snprintf(r->run_id, sizeof r->run_id, "run-%d-%lld", (int) getpid(), (long long) lnob_now_ms());
    if (lnob_proc_self_dir(r->bin, sizeof r->bin) != 0)
        return -1;
    if (!r->cfg.redis)
        return s_start_redis(r);
    snprintf(r->redis_url, sizeof r->redis_url, "%s", r->cfg.redis);
    r->rc = lnob_redis_connect(r->redis_url, err, sizeof err);
    if (!r->rc)
        s_note(err, NULL);
    return r->rc ? 0 : -1;
}

static int s_run(run_t *r, int argc, char **argv, int first)
{
    char err[256];
    int rc = lnob_config_parse(s_opts, &r->cfg, argc, argv, first, "lnob run",
                               "usage: lnob run --silc FILE... [--transformers N] [--redis URL] "
                               "[--format table|json|csv]",
                               err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK || r->cfg.silc.n == 0) {
        fprintf(stderr, "lnob run: %s\n", rc != LNOB_OK ? err : "give at least one --silc FILE");
        return 2;
    }
    if (s_check_inputs(&r->cfg) != 0)
        return 2;
    int64_t t0 = lnob_mono_us();
    int ok = s_setup(r) == 0 && s_start_workers(r) == 0;
    if (ok)
        fprintf(stderr, "lnob: pipeline up (redis %s, %ld transformers); ingesting %zu file(s)\n",
                r->cfg.redis ? r->redis_url : "private", r->cfg.transformers, r->cfg.silc.n);
    ok = ok && s_wait(r) == 0;
    if (ok)
        fprintf(stderr, "lnob: stored in %.2f s\n", (double) (lnob_mono_us() - t0) / 1e6);
    ok = ok && s_report(r) == 0;
    s_stop_all(r);
    return ok ? 0 : 1;
}

int lnob_cli_run(int argc, char **argv, int first)
{
    run_t *r = lnob_calloc(1, sizeof *r); /* large: process tables and paths */
    int code = s_run(r, argc, argv, first);
    free(r);
    return code;
}
