/* harness.c - private redis-server, lnob processes, snapshots (harness.h). */
#include "harness.h"

#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sodium.h>
#include <unistd.h>

#include "aggregate.h"
#include "exposition.h"
#include "harmonise.h"
#include "http_get.h"
#include "lnob/geo.h"
#include "lnob/mem.h"
#include "lnob/metrics.h"
#include "lnob/redis.h"
#include "silc.h"
#include "store.h"

#define POLL_US 20000
#define START_POLLS 250
#define TH_ARGV_MAX 128 /* th_spawn: a run of many MIS exports and its options */

/* ---- redis ---------------------------------------------------------------- */

#define TH_REDIS_ARGS 64
#define ACL_LINE_MAX 1024

/* A new temp dir and the URL of the socket the server will have in it. */
static void s_redis_dir(th_redis_t *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/lnob-test-XXXXXX");
    cr_assert_not_null(mkdtemp(r->dir));
    snprintf(r->url, sizeof r->url, "unix://%s/redis.sock", r->dir);
}

/* Starts redis-server in r->dir with extra arguments; r->c logs in at
 * login_url. */
static void s_redis_run(th_redis_t *r, const char *const extra[], const char *login_url)
{
    char sock[300], log[300], err[LNOB_ERRSTR_MAX];
    snprintf(sock, sizeof sock, "%s/redis.sock", r->dir);
    snprintf(log, sizeof log, "%s/redis.log", r->dir);
    const char *base[] = {"--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no",
                          "--dir", r->dir, "--logfile", log, NULL};
    const char *argv[TH_REDIS_ARGS] = {"ip", "netns", "exec", r->netns, "/usr/bin/redis-server"};
    size_t n = r->netns[0] ? 5 : 0;
    if (!n)
        argv[n++] = "redis-server";
    for (size_t i = 0; base[i]; i++)
        argv[n++] = base[i];
    for (size_t i = 0; extra && extra[i] && n < TH_REDIS_ARGS - 1; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    const char *path = r->netns[0] ? "/usr/sbin/ip" : "/usr/bin/redis-server";
    cr_assert_eq(lnob_proc_start(&r->proc, "redis", path, (char *const *) argv, err, sizeof err), 0, "%s", err);
    int rc = LNOB_ERR;
    for (int i = 0; i < START_POLLS && rc == LNOB_ERR; i++) {
        usleep(POLL_US);
        if (access(sock, F_OK) == 0)
            rc = lnob_redis_connect(login_url, NULL, &r->c, err, sizeof err);
    }
    cr_assert_eq(rc, LNOB_OK, "redis-server did not start: %s", err);
}

void th_redis_start(th_redis_t *r)
{
    s_redis_dir(r);
    s_redis_run(r, NULL, r->url);
}

/* deploy/redis/users.acl with each shipped user on and given its test
 * password, and an administrator for the test's own connection. */
static void s_acl_file(const char *path)
{
    static const char *const users[][2] = {
        {"user lnob_sink off ", "user lnob_sink on >" TH_SINK_PASSWORD " "},
        {"user lnob_reader off ", "user lnob_reader on >" TH_READER_PASSWORD " "}};
    FILE *in = fopen(LNOB_SOURCE_DIR "/deploy/redis/users.acl", "r"), *out = fopen(path, "w");
    cr_assert(in && out, "cannot copy deploy/redis/users.acl to %s", path);
    char line[ACL_LINE_MAX];
    int enabled = 0;
    while (fgets(line, sizeof line, in)) {
        size_t i = 0;
        while (i < 2 && strncmp(line, users[i][0], strlen(users[i][0])) != 0)
            i++;
        if (i < 2)
            enabled++;
        fprintf(out, "%s%s", i < 2 ? users[i][1] : "", line + (i < 2 ? strlen(users[i][0]) : 0));
    }
    fprintf(out, "user %s on >%s ~* &* +@all\n", TH_ADMIN_USER, TH_ADMIN_PASSWORD);
    fclose(in);
    fclose(out);
    cr_assert_eq(enabled, 2, "deploy/redis/users.acl: lnob_sink and lnob_reader, shipped off");
}

void th_redis_start_acl(th_redis_t *r, const char *const extra[])
{
    th_redis_start_acl_in(r, "", extra);
}

void th_redis_start_acl_in(th_redis_t *r, const char *netns, const char *const extra[])
{
    s_redis_dir(r);
    snprintf(r->netns, sizeof r->netns, "%s", netns);
    char acl[300], admin[400];
    snprintf(acl, sizeof acl, "%s/users.acl", r->dir);
    s_acl_file(acl);
    snprintf(admin, sizeof admin, "%s?user=%s&password=%s", r->url, TH_ADMIN_USER, TH_ADMIN_PASSWORD);
    const char *argv[TH_REDIS_ARGS] = {"--aclfile", acl};
    size_t n = 2;
    for (size_t i = 0; extra && extra[i] && n < TH_REDIS_ARGS - 1; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    s_redis_run(r, argv, admin);
}

void th_secret_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0, "cannot write %s", path);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
}

