/* operations_test.c - what operators see (docs/operations.md): each worker's
 * /metrics, /healthz and /readyz while a real pipeline runs an extract,
 * with exact counts; the sink's /readyz naming Redis once Redis is gone;
 * lnob run's endpoints (none by default, ports from --metrics-base); and
 * lnob status against running workers. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "lnob/version.h"
#include "proc.h"

#define HOUSEHOLDS 200
#define BATCH 100
#define WAIT_POLLS 500 /* of 20 ms */
#define POLL_US 20000

/* Workers started by hand over ipc:// in the private dir of a redis-server
 * (as pipeline_test does), each serving metrics on a port of its choice. */
typedef struct {
    th_redis_t redis;
    lnob_proc_t sink, agg, tr;
    pid_t ingest;
    char csv[300], log[4][320];
    int port[4]; /* sink, aggregate, transform, ingest */
    long long rows;
} pipe_t;

enum { SINK, AGG, TR, INGEST };

TestSuite(operations, .timeout = 120);

static long long s_data_rows(const char *path)
{
    size_t len;
    char *text = th_read(path, &len);
    long long lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    free(text);
    return lines - 1; /* the header */
}

static void s_start(pipe_t *p)
{
    memset(p, 0, sizeof *p);
    th_redis_start(&p->redis);
    const char *d = p->redis.dir;
    snprintf(p->csv, sizeof p->csv, "%s/s.csv", d);
    th_gen(p->csv, HOUSEHOLDS, 7);
    p->rows = s_data_rows(p->csv);
    const char *names[] = {"sink", "agg", "tr", "ingest"};
    for (int i = 0; i < 4; i++)
        snprintf(p->log[i], sizeof p->log[i], "%s/%s.log", d, names[i]);
    char ep[8][340];
    const char *const eps[][2] = {{"@", "results"}, {"@", "pub"},     {">", "control"}, {"@", "runs"},
                                  {">", "results"}, {"@", "control"}, {">", "batches"}, {">", "runs"}};
    for (int i = 0; i < 8; i++)
        snprintf(ep[i], sizeof ep[i], "%sipc://%s/%s", eps[i][0], d, eps[i][1]);
    const char *m = "127.0.0.1:0";
    const char *sink[] = {"--pull", ep[0], "--pub", ep[1], "--control", ep[2], "--redis", p->redis.url,
                          "--metrics", m, NULL};
    const char *agg[] = {"--pull", ep[3], "--push", ep[4], "--control", ep[5],
                         "--metrics", m, NULL};
    const char *tr[] = {"--pull", ep[6], "--push", ep[7], "--metrics", m, "--instance", "1", NULL};
    th_start_logged(&p->sink, "lnob-sink", sink, p->log[SINK]);
    th_start_logged(&p->agg, "lnob-aggregate", agg, p->log[AGG]);
    th_start_logged(&p->tr, "lnob-transform", tr, p->log[TR]);
    char push[340], control[340];
    snprintf(push, sizeof push, "@ipc://%s/batches", d);
    snprintf(control, sizeof control, ">ipc://%s/control", d);
    /* no redelivery (60 s): every count below is exact; the rows parsed
     * here (not cut for the transformers), so the ingester counts them */
    const char *in[] = {"--silc", p->csv, "--parse-in", "ingest", "--push", push, "--control", control, "--batch-size", "100",
                        "--redeliver-ms", "60000", "--metrics", m, "--metrics-linger-ms", "60000", NULL};
    p->ingest = th_spawn_logged("lnob-ingest", in, NULL, p->log[INGEST]);
    for (int i = 0; i < 4; i++)
        p->port[i] = th_metrics_port(p->log[i]);
    for (int i = 0; i < WAIT_POLLS && th_int(p->redis.c, "ZCARD lnob:extracts") < 1; i++)
        usleep(POLL_US);
    cr_assert_eq(th_int(p->redis.c, "ZCARD lnob:extracts"), 1, "the extract was not stored");
}

static void s_stop(pipe_t *p)
{
    kill(p->ingest, SIGTERM);
    th_wait(p->ingest, "ingest", 10);
    lnob_proc_stop(&p->tr, 5000);
    lnob_proc_stop(&p->agg, 5000);
    lnob_proc_stop(&p->sink, 5000);
    th_redis_stop(&p->redis);
}

/* GETs /metrics of a worker, checks it is 0.0.4 text; owned. */
static char *s_metrics(int port)
{
    char *body = NULL;
    cr_assert_eq(th_get(port, "/metrics", &body), 200);
    th_assert_exposition(body);
    return body;
}

/* Polls path until it answers want (or 5 s pass); the last body, owned. */
static char *s_await(int port, const char *path, int want)
{
    char *body = NULL;
    int status = 0;
    for (int i = 0; i < WAIT_POLLS / 2 && status != want; i++) {
        free(body);
        status = th_get(port, path, &body);
        if (status != want)
            usleep(POLL_US);
    }
    cr_assert_eq(status, want, "%s answered %d: %s", path, status, body);
    return body;
}

