/* aggregate_bounds_test.c - what a message can cost the aggregator
 * (aggregate.h): a Run is paid for by what it carries, never by the seq it
 * declares; extracts in flight are capped; the finished table is pruned. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "aggregate.h"
#include "take.h"
#include "wire.h"

static int s_emit(void *arg, const uint8_t *data, size_t len)
{
    (void) data, (void) len;
    (*(size_t *) arg)++;
    return LNOB_OK;
}

/* Packs and decodes env, as a worker receives it, and hands it over. */
static int s_run(lnob_aggregate_t *a, const char *extract_id, uint32_t seq)
{
    Lnob__V1__Run r = LNOB__V1__RUN__INIT;
    r.extract_id = (char *) extract_id;
    r.run_id = "bounds";
    r.seq = seq;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    env.run = &r;
    return th_take(a, &env);
}

static int s_failed(lnob_aggregate_t *a, const char *extract_id)
{
    Lnob__V1__ExtractFailed f = LNOB__V1__EXTRACT_FAILED__INIT;
    f.extract_id = (char *) extract_id;
    f.run_id = "bounds";
    f.reason = "TEST";
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_FAILED;
    env.failed = &f;
    return th_take(a, &env);
}

/* Resident set of this process, kB. */
static long s_rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    cr_assert_not_null(f);
    cr_assert_eq(fscanf(f, "%ld %ld", &pages, &resident), 2);
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Eight 42-byte Runs with seq 16777215 once took the aggregator to 980 MB. */
Test(aggregate_bounds, a_runs_seq_costs_nothing_beyond_the_run)
{
    size_t sent = 0;
    lnob_aggregate_t *a = lnob_aggregate_new(s_emit, &sent);
    long before = s_rss_kb();
    char id[32];
    for (int i = 0; i < 8; i++) {
        snprintf(id, sizeof id, "big-seq-%d", i);
        cr_assert_eq(s_run(a, id, LNOB_AGGREGATE_MAX_BATCHES - 1), LNOB_OK);
    }
    long grown = s_rss_kb() - before;
    cr_assert_lt(grown, 4096, "eight Runs cost %ld kB", grown);
    lnob_aggregate_progress_t p = {0};
    lnob_aggregate_progress(a, "big-seq-0", "bounds", &p);
    cr_assert_eq(p.n_have, 1);
    cr_assert_eq(p.have[0], LNOB_AGGREGATE_MAX_BATCHES - 1);
    free(p.have);
    cr_assert_eq(s_run(a, "too-big", LNOB_AGGREGATE_MAX_BATCHES), LNOB_DROP);
    lnob_aggregate_destroy(&a);
}

/* Runs out of order and twice: kept once each, in seq order. */
Test(aggregate_bounds, runs_in_any_order_are_held_once_in_seq_order)
{
    size_t sent = 0;
    lnob_aggregate_t *a = lnob_aggregate_new(s_emit, &sent);
    const uint32_t seqs[] = {5, 1, 9, 1, 0, 7, 5};
    int dropped = 0;
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
        dropped += s_run(a, "order", seqs[i]) == LNOB_DROP;
    cr_assert_eq(dropped, 2);
    cr_assert_eq(lnob_aggregate_stats(a)->duplicates, 2);
    lnob_aggregate_progress_t p = {0};
    lnob_aggregate_progress(a, "order", "bounds", &p);
    const uint32_t want[] = {0, 1, 5, 7, 9};
    cr_assert_eq(p.n_have, 5);
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(p.have[i], want[i]);
    free(p.have);
    lnob_aggregate_destroy(&a);
}

Test(aggregate_bounds, extracts_in_flight_are_capped)
{
    size_t sent = 0;
    lnob_aggregate_t *a = lnob_aggregate_new(s_emit, &sent);
    lnob_aggregate_set_max_extracts(a, 2);
    cr_assert_eq(s_run(a, "one", 0), LNOB_OK);
    cr_assert_eq(s_run(a, "two", 0), LNOB_OK);
    cr_assert_eq(s_run(a, "three", 0), LNOB_DROP);
    cr_assert_eq(s_run(a, "one", 1), LNOB_OK, "an extract already collected goes on");
    cr_assert_eq(lnob_aggregate_stats(a)->refused, 1);
    cr_assert_eq(lnob_aggregate_pending(a), 2);
    lnob_aggregate_destroy(&a);
}

/* 50,000 ExtractFailed once grew the finished table for ever. Confirmed
 * ones are forgotten past LNOB_AGGREGATE_FINISHED_MAX. */
Test(aggregate_bounds, the_finished_table_is_pruned)
{
    size_t sent = 0;
    lnob_aggregate_t *a = lnob_aggregate_new(s_emit, &sent);
    char id[32];
    for (int i = 0; i < 3 * LNOB_AGGREGATE_FINISHED_MAX; i++) {
        snprintf(id, sizeof id, "failed-%d", i);
        cr_assert_eq(s_failed(a, id), LNOB_OK);
        cr_assert_eq(lnob_aggregate_stored(a, id, "bounds"), LNOB_OK);
    }
    cr_assert_eq(sent, 3 * LNOB_AGGREGATE_FINISHED_MAX, "one failed Result each");
    cr_assert_leq(lnob_aggregate_finished(a), LNOB_AGGREGATE_FINISHED_MAX + 1);
    cr_assert_geq(lnob_aggregate_stats(a)->forgotten, 2 * LNOB_AGGREGATE_FINISHED_MAX - 1);
    lnob_aggregate_progress_t p = {0};
    lnob_aggregate_progress(a, "failed-0", "bounds", &p);
    cr_assert_eq(p.state, LNOB__V1__PROGRESS__STATE__UNKNOWN, "the oldest is forgotten");
    snprintf(id, sizeof id, "failed-%d", 3 * LNOB_AGGREGATE_FINISHED_MAX - 1);
    lnob_aggregate_progress(a, id, "bounds", &p);
    cr_assert_eq(p.state, LNOB__V1__PROGRESS__STATE__STORED, "the newest is kept");
    free(p.have);
    lnob_aggregate_destroy(&a);
}
