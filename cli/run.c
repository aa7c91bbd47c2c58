/* run.c - `lnob run`: spawn, wait, report, clean up (run.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "run.h"

#include <czmq.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <ftw.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/curve.h"
#include "lnob/exit.h"
#include "lnob/httpd.h"
#include "lnob/keys.h"
#include "lnob/mem.h"
#include "lnob/redis.h"
#include "lnob/runid.h"
#include "note.h"
#include "lnob/route.h"
#include "pipeconf.h"
#include "registry.h"
#include "proc.h"
#include "report.h"
#include "wire.h"

#define MAX_TRANSFORMERS 64
#define MAX_AGGREGATORS 8 /* at most LNOB_ROUTE_MAX */
#define MAX_WORKERS (MAX_TRANSFORMERS + MAX_AGGREGATORS + 3) /* and Redis */
#define POLL_MS 20
#define REDIS_START_MS 5000
#define STOP_GRACE_MS 10000
#define START_SILENT_MS 10000 /* the longest a worker may take to send its first beat */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define PATH_MAX_LEN 512 /* paths lnob makes; ipc paths must stay under 108 */
#define ARGV_MAX (2 * LNOB_STRLIST_MAX + 32) /* the ingester gets every input file */
#define HEADER_PEEK 65536 /* bytes of a header row looked at */
#define COMPARE_CHUNK 65536 /* bytes compared at a time */
#define INGEST_DONE_WAIT_MS 2000 /* after the results are in Redis */
#define BEATS_HWM 10000 /* heartbeats queued between two looks */
#define SHELL_SPECIAL " \t'\"<>&|;$*?()`\\#~"
#define ARGS_POOL 16384 /* the text of one worker's flags that lnob run makes */
#define RSS_LINE_MAX 4096 /* the peak RSS note: a name and a number per worker */
#define METRICS_PORTS (9 + MAX_TRANSFORMERS + MAX_AGGREGATORS) /* ports from --metrics-base on */
/* --metrics-base offsets, as the default ports are (lnob/httpd.h) */
#define METRICS_AGGREGATE (LNOB_METRICS_PORT_AGGREGATE - LNOB_METRICS_PORT_INGEST)
#define METRICS_SINK (LNOB_METRICS_PORT_SINK - LNOB_METRICS_PORT_INGEST)
#define METRICS_TRANSFORM (LNOB_METRICS_PORT_TRANSFORM - LNOB_METRICS_PORT_INGEST)
#define METRICS_AGGREGATE_MORE (METRICS_TRANSFORM + MAX_TRANSFORMERS) /* aggregate:2 at +1 */
#define SAME_FILE 1
#define SAME_BYTES 2

typedef struct {
    long transformers;
    long aggregators;
    const char *redis;
    const char *redis_password_file;
    const char *format;
    long batch_size;
    long timeout_s;
    const char *log_level, *log_format;
    const char *workdir;
    long max_restarts;
    const char *max_reject_share;
    const char *channel;
    long heartbeat_ms;
    long silent_ms;
    int dry_run;
    long metrics_base;
    const char *pub;       /* the sink's PUB endpoint (ipc://), or NULL: one in the run's dir */
    const char *snapshot;  /* ... its snapshot endpoint for late joiners */
    int keep;              /* leave the private Redis running */
    /* the source kinds' options lnob run takes (source.h run_opts), each
     * kind's in its part, as in lnob-ingest's config: s_kind_cfg */
    _Alignas(LNOB_CONFIG_PART_ALIGN) unsigned char kinds[LNOB_CONFIG_PARTS_BYTES];
} cfg_t;

static const lnob_opt_t s_opts[] = {
    {"transformers", "LNOB_TRANSFORMERS", LNOB_OPT_INT, "2", 1, MAX_TRANSFORMERS, NULL,
     offsetof(cfg_t, transformers), "harmonising transformer processes"},
    {"aggregators", "LNOB_AGGREGATORS", LNOB_OPT_INT, "1", 1, MAX_AGGREGATORS, NULL, offsetof(cfg_t, aggregators),
     "aggregator processes side by side; each extract goes to one of them, by its id"},
    {"redis", "LNOB_REDIS_URL", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, redis),
     "use this Redis instead of a private one (redis://[user:password@]host:port/db, "
     "unix:///path?db=N&user=NAME)"},
    {"redis-password-file", "LNOB_REDIS_PASSWORD_FILE", LNOB_OPT_STR, NULL, 0, 0, NULL,
     offsetof(cfg_t, redis_password_file), LNOB_REDIS_PASSWORD_FILE_HELP " (with --redis)"},
    {"format", NULL, LNOB_OPT_STR, "table", 0, 0, "table|json|csv|sdmx-csv", offsetof(cfg_t, format),
     "output format on stdout"},
    {"batch-size", "LNOB_BATCH_SIZE", LNOB_OPT_INT, "8192", 1, 1000000, NULL,
     offsetof(cfg_t, batch_size), "accepted rows per batch message"},
    {"timeout", "LNOB_RUN_TIMEOUT", LNOB_OPT_INT, "3600", 1, 86400, NULL,
     offsetof(cfg_t, timeout_s), "seconds to wait for the results before giving up"},
    {"log-level", "LNOB_LOG_LEVEL", LNOB_OPT_STR, "warn", 0, 0, "error|warn|info|debug",
     offsetof(cfg_t, log_level), "verbosity of the workers (stderr)"},
    {"log-format", "LNOB_LOG_FORMAT", LNOB_OPT_STR, "text", 0, 0, LNOB_LOG_FORMATS,
     offsetof(cfg_t, log_format), "log lines of lnob run and its workers: text, or one JSON object per line"},
    {"workdir", "LNOB_RUN_WORKDIR", LNOB_OPT_DIR, NULL, 0, 0, NULL, offsetof(cfg_t, workdir),
     "existing directory for sockets, the private Redis and <worker>.pid files (kept); default a temp dir (removed)"},
    {"max-restarts", "LNOB_RUN_MAX_RESTARTS", LNOB_OPT_INT, "20", 0, 1000, NULL,
     offsetof(cfg_t, max_restarts), "restarts of one worker before the run gives up"},
    {"max-reject-share", "LNOB_MAX_REJECT_SHARE", LNOB_OPT_STR, "5", 0, 0, NULL,
     offsetof(cfg_t, max_reject_share),
     "percent of an extract's rows that may be quarantined (0-100); above it the extract fails"},
    {"channel", "LNOB_CHANNEL", LNOB_OPT_STR, LNOB_CHANNEL_DEFAULT, 0, 0, NULL, offsetof(cfg_t, channel),
     LNOB_CHANNEL_HELP},
    {"heartbeat-ms", "LNOB_HEARTBEAT_MS", LNOB_OPT_INT, "1000", 10, 60000, NULL,
     offsetof(cfg_t, heartbeat_ms), "how often each worker beats and the private Redis is PINGed"},
    {"silent-ms", "LNOB_RUN_SILENT_MS", LNOB_OPT_INT, "10000", 100, 3600000, NULL,
     offsetof(cfg_t, silent_ms),
     "a worker or Redis silent this long is killed and restarted (an external Redis fails the run)"},
    {"dry-run", NULL, LNOB_OPT_FLAG, "0", 0, 0, NULL, offsetof(cfg_t, dry_run),
     "check the options, the configuration file and the inputs, print what would start, start nothing"},
    {"metrics-base", "LNOB_RUN_METRICS_BASE", LNOB_OPT_INT, "0", 0, 65535 - METRICS_PORTS, NULL,
     offsetof(cfg_t, metrics_base),
     "metrics endpoints on 127.0.0.1: ingest PORT, aggregate PORT+1, sink PORT+2, transform:i "
     "PORT+9+i, aggregate:i (i > 1) PORT+72+i (9101: the default ports); 0: none"},
    {"pub", "LNOB_RUN_PUB", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, pub),
     "publish the extracts on this ipc:// endpoint (in a directory only you can enter), for subscribers "
     "that join before or during the run; default: one in the run's own directory"},
    {"snapshot", "LNOB_RUN_SNAPSHOT", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, snapshot),
     "answer late joiners on this ipc:// endpoint (in a directory only you can enter): the current extracts "
     "of a channel, then follow --pub (docs/dashboards.md); default: one in the run's own directory"},
    {"keep", NULL, LNOB_OPT_FLAG, "0", 0, 0, NULL, offsetof(cfg_t, keep),
     "leave the private Redis running after the run, for inspection: its socket and how to stop it are "
     "printed on stderr"},
    LNOB_OPT_END};