Test(operations, every_worker_counts_exactly_and_is_healthy_and_ready)
{
    pipe_t p;
    s_start(&p);
    long long batches = (p.rows + BATCH - 1) / BATCH; /* the generator writes no bad row */
    for (int i = 0; i < 4; i++) {
        free(s_await(p.port[i], "/healthz", 200));
        char *ready = s_await(p.port[i], "/readyz", 200);
        cr_assert_str_eq(ready, "{\"ready\":true,\"failing\":[]}\n");
        free(ready);
    }
    char *in = s_metrics(p.port[INGEST]), *tr = s_metrics(p.port[TR]), *agg = s_metrics(p.port[AGG]),
         *sink = s_metrics(p.port[SINK]);
    cr_assert_eq(th_metric(in, "lnob_ingest_rows_read_total"), p.rows);
    cr_assert_eq(th_metric(in, "lnob_ingest_rows_accepted_total"), p.rows);
    cr_assert_eq(th_metric(in, "lnob_ingest_rows_quarantined_total"), 0);
    cr_assert_eq(th_metric(in, "lnob_messages_sent_total{kind=\"batch\"}"), batches);
    cr_assert_eq(th_metric(in, "lnob_messages_sent_total{kind=\"end\"}"), 1);
    cr_assert_gt(th_metric(in, "lnob_messages_received_total{kind=\"progress\"}"), 0);
    cr_assert_eq(th_metric(in, "lnob_build_info{worker=\"ingest\",version=\"" LNOB_VERSION "\"}"), 1);
    cr_assert_eq(th_metric(tr, "lnob_messages_received_total{kind=\"batch\"}"), batches);
    cr_assert_eq(th_metric(tr, "lnob_messages_sent_total{kind=\"run\"}"), batches);
    cr_assert_eq(th_metric(tr, "lnob_stage_duration_seconds_count{stage=\"harmonise\"}"), batches);
    cr_assert_eq(th_metric(tr, "lnob_stage_duration_seconds_bucket{stage=\"harmonise\",le=\"+Inf\"}"), batches);
    cr_assert_eq(th_metric(tr, "lnob_peers{socket=\"pull\"}"), 1);
    cr_assert_eq(th_metric(agg, "lnob_messages_received_total{kind=\"run\"}"), batches);
    cr_assert_eq(th_metric(agg, "lnob_extracts_total{outcome=\"complete\"}"), 1);
    cr_assert_eq(th_metric(agg, "lnob_extracts_confirmed_total"), 1);
    cr_assert_eq(th_metric(agg, "lnob_extracts_in_flight{state=\"collecting\"}"), 0);
    cr_assert_eq(th_metric(agg, "lnob_extracts_in_flight{state=\"unconfirmed\"}"), 0);
    cr_assert_eq(th_metric(agg, "lnob_stage_duration_seconds_count{stage=\"aggregate\"}"), 1);
    cr_assert_eq(th_metric(agg, "lnob_peers{socket=\"control\"}"), 2); /* the ingester and the sink */
    cr_assert_eq(th_metric(sink, "lnob_extracts_stored_total{status=\"complete\"}"), 1);
    cr_assert_eq(th_metric(sink, "lnob_messages_received_total{kind=\"result\"}"), 1);
    cr_assert_eq(th_metric(sink, "lnob_messages_sent_total{kind=\"stored\"}"), 1);
    cr_assert_eq(th_metric(sink, "lnob_redis_up"), 1);
    cr_assert_eq(th_metric(sink, "lnob_messages_dropped_total{reason=\"undecodable\"}"), 0);
    cr_assert_eq(th_metric(sink, "lnob_curve_refused_total"), 0);
    cr_assert_gt(th_metric(sink, "lnob_process_resident_memory_bytes"), 1000000);
    free(in), free(tr), free(agg), free(sink);
    s_stop(&p);
}

Test(operations, the_sink_is_not_ready_once_redis_is_gone_and_says_so)
{
    pipe_t p;
    s_start(&p);
    free(s_await(p.port[SINK], "/readyz", 200));
    kill(p.redis.proc.pid, SIGKILL);
    char *ready = s_await(p.port[SINK], "/readyz", 503);
    cr_assert_str_eq(ready, "{\"ready\":false,\"failing\":[\"redis\"]}\n");
    free(ready);
    free(s_await(p.port[SINK], "/healthz", 200)); /* alive: a Redis outage is no reason to restart it */
    char *sink = s_metrics(p.port[SINK]);
    cr_assert_eq(th_metric(sink, "lnob_redis_up"), 0);
    cr_assert_gt(th_metric(sink, "lnob_redis_errors_total"), 0);
    free(sink);
    char *none = NULL;
    cr_assert_eq(th_get(p.port[SINK], "/nothing", &none), 404);
    free(none);
    s_stop(&p);
}

