/* pipeconf_test.c - one configuration file for every program (cli/pipeconf.h):
 * problems no single program sees, endpoints that meet or not, what lnob
 * run passes on, and the printed configuration. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeconf.h"
#include "run.h"

/* Endpoint tests leave CURVE keys out (a case of their own below). */
#define NO_KEYS "\n[common]\ninsecure-plaintext = 1\n"

/* The pipeline's configuration from text and tail (environment left out);
 * the file is removed at once (everything is read). */
static lnob_pipeconf_t *s_conf_with(const char *text, const char *tail)
{
    char path[] = "/tmp/lnob-pipeconf-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    cr_assert_eq(write(fd, tail, strlen(tail)), (ssize_t) strlen(tail));
    close(fd);
    lnob_pipeconf_t *pc = lnob_pipeconf_new(path, 1);
    unlink(path);
    lnob_pipeconf_check_links(pc);
    return pc;
}

static lnob_pipeconf_t *s_conf(const char *text)
{
    return s_conf_with(text, NO_KEYS);
}

static size_t s_count(const lnob_pipeconf_t *pc)
{
    size_t n = 0;
    while (lnob_pipeconf_problem(pc, n))
        n++;
    return n;
}

/* The only problem of text holds want. */
static void s_one_problem(const char *text, const char *want)
{
    lnob_pipeconf_t *pc = s_conf(text);
    cr_assert_eq(s_count(pc), 1, "%zu problems for:\n%s\nfirst: %s", s_count(pc), text,
                 lnob_pipeconf_problem(pc, 0));
    cr_assert(strstr(lnob_pipeconf_problem(pc, 0), want), "want '%s' in: %s", want, lnob_pipeconf_problem(pc, 0));
    lnob_pipeconf_destroy(&pc);
}

static void s_no_problem(const char *text)
{
    lnob_pipeconf_t *pc = s_conf(text);
    cr_assert_eq(s_count(pc), 0, "for:\n%s\nfirst: %s", text, lnob_pipeconf_problem(pc, 0));
    lnob_pipeconf_destroy(&pc);
}

Test(pipeconf, the_defaults_meet)
{
    s_no_problem("");
    s_no_problem("[common]\nlog-level = debug\nbatch-size = 500\n");
}

/* Three hosts: a ingests, b transforms, c aggregates and stores. */
Test(pipeconf, a_three_host_layout_meets)
{
    s_no_problem("[ingest]\npush = @tcp://0.0.0.0:5555\ncontrol = >tcp://c:5559\n"
                 "[transform]\npull = >tcp://a:5555\npush = >tcp://c:5556\n"
                 "[aggregate]\npull = @tcp://*:5556\npush = >tcp://127.0.0.1:5557\n"
                 "[sink]\npull = @tcp://0.0.0.0:5557\ncontrol = >tcp://localhost:5559\n");
}

Test(pipeconf, a_port_mismatch_is_found)
{
    s_one_problem("[transform]\npull = >tcp://127.0.0.1:5565\n",
                  "endpoints do not meet (batches): [ingest] push @tcp://127.0.0.1:5555 (default) and "
                  "[transform] pull >tcp://127.0.0.1:5565 (file ");
    s_one_problem("[transform]\npull = >tcp://127.0.0.1:5565\n", "ports differ (5555, 5565)");
}

Test(pipeconf, two_binds_or_two_connects_are_found)
{
    s_one_problem("[transform]\npull = @tcp://0.0.0.0:5555\n", "both bind (@)");
    s_one_problem("[sink]\npull = >tcp://127.0.0.1:5557\n", "both connect (>)");
    /* a bare endpoint binds where that socket binds by default: the sink's pull, not the aggregator's push */
    s_one_problem("[aggregate]\npush = tcp://127.0.0.1:5557\n[sink]\npull = >tcp://127.0.0.1:5557\n",
                  "both connect (>)");
    s_no_problem("[aggregate]\npush = tcp://127.0.0.1:5557\n[sink]\npull = tcp://*:5557\n");
}

