/* metrics_test.c - the metrics registry (lnob/metrics.h): exact text of
 * counters, gauges and histograms in the Prometheus format 0.0.4,
 * families kept together, liveness, readiness JSON; and the endpoint's
 * address rules (lnob/httpd.h). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"
#include "lnob/clock.h"
#include "lnob/httpd.h"
#include "lnob/metrics.h"

static char *s_render(const lnob_metrics_t *m)
{
    size_t len;
    char *text = lnob_metrics_render(m, &len);
    cr_assert_eq(strlen(text), len);
    lnob_test_assert_exposition(text);
    return text;
}

Test(metrics, counters_and_gauges_render_exactly_with_one_help_per_family)
{
    lnob_metrics_t *m = lnob_metrics_new("sink", "");
    lnob_metric_t *a = lnob_metrics_counter(m, "lnob_x_total", "kind=\"a\"", "Things.");
    lnob_metric_t *g = lnob_metrics_gauge(m, "lnob_depth", "", "Depth.");
    lnob_metric_t *b = lnob_metrics_counter(m, "lnob_x_total", "kind=\"b\"", "Things.");
    _Atomic uint64_t outside = 7;
    lnob_metrics_counter_at(m, "lnob_x_total", "kind=\"c\"", "Things.", &outside);
    lnob_metric_add(a, 3);
    lnob_metric_add(b, 1);
    lnob_metric_add(b, 1);
    lnob_metric_set(g, -4);
    lnob_metric_add(NULL, 1); /* metrics off: ignored */
    char *text = s_render(m);
    cr_assert_not_null(strstr(text, "# HELP lnob_x_total Things.\n# TYPE lnob_x_total counter\n"
                                    "lnob_x_total{kind=\"a\"} 3\nlnob_x_total{kind=\"b\"} 2\n"
                                    "lnob_x_total{kind=\"c\"} 7\n"
                                    "# HELP lnob_depth Depth.\n# TYPE lnob_depth gauge\nlnob_depth -4\n"),
                      "%s", text);
    cr_assert_not_null(strstr(text, "lnob_build_info{worker=\"sink\",version=\""), "%s", text);
    cr_assert_not_null(strstr(text, "\nlnob_process_resident_memory_bytes "), "%s", text);
    cr_assert(atoll(strstr(text, "\nlnob_process_resident_memory_bytes ") + 36) > 1000000, "%s", text);
    cr_assert_eq(lnob_metric_value(b), 2);
    free(text);
    lnob_metrics_destroy(&m);
    cr_assert_null(m);
}

Test(metrics, histogram_buckets_are_cumulative_and_count_every_observation)
{
    static const double bounds[] = {0.001, 0.01, 0.1};
    lnob_metrics_t *m = lnob_metrics_new("transform", "");
    lnob_metric_t *h = lnob_metrics_histogram(m, "lnob_stage_duration_seconds", "stage=\"harmonise\"",
                                              "Stage time.", bounds, 3);
    lnob_metric_observe_us(h, 1000);   /* on the bound: le="0.001" */
    lnob_metric_observe_us(h, 1001);   /* next bucket */
    lnob_metric_observe_us(h, 50000);
    lnob_metric_observe_us(h, 2000000); /* +Inf only */
    char *text = s_render(m);
    cr_assert_not_null(strstr(text, "# TYPE lnob_stage_duration_seconds histogram\n"
                                    "lnob_stage_duration_seconds_bucket{stage=\"harmonise\",le=\"0.001\"} 1\n"
                                    "lnob_stage_duration_seconds_bucket{stage=\"harmonise\",le=\"0.01\"} 2\n"
                                    "lnob_stage_duration_seconds_bucket{stage=\"harmonise\",le=\"0.1\"} 3\n"
                                    "lnob_stage_duration_seconds_bucket{stage=\"harmonise\",le=\"+Inf\"} 4\n"
                                    "lnob_stage_duration_seconds_sum{stage=\"harmonise\"} 2.052001\n"
                                    "lnob_stage_duration_seconds_count{stage=\"harmonise\"} 4\n"),
                      "%s", text);
    cr_assert_eq(lnob_metric_value(h), 4);
    free(text);
    lnob_metrics_destroy(&m);
}

