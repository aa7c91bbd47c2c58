/* redis_tls_test.c - TLS to Redis through the stunnel sidecars of
 * deploy/stunnel/ (hiredis 0.14 has no TLS): lnob run stores an extract
 * through the shipped client tunnel into redis-server's own TLS port, and
 * through client and server tunnels into a Redis without TLS. Throwaway
 * self-signed certificates are made with openssl; the tunnels' configs are
 * the shipped files with this test's ports and paths. A tunnel that cannot
 * verify the server's name, or a client without a certificate, gets
 * nothing through. Skipped only when stunnel4 is not installed
 * (deploy/install-deps.sh installs it). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "lnob/redis.h"

#define STUNNEL "/usr/bin/stunnel4"
#define RUN_TIMEOUT_S 60
#define HOUSEHOLDS 150
#define PATH_LEN 512
#define LINE_LEN 1024
#define MAX_TUNNELS 4
#define POLL_US 20000
#define READY_POLLS 250
#define CMD_LEN 2048

static th_redis_t s_redis;
static int s_redis_up;
static char s_dir[64]; /* /tmp/lnob-tls-XXXXXX */
static lnob_proc_t s_tunnels[MAX_TUNNELS];
static int s_n_tunnels;

static const char *s_path(char *buf, const char *name)
{
    snprintf(buf, PATH_LEN, "%s/%s", s_dir, name);
    return buf;
}