Test(pipeconf, transports_addresses_and_hosts)
{
    s_one_problem("[ingest]\npush = @ipc:///run/lnob/batches\n", "transports differ (ipc, tcp)");
    s_one_problem("[ingest]\npush = @ipc:///run/lnob/batches\n[transform]\npull = >ipc:///run/lnob/batch\n",
                  "addresses differ");
    s_no_problem("[ingest]\npush = @ipc:///run/lnob/batches\n[transform]\npull = >ipc:///run/lnob/batches\n");
    s_one_problem("[ingest]\npush = @tcp://10.0.0.1:5555\n[transform]\npull = >tcp://10.0.0.2:5555\n",
                  "hosts differ (10.0.0.1, 10.0.0.2)");
    /* a host name may be the bound address: it cannot be told here */
    s_no_problem("[ingest]\npush = @tcp://10.0.0.1:5555\n[transform]\npull = >tcp://ingest-host:5555\n");
    /* lists: one pair that meets is enough */
    s_no_problem("[ingest]\npush = @tcp://0.0.0.0:5555,@ipc:///run/b\n[transform]\npull = >ipc:///run/b\n");
    /* several aggregators ('|', lnob/route.h): this file's aggregator is one of them */
    s_no_problem("[transform]\npush = >tcp://c1:5556|>tcp://c2:5556\n[aggregate]\npull = @tcp://*:5556\n"
                 "[ingest]\ncontrol = >tcp://c1:5559|>tcp://c2:5559\n[sink]\ncontrol = >tcp://c1:5559|>tcp://c2:5559\n");
    s_one_problem("[transform]\npush = >tcp://c1:5566|>tcp://c2:5566\n", "ports differ (5566, 5556)");
    /* the ingester without acknowledgements asks no one */
    s_no_problem("[ingest]\ncontrol = none\n[aggregate]\ncontrol = @tcp://0.0.0.0:5600\n"
                 "[sink]\ncontrol = >tcp://127.0.0.1:5600\n");
    s_one_problem("[aggregate]\ncontrol = @tcp://0.0.0.0:5600\n[ingest]\ncontrol = none\n",
                  "(stored confirmations)");
}

Test(pipeconf, sections_and_common_keys_no_program_has)
{
    s_one_problem("[sinc]\nhwm = 5\nlinger-ms = 5\n",
                  ":2: [sinc]: unknown section (sections: common, ingest, transform, aggregate, sink, run)");
    s_one_problem("[common]\nbatch-sise = 5\n", ":2: [common] batch-sise: no program has this key");
    /* a key only some programs have is fine in [common] */
    s_no_problem("[common]\nredis = redis://127.0.0.1:6379/0\ntransformers = 4\n");
}

/* A problem that several programs find (a [common] key they share) is
 * said once; each program's own problems are said. */
Test(pipeconf, problems_once_each)
{
    lnob_pipeconf_t *pc = s_conf("[common]\nhwm = lots\n[ingest]\npseudonym-key = /nonexistent-lnob-key\n"
                                 "[transform]\nrole = aggregate\n");
    cr_assert_eq(s_count(pc), 3, "%s / %s", lnob_pipeconf_problem(pc, 0), lnob_pipeconf_problem(pc, 1));
    cr_assert(strstr(lnob_pipeconf_problem(pc, 0), ":2: [common] hwm: 'lots' is not a whole number"));
    cr_assert(strstr(lnob_pipeconf_problem(pc, 1),
                     ":4: [ingest] pseudonym-key: /nonexistent-lnob-key: No such file or directory"));
    cr_assert(strstr(lnob_pipeconf_problem(pc, 2), ":6: [transform] role: unknown key (lnob-transform --help "
                                                   "lists the keys)"),
              "%s", lnob_pipeconf_problem(pc, 2));
    lnob_pipeconf_destroy(&pc);
}

/* lnob run passes a value on when it was told it, or when the worker's
 * own would be a default. */
