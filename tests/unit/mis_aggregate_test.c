/* mis_aggregate_test.c - an MIS extract through the wire codec and the
 * aggregator: TV7's records as two MisBatch messages and an ExtractEnd of
 * kind "mis" give TV7's counts in the Result, with MIS metadata; batches of
 * another kind than the end announces fail the extract. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "take.h"
#include "wire.h"

#define K(d) "a" #d "00000000000000000000000000000000000000000000000000000000000000"

typedef struct {
    Lnob__V1__Result *result; /* the last one emitted (owned envelope below) */
    lnob_env_t *env;
} sink_t;

static int s_emit(void *arg, const uint8_t *data, size_t len)
{
    sink_t *k = arg;
    lnob_wire_stats_t st = {0};
    char why[256];
    lnob_env_t *env = lnob_wire_decode(data, len, &st, why, sizeof why);
    cr_assert_not_null(env, "%s", why);
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_RESULT) {
        lnob_wire_free(&k->env);
        k->env = env;
        k->result = env->result;
    } else
        lnob_wire_free(&env);
    return LNOB_OK;
}

/* Packs and decodes env (as a worker receives it) and hands it over. */
typedef struct {
    const char *key, *id;
    uint32_t service, sex, flags;
    int32_t birth, start, end;
} row_t;

static const char *s_id = "mis-2024-test"; /* the extract the batches and ends are of */
static const char *s_run = "t";           /* the run that sends them */

static int s_send_batch(lnob_aggregate_t *a, uint32_t seq, const char *lau, const row_t *r, size_t n)
{
    static char *mdict[2], *sdict[8] = {"", "HOME_CARE", "DAY_CENTRE", "COMMUNITY_CENTRE",
                                         "ECONOMIC_AID", "DISABILITY_PAYMENT", "SHELTER",
                                         "CHILD_PROTECTION"};
    mdict[0] = "";
    mdict[1] = (char *) lau;
    char *keys[8], *ids[8];
    uint32_t mun[8], serv[8], sex[8], flags[8], status[8] = {0};
    int32_t birth[8], start[8], end[8];
    uint64_t line[8];
    for (size_t i = 0; i < n; i++) {
        keys[i] = (char *) r[i].key, ids[i] = (char *) r[i].id, mun[i] = 1, serv[i] = r[i].service;
        sex[i] = r[i].sex, flags[i] = r[i].flags, birth[i] = r[i].birth;
        start[i] = r[i].start, end[i] = r[i].end, line[i] = i + 2;
    }
    Lnob__V1__MisBatch b = LNOB__V1__MIS_BATCH__INIT;
    Lnob__V1__Reject rj = LNOB__V1__REJECT__INIT, *rjp = &rj;
    rj.source = (char *) lau, rj.line = 40 + seq, rj.reason = "ROW_WIDTH", rj.file = 9;
    b.n_rejects = 1, b.rejects = &rjp; /* one rejected row per batch */
    b.extract_id = (char *) s_id, b.seq = seq, b.record_count = (uint32_t) n, b.run_id = (char *) s_run;
    b.source = (char *) lau, b.rows_read = (uint32_t) n;
    b.n_person_key = b.n_record_id = b.n_municipality = b.n_service = b.n_sex = n;
    b.n_birth_date = b.n_flags = b.n_start_date = b.n_end_date = b.n_status = b.n_line = n;
    b.person_key = keys, b.record_id = ids, b.municipality = mun, b.service = serv, b.sex = sex;
    b.birth_date = birth, b.flags = flags, b.start_date = start, b.end_date = end;
    b.status = status, b.line = line;
    b.n_municipality_dict = 2, b.municipality_dict = mdict;
    b.n_service_dict = 8, b.service_dict = sdict;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_MIS;
    env.mis = &b;
    return th_take(a, &env);
}

/* An end of s_id; with base, carrying its batches 0 and 1 as batches 0
 * and 1, rejects named file 1 of "done/AL311"; retain: kept for the next. */
static int s_send_end_carry(lnob_aggregate_t *a, uint32_t batches, const char *kind, const char *base, int retain)
{
    Lnob__V1__ExtractEnd e = LNOB__V1__EXTRACT_END__INIT;
    e.extract_id = (char *) s_id, e.run_id = (char *) s_run, e.batch_count = batches, e.period = "2024";
    e.source = "exports", e.kind = (char *) kind, e.retain = retain;
    Lnob__V1__Carry c = LNOB__V1__CARRY__INIT, *cp = &c;
    c.base_seq = 0, c.count = 2, c.seq = 0, c.file = 1, c.source = "done/AL311";
    if (base)
        e.base_extract_id = (char *) base, e.n_carry = 1, e.carry = &cp;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_END;
    env.end = &e;
    return th_take(a, &env);
}