/* The options of kind k that lnob run takes (its run_opts), appended to
 * out at their place in cfg_t; a kind's files come from flags only. */
static size_t s_kind_opts(size_t k, lnob_opt_t *out, size_t n, size_t cap)
{
    const lnob_source_ops_t *kind = lnob_sources[k];
    size_t at = offsetof(cfg_t, kinds) + lnob_source_part(LNOB_PART_INGEST, k);
    for (const char *const *name = kind->run_opts; name && *name; name++) {
        lnob_opt_t one[2] = {kind->ingest_opts[lnob_config_find(kind->ingest_opts, *name)], LNOB_OPT_END};
        if (one[0].type == LNOB_OPT_LIST)
            one[0].env = NULL;
        n = lnob_config_append(out, n, cap, one, at);
    }
    return n;
}

const lnob_config_prog_t *lnob_run_config(void)
{
    static lnob_opt_t all[LNOB_OPTS_MAX + 1];
    static lnob_config_prog_t prog = {"lnob run", "run", all, sizeof(cfg_t)};
    if (!all[0].name) {
        size_t n = 0;
        for (size_t k = 0; k < lnob_sources_n; k++) /* the files first, as --help always listed them */
            n = s_kind_opts(k, all, n, LNOB_OPTS_MAX + 1);
        lnob_config_append(all, n, LNOB_OPTS_MAX + 1, s_opts, 0);
    }
    return &prog;
}

/* The options of kind k (registry order) in cfg. */
static const void *s_kind_cfg(const cfg_t *cfg, size_t k)
{
    return lnob_source_cfg(LNOB_PART_INGEST, cfg->kinds, k);
}

/* A supervised child: how to start it again, and when. */
typedef struct {
    lnob_proc_t proc;
    char path[PATH_MAX_LEN * 2];
    char *argv[ARGV_MAX];  /* owned copies */
    long restarts;
    int64_t restart_at;    /* ms; 0 = not waiting to restart */
    int64_t beat_ms;       /* last heartbeat (Redis: answer to PING), or start */
    int beaten;            /* a heartbeat came since the last start */
    int done;              /* exited 0 and need not run again */
    int started;
    int outlive;           /* started to outlive the run (lnob_proc_start_as): --keep's Redis */
} worker_t;

/* Everything one run owns. */
typedef struct {
    cfg_t cfg;
    char dir[PATH_MAX_LEN];      /* sockets, private Redis, pid files */
    char bin[PATH_MAX_LEN];      /* directory of the worker binaries */
    char redis_url[PATH_MAX_LEN + 32];
    char sink_url[PATH_MAX_LEN + 32];      /* redis_url without its password */
    char password_file[PATH_MAX_LEN + 32]; /* the sink's, or "" */
    int wrote_password_file;               /* password_file is ours, moved out of the URL */
    char redis_err[2 * LNOB_ERRSTR_MAX];   /* why the last connection failed */
    char run_id[64];
    worker_t redis, sink, ingest, transform[MAX_TRANSFORMERS], aggregate[MAX_AGGREGATORS];
    redisContext *rc;
    redisContext *ping;          /* watches Redis, with a short timeout */
    int64_t next_ping_ms;
    int redis_answers;           /* the last PING was answered */
    zsock_t *beats;              /* PULL: the workers' heartbeats */
    lnob_pipeconf_t *pipe;       /* the configuration file of every program, or NULL */
    lnob_config_origin_t origin; /* where cfg's values came from */
    char conf[PATH_MAX_LEN];     /* the configuration file, absolute ("" none) */
    size_t failed_inputs;        /* input files whose extract failed */
} run_t;

static void s_note(const char *msg, const char *arg)
{
    lnob_note(LNOB_LOG_ERROR, "%s%s", msg, arg ? arg : "");
}

/* ---- starting ------------------------------------------------------------- */

/* Writes <dir>/<name>.pid (':' becomes '-'), for operators and fault tests. */
static void s_pidfile(const run_t *r, const worker_t *w)
{
    char path[PATH_MAX_LEN * 2];
    snprintf(path, sizeof path, "%s/%s.pid", r->dir, w->proc.name);
    for (char *c = path + strlen(r->dir); *c; c++)
        if (*c == ':')
            *c = '-';
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%d\n", (int) w->proc.pid);
        fclose(f);
    }
}

/* --dry-run: the command w would be started with (a password in a Redis
 * URL starred), on stdout. */
static void s_print_command(const worker_t *w)
{
    printf("  %-14s", w->proc.name);
    for (size_t i = 0; w->argv[i]; i++) {
        char safe[PATH_MAX_LEN + 32];
        const char *arg = strncmp(w->argv[i], "redis://", 8) ? w->argv[i]
                                                            : lnob_redis_url_safe(w->argv[i], safe, sizeof safe);
        printf(*arg && !strpbrk(arg, SHELL_SPECIAL) ? " %s" : " '%s'", arg); /* copyable to a shell */
    }
    printf("\n");
}

static int s_spawn(run_t *r, worker_t *w)
{
    if (r->cfg.dry_run) {
        s_print_command(w);
        return 0;
    }
    char err[256], name[LNOB_PROC_NAME_MAX];
    snprintf(name, sizeof name, "%s", w->proc.name);
    if (lnob_proc_start_as(&w->proc, name, w->path, w->argv, w->outlive ? LNOB_PROC_OUTLIVE : 0, err,
                           sizeof err) != 0) {
        s_note(err, NULL);
        return -1;
    }
    w->started = 1;
    w->beat_ms = lnob_now_ms();
    w->beaten = 0;
    s_pidfile(r, w);
    return 0;
}

/* LNOB_WORKER_WRAPPER (e.g. "valgrind -q --error-exitcode=99") is put in
 * front of every lnob worker's command line: for soak and debugging. */
static size_t s_wrap(worker_t *w, const char *exe)
{
    const char *wrapper = getenv("LNOB_WORKER_WRAPPER");
    if (!wrapper || !*wrapper || exe[0] == '/')
        return 0;
    char *copy = lnob_strdup(wrapper), *save = NULL;
    size_t n = 0;
    for (char *tok = strtok_r(copy, " ", &save); tok && n < ARGV_MAX / 2; tok = strtok_r(NULL, " ", &save))
        w->argv[n++] = lnob_strdup(tok);
    free(copy);
    if (n && w->argv[0][0] != '/') {
        char path[PATH_MAX_LEN];
        snprintf(path, sizeof path, "/usr/bin/%s", w->argv[0]);
        free(w->argv[0]);
        w->argv[0] = lnob_strdup(path);
    }
    return n;
}

static int s_start(run_t *r, worker_t *w, const char *name, const char *exe, const char **args)
{
    char bin[PATH_MAX_LEN * 2];
    if (exe[0] == '/')
        snprintf(bin, sizeof bin, "%s", exe);
    else
        snprintf(bin, sizeof bin, "%s/%s", r->bin, exe);
    size_t n = s_wrap(w, exe);
    snprintf(w->path, sizeof w->path, "%s", n ? w->argv[0] : bin);
    w->argv[n++] = lnob_strdup(bin);
    for (size_t i = 0; args[i] && n < ARGV_MAX - 1; i++)
        w->argv[n++] = lnob_strdup(args[i]);
    w->argv[n] = NULL;
    snprintf(w->proc.name, sizeof w->proc.name, "%s", name);
    return s_spawn(r, w);
}

static void s_worker_free(worker_t *w)
{
    for (size_t i = 0; w->argv[i]; i++)
        free(w->argv[i]);
    w->argv[0] = NULL;
}

