/* registry_test.c - the source kinds as the stages see them
 * (sources/registry.h): every kind's ops table is whole, kinds are told
 * apart by name and by message, and the aggregator fails an extract of a
 * kind it does not know rather than guess. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "registry.h"
#include "take.h"
#include "wire.h"

Test(registry, every_kind_has_the_ops_each_stage_calls)
{
    cr_assert_geq(lnob_sources_n, 2);
    cr_assert_leq(lnob_sources_n, LNOB_SOURCES_MAX);
    for (size_t k = 0; k < lnob_sources_n; k++) {
        const lnob_source_ops_t *s = lnob_sources[k];
        cr_assert(s->name && *s->name);
        cr_assert(s->files && s->plan && s->send && s->compute, "%s lacks an ingest or aggregate op", s->name);
        cr_assert_eq(s->transform != NULL, s->record_case != s->batch_case,
                     "%s: a kind transforms exactly when its records differ from its batches", s->name);
        cr_assert_eq(s->settings != NULL, s->settings_size > 0, "%s: settings and their size", s->name);
        cr_assert_eq(lnob_source_named(s->name), s);
        for (size_t j = 0; j < k; j++)
            cr_assert_neq(lnob_sources[j]->batch_case, s->batch_case, "%s: two kinds send one message", s->name);
        cr_assert_eq(lnob_source_of_record(s->record_case), s, "%s: two kinds collect one message", s->name);
    }
}

Test(registry, an_end_without_a_kind_is_silc_and_an_unknown_name_is_none)
{
    cr_assert_str_eq(lnob_source_named("")->name, "silc");
    cr_assert_str_eq(lnob_source_named("mis")->name, "mis");
    cr_assert_null(lnob_source_named("civil"));
    cr_assert_null(lnob_source_of_record(LNOB__V1__ENVELOPE__BODY_BATCH));
}

/* The last Result the aggregator emitted (th_keep_result). */
static lnob_env_t *s_last;

static void s_end(lnob_aggregate_t *a, const char *kind, uint32_t batches)
{
    Lnob__V1__ExtractEnd e = LNOB__V1__EXTRACT_END__INIT;
    e.extract_id = "x-2024-0";
    e.run_id = "registry";
    e.batch_count = batches;
    e.kind = (char *) kind;
    e.period = "2024";
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_END;
    env.end = &e;
    cr_assert_eq(th_take(a, &env), LNOB_OK);
}

static void s_run(lnob_aggregate_t *a)
{
    Lnob__V1__Run r = LNOB__V1__RUN__INIT;
    r.extract_id = "x-2024-0";
    r.run_id = "registry";
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    env.run = &r;
    cr_assert_eq(th_take(a, &env), LNOB_OK);
}

Test(registry, the_aggregator_fails_an_extract_of_a_kind_it_does_not_know)
{
    lnob_aggregate_t *a = lnob_aggregate_new(th_keep_result, &s_last);
    s_end(a, "civil", 1);
    s_run(a);
    cr_assert_not_null(s_last, "no Result");
    cr_assert_str_eq(s_last->result->status, "failed");
    cr_assert(strstr(s_last->result->error, "UNKNOWN_KIND"), "error: %s", s_last->result->error);
    cr_assert_eq(s_last->result->n_cells, 0);
    lnob_wire_free(&s_last);
    lnob_aggregate_destroy(&a);
}

Test(registry, the_aggregator_fails_an_extract_whose_records_are_another_kinds)
{
    lnob_aggregate_t *a = lnob_aggregate_new(th_keep_result, &s_last);
    s_end(a, "mis", 1); /* an MIS end over a SILC Run */
    s_run(a);
    cr_assert_not_null(s_last, "no Result");
    cr_assert(strstr(s_last->result->error, "MIXED_KINDS"), "error: %s", s_last->result->error);
    lnob_wire_free(&s_last);
    lnob_aggregate_destroy(&a);
}

/* An end that announces no batch at all (a hostile peer's, or an empty
 * file's): the kind computes from nothing and the extract fails as empty. */
Test(registry, an_extract_without_records_fails_as_empty)
{
    lnob_aggregate_t *a = lnob_aggregate_new(th_keep_result, &s_last);
    s_end(a, "", 0);
    cr_assert_not_null(s_last, "no Result");
    cr_assert(strstr(s_last->result->error, "NO_POPULATION"), "error: %s", s_last->result->error);
    lnob_wire_free(&s_last);
    lnob_aggregate_destroy(&a);
}