static int s_send_end(lnob_aggregate_t *a, uint32_t batches, const char *kind)
{
    return s_send_end_carry(a, batches, kind, NULL, 0);
}

static const char *s_meta(const Lnob__V1__Result *r, const char *key)
{
    for (size_t i = 0; i < r->n_meta; i++)
        if (!strcmp(r->meta[i]->key, key))
            return r->meta[i]->value;
    return "";
}

static double s_value(const Lnob__V1__Result *r, const char *ind, const char *bd, const char *group)
{
    for (size_t i = 0; i < r->n_cells; i++)
        if (!strcmp(r->cells[i]->indicator, ind) && !strcmp(r->cells[i]->breakdown, bd) &&
            !strcmp(r->cells[i]->group, group))
            return r->cells[i]->value;
    cr_assert_fail("no cell %s %s=%s", ind, bd, group);
    return 0;
}

/* TV7: M01 = Berat (AL311), M02 = Kuçovë (AL312), in three batches. */
static const row_t s_m01[] = {
    {K(1), "1", 1, 2, 1, 19500701, 20230501, 0}, {K(1), "2", 2, 2, 1, 19500701, 20240201, 20240630},
    {K(1), "3", 5, 2, 1, 19500701, 20200101, 0}, {K(1), "4", 1, 2, 1, 19500701, 20240301, 0},
    {K(2), "5", 7, 1, 2, 20120701, 20240110, 20240430}, {K(2), "6", 3, 1, 2, 20120701, 20240501, 0},
    {K(2), "7", 4, 1, 2, 20120701, 20220101, 0}, {K(3), "8", 6, 2, 12, 19900701, 20240901, 20241015},
};
static const row_t s_m01b[] = {{K(3), "9", 3, 2, 12, 19900701, 20240901, 0}};
static const row_t s_m02[] = {
    {K(3), "10", 4, 2, 12, 19900701, 20241101, 0}, {K(4), "11", 4, 1, 0, 19850701, 20230101, 20231231},
    {K(5), "12", 5, 2, 1, 19580701, 20210301, 0}, {K(5), "13", 1, 2, 1, 19580701, 20240101, 0},
    {K(5), "14", 2, 2, 1, 19580701, 20240101, 0}, {K(5), "15", 3, 2, 1, 19580701, 20240101, 0},
    {K(6), "16", 5, 1, 1, 19790701, 20240101, 0}, {K(7), "17", 7, 2, 2, 20150701, 20240201, 0},
};

static void s_tv7(lnob_aggregate_t *a)
{
    cr_assert_eq(s_send_batch(a, 2, "AL312", s_m02, 8), LNOB_OK);
    cr_assert_eq(s_send_batch(a, 0, "AL311", s_m01, 8), LNOB_OK);
    cr_assert_eq(s_send_batch(a, 1, "AL311", s_m01b, 1), LNOB_OK);
}

Test(mis_aggregate, tv7_through_the_wire_and_the_aggregator)
{
    sink_t k = {0};
    lnob_aggregate_t *a = lnob_aggregate_new(s_emit, &k);
    s_tv7(a);
    cr_assert_null(k.result, "nothing before the end");
    cr_assert_eq(s_send_end(a, 3, "mis"), LNOB_OK);
    cr_assert_not_null(k.result);
    cr_assert_str_eq(k.result->status, "complete", "%s", k.result->error);
    cr_assert_eq(s_value(k.result, "mis_ben", "municipality,service", "AL311,COMMUNITY_CENTRE"), 2);
    cr_assert_eq(s_value(k.result, "mis_ben", "municipality,service", "AL312,DISABILITY_PAYMENT"), 2);
    cr_assert_eq(s_value(k.result, "mis_ben_all", "", ""), 6);
    cr_assert_float_eq(s_value(k.result, "mis_share3", "municipality", "AL311"), 200.0 / 3, 1e-9);
    cr_assert_float_eq(s_value(k.result, "mis_share3", "municipality", "AL312"), 25.0, 1e-9);
    cr_assert_eq(s_value(k.result, "mis_mun33", "", ""), 1);
    cr_assert_float_eq(s_value(k.result, "mis_rate1000", "municipality", "AL311"), 3000.0 / 62232, 1e-12,
                       "3 beneficiaries per Berat's 62,232 residents (Census 2023)");
    cr_assert_str_eq(s_meta(k.result, "kind"), "mis");
    cr_assert_str_eq(s_meta(k.result, "persons"), "6");
    cr_assert_str_eq(s_meta(k.result, "records_active"), "16");
    cr_assert_str_eq(s_meta(k.result, "service_set"),
                     "CHILD_PROTECTION,COMMUNITY_CENTRE,DAY_CENTRE,DISABILITY_PAYMENT,ECONOMIC_AID,"
                     "HOME_CARE,SHELTER");
    lnob_wire_free(&k.env);
    lnob_aggregate_destroy(&a);
}

