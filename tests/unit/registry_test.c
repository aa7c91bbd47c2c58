/* registry_test.c - the source kinds as the stages see them
 * (sources/registry.h): every kind's ops table is whole, kinds are told
 * apart by name and by message, each kind's options are its own (in
 * lnob-ingest's table, landing in the kind's part of the config), and the
 * aggregator fails an extract of a kind it does not know rather than guess. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "ingest_config.h"
#include "mis_extract.h"
#include "registry.h"
#include "silc_extract.h"
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
        cr_assert(s->report, "%s lacks its lines for lnob report", s->name);
        cr_assert_eq(s->transform != NULL, s->record_case != s->batch_case,
                     "%s: a kind transforms exactly when its records differ from its batches", s->name);
        cr_assert_eq(s->settings != NULL, s->settings_size > 0, "%s: settings and their size", s->name);
        cr_assert_eq(lnob_source_named(s->name), s);
        for (size_t j = 0; j < k; j++)
            cr_assert_neq(lnob_sources[j]->batch_case, s->batch_case, "%s: two kinds send one message", s->name);
        cr_assert_eq(lnob_source_of_record(s->record_case), s, "%s: two kinds collect one message", s->name);
    }
}

/* lnob-ingest's table is the engine's options and each kind's own, in
 * registry order, each kind's in a part of the config that no other
 * option writes: adding a kind adds its table, not rows to the engine's. */
Test(registry, each_kind_owns_its_ingest_options)
{
    const lnob_opt_t *all = lnob_ingest_config()->table;
    size_t kinds = offsetof(lnob_ingest_cfg_t, kinds);
    for (size_t k = 0; k < lnob_sources_n; k++) {
        const lnob_source_ops_t *s = lnob_sources[k];
        cr_assert_not_null(s->ingest_opts, "%s has no options of its own", s->name);
        cr_assert_eq(s->ingest_opts[0].type, LNOB_OPT_LIST, "%s: its first option is its files", s->name);
        size_t at = kinds + lnob_source_part(LNOB_PART_INGEST, k);
        for (const lnob_opt_t *o = s->ingest_opts; o->name; o++) {
            int i = lnob_config_find(all, o->name);
            cr_assert_geq(i, 0, "--%s of %s is not in lnob-ingest's table", o->name, s->name);
            cr_assert_eq(all[i].offset, at + o->offset, "--%s does not land in %s's part", o->name, s->name);
            cr_assert_lt(o->offset, s->ingest_cfg_size);
        }
        for (int i = 0; all[i].name; i++) /* nothing else writes into the kind's part */
            if (all[i].offset >= at && all[i].offset < at + s->ingest_cfg_size)
                cr_assert_geq(lnob_config_find(s->ingest_opts, all[i].name), 0, "--%s", all[i].name);
        cr_assert_geq(at, kinds);
        for (const char *const *r = s->run_opts; r && *r; r++)
            cr_assert_geq(lnob_config_find(s->ingest_opts, *r), 0, "%s: lnob run passes on --%s, not its own", s->name, *r);
    }
}

Test(registry, a_kind_reads_its_options_from_its_own_part)
{
    char *argv[] = {"lnob-ingest", "--silc", "a.csv", "b.csv", "--combine", "--mis", "m.csv",
                    "--period", "2023", "--service-set", "HOME_CARE", NULL};
    lnob_ingest_cfg_t *cfg = calloc(1, sizeof *cfg);
    const lnob_config_args_t a = {.argc = 11, .argv = argv, .first = 1, .usage = "test", .no_env = 1};
    char err[256];
    cr_assert_eq(lnob_config_load(lnob_ingest_config(), cfg, &a, err, sizeof err), LNOB_OK, "%s", err);
    const lnob_silc_ingest_cfg_t *silc = lnob_ingest_kind_cfg(cfg, 1);
    const lnob_mis_ingest_cfg_t *mis = lnob_ingest_kind_cfg(cfg, 0);
    cr_assert_str_eq(lnob_sources[1]->name, "silc");
    cr_assert_eq(silc->silc.n, 2);
    cr_assert_str_eq(silc->silc.items[1], "b.csv");
    cr_assert_eq(silc->combine, 1);
    cr_assert_eq(silc->decimal_comma, 0);
    cr_assert_eq(mis->mis.n, 1);
    cr_assert_eq(mis->period, 2023);
    cr_assert_str_eq(mis->service_set, "HOME_CARE");
    cr_assert_eq(mis->settle_ms, 5000, "a kind's defaults apply too");
    cr_assert_eq(lnob_sources[1]->files(silc)->n, 2);
    cr_assert_eq(cfg->batch_size, 8192, "the engine's options stay the engine's");
    free(cfg);
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
