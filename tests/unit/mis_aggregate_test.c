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
    b.extract_id = "mis-2024-test", b.seq = seq, b.record_count = (uint32_t) n, b.run_id = "t";
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

static int s_send_end(lnob_aggregate_t *a, uint32_t batches, const char *kind)
{
    Lnob__V1__ExtractEnd e = LNOB__V1__EXTRACT_END__INIT;
    e.extract_id = "mis-2024-test", e.run_id = "t", e.batch_count = batches, e.period = "2024";
    e.source = "exports", e.kind = (char *) kind;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_END;
    env.end = &e;
    return th_take(a, &env);
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

/* TV7: M01 = Berat (AL311), M02 = Kuçovë (AL312). */
static void s_tv7(lnob_aggregate_t *a)
{
    const row_t m01[] = {
        {K(1), "1", 1, 2, 1, 19500701, 20230501, 0}, {K(1), "2", 2, 2, 1, 19500701, 20240201, 20240630},
        {K(1), "3", 5, 2, 1, 19500701, 20200101, 0}, {K(1), "4", 1, 2, 1, 19500701, 20240301, 0},
        {K(2), "5", 7, 1, 2, 20120701, 20240110, 20240430}, {K(2), "6", 3, 1, 2, 20120701, 20240501, 0},
        {K(2), "7", 4, 1, 2, 20120701, 20220101, 0}, {K(3), "8", 6, 2, 12, 19900701, 20240901, 20241015},
    };
    const row_t m01b[] = {{K(3), "9", 3, 2, 12, 19900701, 20240901, 0}};
    const row_t m02[] = {
        {K(3), "10", 4, 2, 12, 19900701, 20241101, 0}, {K(4), "11", 4, 1, 0, 19850701, 20230101, 20231231},
        {K(5), "12", 5, 2, 1, 19580701, 20210301, 0}, {K(5), "13", 1, 2, 1, 19580701, 20240101, 0},
        {K(5), "14", 2, 2, 1, 19580701, 20240101, 0}, {K(5), "15", 3, 2, 1, 19580701, 20240101, 0},
        {K(6), "16", 5, 1, 1, 19790701, 20240101, 0}, {K(7), "17", 7, 2, 2, 20150701, 20240201, 0},
    };
    cr_assert_eq(s_send_batch(a, 2, "AL312", m02, 8), LNOB_OK);
    cr_assert_eq(s_send_batch(a, 0, "AL311", m01, 8), LNOB_OK);
    cr_assert_eq(s_send_batch(a, 1, "AL311", m01b, 1), LNOB_OK);
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