/* A self-signed certificate and key: s_dir/<name>.crt and .key. */
static void s_cert(const char *name, const char *cn, const char *san)
{
    char cmd[CMD_LEN];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
             "-subj /CN=%s %s%s -keyout %s/%s.key -out %s/%s.crt 2>/dev/null",
             cn, san ? "-addext subjectAltName=" : "", san ? san : "", s_dir, name, s_dir, name);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void s_setup(void)
{
    if (access(STUNNEL, X_OK) != 0)
        return; /* each test skips */
    snprintf(s_dir, sizeof s_dir, "/tmp/lnob-tls-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    s_cert("server", "localhost", "DNS:localhost,IP:127.0.0.1");
    s_cert("client", "lnob-sink", NULL);
}

static void s_teardown(void)
{
    for (int i = 0; i < s_n_tunnels; i++)
        lnob_proc_stop(&s_tunnels[i], 5000);
    if (s_redis_up)
        th_redis_stop(&s_redis);
    th_rm_rf(s_dir);
}

TestSuite(redis_tls, .init = s_setup, .fini = s_teardown, .timeout = 120);

static void s_need_stunnel(void)
{
    if (access(STUNNEL, X_OK) != 0)
        cr_skip_test("stunnel4 is not installed (deploy/install-deps.sh installs it): no TLS test");
}

/* 1 once something accepts on 127.0.0.1:port. */
static int s_listening(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = fd >= 0 && connect(fd, (struct sockaddr *) &a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* ---- tunnels from the shipped configs ------------------------------------- */

typedef struct {
    const char *key;
    const char *value; /* NULL: the line is left out */
} setting_t;

/* The value of set for the key of line ("key = value"), or line itself. */
static const setting_t *s_setting(const char *line, const setting_t *set)
{
    size_t n = strcspn(line, " =");
    for (; set->key; set++)
        if (strlen(set->key) == n && strncmp(line, set->key, n) == 0)
            return set;
    return NULL;
}

/* Starts stunnel on deploy/stunnel/<shipped> with the settings of set
 * replaced (every one must be in the file) and its log in <name>.log;
 * waits until it listens on port. */
static void s_tunnel(const char *shipped, const char *name, const setting_t *set, int port)
{
    char in_path[PATH_LEN], conf[PATH_LEN], log[PATH_LEN], file[64], line[LINE_LEN];
    snprintf(in_path, sizeof in_path, "%s/deploy/stunnel/%s", LNOB_SOURCE_DIR, shipped);
    snprintf(file, sizeof file, "%.40s.conf", name);
    s_path(conf, file);
    snprintf(file, sizeof file, "%.40s.log", name);
    s_path(log, file);
    FILE *in = fopen(in_path, "r"), *out = fopen(conf, "w");
    cr_assert(in && out, "cannot copy %s", in_path);
    fprintf(out, "output = %s\n", log);
    size_t found = 0, want = 0;
    for (const setting_t *s = set; s->key; s++)
        want++;
    while (fgets(line, sizeof line, in)) {
        const setting_t *s = s_setting(line, set);
        found += s != NULL;
        if (!s)
            fputs(line, out);
        else if (s->value)
            fprintf(out, "%s = %s\n", s->key, s->value);
    }
    fclose(in);
    fclose(out);
    cr_assert_eq(found, want, "%s lacks a setting the test replaces", shipped);
    char err[LNOB_ERRSTR_MAX];
    char *const argv[] = {"stunnel4", conf, NULL};
    cr_assert_lt(s_n_tunnels, MAX_TUNNELS);
    cr_assert_eq(lnob_proc_start(&s_tunnels[s_n_tunnels++], name, STUNNEL, argv, err, sizeof err), 0, "%s", err);
    for (int i = 0; i < READY_POLLS && !s_listening(port); i++)
        usleep(POLL_US);
    cr_assert(s_listening(port), "%s does not listen on %d", name, port);
}

/* A client tunnel from 127.0.0.1:port to host:port to, checking the
 * server's name against check_host; with_cert 0: no client certificate. */
static void s_client_tunnel(const char *name, int port, int to, const char *check_host, int with_cert)
{
    char accept[64], connect[64], ca[PATH_LEN], cert[PATH_LEN], key[PATH_LEN];
    snprintf(accept, sizeof accept, "127.0.0.1:%d", port);
    snprintf(connect, sizeof connect, "127.0.0.1:%d", to);
    const setting_t set[] = {{"setuid", NULL}, {"setgid", NULL}, {"accept", accept}, {"connect", connect},
                             {"CAfile", s_path(ca, "server.crt")}, {"checkHost", check_host},
                             {"cert", with_cert ? s_path(cert, "client.crt") : NULL},
                             {"key", with_cert ? s_path(key, "client.key") : NULL}, {NULL, NULL}};
    s_tunnel("lnob-redis-client.conf", name, set, port);
}

/* ---- storing through them ---------------------------------------------------- */

/* lnob run of a sample through the tunnel on port, as lnob_sink with its
 * password in a file; asserts the extract is complete in Redis. */
static void s_store_through(int port)
{
    char csv[PATH_LEN], pw[PATH_LEN], url[PATH_LEN], err[PATH_LEN];
    th_gen(s_path(csv, "sample.csv"), HOUSEHOLDS, 5);
    th_secret_file(s_path(pw, "sink.password"), TH_SINK_PASSWORD "\n");
    snprintf(url, sizeof url, "redis://lnob_sink@127.0.0.1:%d/0", port);
    const char *args[] = {"run", "--silc", csv, "--redis", url, "--redis-password-file", pw,
                          "--transformers", "1", NULL};
    int code = th_run_logged("lnob", args, NULL, s_path(err, "run.err"), RUN_TIMEOUT_S);
    char *log = th_read(err, NULL);
    cr_assert_eq(code, 0, "%s", log);
    cr_expect(strstr(log, TH_SINK_PASSWORD) == NULL, "%s", log);
    free(log);
    char *id = th_only_extract(s_redis.c), key[PATH_LEN];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *status = th_hget(s_redis.c, key, "status");
    cr_expect_str_eq(status, "complete");
    cr_expect_gt(th_int(s_redis.c, "LLEN lnob:extract:%s:cells", id), 50);
    free(status);
    free(id);
}

/* 1 when lnob_sink can log in through the tunnel on port. */
static int s_gets_through(int port)
{
    char url[PATH_LEN], err[LNOB_ERRSTR_MAX];
    snprintf(url, sizeof url, "redis://lnob_sink:%s@127.0.0.1:%d/0", TH_SINK_PASSWORD, port);
    redisContext *c = NULL;
    int rc = lnob_redis_connect(url, NULL, &c, err, sizeof err);
    redisFree(c);
    cr_expect(strstr(err, TH_SINK_PASSWORD) == NULL, "%s", err);
    return rc == LNOB_OK;
}

Test(redis_tls, lnob_stores_through_the_client_tunnel_into_the_tls_port_of_redis)
{
    s_need_stunnel();
    int ports[3];
    th_free_ports(ports, 3);
    int tls = ports[0], port = ports[1], wrong = ports[2];
    char tls_s[16], crt[PATH_LEN], key[PATH_LEN], ca[PATH_LEN];
    snprintf(tls_s, sizeof tls_s, "%d", tls);
    /* TLS only: no plain TCP port (th_redis: --port 0), client certificates required */
    const char *extra[] = {"--tls-port", tls_s, "--bind", "127.0.0.1", "--tls-cert-file",
                           s_path(crt, "server.crt"), "--tls-key-file", s_path(key, "server.key"),
                           "--tls-ca-cert-file", s_path(ca, "client.crt"), NULL};
    th_redis_start_acl(&s_redis, extra);
    s_redis_up = 1;
    s_client_tunnel("client", port, tls, "localhost", 1);
    s_store_through(port);
    cr_expect_eq(s_gets_through(tls), 0, "plain text to the TLS port gets nowhere");
    s_client_tunnel("wrong-name", wrong, tls, "redis.example.org", 1);
    cr_expect_eq(s_gets_through(wrong), 0, "a server whose name is not checkHost is refused");
}

Test(redis_tls, lnob_stores_through_client_and_server_tunnels_into_a_redis_without_tls)
{
    s_need_stunnel();
    int ports[3];
    th_free_ports(ports, 3);
    int server = ports[0], port = ports[1], no_cert = ports[2];
    th_redis_start_acl(&s_redis, NULL);
    s_redis_up = 1;
    char accept[64], sock[PATH_LEN], crt[PATH_LEN], key[PATH_LEN], ca[PATH_LEN];
    snprintf(accept, sizeof accept, "127.0.0.1:%d", server);
    snprintf(sock, sizeof sock, "%s/redis.sock", s_redis.dir);
    const setting_t set[] = {{"setuid", NULL}, {"setgid", NULL}, {"accept", accept}, {"connect", sock},
                             {"cert", s_path(crt, "server.crt")}, {"key", s_path(key, "server.key")},
                             {"CAfile", s_path(ca, "client.crt")}, {NULL, NULL}};
    s_tunnel("lnob-redis-server.conf", "server", set, server);
    s_client_tunnel("client", port, server, "localhost", 1);
    s_store_through(port);
    s_client_tunnel("no-cert", no_cert, server, "localhost", 0);
    cr_expect_eq(s_gets_through(no_cert), 0, "a client without a certificate is refused");
}