void th_redis_restart(th_redis_t *r)
{
    redisFree(r->c);
    r->c = NULL;
    kill(r->proc.pid, SIGKILL);
    lnob_proc_stop(&r->proc, 5000); /* reaps it */
    char sock[300];
    snprintf(sock, sizeof sock, "%s/redis.sock", r->dir);
    unlink(sock);
    s_redis_run(r, NULL, r->url);
}

void th_redis_stop(th_redis_t *r)
{
    if (r->c)
        redisFree(r->c);
    lnob_proc_stop(&r->proc, 5000);
    th_rm_rf(r->dir);
}

void th_rm_rf(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (dir[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* ---- processes ------------------------------------------------------------ */

/* Also keeps workers started by tests off the default metrics ports
 * (tests run in parallel): a test that wants an endpoint passes --metrics,
 * which wins over LNOB_METRICS. */
static void s_argv(const char *exe, const char *const args[], char *path, size_t cap,
                   const char **argv, size_t max)
{
    setenv("LNOB_METRICS", "none", 0);
    snprintf(path, cap, "%s/%s", LNOB_BIN_DIR, exe);
    size_t n = 0;
    argv[n++] = path;
    for (size_t i = 0; args[i] && n < max - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
}

void th_start(lnob_proc_t *p, const char *exe, const char *const args[])
{
    char path[512], err[256];
    const char *argv[64];
    s_argv(exe, args, path, sizeof path, argv, 64);
    cr_assert_eq(lnob_proc_start(p, exe, path, (char *const *) argv, err, sizeof err), 0, "%s", err);
}

/* Points this process's stderr at err_path (for a child to inherit);
 * returns the saved stderr for s_stderr_back. */
static int s_stderr_to(const char *err_path)
{
    fflush(stderr);
    int saved = dup(2);
    int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(saved >= 0 && fd >= 0, "cannot open %s", err_path);
    dup2(fd, 2);
    close(fd);
    return saved;
}

static void s_stderr_back(int saved)
{
    dup2(saved, 2);
    close(saved);
}

void th_start_logged(lnob_proc_t *p, const char *exe, const char *const args[],
                     const char *err_path)
{
    int saved = s_stderr_to(err_path);
    th_start(p, exe, args);
    s_stderr_back(saved);
}

/* 1 when this process now holds the claim on port: a unix socket bound to
 * an abstract name (no file), open until the process exits. No other test
 * process may take the port meanwhile. */
static int s_claim_port(int port)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int len = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "lnob-test-port-%d", port);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && bind(fd, (struct sockaddr *) &a, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + len)) == 0)
        return 1; /* fd stays open: the claim lasts as long as the process */
    if (fd >= 0)
        close(fd);
    return 0;
}

void th_free_ports(int *ports, int n)
{
    int fds[64], got = 0, tries = 0;
    cr_assert_leq(n, 16);
    for (; got < n && tries < 64; tries++) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        fds[tries] = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert(fds[tries] >= 0 && bind(fds[tries], (struct sockaddr *) &a, sizeof a) == 0 &&
                  getsockname(fds[tries], (struct sockaddr *) &a, &len) == 0);
        if (s_claim_port(ntohs(a.sin_port)))
            ports[got++] = ntohs(a.sin_port);
    }
    for (int k = 0; k < tries; k++)
        close(fds[k]); /* all held until here: n different ports */
    cr_assert_eq(got, n, "no %d free ports after 64 tries", n);
}

void th_start_in(lnob_proc_t *p, const char *netns, const char *exe, const char *const args[],
                 const char *err_path)
{
    char path[512], err[256];
    const char *argv[72] = {"ip", "netns", "exec", netns};
    s_argv(exe, args, path, sizeof path, argv + 4, 68);
    int saved = s_stderr_to(err_path);
    int rc = lnob_proc_start(p, exe, "/usr/sbin/ip", (char *const *) argv, err, sizeof err);
    s_stderr_back(saved);
    cr_assert_eq(rc, 0, "%s", err);
}