Test(mis_aggregate, batches_of_another_kind_than_the_end_fail_the_extract)
{
    sink_t k = {0};
    lnob_aggregate_t *a = lnob_aggregate_new(s_emit, &k);
    s_tv7(a);
    cr_assert_eq(s_send_end(a, 3, "silc"), LNOB_OK);
    cr_assert_not_null(k.result);
    cr_assert_str_eq(k.result->status, "failed");
    cr_assert(strstr(k.result->error, "MIXED_KINDS"), "%s", k.result->error);
    cr_assert_eq(k.result->n_cells, 0);
    lnob_wire_free(&k.env);
    lnob_aggregate_destroy(&a);
}

/* Every cell of a, in order, is the same as b's (the bits of its value). */
static void s_same_cells(const Lnob__V1__Result *a, const Lnob__V1__Result *b)
{
    cr_assert_eq(a->n_cells, b->n_cells);
    for (size_t i = 0; i < a->n_cells; i++) {
        cr_assert_str_eq(a->cells[i]->indicator, b->cells[i]->indicator);
        cr_assert_str_eq(a->cells[i]->breakdown, b->cells[i]->breakdown);
        cr_assert_str_eq(a->cells[i]->group, b->cells[i]->group);
        cr_assert_eq(a->cells[i]->n, b->cells[i]->n, "%s %s", a->cells[i]->indicator, a->cells[i]->group);
        cr_assert(!memcmp(&a->cells[i]->value, &b->cells[i]->value, sizeof(double)), "%s %s",
                  a->cells[i]->indicator, a->cells[i]->group);
    }
}

static int s_carried_rejects; /* rejects of carried batches checked */

/* Checks the rejects of the carried batches in the quarantine emitted. */
static int s_emit_quarantine(void *arg, const uint8_t *data, size_t len)
{
    lnob_wire_stats_t st = {0};
    char why[256];
    lnob_env_t *env = lnob_wire_decode(data, len, &st, why, sizeof why);
    cr_assert_not_null(env, "%s", why);
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_QUARANTINE) {
        for (size_t i = 0; i < env->quarantine->n_rejects; i++) {
            const Lnob__V1__Reject *r = env->quarantine->rejects[i];
            int carried = strcmp(env->quarantine->extract_id, "mis-2024-next") == 0;
            if (carried && (r->line == 40 || r->line == 41)) { /* the carried batches' rejects */
                cr_assert_str_eq(r->source, "done/AL311", "the path of this extract");
                cr_assert_eq(r->file, 1, "the file of this extract");
                s_carried_rejects++;
            }
        }
        lnob_wire_free(&env);
        return LNOB_OK;
    }
    lnob_wire_free(&env);
    return s_emit(arg, data, len);
}

/* A drop folder's next round: the end carries two batches of the round
 * before, which the aggregator kept; the new export's batch alone crosses
 * the wire. The cells are those of sending all three, bit for bit, and the
 * carried rejects name this extract's file and path. The base is taken
 * once: an end that carries from it again leaves those batches missing,
 * until they come (the ingester's redelivery). */