/* A base port with the ports lnob run takes for two transformers free. */
static int s_free_base(void)
{
    for (int tries = 0; tries < 200; tries++) {
        int base = 20000 + (int) ((getpid() * 131 + tries * 977) % 10000), ok = 1;
        for (int i = 0; i <= 11 && ok; i++) {
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) (base + i)),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            ok = bind(fd, (struct sockaddr *) &a, sizeof a) == 0;
            close(fd);
        }
        if (ok)
            return base;
    }
    cr_assert_fail("no free ports");
    return 0;
}

Test(operations, lnob_run_gives_its_workers_no_endpoint_unless_given_a_base_port)
{
    th_redis_t r;
    th_redis_start(&r);
    char csv[300], err_off[320], err_on[320], base[16];
    snprintf(csv, sizeof csv, "%s/s.csv", r.dir);
    snprintf(err_off, sizeof err_off, "%s/off.log", r.dir);
    snprintf(err_on, sizeof err_on, "%s/on.log", r.dir);
    th_gen(csv, HOUSEHOLDS, 3);
    const char *off[] = {"run", "--silc", csv, "--log-level", "info", NULL};
    cr_assert_eq(th_run_logged("lnob", off, NULL, err_off, 60), 0);
    char *log = th_read(err_off, NULL);
    cr_assert_null(strstr(log, "metrics on"), "%s", log);
    free(log);
    int b = s_free_base();
    snprintf(base, sizeof base, "%d", b);
    const char *on[] = {"run", "--silc", csv, "--log-level", "info", "--metrics-base", base, NULL};
    cr_assert_eq(th_run_logged("lnob", on, NULL, err_on, 60), 0);
    log = th_read(err_on, NULL);
    char want[5][96];
    snprintf(want[0], sizeof want[0], "[ingest] INFO metrics on http://127.0.0.1:%d ", b);
    snprintf(want[1], sizeof want[1], "[aggregate] INFO metrics on http://127.0.0.1:%d ", b + 1);
    snprintf(want[2], sizeof want[2], "[sink] INFO metrics on http://127.0.0.1:%d ", b + 2);
    snprintf(want[3], sizeof want[3], "[transform:1] INFO metrics on http://127.0.0.1:%d ", b + 10);
    snprintf(want[4], sizeof want[4], "[transform:2] INFO metrics on http://127.0.0.1:%d ", b + 11);
    for (int i = 0; i < 5; i++)
        cr_assert_not_null(strstr(log, want[i]), "no '%s' in:\n%s", want[i], log);
    free(log);
    th_redis_stop(&r);
}

/* lnob status over the four endpoints and the Redis: its stdout, owned;
 * its exit status in *code. */
static char *s_status(const pipe_t *p, int *code)
{
    char addr[4][32], out[320];
    for (int i = 0; i < 4; i++)
        snprintf(addr[i], sizeof addr[i], "127.0.0.1:%d", p->port[i]);
    snprintf(out, sizeof out, "%s/status.out", p->redis.dir);
    const char *args[] = {"status", addr[INGEST], addr[TR], addr[AGG], addr[SINK], "--redis", p->redis.url, NULL};
    *code = th_run("lnob", args, out, 30);
    return th_read(out, NULL);
}

Test(operations, lnob_status_shows_each_worker_and_the_last_stored_extract)
{
    pipe_t p;
    s_start(&p);
    for (int i = 0; i < 4; i++)
        free(s_await(p.port[i], "/readyz", 200));
    int code;
    char *text = s_status(&p, &code);
    cr_assert_eq(code, 0, "%s", text);
    char *id = th_only_extract(p.redis.c), want[4][512];
    snprintf(want[0], sizeof want[0], "ingest     127.0.0.1:%-12d ok      ready", p.port[INGEST]);
    /* an --instance is shown as lnob run names its workers */
    snprintf(want[1], sizeof want[1], "transform:1 127.0.0.1:%-12d ok      ready", p.port[TR]);
    snprintf(want[2], sizeof want[2],
             "aggregate  127.0.0.1:%-12d ok      ready      extracts in flight: 0 collecting, 0 awaiting the sink",
             p.port[AGG]);
    snprintf(want[3], sizeof want[3], "last stored extract: %s (complete, ", id);
    for (int i = 0; i < 4; i++)
        cr_assert_not_null(strstr(text, want[i]), "no '%s' in:\n%s", want[i], text);
    char rows[400];
    snprintf(rows, sizeof rows, "): %s, %lld rows read, 0 quarantined\n", p.csv, p.rows);
    cr_assert_not_null(strstr(text, rows), "no '%s' in:\n%s", rows, text);
    free(text);
    kill(p.redis.proc.pid, SIGKILL);
    free(s_await(p.port[SINK], "/readyz", 503));
    text = s_status(&p, &code);
    cr_assert_eq(code, 1, "%s", text);
    char sink[128];
    snprintf(sink, sizeof sink, "sink       127.0.0.1:%-12d ok      NOT READY  failing: redis\n", p.port[SINK]);
    cr_assert_not_null(strstr(text, sink), "no '%s' in:\n%s", sink, text);
    free(text);
    free(id);
    s_stop(&p);
}