long long th_count_in(const char *path, const char *label)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    char line[4096];
    long long n = -1;
    while (fgets(line, sizeof line, f)) {
        const char *at = strstr(line, label);
        if (!at)
            continue;
        while (at > line && at[-1] == ' ')
            at--;
        while (at > line && at[-1] >= '0' && at[-1] <= '9')
            at--;
        n = strtoll(at, NULL, 10);
    }
    fclose(f);
    return n;
}

pid_t th_spawn(const char *exe, const char *const args[], const char *out_path)
{
    char path[512];
    const char *argv[TH_ARGV_MAX];
    s_argv(exe, args, path, sizeof path, argv, TH_ARGV_MAX);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            dup2(fd, 1);
        execv(path, (char *const *) argv);
        _exit(127);
    }
    return pid;
}

int th_wait(pid_t pid, const char *what, int timeout_s)
{
    int status = 0;
    for (int waited = 0; waited < timeout_s * 50; waited++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        usleep(POLL_US);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    cr_assert_fail("%s did not finish within %d s", what, timeout_s);
    return -1;
}

int th_run(const char *exe, const char *const args[], const char *out_path, int timeout_s)
{
    return th_wait(th_spawn(exe, args, out_path), exe, timeout_s);
}

pid_t th_spawn_logged(const char *exe, const char *const args[], const char *out_path,
                      const char *err_path)
{
    int saved = s_stderr_to(err_path);
    pid_t pid = th_spawn(exe, args, out_path);
    s_stderr_back(saved);
    return pid;
}

int th_run_logged(const char *exe, const char *const args[], const char *out_path,
                  const char *err_path, int timeout_s)
{
    return th_wait(th_spawn_logged(exe, args, out_path, err_path), exe, timeout_s);
}

char *th_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, got;
    char *s = lnob_malloc(cap);
    while ((got = fread(s + n, 1, cap - n - 1, f)) > 0)
        if ((n += got) == cap - 1)
            s = lnob_realloc(s, cap *= 2);
    fclose(f);
    s[n] = '\0';
    if (len)
        *len = n;
    return s;
}

int th_logged(const char *path, const char *text)
{
    char *log = th_slurp(path, NULL);
    int seen = log && strstr(log, text);
    free(log);
    return seen;
}

char *th_read(const char *path, size_t *len)
{
    char *s = th_slurp(path, len);
    cr_assert_not_null(s, "cannot read %s", path);
    return s;
}

void th_gen(const char *path, int households, int seed)
{
    th_gen_as(path, households, seed, "basic");
}

void th_gen_as(const char *path, int households, int seed, const char *format)
{
    char h[32], s[32];
    snprintf(h, sizeof h, "%d", households);
    snprintf(s, sizeof s, "%d", seed);
    const char *args[] = {"gen",  "silc", "--households", h,    "--seed", s,
                          "--format", format, "--out", path, NULL};
    cr_assert_eq(th_run("lnob", args, NULL, 60), 0, "lnob gen silc --format %s failed", format);
}

/* ---- reading Redis -------------------------------------------------------- */