Test(pipeconf, what_lnob_run_passes_on)
{
    lnob_pipeconf_t *pc = s_conf("[common]\nlog-level = info\n[ingest]\nbatch-size = 500\n[run]\nperiod = 2024\n");
    lnob_config_origin_t run = {0};
    int bs = lnob_config_find(lnob_run_config()->table, "batch-size");
    int ll = lnob_config_find(lnob_run_config()->table, "log-level");
    int lf = lnob_config_find(lnob_run_config()->table, "log-format");
    run.src[bs] = LNOB_SRC_DEFAULT;
    run.src[ll] = LNOB_SRC_FILE;
    run.section[ll] = "common";
    run.src[lf] = LNOB_SRC_DEFAULT;
    cr_assert_not(lnob_pipeconf_forward(pc, &run, LNOB_PIPE_INGEST, "batch-size"), "[ingest] holds");
    cr_assert_not(lnob_pipeconf_forward(pc, &run, LNOB_PIPE_SINK, "log-level"), "[common] holds");
    cr_assert(lnob_pipeconf_forward(pc, &run, LNOB_PIPE_SINK, "log-format"), "defaults: lnob run's");
    run.src[bs] = LNOB_SRC_FLAG;
    cr_assert(lnob_pipeconf_forward(pc, &run, LNOB_PIPE_INGEST, "batch-size"), "a flag to lnob run holds");
    int pd = lnob_config_find(lnob_run_config()->table, "period");
    run.src[pd] = LNOB_SRC_FILE;
    run.section[pd] = "run";
    cr_assert(lnob_pipeconf_forward(pc, &run, LNOB_PIPE_INGEST, "period"), "[run] holds");
    cr_assert(lnob_pipeconf_forward(NULL, &run, LNOB_PIPE_INGEST, "period"), "no file: always");
    lnob_pipeconf_destroy(&pc);
}

Test(pipeconf, prints_every_key_with_its_origin_and_no_secret)
{
    lnob_pipeconf_t *pc = s_conf("[common]\nhwm = 16\n[sink]\nredis = redis://lnob:s3cret@10.0.0.9:6379/0\n");
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    lnob_pipeconf_print(pc, f);
    fclose(f);
    cr_assert_null(strstr(out, "s3cret"), "%s", out);
    cr_assert(strstr(out, "[sink] ; lnob-sink\n"), "%s", out);
    cr_assert(strstr(out, "redis://lnob:***@10.0.0.9:6379/0"), "%s", out);
    cr_assert(strstr(out, "[aggregate] ; lnob-aggregate\npull               = @tcp://127.0.0.1:5556 "), "%s", out);
    cr_assert(strstr(out, "hwm                = 16  "), "%s", out);
    cr_assert(strstr(out, ":2 [common]\n"), "%s", out);
    cr_assert(strstr(out, "batch-size         = 8192                                     ; default\n"), "%s", out);
    free(out);
    lnob_pipeconf_destroy(&pc);
}

/* A worker with a tcp:// endpoint and no certificate would refuse to
 * start: the check says so once per endpoint; a cert (which must exist)
 * or insecure-plaintext quiets it. */
Test(pipeconf, tcp_without_a_certificate_is_a_problem)
{
    lnob_pipeconf_t *pc = s_conf_with("[ingest]\ncontrol = none\n[transform]\ninsecure-plaintext = 1\n"
                                      "[aggregate]\ninsecure-plaintext = 1\n[sink]\ninsecure-plaintext = 1\n", "");
    cr_assert_eq(s_count(pc), 1, "first: %s", lnob_pipeconf_problem(pc, 0));
    cr_assert(strstr(lnob_pipeconf_problem(pc, 0), "[ingest] push @tcp://127.0.0.1:5555 (default) is tcp:// "
                                                   "but [ingest] has no cert: CURVE needs cert and allow"),
              "%s", lnob_pipeconf_problem(pc, 0));
    lnob_pipeconf_destroy(&pc);
    pc = s_conf_with("[common]\ncert = /nonexistent/x.cert\n", "");
    int missing = 0;
    for (size_t i = 0; lnob_pipeconf_problem(pc, i); i++)
        missing += strstr(lnob_pipeconf_problem(pc, i), "/nonexistent/x.cert") != NULL;
    cr_assert_geq(missing, 1, "a missing certificate is named");
    lnob_pipeconf_destroy(&pc);
}