Test(mis_aggregate, an_end_carries_batches_of_the_extract_kept_before)
{
    sink_t whole = {0}, k = {0};
    lnob_aggregate_t *a = lnob_aggregate_new(s_emit, &whole);
    s_id = "mis-2024-whole";
    s_tv7(a);
    cr_assert_eq(s_send_end_carry(a, 3, "mis", NULL, 1), LNOB_OK);
    cr_assert_not_null(whole.result);
    lnob_aggregate_destroy(&a);

    a = lnob_aggregate_new(s_emit_quarantine, &k);
    s_id = "mis-2024-base";
    s_tv7(a);
    cr_assert_eq(s_send_end_carry(a, 3, "mis", NULL, 1), LNOB_OK, "kept: retain");
    s_id = "mis-2024-other", s_run = "another run"; /* another sender cannot take a run's base */
    cr_assert_eq(s_send_end_carry(a, 3, "mis", "mis-2024-base", 0), LNOB_OK);
    cr_assert_eq(lnob_aggregate_stats(a)->not_carried, 2);
    cr_assert_eq(lnob_aggregate_stats(a)->carried, 0);
    s_id = "mis-2024-next", s_run = "t";
    cr_assert_eq(s_send_batch(a, 2, "AL312", s_m02, 8), LNOB_OK);
    cr_assert_eq(s_send_end_carry(a, 3, "mis", "mis-2024-base", 1), LNOB_OK);
    cr_assert_str_eq(k.result->extract_id, "mis-2024-next");
    cr_assert_str_eq(k.result->status, "complete", "%s", k.result->error);
    s_same_cells(k.result, whole.result);
    cr_assert_str_eq(s_meta(k.result, "counted_from"), "mis-2024-base", "only the changed batch's persons counted");
    cr_assert_str_eq(s_meta(k.result, "rows_quarantined"), "3");
    cr_assert_eq(s_carried_rejects, 2, "both carried batches' rejects, renamed");
    cr_assert_eq(lnob_aggregate_stats(a)->carried, 2, "the base was still there for its own run");
    cr_assert_eq(lnob_aggregate_stats(a)->not_carried, 2);

    s_id = "mis-2024-again"; /* the base was taken: nothing to carry from it now */
    cr_assert_eq(s_send_batch(a, 2, "AL312", s_m02, 8), LNOB_OK);
    cr_assert_eq(s_send_end_carry(a, 3, "mis", "mis-2024-base", 0), LNOB_OK);
    cr_assert_str_eq(k.result->extract_id, "mis-2024-next", "incomplete: two batches missing");
    cr_assert_eq(lnob_aggregate_stats(a)->not_carried, 4);
    cr_assert_eq(s_send_batch(a, 1, "AL311", s_m01b, 1), LNOB_OK);
    cr_assert_str_eq(k.result->extract_id, "mis-2024-next");
    cr_assert_eq(s_send_batch(a, 0, "AL311", s_m01, 8), LNOB_OK);
    cr_assert_str_eq(k.result->extract_id, "mis-2024-again", "complete once the batches came");
    s_same_cells(k.result, whole.result);
    cr_assert_str_eq(s_meta(k.result, "counted_from"), "", "nothing carried: counted afresh");
    lnob_wire_free(&k.env);
    lnob_wire_free(&whole.env);
    lnob_aggregate_destroy(&a);
    s_id = "mis-2024-test";
}

/* The cells of TV7 with M02's batch cut to its first n rows, counted
 * afresh by an aggregator of their own. */
static void s_afresh(sink_t *k, size_t n)
{
    lnob_aggregate_t *a = lnob_aggregate_new(s_emit, k);
    s_id = "mis-2024-afresh";
    cr_assert_eq(s_send_batch(a, 0, "AL311", s_m01, 8), LNOB_OK);
    cr_assert_eq(s_send_batch(a, 1, "AL311", s_m01b, 1), LNOB_OK);
    cr_assert_eq(s_send_batch(a, 2, "AL312", s_m02, n), LNOB_OK);
    cr_assert_eq(s_send_end(a, 3, "mis"), LNOB_OK);
    cr_assert_str_eq(s_meta(k->result, "counted_from"), "");
    lnob_aggregate_destroy(&a);
}

/* Rounds one after another, each carrying M01's batches from the round
 * before and sending M02's anew with other rows (K5's, K6's and K7's
 * records go, then come back): each round is counted from the one before
 * (counted_from) and gives the cells of the same batches counted afresh. */
Test(mis_aggregate, rounds_counted_from_the_one_before_give_the_cells_counted_afresh)
{
    static const size_t rows[] = {8, 4, 6, 8, 3};
    static const char *const ids[] = {"mis-2024-r0", "mis-2024-r1", "mis-2024-r2", "mis-2024-r3", "mis-2024-r4"};
    sink_t k = {0};
    lnob_aggregate_t *a = lnob_aggregate_new(s_emit, &k);
    for (size_t round = 0; round < sizeof rows / sizeof rows[0]; round++) {
        s_id = ids[round];
        if (round == 0)
            s_tv7(a);
        else
            cr_assert_eq(s_send_batch(a, 2, "AL312", s_m02, rows[round]), LNOB_OK);
        cr_assert_eq(s_send_end_carry(a, 3, "mis", round ? ids[round - 1] : NULL, 1), LNOB_OK);
        cr_assert_str_eq(k.result->extract_id, ids[round]);
        cr_assert_str_eq(k.result->status, "complete", "%s", k.result->error);
        cr_assert_str_eq(s_meta(k.result, "counted_from"), round ? ids[round - 1] : "", "round %zu", round);
        sink_t fresh = {0};
        s_afresh(&fresh, rows[round]);
        s_same_cells(k.result, fresh.result);
        cr_assert_str_eq(s_meta(k.result, "persons"), s_meta(fresh.result, "persons"), "round %zu", round);
        cr_assert_str_eq(s_meta(k.result, "duplicates_merged"), s_meta(fresh.result, "duplicates_merged"));
        lnob_wire_free(&fresh.env);
    }
    cr_assert_eq(lnob_aggregate_stats(a)->carried, 8, "two batches a round");
    lnob_wire_free(&k.env);
    lnob_aggregate_destroy(&a);
    s_id = "mis-2024-test";
}