static const char *s_redis_server(void)
{
    static const char *const paths[] = {"/usr/bin/redis-server", "/usr/local/bin/redis-server", NULL};
    for (int i = 0; paths[i]; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

static int s_supervise(run_t *r);

/* 1 once SIGINT or SIGTERM came (CZMQ's handler sets zsys_interrupted):
 * the caller gives up, and s_stop_all stops the workers and removes the
 * temp dir. */
static int s_interrupted(void)
{
    if (zsys_interrupted)
        s_note("stopped by a signal; stopping the workers", NULL);
    return zsys_interrupted != 0;
}

/* Connects to the run's Redis: LNOB_OK with *c, else the error with its
 * reason in r->redis_err (LNOB_DENIED: trying again cannot help). */
static int s_redis_login(run_t *r, redisContext **c)
{
    return lnob_redis_connect(r->redis_url, r->cfg.redis_password_file, c, r->redis_err,
                              sizeof r->redis_err);
}

/* Connects r->rc, once: the callers pace their own tries. Returns LNOB_OK
 * (0), or the error (LNOB_DENIED: trying again cannot help). */
static int s_connect(run_t *r)
{
    if (r->rc)
        redisFree(r->rc);
    r->rc = NULL;
    return s_redis_login(r, &r->rc);
}

/* Starts the private Redis (s_await_redis waits for it). It keeps an
 * append-only file fsynced on every write, so that a restarted server has
 * every result stored before it died. */
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
    snprintf(r->sink_url, sizeof r->sink_url, "%s", r->redis_url);
    const char *args[] = {"--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
                          "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                          "--dir", r->dir, "--logfile", log, NULL};
    r->redis.outlive = r->cfg.keep;
    return s_start(r, &r->redis, "redis-server", server, args);
}

/* Waits until the private Redis answers (the workers upstream of the sink
 * start meanwhile), asking after 1, 2, 4 ... ms, then every POLL_MS: Redis
 * says it is ready only by answering. */
static int s_await_redis(run_t *r)
{
    if (r->cfg.dry_run || r->cfg.redis)
        return 0; /* printed, not started; or not ours */
    for (int waited = 0, step = 1; waited <= REDIS_START_MS; waited += step) {
        if (s_interrupted() || s_supervise(r) != 0)
            return -1; /* or restarted too often */
        if (s_connect(r) == 0)
            return 0;
        usleep((useconds_t) step * 1000);
        step = step < POLL_MS / 2 ? 2 * step : POLL_MS;
    }
    char log[PATH_MAX_LEN + 16];
    snprintf(log, sizeof log, "%s/redis.log", r->dir);
    s_note("the private redis-server did not start; its log: ", log);
    return -1;
}

/* A worker's command line as it is made: flags borrowed or kept in pool
 * until s_start copies them. */
typedef struct {
    const char *v[ARGV_MAX];
    size_t n;
    char pool[ARGS_POOL];
    size_t used;
} args_t;

/* Adds flag and its value (none when NULL). */
static void s_arg(args_t *a, const char *flag, const char *value)
{
    if (a->n + 3 > ARGV_MAX)
        return;
    a->v[a->n++] = flag;
    if (value)
        a->v[a->n++] = value;
    a->v[a->n] = NULL;
}

/* A copy of text kept in a's pool ("" when the pool is full). */
static const char *s_kept(args_t *a, const char *text)
{
    size_t len = strlen(text) + 1;
    if (a->used + len > sizeof a->pool)
        return "";
    char *at = memcpy(a->pool + a->used, text, len);
    a->used += len;
    return at;
}

/* Passes on the options names (NULL-terminated; lists left out) that
 * prog takes from lnob run (lnob_pipeconf_forward). */
static void s_pass_options(const run_t *r, args_t *a, lnob_pipe_prog prog, const char *const *names)
{
    char text[PATH_MAX_LEN + 64];
    for (; names && *names; names++) {
        const lnob_opt_t *table = lnob_run_config()->table;
        const lnob_opt_t *o = &table[lnob_config_find(table, *names)];
        const char *field = (const char *) &r->cfg + o->offset;
        if (o->type == LNOB_OPT_LIST || !lnob_pipeconf_forward(r->pipe, &r->origin, prog, *names))
            continue; /* a kind's files go as a list (s_start_ingest) */
        if (o->type == LNOB_OPT_INT)
            snprintf(text, sizeof text, "%ld", *(const long *) field);
        else if (o->type == LNOB_OPT_FLAG)
            snprintf(text, sizeof text, "--%s=%d", o->name, *(const int *) field);
        if (o->type == LNOB_OPT_FLAG) {
            s_arg(a, s_kept(a, text), NULL);
            continue;
        }
        const char *value = o->type == LNOB_OPT_INT ? s_kept(a, text) : *(const char *const *) field;
        snprintf(text, sizeof text, "--%s", o->name);
        if (value)
            s_arg(a, s_kept(a, text), value);
    }
}

/* What every worker gets: the configuration file, the heartbeat, and the
 * options lnob run passes on (names; lnob_pipeconf_forward decides). */
static void s_common_args(const run_t *r, args_t *a, lnob_pipe_prog prog, const char *const *names)
{
    char text[PATH_MAX_LEN + 64];
    if (r->conf[0])
        s_arg(a, "--config", r->conf);
    snprintf(text, sizeof text, ">ipc://%s/heartbeat", r->dir);
    s_arg(a, "--heartbeat", s_kept(a, text));
    snprintf(text, sizeof text, "%ld", r->cfg.heartbeat_ms);
    s_arg(a, "--heartbeat-ms", s_kept(a, text));
    s_pass_options(r, a, prog, names);
}

/* An endpoint of the sink's that a subscriber reaches (--pub, --snapshot):
 * NULL (in the run's dir), or ipc:// in a directory only this user enters. */
static int s_check_pinned(const char *flag, const char *ep, char *err, size_t cap)
{
    if (ep && strncmp(ep, "ipc://", 6) != 0) {
        snprintf(err, cap, "%s %.200s: lnob run binds ipc:// only (on tcp:// the sink needs CURVE keys: start "
                           "lnob-sink with --cert and --allow, docs/security.md)", flag, ep);
        return LNOB_ERR;
    }
    return ep && lnob_curve_check_ipc(ep + 6, err, cap) != 0 ? LNOB_ERR : LNOB_OK;
}

/* Adds an endpoint in the run's dir: "@ipc://DIR/name" (bind) or ">...". */
static void s_ep(const run_t *r, args_t *a, const char *flag, char how, const char *name)
{
    char ep[PATH_MAX_LEN + 64];
    snprintf(ep, sizeof ep, "%cipc://%s/%s", how, r->dir, name);
    s_arg(a, flag, s_kept(a, ep));
}

/* Adds every aggregator's endpoint name ("runs", "runs.2", ...) in the
 * run's dir, separated by '|' (lnob/route.h), all connected to. */
static void s_ep_each(const run_t *r, args_t *a, const char *flag, const char *name)
{
    char eps[LNOB_ROUTE_MAX * (PATH_MAX_LEN + 64)] = "";
    size_t len = 0;
    for (long i = 0; i < r->cfg.aggregators; i++) {
        char suffix[24] = "";
        if (i)
            snprintf(suffix, sizeof suffix, ".%ld", i + 1);
        len += (size_t) snprintf(eps + len, sizeof eps - len, "%s>ipc://%s/%s%s", i ? "|" : "", r->dir, name,
                                 suffix);
    }
    s_arg(a, flag, s_kept(a, eps));
}

static const char *const s_worker_passes[] = {"log-level", "log-format", NULL};
static const char *const s_ingest_passes[] = {"log-level", "log-format", "batch-size", "max-reject-share", "channel",
                                              NULL};

/* The --metrics of a worker at offset from --metrics-base: "none"
 * without one (two runs on one machine must not collide). */
static const char *s_metrics(const run_t *r, long offset, char *buf, size_t cap)
{
    if (!r->cfg.metrics_base)
        return "none";
    snprintf(buf, cap, "127.0.0.1:%ld", r->cfg.metrics_base + offset);
    return buf;
}

/* A bound endpoint of the sink's: where the user pinned it, else in the
 * run's dir. */
static void s_pinned(const run_t *r, args_t *a, const char *flag, const char *pinned, const char *name)
{
    char ep[PATH_MAX_LEN + 64];
    if (!pinned) {
        s_ep(r, a, flag, '@', name);
        return;
    }
    snprintf(ep, sizeof ep, "@%s", pinned);
    s_arg(a, flag, s_kept(a, ep));
}

static int s_start_sink(run_t *r)
{
    args_t *a = lnob_calloc(1, sizeof *a);
    char m[32];
    s_ep(r, a, "--pull", '@', "results");
    s_pinned(r, a, "--pub", r->cfg.pub, "pub");
    s_pinned(r, a, "--snapshot", r->cfg.snapshot, "snapshot");
    s_ep_each(r, a, "--control", "control");
    s_arg(a, "--redis", r->sink_url);
    if (r->password_file[0])
        s_arg(a, "--redis-password-file", r->password_file);
    s_common_args(r, a, LNOB_PIPE_SINK, s_worker_passes);
    s_arg(a, "--metrics", s_kept(a, s_metrics(r, METRICS_SINK, m, sizeof m)));
    int rc = s_start(r, &r->sink, "sink", "lnob-sink", a->v);
    free(a);
    return rc;
}

/* Aggregator i (from 0): "aggregate" when it is the only one, else
 * "aggregate:<i+1>" with endpoints "runs.<i+1>" and "control.<i+1>". */
static int s_start_aggregate(run_t *r, long i)
{
    args_t *a = lnob_calloc(1, sizeof *a);
    char m[32], runs[32] = "runs", control[32] = "control", inst[24], name[40] = "aggregate";
    if (i) {
        snprintf(runs, sizeof runs, "runs.%ld", i + 1);
        snprintf(control, sizeof control, "control.%ld", i + 1);
    }
    s_ep(r, a, "--pull", '@', runs);
    s_ep(r, a, "--push", '>', "results");
    s_ep(r, a, "--control", '@', control);
    if (r->cfg.aggregators > 1) {
        snprintf(inst, sizeof inst, "%ld", i + 1);
        snprintf(name, sizeof name, "aggregate:%ld", i + 1);
        s_arg(a, "--instance", inst);
    }
    s_common_args(r, a, LNOB_PIPE_AGGREGATE, s_worker_passes);
    long port = i ? METRICS_AGGREGATE_MORE + i : METRICS_AGGREGATE;
    s_arg(a, "--metrics", s_kept(a, s_metrics(r, port, m, sizeof m)));
    int rc = s_start(r, &r->aggregate[i], name, "lnob-aggregate", a->v);
    free(a);
    return rc;
}

/* Starts the workers side by side with the private Redis: the sink, the
 * one that needs Redis, once it answers. */
static int s_start_workers(run_t *r)
{
    for (long i = 0; i < r->cfg.aggregators; i++)
        if (s_start_aggregate(r, i) != 0)
            return -1;
    args_t *a = lnob_calloc(1, sizeof *a);
    char m[32];
    for (long i = 0; i < r->cfg.transformers; i++) {
        char inst[24], name[40];
        snprintf(inst, sizeof inst, "%ld", i + 1);
        snprintf(name, sizeof name, "transform:%ld", i + 1);
        memset(a, 0, sizeof *a);
        s_ep(r, a, "--pull", '>', "batches");
        s_ep_each(r, a, "--push", "runs");
        s_arg(a, "--instance", inst);
        s_common_args(r, a, LNOB_PIPE_TRANSFORM, s_worker_passes);
        s_arg(a, "--metrics", s_kept(a, s_metrics(r, METRICS_TRANSFORM + i + 1, m, sizeof m)));
        if (s_start(r, &r->transform[i], name, "lnob-transform", a->v)) {
            free(a);
            return -1;
        }
    }
    memset(a, 0, sizeof *a);
    s_ep(r, a, "--push", '@', "batches");
    s_ep_each(r, a, "--control", "control");
    s_arg(a, "--run-id", r->run_id);
    s_common_args(r, a, LNOB_PIPE_INGEST, s_ingest_passes);
    s_arg(a, "--metrics", s_kept(a, s_metrics(r, 0, m, sizeof m)));
    for (size_t k = 0; k < lnob_sources_n; k++) { /* each kind's options, then its files */
        const lnob_source_ops_t *kind = lnob_sources[k];
        s_pass_options(r, a, LNOB_PIPE_INGEST, kind->run_opts);
        const lnob_strlist_t *list = kind->files(s_kind_cfg(&r->cfg, k));
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", kind->ingest_opts[0].name);
        if (list->n && a->n < ARGV_MAX - 1)
            a->v[a->n++] = s_kept(a, flag);
        for (size_t i = 0; i < list->n && a->n < ARGV_MAX - 1; i++)
            a->v[a->n++] = list->items[i];
    }
    a->v[a->n] = NULL;
    int rc = s_start(r, &r->ingest, "ingest", "lnob-ingest", a->v);
    free(a);
    return rc || s_await_redis(r) || s_start_sink(r);
}

/* ---- supervising and waiting ---------------------------------------------- */

static size_t s_workers(run_t *r, worker_t **all)
{
    size_t n = 0;
    worker_t *fixed[] = {&r->redis, &r->sink, &r->ingest};
    for (size_t i = 0; i < 3; i++)
        if (fixed[i]->started)
            all[n++] = fixed[i];
    for (long i = 0; i < r->cfg.aggregators; i++)
        if (r->aggregate[i].started)
            all[n++] = &r->aggregate[i];
    for (long i = 0; i < r->cfg.transformers; i++)
        if (r->transform[i].started)
            all[n++] = &r->transform[i];
    return n;
}

static int64_t s_backoff_ms(long restarts)
{
    int64_t ms = BACKOFF_MIN_MS << (restarts < 6 ? restarts : 6);
    return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

/* Takes every heartbeat waiting: each sets its worker's beat_ms. */
static void s_read_beats(run_t *r)
{
    char why[LNOB_ERRSTR_MAX];
    lnob_wire_stats_t stats = {0};
    worker_t *all[MAX_WORKERS + 1];
    size_t n = s_workers(r, all);
    lnob_env_t *env = NULL;
    int rc;
    while (r->beats && (rc = lnob_wire_recv(zsock_resolve(r->beats), &env, &stats, why, sizeof why)) != LNOB_AGAIN &&
           rc != LNOB_ERR && rc != LNOB_CLOSED) {
        for (size_t i = 0; env && env->body_case == LNOB__V1__ENVELOPE__BODY_HEARTBEAT && i < n; i++)
            if (all[i]->proc.pid == (pid_t) env->heartbeat->pid) {
                all[i]->beat_ms = lnob_now_ms();
                all[i]->beaten = 1;
            }
        lnob_wire_free(&env);
    }
}

/* PINGs Redis every heartbeat-ms (r->ping has that as its timeout); an
 * answer, even LOADING, is a sign of life. Returns -1 when an external
 * Redis has been silent for silent-ms; a silent private one is killed, so
 * that the supervisor starts it again from its append-only file. */
static int s_watch_redis(run_t *r)
{
    int64_t now = lnob_now_ms();
    if (now < r->next_ping_ms || !r->redis_url[0])
        return 0;
    r->next_ping_ms = now + r->cfg.heartbeat_ms;
    if (!r->ping && s_redis_login(r, &r->ping) == LNOB_OK) {
        struct timeval tv = {r->cfg.heartbeat_ms / 1000, (r->cfg.heartbeat_ms % 1000) * 1000};
        redisSetTimeout(r->ping, tv);
    }
    redisReply *pong = r->ping ? redisCommand(r->ping, "PING") : NULL;
    r->redis_answers = pong != NULL;
    if (!pong) /* not up yet, or gone: look again soon, not a heartbeat later */
        r->next_ping_ms = lnob_now_ms() + (r->cfg.heartbeat_ms < POLL_MS * 2 ? r->cfg.heartbeat_ms : POLL_MS * 2);
    if (pong)
        r->redis.beat_ms = lnob_now_ms();
    freeReplyObject(pong);
    if (!pong && r->ping) {
        redisFree(r->ping);
        r->ping = NULL;
    }
    int64_t silent = lnob_now_ms() - r->redis.beat_ms;
    if (silent <= r->cfg.silent_ms)
        return 0;
    if (r->cfg.redis) {
        char safe[LNOB_REDIS_URL_MAX];
        lnob_note(LNOB_LOG_ERROR, "Redis at %s has not answered for %lld ms (--silent-ms); giving up",
                  lnob_redis_url_safe(r->redis_url, safe, sizeof safe), (long long) silent);
        return -1;
    }
    if (r->redis.started && !r->redis.restart_at && !lnob_proc_poll(&r->redis.proc)) {
        lnob_note(LNOB_LOG_WARN, "redis-server (pid %d) has not answered PING for %lld ms; killing it to "
                        "restart it", (int) r->redis.proc.pid, (long long) silent);
        kill(r->redis.proc.pid, SIGKILL);
    }
    r->redis.beat_ms = lnob_now_ms();
    return 0;
}

/* Kills a worker whose heartbeat has been missing for silent-ms (stuck,
 * or stopped): the supervisor then restarts it like any that died. */
static void s_kill_silent(run_t *r, worker_t *w, int64_t now)
{
    /* starting (exec, libraries, sockets) is not a loop that stopped: before
     * its first beat a worker has at least START_SILENT_MS */
    int64_t allowed = w->beaten || r->cfg.silent_ms > START_SILENT_MS ? r->cfg.silent_ms : START_SILENT_MS;
    if (w == &r->redis || w->restart_at || w->proc.exited || now - w->beat_ms <= allowed)
        return;
    lnob_note(LNOB_LOG_WARN, "%s (pid %d) silent for %lld ms; killing it to restart it", w->proc.name,
            (int) w->proc.pid, (long long) (now - w->beat_ms));
    kill(w->proc.pid, SIGKILL);
    w->beat_ms = now;
}

/* What an exit status says, for the restart message. */
static const char *s_exit_reason(int status)
{
    if (status == LNOB_EXIT_STOPPED)
        return "stopped by a signal before its work was stored";
    return status > 128 ? "killed by a signal" : "exited";
}

/* Notices exits and silence and restarts workers with back-off. The
 * ingester is done when it exits 0. Returns -1 when one has restarted too
 * often, or an external Redis is silent. */
static int s_supervise(run_t *r)
{
    worker_t *all[MAX_WORKERS + 1];
    size_t n = s_workers(r, all);
    s_read_beats(r);
    if (s_watch_redis(r) != 0)
        return -1;
    int64_t now = lnob_now_ms();
    for (size_t i = 0; i < n; i++) {
        worker_t *w = all[i];
        if (w->done)
            continue;
        s_kill_silent(r, w, now);
        if (!w->restart_at && lnob_proc_poll(&w->proc)) {
            if (w == &r->ingest && w->proc.status == LNOB_EXIT_OK) {
                w->done = 1;
                continue;
            }
            if (w->proc.status == LNOB_EXIT_CONFIG || w->proc.status == LNOB_EXIT_DENIED) {
                lnob_note(LNOB_LOG_ERROR, "%s %s (its log above says why); not restarting it", w->proc.name,
                          w->proc.status == LNOB_EXIT_CONFIG ? "refused its options or settings at start-up"
                                                             : "was refused by Redis");
                return -1;
            }
            if (w->restarts >= r->cfg.max_restarts) {
                lnob_note(LNOB_LOG_ERROR, "%s exited (status %d) %ld times; giving up",
                        w->proc.name, w->proc.status, w->restarts + 1);
                return -1;
            }
            w->restart_at = now + s_backoff_ms(w->restarts);
            lnob_note(LNOB_LOG_WARN, "%s %s (status %d); restarting in %lld ms", w->proc.name,
                    s_exit_reason(w->proc.status), w->proc.status, (long long) (w->restart_at - now));
        }
        if (w->restart_at && now >= w->restart_at) {
            w->restart_at = 0;
            w->restarts++;
            if (s_spawn(r, w) != 0)
                return -1;
        }
    }
    return 0;
}

#define REDIS_REFUSED (-2) /* s_stored: Redis refused lnob run's user, r->redis_err says why */

/* Stored extracts of this run, -1 while Redis cannot be asked, or
 * REDIS_REFUSED. */
static long long s_stored(run_t *r)
{
    int rc = r->rc ? LNOB_OK : s_connect(r);
    if (rc != LNOB_OK)
        return rc == LNOB_DENIED ? REDIS_REFUSED : -1;
    lnob_key_t k;
    redisReply *rep = redisCommand(r->rc, "HLEN %s", lnob_key_run(&k, r->run_id));
    long long n = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
    if (rep && rep->type == REDIS_REPLY_ERROR && lnob_redis_reply_rc(rep->str) == LNOB_DENIED) {
        char user[LNOB_ERRSTR_MAX];
        snprintf(r->redis_err, sizeof r->redis_err, "Redis refused user %s: %s",
                 lnob_redis_user(r->redis_url, user, sizeof user), rep->str);
        n = REDIS_REFUSED;
    }
    freeReplyObject(rep);
    if (n < 0) {
        redisFree(r->rc);
        r->rc = NULL;
    }
    return n;
}

/* A file of kind's list: how lnob run counts it (source.h file_role). */
static int s_role(const lnob_source_ops_t *kind, const char *path)
{
    return kind->file_role ? kind->file_role(path) : LNOB_FILE_INPUT;
}

/* The input files, kind by kind (registry order), as one list: a file that
 * goes with another (an MIS mapping file) is none. */
static size_t s_inputs(const cfg_t *cfg, const char **out)
{
    size_t n = 0;
    for (size_t k = 0; k < lnob_sources_n; k++) {
        const lnob_strlist_t *list = lnob_sources[k]->files(s_kind_cfg(cfg, k));
        for (size_t i = 0; i < list->n; i++)
            if (s_role(lnob_sources[k], list->items[i]) != LNOB_FILE_COMPANION)
                out[n++] = list->items[i];
    }
    return n;
}

/* The files given, over every kind. */
static size_t s_files_given(const cfg_t *cfg)
{
    size_t n = 0;
    for (size_t k = 0; k < lnob_sources_n; k++)
        n += lnob_sources[k]->files(s_kind_cfg(cfg, k))->n;
    return n;
}

/* What lnob run knows of an input file. */
enum { INPUT_WAITING, INPUT_STORED, INPUT_FAILED };

/* Looks up each input still waiting: its extract in the run hash and that
 * extract's status. A failed one is said at once, with its reason. Returns
 * -1 when Redis could not be asked. */
static int s_settle(run_t *r, const char **in, size_t n, unsigned char *state)
{
    lnob_key_t rk, k;
    lnob_key_run(&rk, r->run_id);
    for (size_t i = 0; i < n; i++) {
        if (state[i] != INPUT_WAITING)
            continue;
        redisReply *id = redisCommand(r->rc, "HGET %s %s", rk.s, in[i]);
        redisReply *st = id && id->type == REDIS_REPLY_STRING
                             ? redisCommand(r->rc, "HMGET %s status error", lnob_key_extract(&k, id->str))
                             : NULL;
        int ok = id && (id->type == REDIS_REPLY_NIL || (st && st->type == REDIS_REPLY_ARRAY));
        const redisReply *status = ok && st ? st->element[0] : NULL;
        if (status && status->type == REDIS_REPLY_STRING && !strcmp(status->str, "complete")) {
            state[i] = INPUT_STORED;
        } else if (status && status->type == REDIS_REPLY_STRING) {
            state[i] = INPUT_FAILED;
            lnob_note(LNOB_LOG_ERROR, "%s failed: %s", in[i],
                    st->element[1]->type == REDIS_REPLY_STRING ? st->element[1]->str : status->str);
        }
        freeReplyObject(st);
        freeReplyObject(id);
        if (!ok) {
            redisFree(r->rc);
            r->rc = NULL;
            return -1;
        }
    }
    return 0;
}

/* Waits until every input file is stored or failed. Progress counts only
 * the stored ones. */
static int s_wait(run_t *r)
{
    int64_t deadline = lnob_now_ms() + r->cfg.timeout_s * 1000;
    const char *in[2 * LNOB_STRLIST_MAX];
    unsigned char state[2 * LNOB_STRLIST_MAX] = {0};
    size_t want = s_inputs(&r->cfg, in), stored = 0;
    long long seen = 0;
    int64_t settled_at = 0;
    while (lnob_now_ms() < deadline) {
        if (s_interrupted() || s_supervise(r) != 0)
            return -1;
        long long got = r->redis_answers ? s_stored(r) : -1; /* a frozen Redis would hold us */
        if (got == REDIS_REFUSED) {
            s_note(r->redis_err, NULL);
            return -1;
        }
        if (got > seen && s_settle(r, in, want, state) == 0)
            seen = got;
        size_t now_stored = 0, settled = 0;
        for (size_t i = 0; i < want; i++) {
            now_stored += state[i] == INPUT_STORED;
            settled += state[i] != INPUT_WAITING;
        }
        if (now_stored > stored)
            lnob_note(LNOB_LOG_INFO, "%zu of %zu input files stored", now_stored, want);
        stored = now_stored;
        if (settled == want && !settled_at)
            settled_at = lnob_now_ms();
        r->failed_inputs = settled - now_stored;
        /* the ingester learns it from the aggregator: let it finish (exit 0) */
        if (settled_at && (r->ingest.done || lnob_now_ms() - settled_at > INGEST_DONE_WAIT_MS))
            return 0;
        lnob_proc_t *ingest = &r->ingest.proc; /* it exits once its files are stored: look then */
        lnob_proc_wait(&ingest, 1, POLL_MS);
    }
    lnob_note(LNOB_LOG_ERROR, "no results after %ld s (--timeout)", r->cfg.timeout_s);
    return -1;
}

/* ---- reporting and cleaning up ---------------------------------------------- */

/* 1 the first time id is met (it is then remembered), else 0. */
static int s_first_time(zlistx_t *seen, const char *id)
{
    if (zlistx_find(seen, (void *) id))
        return 0;
    zlistx_add_end(seen, strdup(id));
    return 1;
}

/* Writes the report into out and err; returns 0, 1 when an extract failed,
 * or -1 when Redis could not be read or is still loading (the caller may
 * retry). */
static int s_report_once(run_t *r, FILE *out, FILE *errs)
{
    int format = lnob_report_parse_format(r->cfg.format);
    lnob_report_t rep = {out, errs, format, 0, format == LNOB_REPORT_SDMX, 0, 0};
    char err[256];
    lnob_key_t k;
    int failed = 0, loading = 0;
    zlistx_t *seen = zlistx_new(); /* the UDB files of a year make one extract */
    zlistx_set_destructor(seen, (zlistx_destructor_fn *) zstr_free);
    zlistx_set_comparator(seen, (zlistx_comparator_fn *) strcmp);
    lnob_report_begin(&rep);
    const char *in[2 * LNOB_STRLIST_MAX];
    size_t n_in = s_inputs(&r->cfg, in);
    for (size_t i = 0; i < n_in && !r->rc->err; i++) {
        redisReply *id = redisCommand(r->rc, "HGET %s %s", lnob_key_run(&k, r->run_id), in[i]);
        if (id && id->type == REDIS_REPLY_ERROR && !strncmp(id->str, "LOADING", 7)) {
            loading = 1; /* restarted, still reading its append-only file */
            freeReplyObject(id);
            break;
        }
        if (!id || id->type != REDIS_REPLY_STRING) {
            fprintf(errs, "lnob: no extract stored for %s\n", in[i]);
            failed = 1;
        } else if (!s_first_time(seen, id->str)) {
            ; /* reported with an earlier file of the same extract */
        } else if (lnob_report_extract(&rep, r->rc, id->str, err, sizeof err) != 0) {
            fprintf(errs, "lnob: %s\n", err);
            failed = 1;
        } else {
            redisReply *st = redisCommand(r->rc, "HGET %s status", lnob_key_extract(&k, id->str));
            failed |= !st || st->type != REDIS_REPLY_STRING || strcmp(st->str, "complete") != 0;
            freeReplyObject(st);
        }
        freeReplyObject(id);
    }
    lnob_report_end(&rep);
    zlistx_destroy(&seen);
    return r->rc->err || loading ? -1 : failed;
}

/* Reports from Redis; if Redis goes away meanwhile, waits for it (the
 * supervisor restarts a private one) and reports again from the start. */
static int s_report(run_t *r)
{
    int64_t deadline = lnob_now_ms() + r->cfg.timeout_s * 1000;
    for (;;) {
        char *obuf = NULL, *ebuf = NULL;
        size_t olen = 0, elen = 0;
        FILE *out = open_memstream(&obuf, &olen), *errs = open_memstream(&ebuf, &elen);
        int rc = (r->rc || s_connect(r) == 0) ? s_report_once(r, out, errs) : -1;
        fclose(out);
        fclose(errs);
        if (rc >= 0) {
            lnob_note_lines(LNOB_LOG_ERROR, ebuf, elen);
            fwrite(obuf, 1, olen, stdout);
            fflush(stdout);
        }
        free(obuf);
        free(ebuf);
        if (rc >= 0) {
            if (rc)
                s_note("some extracts failed; nothing of them was published", NULL);
            return rc ? -1 : 0;
        }
        if (r->rc)
            redisFree(r->rc);
        r->rc = NULL;
        if (s_interrupted())
            return -1;
        if (lnob_now_ms() > deadline || s_supervise(r) != 0) {
            s_note("lost Redis while reading the results", NULL);
            return -1;
        }
        usleep(POLL_MS * 1000);
    }
}

static int s_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void) sb; (void) flag; (void) ftw;
    return remove(path);
}

/* Peak memory of each worker, for operators and the benchmark. */
static void s_print_rss(const run_t *r)
{
    const lnob_proc_t *procs[MAX_WORKERS] = {&r->ingest.proc, &r->sink.proc};
    size_t n = 2;
    for (long i = 0; i < r->cfg.aggregators; i++)
        procs[n++] = &r->aggregate[i].proc;
    for (long i = 0; i < r->cfg.transformers; i++)
        procs[n++] = &r->transform[i].proc;
    char line[RSS_LINE_MAX] = "";
    for (size_t i = 0, len = 0; i < n && len < sizeof line; i++)
        if (procs[i]->exited)
            len += (size_t) snprintf(line + len, sizeof line - len, " %s %.1f", procs[i]->name,
                                     procs[i]->max_rss_kb / 1024.0);
    lnob_note(LNOB_LOG_INFO, "peak RSS MB:%s", line);
}

/* Every worker must leave cleanly at SIGTERM: exit 0 within the grace
 * period. One that had to be killed, or exited with an error code, is
 * named and fails the run (a death by someone else's signal is not its
 * fault, nor a refusal of its settings or by Redis: the supervisor already
 * said so). */
static int s_check_stopped(run_t *r)
{
    worker_t *all[MAX_WORKERS + 1];
    size_t n = s_workers(r, all);
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        if (all[i] != &r->redis && all[i]->proc.exited &&
            (all[i]->proc.forced || (all[i]->proc.status > 0 && all[i]->proc.status < 128 &&
                                     all[i]->proc.status != LNOB_EXIT_STOPPED &&
                                     all[i]->proc.status != LNOB_EXIT_CONFIG &&
                                     all[i]->proc.status != LNOB_EXIT_DENIED))) {
            lnob_note(LNOB_LOG_ERROR, "%s did not stop cleanly (status %d)", all[i]->proc.name,
                    all[i]->proc.status);
            bad = 1;
        }
    return bad ? -1 : 0;
}

/* --keep: where the private Redis goes on running, and how to stop it. */
static void s_note_kept(const run_t *r)
{
    fprintf(stderr,
            "lnob: the private Redis is kept running (--keep), pid %d, its data in %s:\n"
            "  redis-cli -s %s/redis.sock                            look into it (docs/redis-keys.md)\n"
            "  lnob export --extract ID --redis unix://%s/redis.sock  an extract's cells\n"
            "  redis-cli -s %s/redis.sock shutdown                   stop it%s\n",
            (int) r->redis.proc.pid, r->dir, r->dir, r->dir, r->dir,
            r->cfg.workdir ? "" : "; then remove the directory");
}

static int s_stop_all(run_t *r)
{
    lnob_proc_t *procs[MAX_WORKERS] = {&r->ingest.proc, &r->sink.proc};
    size_t n_procs = 2;
    for (long i = 0; i < r->cfg.aggregators; i++)
        procs[n_procs++] = &r->aggregate[i].proc;
    for (long i = 0; i < r->cfg.transformers; i++)
        procs[n_procs++] = &r->transform[i].proc;
    lnob_proc_stop_all(procs, n_procs, STOP_GRACE_MS); /* side by side: each leaves on its own */
    int kept = r->cfg.keep && r->redis.proc.pid > 0 && !r->redis.proc.exited;
    if (r->rc && r->redis.proc.pid > 0 && !r->cfg.redis && !kept)
        freeReplyObject(redisCommand(r->rc, "SHUTDOWN")); /* at once: SIGTERM waits for its next tick */
    if (r->rc)
        redisFree(r->rc);
    r->rc = NULL;
    if (r->ping)
        redisFree(r->ping);
    r->ping = NULL;
    zsock_destroy(&r->beats);
    if (kept)
        s_note_kept(r);
    else
        lnob_proc_stop(&r->redis.proc, STOP_GRACE_MS);
    if (r->wrote_password_file)
        unlink(r->password_file);
    s_print_rss(r);
    int rc = s_check_stopped(r);
    worker_t *all[MAX_WORKERS + 1];
    size_t n = s_workers(r, all);
    for (size_t i = 0; i < n; i++)
        s_worker_free(all[i]);
    if (r->dir[0] && !r->cfg.workdir && !kept)
        nftw(r->dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

/* SAME_FILE when a and b are one file (one name twice, or a link),
 * SAME_BYTES when they are two files with the same bytes, else 0. Sizes
 * differ for almost every pair, so contents are compared only when they
 * match. */
static int s_same_content(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
        return SAME_FILE;
    if (sa.st_size != sb.st_size)
        return 0;
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    char ba[COMPARE_CHUNK], bb[COMPARE_CHUNK];
    for (size_t na = 1; same && na;) {
        na = fread(ba, 1, sizeof ba, fa);
        same = fread(bb, 1, sizeof bb, fb) == na && memcmp(ba, bb, na) == 0;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same ? SAME_BYTES : 0;
}


/* Drops every file of kind's list that repeats an earlier one (same file
 * or same bytes): one content makes one extract, whatever its names. A
 * file that goes with another (an MIS mapping file) stays, as each goes
 * with its own; a part of a set (a UDB file) with the bytes of another
 * set's stays too. */
static void s_dedupe(const lnob_source_ops_t *kind, lnob_strlist_t *list)
{
    size_t kept = 0;
    for (size_t i = 0; i < list->n; i++) {
        const char *dup = NULL;
        int same = 0;
        int role = s_role(kind, list->items[i]);
        for (size_t k = 0; k < kept && !same && role != LNOB_FILE_COMPANION; k++)
            if ((same = s_same_content(list->items[i], list->items[k])) == SAME_BYTES && role == LNOB_FILE_PART)
                same = 0;
            else if (same)
                dup = list->items[k];
        if (same)
            lnob_note(LNOB_LOG_INFO, "%s %s %s; read once", list->items[i],
                    same == SAME_FILE ? "is the same file as" : "holds the same bytes as", dup);
        else
            list->items[kept++] = list->items[i];
    }
    list->n = kept;
}

static int s_check_inputs(const cfg_t *cfg)
{
    const char *in[2 * LNOB_STRLIST_MAX];
    size_t n = s_inputs(cfg, in);
    for (size_t i = 0; i < n; i++)
        if (access(in[i], R_OK) != 0) {
            lnob_note(LNOB_LOG_ERROR, "cannot read %s: %s", in[i], strerror(errno));
            return -1;
        }
    return 0;
}

static int s_make_dir(run_t *r)
{
    if (r->cfg.workdir) {
        snprintf(r->dir, sizeof r->dir, "%s", r->cfg.workdir);
        if (access(r->dir, W_OK) == 0)
            return 0;
        lnob_note(LNOB_LOG_ERROR, "--workdir %s: %s", r->dir, strerror(errno));
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof r->dir, "%s/lnob-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r->dir)) {
        lnob_note(LNOB_LOG_ERROR, "cannot make a temp dir: %s", strerror(errno));
        r->dir[0] = '\0';
        return -1;
    }
    return 0;
}

/* The sink gets the Redis password in a file, never on its command line
 * (visible to every user in /proc): --redis-password-file as given, or the
 * URL's password moved into a file of the run's private dir. */
static int s_sink_password(run_t *r)
{
    char err[LNOB_ERRSTR_MAX];
    if (r->cfg.redis_password_file) {
        snprintf(r->sink_url, sizeof r->sink_url, "%s", r->redis_url);
        snprintf(r->password_file, sizeof r->password_file, "%s", r->cfg.redis_password_file);
        return 0;
    }
    snprintf(r->password_file, sizeof r->password_file, "%s/redis.password", r->dir);
    unlink(r->password_file); /* one a killed run left in --workdir */
    int rc = lnob_redis_password_to_file(r->redis_url, r->password_file, r->sink_url,
                                         sizeof r->sink_url, err, sizeof err);
    r->wrote_password_file = rc == 1;
    if (rc != 1)
        r->password_file[0] = '\0';
    if (rc < 0)
        s_note(err, NULL);
    return rc < 0 ? -1 : 0;
}

static int s_setup(run_t *r)
{
    if (s_make_dir(r) != 0)
        return -1;
    if (lnob_run_id_new(r->run_id, sizeof r->run_id) != 0) {
        fprintf(stderr, "lnob: libsodium cannot start, so no run id can be drawn\n");
        return -1;
    }
    if (lnob_proc_self_dir(r->bin, sizeof r->bin) != 0)
        return -1;
    char ep[PATH_MAX_LEN + 32], err[256];
    snprintf(ep, sizeof ep, "@ipc://%s/heartbeat", r->dir);
    r->redis.beat_ms = lnob_now_ms(); /* an external Redis is watched from now */
    lnob_sock_opts_t o = {BEATS_HWM, 0, 0, NULL, NULL, NULL, NULL}; /* ipc in our private dir */
    if (!(r->beats = lnob_sock_new(ZMQ_PULL, ep, true, &o, err, sizeof err))) {
        s_note(err, NULL);
        return -1;
    }
    if (!r->cfg.redis)
        return s_start_redis(r);
    snprintf(r->redis_url, sizeof r->redis_url, "%s", r->cfg.redis);
    if (s_connect(r) == 0)
        return s_sink_password(r);
    s_note(r->redis_err, NULL);
    return -1;
}

/* ---- options, the configuration file, --dry-run ------------------------------ */

#define USAGE "usage: lnob run %s [--transformers N] [--redis URL] " \
              "[--format table|json|csv|sdmx-csv] [--config FILE] [--dry-run]"

/* With a configuration file (--config, LNOB_CONFIG), checks every
 * program's section of it (not the endpoints: lnob run wires its own) and
 * keeps it for lnob run's own options and the workers'. Returns 0, or -1
 * with every problem said. */
static int s_conf_file(run_t *r, int argc, char **argv, int first)
{
    const char *path = lnob_config_peek(argc, argv, first, LNOB_CONFIG_FLAG, LNOB_CONFIG_ENV);
    if (!path || !*path)
        return 0;
    r->pipe = lnob_pipeconf_new(path, 0);
    size_t n = 0;
    for (const char *p; (p = lnob_pipeconf_problem(r->pipe, n)); n++)
        fprintf(stderr, "lnob run: %s\n", p);
    if (n) {
        fprintf(stderr, "lnob run: %zu problem%s in %s (lnob config check %s shows every program's "
                        "configuration)\n", n, n == 1 ? "" : "s", path, path);
        return -1;
    }
    if (!realpath(path, r->conf)) /* the workers may start elsewhere */
        snprintf(r->conf, sizeof r->conf, "%s", path);
    return 0;
}

/* Options and configuration file: LNOB_OK, LNOB_CLOSED (--help: exit 0),
 * or LNOB_ERR with the problems said. */
static int s_options(run_t *r, int argc, char **argv, int first)
{
    char err[LNOB_ERRSTR_MAX * 2];
    if (s_conf_file(r, argc, argv, first) != 0)
        return LNOB_ERR;
    char kinds[128], usage[256];
    lnob_source_usage(kinds, sizeof kinds);
    snprintf(usage, sizeof usage, USAGE, kinds);
    const lnob_config_args_t a = {.argc = argc, .argv = argv, .first = first, .usage = usage,
                                  .file = r->pipe ? lnob_pipeconf_file(r->pipe) : NULL,
                                  .origin = &r->origin};
    int rc = lnob_config_load(lnob_run_config(), &r->cfg, &a, err, sizeof err);
    if (rc == LNOB_OK && r->cfg.redis_password_file && !r->cfg.redis) {
        snprintf(err, sizeof err, "--redis-password-file (LNOB_REDIS_PASSWORD_FILE) goes with --redis "
                                  "(LNOB_REDIS_URL): the private Redis has no password");
        rc = LNOB_ERR;
    } else if (rc == LNOB_OK && s_files_given(&r->cfg) == 0) {
        char flags[160];
        lnob_source_list(flags, sizeof flags, 1);
        snprintf(err, sizeof err, "give at least one input file (%.160s)", flags);
        rc = LNOB_ERR;
    } else if (rc == LNOB_OK && r->cfg.keep && r->cfg.redis) {
        snprintf(err, sizeof err, "--keep keeps the private Redis; with --redis there is none to keep");
        rc = LNOB_ERR;
    } else if (rc == LNOB_OK && (s_check_pinned("--pub", r->cfg.pub, err, sizeof err) != LNOB_OK ||
                                 s_check_pinned("--snapshot", r->cfg.snapshot, err, sizeof err) != LNOB_OK)) {
        rc = LNOB_ERR;
    } else if (rc == LNOB_OK && !lnob_channel_valid(r->cfg.channel)) {
        snprintf(err, sizeof err, "--channel: '%.64s' is not a channel name (" LNOB_CHANNEL_RULE ")", r->cfg.channel);
        rc = LNOB_ERR;
    } else if (rc == LNOB_OK && r->cfg.silent_ms < 2 * r->cfg.heartbeat_ms) {
        /* one late beat must not kill a worker */
        snprintf(err, sizeof err, "--silent-ms %ld must be at least twice --heartbeat-ms %ld",
                 r->cfg.silent_ms, r->cfg.heartbeat_ms);
        rc = LNOB_ERR;
    }
    if (rc == LNOB_ERR)
        fprintf(stderr, "lnob run: %s\n", err);
    return rc;
}

/* 1 when argv asks for --dry-run, whatever else is wrong with it. */
static int s_dry_asked(int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++)
        if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "--dry-run=1") ||
            !strcmp(argv[i], "--dry-run=true") || !strcmp(argv[i], "--dry-run=yes"))
            return 1;
    return 0;
}

/* --dry-run: the worker programs, redis-server and the work dir are
 * looked for, and each command is printed (stdout) instead of started. */
static int s_dry_run(run_t *r)
{
    const char *tmp = getenv("TMPDIR");
    int ok = lnob_proc_self_dir(r->bin, sizeof r->bin) == 0;
    if (r->cfg.workdir && access(r->cfg.workdir, W_OK) != 0) {
        lnob_note(LNOB_LOG_ERROR, "--workdir %s: %s", r->cfg.workdir, strerror(errno));
        ok = 0;
    }
    snprintf(r->dir, sizeof r->dir, "%s", r->cfg.workdir ? r->cfg.workdir : "");
    if (!r->cfg.workdir) /* made at start-up: a name of its shape */
        snprintf(r->dir, sizeof r->dir, "%s/lnob-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    snprintf(r->run_id, sizeof r->run_id, "run-%d-%lld", (int) getpid(), (long long) lnob_now_ms());
    static const char *const exes[] = {"lnob-sink", "lnob-aggregate", "lnob-transform", "lnob-ingest"};
    for (size_t i = 0; ok && i < sizeof exes / sizeof exes[0]; i++) {
        char path[PATH_MAX_LEN * 2];
        snprintf(path, sizeof path, "%s/%s", r->bin, exes[i]);
        if (access(path, X_OK) != 0) {
            lnob_note(LNOB_LOG_ERROR, "%s: %s", path, strerror(errno));
            ok = 0;
        }
    }
    printf("lnob run --dry-run: would start, in this order:\n");
    char safe[PATH_MAX_LEN + 32];
    if (r->cfg.redis) {
        snprintf(r->redis_url, sizeof r->redis_url, "%s", r->cfg.redis);
        printf("  (Redis at %s: not contacted)\n", lnob_redis_url_safe(r->redis_url, safe, sizeof safe));
    }
    ok = ok && (r->cfg.redis || s_start_redis(r) == 0) && s_start_workers(r) == 0;
    printf("lnob run --dry-run: %s; nothing was started\n", ok ? "valid" : "not valid");
    worker_t *all[] = {&r->redis, &r->sink, &r->ingest};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        s_worker_free(all[i]);
    for (long i = 0; i < r->cfg.aggregators; i++)
        s_worker_free(&r->aggregate[i]);
    for (long i = 0; i < r->cfg.transformers; i++)
        s_worker_free(&r->transform[i]);
    return ok ? 0 : 1;
}

/* ", aggregate:2-N P-Q" when there are several aggregators, else "". */
static const char *s_more_ports(const run_t *r, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (r->cfg.aggregators > 1)
        snprintf(buf, cap, ", aggregate:2-%ld %ld-%ld", r->cfg.aggregators,
                 r->cfg.metrics_base + METRICS_AGGREGATE_MORE + 1,
                 r->cfg.metrics_base + METRICS_AGGREGATE_MORE + r->cfg.aggregators - 1);
    return buf;
}

static int s_run(run_t *r, int argc, char **argv, int first)
{
    char more[96];
    int rc = s_options(r, argc, argv, first);
    if (rc != LNOB_OK)
        return rc == LNOB_CLOSED ? 0 : 2;
    lnob_log_start("run", NULL, "info", r->cfg.log_format); /* names its json notes (note.h) */
    if (s_check_inputs(&r->cfg) != 0)
        return 2;
    for (size_t k = 0; k < lnob_sources_n; k++) /* lnob run owns its copy of the lists */
        s_dedupe(lnob_sources[k], (lnob_strlist_t *) lnob_sources[k]->files(s_kind_cfg(&r->cfg, k)));
    if (r->cfg.dry_run)
        return s_dry_run(r);
    zsys_init(); /* its SIGINT/SIGTERM handler: we stop the workers and clean up */
    int64_t t0 = lnob_mono_us();
    char safe[LNOB_REDIS_URL_MAX];
    int ok = s_setup(r) == 0 && s_start_workers(r) == 0;
    if (ok)
        lnob_note(LNOB_LOG_INFO, "pipeline up (redis %s, %ld transformers, %ld aggregator%s); ingesting %zu file(s)",
                r->cfg.redis ? lnob_redis_url_safe(r->redis_url, safe, sizeof safe) : "private",
                r->cfg.transformers, r->cfg.aggregators, r->cfg.aggregators > 1 ? "s" : "",
                s_files_given(&r->cfg));
    if (ok && r->cfg.metrics_base)
        fprintf(stderr, "lnob: metrics on 127.0.0.1: ingest %ld, aggregate %ld, sink %ld, transform:1-%ld %ld-%ld%s "
                "(lnob status)\n", r->cfg.metrics_base, r->cfg.metrics_base + METRICS_AGGREGATE,
                r->cfg.metrics_base + METRICS_SINK, r->cfg.transformers, r->cfg.metrics_base + METRICS_TRANSFORM + 1,
                r->cfg.metrics_base + METRICS_TRANSFORM + r->cfg.transformers, s_more_ports(r, more, sizeof more));
    ok = ok && s_wait(r) == 0;
    if (ok && !r->failed_inputs)
        lnob_note(LNOB_LOG_INFO, "stored in %.2f s", (double) (lnob_mono_us() - t0) / 1e6);
    else if (ok)
        lnob_note(LNOB_LOG_WARN, "%zu input file(s) failed; the rest stored in %.2f s", r->failed_inputs,
                (double) (lnob_mono_us() - t0) / 1e6);
    ok = ok && s_report(r) == 0;
    ok = (s_stop_all(r) == 0) && ok;
    return ok ? 0 : 1;
}

int lnob_cli_run(int argc, char **argv, int first)
{
    run_t *r = lnob_calloc(1, sizeof *r); /* large: process tables and paths */
    int code = s_run(r, argc, argv, first);
    if (code == 2 && s_dry_asked(argc, argv, first))
        code = 1; /* --dry-run: 0 valid, 1 not */
    lnob_pipeconf_destroy(&r->pipe);
    free(r);
    return code;
}