Test(metrics, readiness_lists_the_failing_checks_as_json)
{
    lnob_metrics_t *m = lnob_metrics_new("sink", "");
    char json[256];
    cr_assert_eq(lnob_metrics_readiness(m, json, sizeof json), 0);
    cr_assert_str_eq(json, "{\"ready\":true,\"failing\":[]}\n");
    lnob_metric_t *redis = lnob_metrics_gauge(m, "lnob_redis_up", "", "Up.");
    lnob_metric_t *peers = lnob_metrics_gauge(m, "lnob_peers", "socket=\"pull\"", "Peers.");
    lnob_metrics_require(m, "redis", redis);
    lnob_metrics_require(m, "peers:pull", peers);
    cr_assert_eq(lnob_metrics_readiness(m, json, sizeof json), 2);
    cr_assert_str_eq(json, "{\"ready\":false,\"failing\":[\"redis\",\"peers:pull\"]}\n");
    lnob_metric_set(peers, 2);
    cr_assert_eq(lnob_metrics_readiness(m, json, sizeof json), 1);
    cr_assert_str_eq(json, "{\"ready\":false,\"failing\":[\"redis\"]}\n");
    lnob_metric_set(redis, 1);
    cr_assert_eq(lnob_metrics_readiness(m, json, sizeof json), 0);
    lnob_metrics_destroy(&m);
}

Test(metrics, alive_until_the_main_loop_has_not_ticked_for_the_stale_bound)
{
    lnob_metrics_t *m = lnob_metrics_new("ingest", "");
    int64_t now = lnob_mono_us() / 1000;
    cr_assert(lnob_metrics_alive(m, now));
    cr_assert(lnob_metrics_alive(m, now + LNOB_METRICS_STALE_MS - 100));
    cr_assert_not(lnob_metrics_alive(m, now + LNOB_METRICS_STALE_MS + 100));
    lnob_metrics_tick(m);
    cr_assert(lnob_metrics_alive(m, lnob_mono_us() / 1000 + LNOB_METRICS_STALE_MS - 100));
    lnob_metrics_destroy(&m);
}

Test(httpd, addresses_parse_and_only_loopback_is_loopback)
{
    struct sockaddr_storage sa;
    socklen_t len;
    char err[256];
    cr_assert_eq(lnob_httpd_parse("127.0.0.1:9101", &sa, &len, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ntohs(((struct sockaddr_in *) &sa)->sin_port), 9101);
    cr_assert(lnob_httpd_loopback(&sa));
    cr_assert_eq(lnob_httpd_parse("localhost:0", &sa, &len, err, sizeof err), 0, "%s", err);
    cr_assert(lnob_httpd_loopback(&sa));
    cr_assert_eq(lnob_httpd_parse("[::1]:9102", &sa, &len, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sa.ss_family, AF_INET6);
    cr_assert(lnob_httpd_loopback(&sa));
    cr_assert_eq(lnob_httpd_parse("0.0.0.0:9101", &sa, &len, err, sizeof err), 0, "%s", err);
    cr_assert_not(lnob_httpd_loopback(&sa));
    cr_assert_eq(lnob_httpd_parse("[::]:9101", &sa, &len, err, sizeof err), 0, "%s", err);
    cr_assert_not(lnob_httpd_loopback(&sa));
    cr_assert_eq(lnob_httpd_parse("9101", &sa, &len, err, sizeof err), -1);
    cr_assert_eq(lnob_httpd_parse("127.0.0.1:70000", &sa, &len, err, sizeof err), -1);
    cr_assert_eq(lnob_httpd_parse("example.org:80", &sa, &len, err, sizeof err), -1);
}

Test(httpd, a_public_address_is_refused_unless_asked_and_none_is_off)
{
    lnob_metrics_t *m = lnob_metrics_new("sink", "");
    char err[512];
    lnob_httpd_cfg_t off = {"none", 0}, public = {"0.0.0.0:0", 0};
    cr_assert_null(lnob_httpd_new(&off, m, err, sizeof err));
    cr_assert_str_eq(err, "");
    cr_assert_null(lnob_httpd_new(&public, m, err, sizeof err));
    cr_assert_not_null(strstr(err, "not a loopback address"), "%s", err);
    cr_assert_not_null(strstr(err, "--metrics-public"), "%s", err);
    lnob_httpd_cfg_t any = {"127.0.0.1:0", 0};
    lnob_httpd_t *h = lnob_httpd_new(&any, m, err, sizeof err);
    cr_assert_not_null(h, "%s", err);
    cr_assert_gt(lnob_httpd_port(h), 0);
    lnob_httpd_destroy(&h);
    cr_assert_null(h);
    lnob_metrics_destroy(&m);
}