long long th_int(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    cr_assert(r && r->type == REDIS_REPLY_INTEGER, "%s: no integer reply", fmt);
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

char *th_redis_get(redisContext *c, const char *key)
{
    redisReply *r = redisCommand(c, "GET %s", key);
    char *v = lnob_strdup(r && r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    return v;
}

char *th_hget(redisContext *c, const char *key, const char *field)
{
    redisReply *r = redisCommand(c, "HGET %s %s", key, field);
    char *v = lnob_strdup(r && r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    return v;
}

char *th_cells_of(redisContext *c, const char *id)
{
    char *snap = th_snapshot(c, id);
    size_t n = strlen(id);
    char *out = lnob_malloc(strlen(snap) + 1), *o = out;
    for (const char *p = snap; *p;)
        if (!strncmp(p, id, n))
            *o++ = '#', p += n;
        else
            *o++ = *p++;
    *o = '\0';
    free(snap);
    return out;
}

char *th_extract_of(redisContext *c, const char *run_id, const char *source)
{
    char key[256];
    snprintf(key, sizeof key, "lnob:run:%s", run_id);
    char *v = th_hget(c, key, source);
    if (!*v) {
        free(v);
        return NULL;
    }
    return v;
}

char *th_extract_of_source(redisContext *c, const char *source)
{
    redisReply *runs = redisCommand(c, "KEYS lnob:run:*");
    cr_assert(runs && runs->type == REDIS_REPLY_ARRAY);
    char *id = NULL;
    for (size_t i = 0; i < runs->elements && !id; i++) {
        char *v = th_hget(c, runs->element[i]->str, source);
        if (*v)
            id = v;
        else
            free(v);
    }
    freeReplyObject(runs);
    cr_assert_not_null(id, "no extract of %s", source);
    return id;
}

char *th_only_extract(redisContext *c)
{
    redisReply *keys = redisCommand(c, "KEYS lnob:run:*");
    cr_assert(keys && keys->type == REDIS_REPLY_ARRAY && keys->elements == 1,
              "expected exactly one run hash");
    redisReply *vals = redisCommand(c, "HVALS %s", keys->element[0]->str);
    cr_assert(vals && vals->type == REDIS_REPLY_ARRAY && vals->elements >= 1);
    for (size_t i = 1; i < vals->elements; i++) /* the UDB files of a year: one extract */
        cr_assert_str_eq(vals->element[i]->str, vals->element[0]->str, "more than one extract");
    char *id = lnob_strdup(vals->element[0]->str);
    freeReplyObject(vals);
    freeReplyObject(keys);
    return id;
}

typedef struct {
    char **lines;
    size_t n, cap;
} lines_t;

static void s_line(lines_t *l, const char *key, const char *const values[LNOB_CELL_FIELDS])
{
    size_t len = strlen(key) + 1;
    for (int i = 0; i < LNOB_CELL_FIELDS; i++)
        len += strlen(lnob_store_cell_fields[i]) + strlen(values[i]) + 2;
    char *s = lnob_malloc(len + 1), *p = s;
    p += sprintf(p, "%s", key);
    for (int i = 0; i < LNOB_CELL_FIELDS; i++)
        p += sprintf(p, "|%s=%s", lnob_store_cell_fields[i], values[i]);
    lnob_grow((void **) &l->lines, &l->cap, l->n + 1, sizeof *l->lines);
    l->lines[l->n++] = s;
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *s_join(lines_t *l)
{
    if (l->n) /* no lines: no array at all */
        qsort(l->lines, l->n, sizeof *l->lines, s_cmp);
    size_t len = 1;
    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->lines[i]) + 1;
    char *out = lnob_malloc(len), *p = out;
    *p = '\0';
    for (size_t i = 0; i < l->n; i++) {
        p += sprintf(p, "%s\n", l->lines[i]);
        free(l->lines[i]);
    }
    free(l->lines);
    return out;
}

static const char *s_field(const redisReply *h, const char *name)
{
    for (size_t i = 0; i + 1 < h->elements; i += 2)
        if (!strcmp(h->element[i]->str, name))
            return h->element[i + 1]->str;
    return "<absent>";
}

char *th_snapshot(redisContext *c, const char *extract_id)
{
    lines_t l = {0};
    redisReply *keys = redisCommand(c, "KEYS lnob:cell:%s:*", extract_id);
    cr_assert(keys && keys->type == REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < keys->elements; i++) {
        redisReply *h = redisCommand(c, "HGETALL %s", keys->element[i]->str);
        const char *values[LNOB_CELL_FIELDS];
        for (int f = 0; f < LNOB_CELL_FIELDS; f++)
            values[f] = s_field(h, lnob_store_cell_fields[f]);
        s_line(&l, keys->element[i]->str, values);
        freeReplyObject(h);
    }
    freeReplyObject(keys);
    return s_join(&l);
}

/* A Result's cells as the lines th_snapshot makes of Redis's. */
static void s_result_lines(lines_t *l, const Lnob__V1__Result *r)
{
    for (size_t i = 0; i < r->n_cells; i++) {
        char key[LNOB_KEY_MAX];
        lnob_cell_hash_t h;
        lnob_store_cell_key(r->extract_id, r->cells[i], key, sizeof key);
        lnob_store_cell_hash(r->extract_id, r->cells[i], &h);
        s_line(l, key, h.values);
    }
}

char *th_result_cells(const Lnob__V1__Result *r)
{
    lines_t l = {0};
    s_result_lines(&l, r);
    return s_join(&l);
}

/* ---- in-process ----------------------------------------------------------- */

typedef struct {
    lnob_aggregate_t *agg;
    lines_t lines;
    int results;
} inproc_t;

static int s_collect(void *arg, const uint8_t *data, size_t len)
{
    inproc_t *ip = arg;
    lnob_wire_stats_t st = {0};
    char why[256];
    lnob_env_t *env = lnob_wire_decode(data, len, &st, why, sizeof why);
    cr_assert_not_null(env, "%s", why);
    if (env->body_case != LNOB__V1__ENVELOPE__BODY_RESULT) {
        lnob_wire_free(&env);
        return LNOB_OK;
    }
    ip->results++;
    s_result_lines(&ip->lines, env->result);
    lnob_wire_free(&env);
    return LNOB_OK;
}

/* Passes a message through the wire codec, as the workers do. */
static lnob_env_t *s_roundtrip(lnob_env_t *env)
{
    env->schema_version = LNOB_SCHEMA_VERSION;
    size_t n = lnob__v1__envelope__get_packed_size(env);
    uint8_t *buf = lnob_malloc(n);
    lnob__v1__envelope__pack(env, buf);
    lnob_wire_stats_t st = {0};
    char why[256];
    lnob_env_t *out = lnob_wire_decode(buf, n, &st, why, sizeof why);
    cr_assert_not_null(out, "%s", why);
    free(buf);
    return out;
}

static int s_batch(void *arg, Lnob__V1__Batch *batch)
{
    inproc_t *ip = arg;
    Lnob__V1__Run *run = lnob_harmonise(batch, &lnob_hh_defaults);
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    env.run = run;
    lnob_env_t *in = s_roundtrip(&env);
    lnob_harmonise_free(&run);
    return lnob_aggregate_take(ip->agg, &in);
}

static void s_end(inproc_t *ip, lnob_silc_t *p, const char *path, const char *checksum)
{
    Lnob__V1__ExtractEnd e = LNOB__V1__EXTRACT_END__INIT;
    e.extract_id = (char *) lnob_silc_extract_id(p);
    e.run_id = "inproc";
    e.batch_count = lnob_silc_batches(p);
    e.source = (char *) path;
    e.checksum = (char *) checksum;
    e.period = (char *) lnob_silc_period(p);
    e.code_version = "";
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_END;
    env.end = &e;
    lnob_env_t *in = s_roundtrip(&env);
    cr_assert_eq(lnob_aggregate_take(ip->agg, &in), LNOB_OK);
}

char *th_in_process(const char *csv_path, size_t batch_size)
{
    FILE *f = fopen(csv_path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    char *buf = lnob_malloc((size_t) len + 1);
    cr_assert_eq(fread(buf, 1, (size_t) len, f), (size_t) len);
    fclose(f);
    unsigned char digest[32];
    char checksum[65];
    crypto_hash_sha256(digest, (unsigned char *) buf, (unsigned long long) len);
    sodium_bin2hex(checksum, sizeof checksum, digest, sizeof digest);
    inproc_t ip = {0};
    ip.agg = lnob_aggregate_new(s_collect, &ip);
    lnob_geo_t *geo = lnob_geo_new();
    lnob_silc_opts_t o = {.source = csv_path, .checksum = checksum, .run_id = "inproc",
                          .batch_size = batch_size, .geo = geo, .emit = s_batch, .arg = &ip};
    lnob_silc_t *p = lnob_silc_new(&o);
    cr_assert_eq(lnob_silc_feed(p, buf, (size_t) len), LNOB_OK);
    cr_assert_eq(lnob_silc_finish(p), LNOB_OK);
    s_end(&ip, p, csv_path, checksum);
    cr_assert_eq(ip.results, 1, "the in-process extract did not complete");
    lnob_silc_destroy(&p);
    lnob_geo_destroy(&geo);
    lnob_aggregate_destroy(&ip.agg);
    free(buf);
    return s_join(&ip.lines);
}

/* ---- metrics endpoints ---------------------------------------------------- */

#define TH_HTTP_TIMEOUT_MS 3000
#define TH_LOG_POLLS 250

int th_metrics_port(const char *log_path)
{
    static const char mark[] = "metrics on http://127.0.0.1:";
    for (int i = 0; i < TH_LOG_POLLS; i++) {
        char *log = th_slurp(log_path, NULL);
        const char *at = log ? strstr(log, mark) : NULL;
        int port = at ? atoi(at + sizeof mark - 1) : 0;
        free(log);
        if (port > 0)
            return port;
        usleep(POLL_US);
    }
    cr_assert_fail("no metrics endpoint in %s", log_path);
    return -1;
}

int th_get(int port, const char *path, char **body)
{
    char addr[32], err[256];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    int status = lnob_http_get(addr, path, TH_HTTP_TIMEOUT_MS, body, err, sizeof err);
    cr_assert_gt(status, 0, "GET %s%s: %s", addr, path, err);
    return status;
}

long long th_metric(const char *text, const char *sample)
{
    long long v = -1;
    cr_assert(lnob_metrics_find(text, sample, &v), "no sample %s in:\n%s", sample, text);
    return v;
}

void th_assert_exposition(const char *text)
{
    lnob_test_assert_exposition(text);
}
