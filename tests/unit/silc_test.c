/* silc_test.c - the merged person-level SILC CSV parser (sources/silc/silc.h):
 * header mapping, row validation and rejects, weights, municipalities,
 * batch splitting and the whole-extract errors. Every emitted batch is also
 * packed and run through lnob_wire_decode: what the ingester sends must
 * pass the wire contract. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lnob/geo.h"
#include "lnob/rc.h"
#include "lnob/udb.h"
#include "rejects.h"
#include "silc.h"
#include "wire.h"

#define CHECKSUM "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_2023 "silc-2023-0123456789abcdef"
#define SOURCE "test.csv"
#define RUN_ID "run-t"

#define MAXB 8   /* batches kept */
#define MAXR 32  /* records / rejects kept per batch */

/* ---- capture ------------------------------------------------------------------ */

typedef struct {
    char source[64];
    uint64_t line;
    char field[32];
    char reason[40];
    char detail[256];
    char raw[16400];
    uint32_t kept;  /* 0 quarantined whole, k the k-th flagged field of a row kept */
} creject_t;

/* One emitted batch, copied (the batch is borrowed). */
typedef struct {
    char extract_id[80], run_id[32], source[64], mun_field[32];
    uint32_t seq, record_count, rows_read, out_of_scope;
    size_t n_hx090, n_hy020, n_hx050, n_region_dict, n_mun_dict;
    int64_t pid[MAXR], hh[MAXR], w[MAXR];
    double hx090[MAXR], hy020[MAXR], hx050[MAXR];
    uint32_t sex[MAXR];
    int32_t age[MAXR];
    int32_t rb081[MAXR]; /* the RB081 variable, -100 when the batch has none */
    int32_t hs060[MAXR]; /* the HS060 variable, likewise */
    double hy010[MAXR];  /* the HY010 variable, -12345 when the batch has none */
    uint64_t line[MAXR];
    char region[MAXR][16], mun[MAXR][16]; /* dictionary entries resolved */
    size_t n_rejects;
    creject_t rej[MAXR];
} cbatch_t;

typedef struct {
    cbatch_t b[MAXB];
    size_t n;
    size_t fail_at; /* 1-based emit that returns fail_rc; 0 = never */
    int fail_rc;
} cap_t;

static lnob_geo_t *geo;

static void s_setup(void)
{
    geo = lnob_geo_new();
    cr_assert_not_null(geo, "lnob_geo_new failed");
}

static void s_teardown(void)
{
    lnob_geo_destroy(&geo);
}

TestSuite(silc, .init = s_setup, .fini = s_teardown);

static int s_emit(void *arg, Lnob__V1__Batch *b)
{
    cap_t *c = arg;
    cr_assert_lt(c->n, MAXB, "more than %d batches", MAXB);
    cr_assert_leq(b->record_count, MAXR);
    cr_assert_leq(b->n_rejects, MAXR);
    /* the batch must satisfy the wire contract */
    lnob_env_t e = LNOB__V1__ENVELOPE__INIT;
    e.schema_version = LNOB_SCHEMA_VERSION;
    e.body_case = LNOB__V1__ENVELOPE__BODY_BATCH;
    e.batch = b;
    size_t len = lnob__v1__envelope__get_packed_size(&e);
    uint8_t *buf = malloc(len ? len : 1);
    cr_assert_not_null(buf);
    lnob__v1__envelope__pack(&e, buf);
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *dec = lnob_wire_decode(buf, len, &st, why, sizeof why);
    cr_assert_not_null(dec, "emitted batch %zu fails the wire contract: %s", c->n, why);
    lnob_wire_free(&dec);
    free(buf);

    cbatch_t *o = &c->b[c->n++];
    memset(o, 0, sizeof *o);
    snprintf(o->extract_id, sizeof o->extract_id, "%s", b->extract_id);
    snprintf(o->run_id, sizeof o->run_id, "%s", b->run_id);
    snprintf(o->source, sizeof o->source, "%s", b->source);
    snprintf(o->mun_field, sizeof o->mun_field, "%s", b->municipality_field ? b->municipality_field : "");
    o->seq = b->seq;
    o->record_count = b->record_count;
    o->rows_read = b->rows_read;
    o->out_of_scope = b->out_of_scope;
    o->n_hx090 = b->n_hx090;
    o->n_hy020 = b->n_hy020;
    o->n_hx050 = b->n_hx050;
    o->n_region_dict = b->n_region_dict;
    o->n_mun_dict = b->n_municipality_dict;
    for (size_t i = 0; i < b->record_count; i++) {
        o->pid[i] = b->person_id[i];
        o->hh[i] = b->household_id[i];
        o->w[i] = b->weight[i];
        o->hx090[i] = i < b->n_hx090 ? b->hx090[i] : -12345.0;
        o->hy020[i] = i < b->n_hy020 ? b->hy020[i] : -12345.0;
        o->hx050[i] = i < b->n_hx050 ? b->hx050[i] : -12345.0;
        o->sex[i] = b->sex[i];
        o->age[i] = b->age[i];
        o->rb081[i] = o->hs060[i] = -100;
        o->hy010[i] = -12345.0;
        for (size_t v = 0; v < b->n_vars; v++) {
            const Lnob__V1__Var *x = b->vars[v];
            if (!strcmp(x->name, "RB081") && i < x->n_code)
                o->rb081[i] = x->code[i];
            if (!strcmp(x->name, "HS060") && i < x->n_code)
                o->hs060[i] = x->code[i];
            if (!strcmp(x->name, "HY010") && i < x->n_amount)
                o->hy010[i] = x->amount[i];
        }
        o->line[i] = b->line[i];
        snprintf(o->region[i], sizeof o->region[i], "%s", b->region_dict[b->region[i]]);
        snprintf(o->mun[i], sizeof o->mun[i], "%s", b->municipality_dict[b->municipality[i]]);
    }
    o->n_rejects = b->n_rejects;
    for (size_t i = 0; i < b->n_rejects; i++) {
        const Lnob__V1__Reject *r = b->rejects[i];
        creject_t *x = &o->rej[i];
        snprintf(x->source, sizeof x->source, "%s", r->source);
        x->line = r->line;
        snprintf(x->field, sizeof x->field, "%s", r->field);
        snprintf(x->reason, sizeof x->reason, "%s", r->reason);
        snprintf(x->detail, sizeof x->detail, "%s", r->detail);
        snprintf(x->raw, sizeof x->raw, "%s", r->raw);
        x->kept = r->kept;
    }
    if (c->fail_at && c->n == c->fail_at)
        return c->fail_rc;
    return LNOB_OK;
}

/* A SILC source of the test's extract that emits to emit(arg). */
static lnob_silc_t *s_new_enc(lnob_silc_emit_fn emit, void *arg, size_t batch_size, lnob_encoding_t enc)
{
    static lnob_silc_opts_t o;
    o = (lnob_silc_opts_t){.source = SOURCE,
                           .checksum = CHECKSUM,
                           .run_id = RUN_ID,
                           .batch_size = batch_size,
                           .geo = geo,
                           .emit = emit,
                           .arg = arg,
                           .encoding = enc};
    lnob_silc_t *p = lnob_silc_new(&o);
    cr_assert_not_null(p);
    return p;
}

static lnob_silc_t *s_new_to(lnob_silc_emit_fn emit, void *arg, size_t batch_size)
{
    return s_new_enc(emit, arg, batch_size, LNOB_ENC_AUTO);
}

static lnob_silc_t *s_new(cap_t *c, size_t batch_size)
{
    return s_new_to(s_emit, c, batch_size);
}

/* With the encoding configured, rows go out as they are fed (detection
 * holds the first LNOB_RECODE_SNIFF bytes, or all of a shorter input). */
static lnob_silc_t *s_new_utf8(cap_t *c, size_t batch_size)
{
    return s_new_enc(s_emit, c, batch_size, LNOB_ENC_UTF8);
}

/* Feeds len bytes chunk at a time (0 = whole) then finishes; returns the
 * first non-OK rc. The parser is left in *out if out, else destroyed. */
static int s_run(const char *in, size_t len, size_t chunk, size_t batch_size, cap_t *c,
                 lnob_silc_t **out)
{
    lnob_silc_t *p = s_new(c, batch_size);
    if (chunk == 0)
        chunk = len ? len : 1;
    int rc = LNOB_OK;
    for (size_t off = 0; off < len && rc == LNOB_OK; off += chunk)
        rc = lnob_silc_feed(p, in + off, len - off < chunk ? len - off : chunk);
    if (rc == LNOB_OK)
        rc = lnob_silc_finish(p);
    if (out)
        *out = p;
    else
        lnob_silc_destroy(&p);
    return rc;
}

#define RUN(lit, bs, c, out) s_run((lit), sizeof(lit) - 1, 0, (bs), (c), (out))

static cap_t *s_cap(void)
{
    cap_t *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    return c;
}

static void s_expect_reject(const cbatch_t *b, size_t i, uint64_t line, const char *reason,
                            const char *field)
{
    cr_assert_lt(i, b->n_rejects, "reject %zu missing (%zu rejects)", i, b->n_rejects);
    const creject_t *r = &b->rej[i];
    cr_expect_eq(r->line, line, "reject %zu (%s): line %llu, expected %llu", i, reason,
                 (unsigned long long) r->line, (unsigned long long) line);
    cr_expect_str_eq(r->reason, reason, "reject %zu at line %llu", i, (unsigned long long) line);
    cr_expect_str_eq(r->field, field, "reject %zu (%s) at line %llu", i, reason,
                     (unsigned long long) line);
    cr_expect_str_eq(r->source, SOURCE);
    cr_expect_neq(r->detail[0], '\0', "reject %zu has no detail", i);
    cr_expect_eq(r->kept, 0, "reject %zu at line %llu: the row is quarantined whole", i,
                 (unsigned long long) line);
}

/* Reject i is the k-th flagged field of a row that is kept (spec §1.8). */
static void s_expect_flag(const cbatch_t *b, size_t i, uint64_t line, const char *reason,
                          const char *field, uint32_t k)
{
    cr_assert_lt(i, b->n_rejects, "flag %zu missing (%zu rejects)", i, b->n_rejects);
    const creject_t *r = &b->rej[i];
    cr_expect_eq(r->line, line, "flag %zu (%s): line %llu, expected %llu", i, reason,
                 (unsigned long long) r->line, (unsigned long long) line);
    cr_expect_str_eq(r->reason, reason, "flag %zu at line %llu", i, (unsigned long long) line);
    cr_expect_str_eq(r->field, field, "flag %zu (%s) at line %llu", i, reason, (unsigned long long) line);
    cr_expect_eq(r->kept, k, "flag %zu at line %llu: kept %u, expected %u", i, (unsigned long long) line,
                 r->kept, k);
}

/* Sum over batches of records, rows quarantined whole, out-of-scope and
 * rows_read. */
static void s_totals(const cap_t *c, uint64_t *rec, uint64_t *rej, uint64_t *oos, uint64_t *rows)
{
    *rec = *rej = *oos = *rows = 0;
    for (size_t i = 0; i < c->n; i++) {
        *rec += c->b[i].record_count;
        for (size_t k = 0; k < c->b[i].n_rejects; k++)
            *rej += c->b[i].rej[k].kept == 0;
        *oos += c->b[i].out_of_scope;
        *rows += c->b[i].rows_read;
    }
}

#define H9 "DB010,DB030,RB030,RB050,RB090,RX010,HX090,DB040,MUN_CODE\n"
#define HNAME "DB010,DB030,RB030,RB050,RB090,RX010,HX090,DB040,MUNICIPALITY\n"

/* ---- usage ------------------------------------------------------------------------- */

Test(silc, happy_path_usage)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    int rc = RUN(H9
                 "2023,1,101,597.5,1,59,670094.23,AL03,AL154\n"
                 "2023,1,102,280.5,2,6,670094.23,AL02,al154\n"
                 "2023,2,201,343.5,,,,AL02,AL155\n",
                 100, c, &p);
    cr_assert_eq(rc, LNOB_OK, "rc %d: %s %s", rc, lnob_silc_reason(p), lnob_silc_errstr(p));
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_expect_str_eq(b->extract_id, ID_2023);
    cr_expect_str_eq(b->run_id, RUN_ID);
    cr_expect_str_eq(b->source, SOURCE);
    cr_expect_eq(b->seq, 0);
    cr_assert_eq(b->record_count, 3);
    cr_expect_eq(b->rows_read, 3);
    cr_expect_eq(b->out_of_scope, 0);
    cr_expect_eq(b->n_rejects, 0);
    static const int64_t pid[] = {101, 102, 201}, hh[] = {1, 1, 2};
    static const int64_t w[] = {59750000, 28050000, 34350000};
    static const uint32_t sex[] = {1, 2, 0};
    static const int32_t age[] = {59, 6, LNOB_AGE_NONE};
    static const uint64_t line[] = {2, 3, 4};
    static const char *const region[] = {"AL03", "AL02", "AL02"};
    static const char *const mun[] = {"AL154", "AL154", "AL155"};
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(b->pid[i], pid[i], "pid[%d]", i);
        cr_expect_eq(b->hh[i], hh[i], "hh[%d]", i);
        cr_expect_eq(b->w[i], w[i], "w[%d] = %lld", i, (long long) b->w[i]);
        cr_expect_eq(b->sex[i], sex[i], "sex[%d]", i);
        cr_expect_eq(b->age[i], age[i], "age[%d]", i);
        cr_expect_eq(b->line[i], line[i], "line[%d]", i);
        cr_expect_str_eq(b->region[i], region[i], "region[%d]", i);
        cr_expect_str_eq(b->mun[i], mun[i], "mun[%d]", i);
    }
    cr_expect_eq(b->hx090[0], 670094.23);
    cr_expect_eq(b->hx090[1], 670094.23);
    cr_expect(isnan(b->hx090[2]), "empty HX090 is NaN, got %g", b->hx090[2]);
    cr_expect_eq(b->n_region_dict, 3, "dict \"\", AL03, AL02");
    cr_expect_eq(b->n_mun_dict, 3, "dict \"\", AL154, AL155");
    cr_expect_str_eq(b->mun_field, "MUN_CODE");
    cr_expect_str_eq(lnob_silc_extract_id(p), ID_2023);
    cr_expect_str_eq(lnob_silc_period(p), "2023");
    cr_expect_eq(lnob_silc_rows_read(p), 3);
    cr_expect_eq(lnob_silc_records(p), 3);
    cr_expect_eq(lnob_silc_batches(p), 1);
    lnob_silc_destroy(&p);
    cr_assert_null(p);
    lnob_silc_destroy(&p);
    free(c);
}

/* ---- header mapping ------------------------------------------------------------------ */

Test(silc, lower_case_header_names)
{
    cap_t *c = s_cap();
    int rc = RUN("db010,db030,rb030,rb050,rb090,rx010,hx090,db040,municipality\n"
                 "2023,7,701,1.25,2,31,215682.17,AL01,Shkodra\n"
                 "2023,7,702,abc,2,31,215682.17,AL01,Shkodra\n",
                 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 2, "a bad weight is flagged, the row kept (spec 1.8)");
    cr_expect_eq(b->w[1], 0, "with weight 0: in no indicator population");
    cr_expect_eq(b->pid[0], 701);
    cr_expect_eq(b->hh[0], 7);
    cr_expect_eq(b->w[0], 125000);
    cr_expect_eq(b->sex[0], 2);
    cr_expect_eq(b->age[0], 31);
    cr_expect_eq(b->hx090[0], 215682.17);
    cr_expect_str_eq(b->region[0], "AL01");
    cr_expect_str_eq(b->mun[0], "AL154");
    cr_expect_str_eq(b->extract_id, ID_2023);
    cr_assert_eq(b->n_rejects, 1);
    s_expect_flag(b, 0, 3, "BAD_NUMBER", "rb050", 1);
    free(c);
}

Test(silc, alternative_column_names)
{
    /* HB030 for DB030, RB010 for DB010, RX020 for RX010, BASHKIA for
     * MUNICIPALITY; columns in any order, extra columns ignored */
    cap_t *c = s_cap();
    lnob_silc_t *p;
    int rc = RUN("EXTRA,RX020,BASHKIA,HX090,RB050,RB030,HB030,RB010\n"
                 "x,44,Velipojë,1000,2,9,8,2021\n",
                 100, c, &p);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_silc_errstr(p));
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 1);
    cr_expect_eq(b->pid[0], 9);
    cr_expect_eq(b->hh[0], 8);
    cr_expect_eq(b->w[0], 200000);
    cr_expect_eq(b->age[0], 44);
    cr_expect_eq(b->sex[0], 0);
    cr_expect_str_eq(b->region[0], "");
    cr_expect_str_eq(b->mun[0], "AL154");
    cr_expect_str_eq(b->extract_id, "silc-2021-0123456789abcdef");
    cr_expect_str_eq(lnob_silc_period(p), "2021");
    lnob_silc_destroy(&p);
    free(c);
}

Test(silc, age_at_interview_falls_back_to_rb082_then_the_year_of_birth)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    int rc = RUN("DB010,DB030,RB030,RB050,HX090,RB082,RX020\n2023,1,11,1,100,41,40\n", 100, c, &p);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_silc_errstr(p));
    cr_expect_eq(c->b[0].age[0], 41, "RB082 before RX020");
    cr_expect_str_eq(lnob_silc_notes(p), "");
    lnob_silc_destroy(&p);
    free(c);
    c = s_cap();
    rc = RUN("DB010,DB030,RB030,RB050,HX090,RB080,RX020\n2023,1,11,1,100,1980,40\n"
             "2023,1,12,1,100,2030,40\n2022,2,21,1,100,2000,40\n",
             100, c, &p);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_silc_errstr(p));
    cr_assert_eq(c->b[0].record_count, 2);
    cr_expect_eq(c->b[0].age[0], 43, "2023 - 1980");
    cr_expect_eq(c->b[0].age[1], LNOB_AGE_NONE, "born after the interview: flagged, age missing");
    s_expect_flag(&c->b[0], 0, 3, "BAD_NUMBER", "RB080", 1);
    s_expect_reject(&c->b[0], 1, 4, "YEAR_MISMATCH", "DB010");
    cr_expect(strstr(lnob_silc_notes(p), "RB080"), "a data-quality note says where ages came from");
    lnob_silc_destroy(&p);
    free(c);
}

Test(silc, age_at_the_end_of_the_income_year_falls_back_to_the_year_of_birth)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    /* HS060 makes it a file with UDB variables, whose statuses need AGE_IRP */
    int rc = RUN("DB010,DB030,RB030,RB050,HX090,RX010,RB080,HS060\n2023,1,11,1,100,43,1980,1\n"
                 "2023,1,12,1,100,5,,1\n",
                 100, c, &p);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_silc_errstr(p));
    cr_assert_eq(c->b[0].record_count, 2);
    cr_expect_eq(c->b[0].rb081[0], 42, "2023 - 1 - 1980");
    cr_expect_eq(c->b[0].rb081[1], LNOB_AGE_NONE, "no year of birth: missing");
    cr_expect(strstr(lnob_silc_notes(p), "AGE_IRP is RB010 - 1 - RB080"), "%s", lnob_silc_notes(p));
    lnob_silc_destroy(&p);
    free(c);
}

/* RX020 = -1 (born after the income reference period) is an age (spec
 * 1.8): the RX020 variable carries it, and so does AGE_INT when RX020 is
 * the only age; a missing one is LNOB_AGE_NONE, never -1. */
Test(silc, rx020_minus_one_is_an_age)
{
    cap_t *c = s_cap();
    int rc = RUN("DB010,DB030,RB030,RB050,HY020,RX020,HS060\n"
                 "2023,1,11,1,1000,-1,1\n"
                 "2023,1,12,1,1000,,1\n"
                 "2023,1,13,1,1000,-3,1\n",
                 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 3);
    cr_expect_eq(b->age[0], -1);
    cr_expect_eq(b->age[1], LNOB_AGE_NONE);
    cr_expect_eq(b->age[2], LNOB_AGE_NONE);
    cr_assert_eq(b->n_rejects, 1);
    s_expect_flag(b, 0, 4, "BAD_NUMBER", "RX020", 1);
    free(c);
}

Test(silc, hx090_path)
{
    cap_t *c = s_cap();
    int rc = RUN("DB030,RB030,RB050,HX090\n"
                 "1,11,1,1500.5\n"
                 "1,12,1,-20\n",
                 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 2);
    cr_expect_eq(b->n_hx090, 2);
    cr_expect_eq(b->n_hy020, 0);
    cr_expect_eq(b->n_hx050, 0);
    cr_expect_eq(b->hx090[0], 1500.5);
    cr_expect_eq(b->hx090[1], -20.0);
    cr_expect_str_eq(b->extract_id, "silc-unknown-0123456789abcdef", "no year column");
    free(c);
}

Test(silc, hy020_hx050_path)
{
    cap_t *c = s_cap();
    int rc = RUN("DB010,DB030,RB030,RB050,HY020,HX050\n"
                 "2022,1,11,1,30000,1.5\n"
                 "2022,1,12,1,,2.1\n"
                 "2022,2,21,1,12000,\n"
                 "2022,3,31,1,5000,0.5\n"
                 "2022,3,32,1,x,2\n"
                 "2022,3,33,1,1,inf\n",
                 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 6, "bad income fields are flagged, the rows kept (spec 1.8)");
    cr_expect_eq(b->n_hx090, 0);
    cr_expect_eq(b->n_hy020, 6);
    cr_expect_eq(b->n_hx050, 6);
    cr_expect_eq(b->hy020[0], 30000.0);
    cr_expect_eq(b->hx050[0], 1.5);
    cr_expect(isnan(b->hy020[1]), "empty HY020 is NaN");
    cr_expect_eq(b->hx050[1], 2.1);
    cr_expect_eq(b->hy020[2], 12000.0);
    cr_expect(isnan(b->hx050[2]), "empty HX050 is NaN");
    cr_expect_str_eq(b->extract_id, "silc-2022-0123456789abcdef");
    cr_expect_eq(b->hy020[3], 5000.0);
    cr_expect(isnan(b->hx050[3]), "HX050 below 1 is missing");
    cr_expect(isnan(b->hy020[4]) && b->hx050[4] == 2.0, "HY020 'x' is missing, HX050 stays");
    cr_expect(b->hy020[5] == 1.0 && isnan(b->hx050[5]), "HX050 'inf' is missing, HY020 stays");
    cr_assert_eq(b->n_rejects, 3);
    s_expect_flag(b, 0, 5, "OUT_OF_RANGE", "HX050", 1);
    s_expect_flag(b, 1, 6, "BAD_NUMBER", "HY020", 1);
    s_expect_flag(b, 2, 7, "BAD_NUMBER", "HX050", 1);
    free(c);
}

/* Every income column travels: the transformers take HX090 when valid and
 * fall back to HY020 / HX050 (spec 1.8). A flag below 1 makes a value
 * missing whatever it says: HY020 = 9999 with HY020_F = -1 is no income. */
Test(silc, every_income_column_travels_and_flags_make_values_missing)
{
    cap_t *c = s_cap();
    int rc = RUN("DB030,RB030,RB050,HY020,HY020_F,HX050,HX090,HX090_F\n"
                 "1,11,1,30000,1,1.5,777,1\n"
                 "2,21,1,9999,-1,1.5,,\n"
                 "3,31,1,6000,,2,500,-1\n",
                 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 3);
    cr_expect_eq(b->n_hx090, 3);
    cr_expect_eq(b->n_hy020, 3);
    cr_expect_eq(b->n_hx050, 3);
    cr_expect_eq(b->hx090[0], 777.0);
    cr_expect_eq(b->hy020[0], 30000.0);
    cr_expect_eq(b->hx050[0], 1.5);
    cr_expect(isnan(b->hy020[1]), "HY020 9999 flagged -1 is missing, got %g", b->hy020[1]);
    cr_expect(isnan(b->hx090[2]), "HX090 500 flagged -1 is missing, got %g", b->hx090[2]);
    cr_expect_eq(b->hy020[2], 6000.0, "an empty flag says nothing");
    cr_expect_eq(b->n_rejects, 0, "a flagged value is the file's own 'missing', not an error");
    free(c);
}

/* Without HX050 a file with UDB variables still goes through (its batches
 * hold whole households: the transformers derive HX050, spec 1.4) and says
 * so in its notes; a merged file without them cannot (see
 * missing_required_columns). */
Test(silc, hy020_without_hx050_with_udb_variables)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    static const char in[] = "DB010,DB030,RB030,RB050,RX010,RX020,HY020\n"
                             "2022,1,11,1,40,39,30000\n"
                             "2022,1,12,1,9,8,30000\n";
    int rc = s_run(in, sizeof in - 1, 0, 100, c, &p);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_silc_errstr(p));
    cr_assert_eq(c->n, 1);
    cr_expect_eq(c->b[0].record_count, 2);
    cr_expect_eq(c->b[0].hy020[0], 30000.0);
    cr_expect_eq(c->b[0].n_hx050, 0, "no HX050 column: none travels");
    cr_expect(strstr(lnob_silc_notes(p), "HX050 derived by the modified OECD scale"), "%s",
              lnob_silc_notes(p));
    lnob_silc_destroy(&p);
    free(c);
}

/* When HX050 is derived, a household with a member quarantined whole cannot
 * be sized (spec 1.4 counts every member): its persons' income goes
 * missing, whether the bad row comes after accepted ones or before them; a
 * second row of an accepted person is no member more. A member without a
 * valid weight is kept (flagged, weight 0) and still counts (spec 1.8). */
Test(silc, a_member_quarantined_whole_leaves_a_derived_household_without_income)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    static const char in[] = "DB010,DB030,RB030,RB050,RX010,RX020,HY020\n"
                             "2022,1,11,1,40,39,30000\n"
                             "2022,1,12,,9,8,30000\n"     /* no weight: flagged, kept */
                             "2022,1,13,-1,7,6,30000\n"   /* negative weight: likewise */
                             "2021,2,21,1,50,49,9000\n"   /* another year, first of its household */
                             "2022,2,22,1,48,47,9000\n"
                             "2022,3,31,1,60,59,7000\n"
                             "2022,3,31,1,60,59,7000\n";  /* DUPLICATE_ID */
    int rc = s_run(in, sizeof in - 1, 0, 100, c, &p);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_silc_errstr(p));
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 5);
    cr_expect(b->hy020[0] == 30000.0 && b->hy020[1] == 30000.0 && b->hy020[2] == 30000.0,
              "household 1 is whole");
    cr_expect(b->w[1] == 0 && b->w[2] == 0, "persons 12 and 13: weight 0");
    cr_expect(isnan(b->hy020[3]), "household 2: person 22");
    cr_expect_eq(b->hy020[4], 7000.0, "household 3 only had a duplicate row");
    cr_assert_eq(b->n_rejects, 4);
    s_expect_flag(b, 0, 3, "MISSING_WEIGHT", "RB050", 1);
    s_expect_flag(b, 1, 4, "NEGATIVE_WEIGHT", "RB050", 1);
    s_expect_reject(b, 2, 5, "YEAR_MISMATCH", "DB010");
    s_expect_reject(b, 3, 8, "DUPLICATE_ID", "RB030");
    cr_expect(strstr(lnob_silc_notes(p), "1 households with a quarantined member"), "%s",
              lnob_silc_notes(p));
    lnob_silc_destroy(&p);
    free(c);
}

/* ---- weights --------------------------------------------------------------------------- */

Test(silc, weight_units)
{
    cap_t *c = s_cap();
    int rc = RUN("DB030,RB030,RB050,HX090\n"
                 "1,1,1.5,1\n"
                 "1,2,0,1\n"
                 "1,3,0.00001,1\n"
                 "1,4,1234.56789,1\n"
                 "1,5,0.1,1\n"
                 "1,6, 2 ,1\n"
                 "1,7,\"3.5\",1\n",
                 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 7, "rejects: %zu, first %s", b->n_rejects, b->rej[0].reason);
    static const int64_t want[] = {150000, 0, 1, 123456789, 10000, 200000, 350000};
    for (int i = 0; i < 7; i++)
        cr_expect_eq(b->w[i], want[i], "row %d: weight %lld, expected %lld", i,
                     (long long) b->w[i], (long long) want[i]);
    /* RB050 <= 0 is reported like any bad weight (spec 1.8), the row kept */
    cr_assert_eq(b->n_rejects, 1);
    s_expect_flag(b, 0, 3, "ZERO_WEIGHT", "RB050", 1);
    free(c);
}

/* ---- batches ------------------------------------------------------------------------------ */

Test(silc, batch_splitting)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    int rc = RUN(H9
                 "2023,1,101,1,1,30,100,AL01,AL154\n"
                 "2023,1,102,1,1,30,100,AL01,AL154\n"
                 "2023,2,201,1,1,30,100,AL01,AL155\n"
                 "2023,2,202,1,1,30,100,AL01,AL155\n"
                 "2023,3,301,1,1,30,100,AL02,AL222\n",
                 2, c, &p);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 3);
    static const uint32_t counts[] = {2, 2, 1};
    static const int64_t pids[] = {101, 102, 201, 202, 301};
    size_t k = 0;
    for (uint32_t i = 0; i < 3; i++) {
        const cbatch_t *b = &c->b[i];
        cr_expect_eq(b->seq, i);
        cr_expect_eq(b->record_count, counts[i], "batch %u: %u records", i, b->record_count);
        cr_expect_eq(b->rows_read, counts[i]);
        cr_expect_str_eq(b->extract_id, ID_2023);
        cr_expect_str_eq(b->run_id, RUN_ID);
        for (uint32_t r = 0; r < b->record_count && k < 5; r++, k++) {
            cr_expect_eq(b->pid[r], pids[k]);
            cr_expect_eq(b->line[r], k + 2);
        }
    }
    /* dictionaries are per batch */
    cr_expect_eq(c->b[1].n_mun_dict, 2);
    cr_expect_str_eq(c->b[1].mun[0], "AL155");
    cr_expect_str_eq(c->b[2].mun[0], "AL222");
    cr_expect_eq(c->b[2].n_region_dict, 2);
    cr_expect_str_eq(c->b[2].region[0], "AL02");
    cr_expect_eq(lnob_silc_batches(p), 3);
    cr_expect_eq(lnob_silc_records(p), 5);
    cr_expect_eq(lnob_silc_rows_read(p), 5);
    lnob_silc_destroy(&p);
    free(c);
}

Test(silc, batch_size_multiple_has_no_empty_tail)
{
    cap_t *c = s_cap();
    int rc = RUN("DB030,RB030,RB050,HX090\n"
                 "1,1,1,1\n1,2,1,1\n1,3,1,1\n1,4,1,1\n",
                 2, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 2);
    cr_expect_eq(c->b[0].record_count, 2);
    cr_expect_eq(c->b[1].record_count, 2);
    cr_expect_eq(c->b[1].seq, 1);
    free(c);
}

Test(silc, emit_rc_stops_parse)
{
    cap_t *c = s_cap();
    c->fail_at = 1;
    c->fail_rc = LNOB_AGAIN;
    lnob_silc_t *p = s_new_utf8(c, 1);
    static const char in[] = "DB030,RB030,RB050,HX090\n1,1,1,1\n1,2,1,1\n1,3,1,1\n";
    cr_expect_eq(lnob_silc_feed(p, in, sizeof in - 1), LNOB_AGAIN);
    cr_expect_eq(c->n, 1, "no batch after the emit that failed");
    cr_expect_eq(lnob_silc_feed(p, "1,4,1,1\n", 8), LNOB_AGAIN);
    cr_expect_eq(lnob_silc_finish(p), LNOB_AGAIN);
    cr_expect_eq(c->n, 1);
    cr_expect_eq(lnob_silc_records(p), 1);
    lnob_silc_destroy(&p);
    free(c);
}

Test(silc, extract_id)
{
    cap_t *c = s_cap();
    lnob_silc_t *p = s_new_utf8(c, 100);
    static const char head[] = H9;
    cr_assert_eq(lnob_silc_feed(p, head, sizeof head - 1), LNOB_OK);
    static const char row[] = "2019,1,101,1,1,30,100,AL01,AL154\n";
    cr_assert_eq(lnob_silc_feed(p, row, sizeof row - 1), LNOB_OK);
    /* valid once the first data row has been read */
    cr_expect_str_eq(lnob_silc_extract_id(p), "silc-2019-0123456789abcdef");
    cr_expect_str_eq(lnob_silc_period(p), "2019");
    cr_assert_eq(lnob_silc_finish(p), LNOB_OK);
    cr_assert_eq(c->n, 1);
    cr_expect_str_eq(c->b[0].extract_id, "silc-2019-0123456789abcdef");
    cr_expect_eq(strlen(c->b[0].extract_id), strlen("silc-2019-") + 16);
    lnob_silc_destroy(&p);
    free(c);
}

/* ---- rejects ---------------------------------------------------------------------------------- */

Test(silc, reject_reasons_fields_and_lines)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    int rc = RUN(H9
                 "2023,1,101,1.5,1,30,1000,AL01,AL154\n"        /* 2 ok */
                 "2023,1,,1,1,30,1000,AL01,AL154\n"             /* 3 */
                 "2023,,102,1,1,30,1000,AL01,AL154\n"           /* 4 */
                 "2023,1,10x,1,1,30,1000,AL01,AL154\n"          /* 5 */
                 "2023,1.5,103,1,1,30,1000,AL01,AL154\n"        /* 6 */
                 "2023,1,104,,1,30,1000,AL01,AL154\n"           /* 7 */
                 "2023,1,105,abc,1,30,1000,AL01,AL154\n"        /* 8 */
                 "2023,1,106,-1,1,30,1000,AL01,AL154\n"         /* 9 */
                 "2023,1,107,nan,1,30,1000,AL01,AL154\n"        /* 10 */
                 "2023,1,108,inf,1,30,1000,AL01,AL154\n"        /* 11 */
                 "2023,1,109,1,1,30,1e,AL01,AL154\n"            /* 12 */
                 "2023,1,110,1,1,30,nan,AL01,AL154\n"           /* 13 */
                 "2023,1,111,1,1,30,inf,AL01,AL154\n"           /* 14 */
                 "2023,1,112,1,3,30,1000,AL01,AL154\n"          /* 15 */
                 "2023,1,113,1\n"                               /* 16 */
                 "2023,1,114,1,1,30,1000,AL01,AL154,extra\n"    /* 17 */
                 "2022,1,115,1,1,30,1000,AL01,AL154\n"          /* 18 */
                 "2023,1,116,1,1,30,1000,AL01,AL999\n"          /* 19 */
                 "2023,1,117,2e9,1,30,1000,AL01,AL154\n"        /* 20 */
                 "2023,1,118,1,1,131,1000,AL01,AL154\n"         /* 21 */
                 "2023,1,119,-inf,1,30,1000,AL01,AL154\n"       /* 22 */
                 "2023,1,120,1,1,30,-inf,AL01,AL154\n"          /* 23 */
                 "2023,1,121,1,1,30,1000,AL01,AL154\n",         /* 24 ok */
                 100, c, &p);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    /* only rows that cannot be placed are quarantined whole (ids, width,
     * year); a bad value is flagged and its row kept (spec 1.8) */
    static const int64_t kept[] = {101, 104, 105, 106, 107, 108, 109, 110, 111, 112,
                                   116, 117, 118, 119, 120, 121};
    cr_assert_eq(b->record_count, 16);
    for (size_t i = 0; i < 16; i++)
        cr_expect_eq(b->pid[i], kept[i], "record %zu: %lld", i, (long long) b->pid[i]);
    cr_expect_eq(b->line[15], 24);
    static const struct {
        uint64_t line;
        const char *reason, *field;
        uint32_t kept;
    } want[] = {{3, "MISSING_ID", "RB030", 0},      {4, "MISSING_ID", "DB030", 0},
                {5, "BAD_ID", "RB030", 0},          {6, "BAD_ID", "DB030", 0},
                {7, "MISSING_WEIGHT", "RB050", 1},  {8, "BAD_NUMBER", "RB050", 1},
                {9, "NEGATIVE_WEIGHT", "RB050", 1}, {10, "BAD_NUMBER", "RB050", 1},
                {11, "BAD_NUMBER", "RB050", 1},     {12, "BAD_NUMBER", "HX090", 1},
                {13, "BAD_NUMBER", "HX090", 1},     {14, "BAD_NUMBER", "HX090", 1},
                {15, "BAD_CODE", "RB090", 1},       {16, "ROW_WIDTH", "", 0},
                {17, "ROW_WIDTH", "", 0},           {18, "YEAR_MISMATCH", "DB010", 0},
                {19, "UNKNOWN_MUNICIPALITY", "MUN_CODE", 1}, {20, "OUT_OF_RANGE", "RB050", 1},
                {21, "BAD_NUMBER", "RX010", 1},     {22, "BAD_NUMBER", "RB050", 1},
                {23, "BAD_NUMBER", "HX090", 1}};
    cr_assert_eq(b->n_rejects, 21, "%zu rejects", b->n_rejects);
    for (size_t i = 0; i < 21; i++)
        if (want[i].kept)
            s_expect_flag(b, i, want[i].line, want[i].reason, want[i].field, want[i].kept);
        else
            s_expect_reject(b, i, want[i].line, want[i].reason, want[i].field);
    /* what a kept row's flagged field leaves out: its value */
    cr_expect_eq(b->w[1], 0, "person 104: no weight");
    cr_expect(isnan(b->hx090[6]), "person 109: HX090 '1e' missing");
    cr_expect_eq(b->sex[9], 0, "person 112: sex 3 missing");
    cr_expect_str_eq(b->mun[10], "", "person 116: no municipality");
    cr_expect_eq(b->age[12], LNOB_AGE_NONE, "person 118: age 131 missing");
    cr_expect_eq(b->rows_read, 23);
    cr_expect_eq(lnob_silc_rows_read(p), 23);
    cr_expect_eq(lnob_silc_records(p), 16);
    /* details name the offending value */
    cr_expect(strstr(b->rej[5].detail, "abc") != NULL, "detail '%s'", b->rej[5].detail);
    cr_expect(strstr(b->rej[13].detail, "4") && strstr(b->rej[13].detail, "9"),
              "ROW_WIDTH detail '%s' gives both widths", b->rej[13].detail);
    lnob_silc_destroy(&p);
    free(c);
}

Test(silc, municipality_names)
{
    cap_t *c = s_cap();
    int rc = RUN(HNAME
                 "2023,1,101,1,1,30,1000,AL01,Shkodra\n"    /* 2 */
                 "2023,1,102,1,1,30,1000,AL01,Velipojë\n"   /* 3 */
                 "2023,1,103,1,1,30,1000,AL01,Atlantis\n"   /* 4 */
                 "2023,1,104,1,1,30,1000,AL01,Golem\n"      /* 5 */
                 "2023,1,105,1,1,30,1000,AL01,\n"           /* 6 no municipality */
                 "2023,1,106,1,1,30,1000,AL01,Shkodra\n"    /* 7 cached */
                 "2023,1,107,1,1,30,1000,AL01,Golem\n",     /* 8 cached */
                 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 7, "an unknown municipality leaves only that breakdown (spec 1.8)");
    static const char *const mun[] = {"AL154", "AL154", "", "", "", "AL154", ""};
    for (int i = 0; i < 7; i++) {
        cr_expect_eq(b->pid[i], 101 + i);
        cr_expect_str_eq(b->mun[i], mun[i], "person %d", 101 + i);
    }
    cr_expect_eq(b->n_mun_dict, 2, "one dict entry for Shkodra and Velipojë: AL154");
    cr_assert_eq(b->n_rejects, 3);
    s_expect_flag(b, 0, 4, "UNKNOWN_MUNICIPALITY", "MUNICIPALITY", 1);
    s_expect_flag(b, 1, 5, "AMBIGUOUS_MUNICIPALITY", "MUNICIPALITY", 1);
    s_expect_flag(b, 2, 8, "AMBIGUOUS_MUNICIPALITY", "MUNICIPALITY", 1);
    cr_expect(strstr(b->rej[0].detail, "Atlantis") != NULL, "detail '%s'", b->rej[0].detail);
    free(c);
}

/* DB040 is a NUTS-2 or NUTS-3 code of Albania, in the tables' spelling; a
 * value shaped like a code that is none of them is flagged and the person
 * is in no region cell (spec 1.8); a label of the file's own is kept. */
Test(silc, an_unknown_region_is_flagged_and_leaves_only_the_region_breakdown)
{
    cap_t *c = s_cap();
    int rc = RUN(H9
                 "2023,1,101,1,1,30,1000,al02,AL154\n"
                 "2023,1,102,1,1,30,1000,AL015,AL154\n"
                 "2023,2,201,1,2,40,1000,AL09,AL154\n"
                 "2023,3,301,1,2,40,1000,North,AL154\n",
                 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 4);
    static const char *const region[] = {"AL02", "AL015", "", "North"};
    for (int i = 0; i < 4; i++)
        cr_expect_str_eq(b->region[i], region[i], "person %lld", (long long) b->pid[i]);
    cr_expect_str_eq(b->mun[2], "AL154", "the municipality stays");
    cr_assert_eq(b->n_rejects, 1);
    s_expect_flag(b, 0, 4, "UNKNOWN_REGION", "DB040", 1);
    free(c);
}

/* Batch.municipality_field: "the column they came from ("" if none)". */
Test(silc, municipality_field_names_the_column)
{
    cap_t *c = s_cap();
    int rc = RUN(HNAME "2023,1,101,1,1,30,1000,AL01,Shkodra\n", 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    cr_expect_str_eq(c->b[0].mun_field, "MUNICIPALITY");
    memset(c, 0, sizeof *c);
    rc = RUN("DB030,RB030,RB050,HX090\n1,1,1,1\n", 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    cr_expect_str_eq(c->b[0].mun_field, "", "no municipality column");
    cr_expect_str_eq(c->b[0].mun[0], "");
    cr_expect_eq(c->b[0].n_mun_dict, 1);
    free(c);
}

/* MUN_CODE takes precedence over a MUNICIPALITY column. */
Test(silc, mun_code_preferred_over_name)
{
    cap_t *c = s_cap();
    int rc = RUN("DB030,RB030,RB050,HX090,MUNICIPALITY,MUN_CODE\n"
                 "1,1,1,1,Atlantis,AL222\n",
                 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    cr_assert_eq(c->b[0].record_count, 1);
    cr_expect_str_eq(c->b[0].mun[0], "AL222");
    cr_expect_str_eq(c->b[0].mun_field, "MUN_CODE");
    free(c);
}

/* The municipality cache is keyed by the raw text: two different texts must
 * never share a result. Here both are longer than 127 bytes and share their
 * first 127; the first folds to "shkodra", the second to "shkodra zzzz". */
Test(silc, municipality_cache_distinguishes_long_texts)
{
    char dashes[121];
    memset(dashes, '-', 120);
    dashes[120] = '\0';
    char in[1024];
    int n = snprintf(in, sizeof in,
                     "DB030,RB030,RB050,HX090,MUNICIPALITY\n"
                     "1,1,1,1,Shkodra%s----------\n"
                     "1,2,1,1,Shkodra%szzzzzzzzzz\n",
                     dashes, dashes);
    cr_assert(n > 0 && (size_t) n < sizeof in);
    /* each text alone: the first is Shkodër, the second is unknown */
    char first[160], second[160];
    snprintf(first, sizeof first, "Shkodra%s----------", dashes);
    snprintf(second, sizeof second, "Shkodra%szzzzzzzzzz", dashes);
    cr_assert_eq(strlen(second), 137);
    int shk = lnob_geo_by_name(geo, first, strlen(first));
    cr_assert_geq(shk, 0);
    cr_assert_str_eq(lnob_geo_at(geo, (size_t) shk)->code, "AL154");
    cr_assert_eq(lnob_geo_by_name(geo, second, strlen(second)), LNOB_GEO_UNKNOWN);
    cap_t *c = s_cap();
    int rc = s_run(in, (size_t) n, 0, 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_expect_eq(b->record_count, 2, "records: %u", b->record_count);
    cr_expect_str_eq(b->mun[0], "AL154");
    cr_expect_str_eq(b->mun[1], "");
    cr_assert_eq(b->n_rejects, 1, "the second row resolved through the first row's cache entry");
    s_expect_flag(b, 0, 3, "UNKNOWN_MUNICIPALITY", "MUNICIPALITY", 1);
    free(c);
}

Test(silc, empty_hx090_accepted_as_nan)
{
    cap_t *c = s_cap();
    int rc = RUN("DB030,RB030,RB050,HX090\n1,1,1,\n1,2,1,  \n", 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    cr_assert_eq(c->b[0].record_count, 2);
    cr_expect_eq(c->b[0].n_rejects, 0);
    cr_expect(isnan(c->b[0].hx090[0]));
    cr_expect(isnan(c->b[0].hx090[1]));
    free(c);
}

Test(silc, out_of_scope_rows)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    int rc = RUN("DB030,RB030,RB050,HX090,RB110,DB135\n"
                 "1,1,1,1,1,1\n"   /* 2 in */
                 "1,2,1,1,5,1\n"   /* 3 RB110 = 5: moved out */
                 "1,3,1,1,4,1\n"   /* 4 in */
                 "1,4,1,1,1,2\n"   /* 5 DB135 = 2: not accepted interview */
                 "1,5,1,1,0,1\n"   /* 6 RB110 = 0 */
                 "1,6,1,1,x,1\n"   /* 7 BAD_CODE, flagged: out of scope */
                 "1,7,1,1,2,y\n",  /* 8 BAD_CODE, likewise */
                 100, c, &p);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->record_count, 2);
    cr_expect_eq(b->pid[0], 1);
    cr_expect_eq(b->pid[1], 3);
    cr_expect_eq(b->out_of_scope, 5);
    cr_expect_eq(b->rows_read, 7);
    cr_assert_eq(b->n_rejects, 2);
    s_expect_flag(b, 0, 7, "BAD_CODE", "RB110", 1);
    s_expect_flag(b, 1, 8, "BAD_CODE", "DB135", 1);
    cr_expect_eq(lnob_silc_records(p), 2);
    cr_expect_eq(lnob_silc_rows_read(p), 7);
    lnob_silc_destroy(&p);
    free(c);
}

Test(silc, rows_read_is_records_rejects_out_of_scope)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    int rc = RUN("DB010,DB030,RB030,RB050,HX090,RB110\n"
                 "2023,1,1,1,1,1\n"
                 "2023,1,2,,1,1\n"
                 "2023,1,3,1,1,6\n"
                 "2023,1,4,1,1,1\n"
                 "2023,1,5,x,1,1\n"
                 "2023,1,6,1,1,1\n"
                 "2023,1,7,1,1,5\n"
                 "2023,1,8,1,1,1\n"
                 "2023,1,9\n"
                 "2023,1,10,1,1,1\n"
                 "\n"
                 "2023,1,11,1,1,1\n",
                 3, c, &p);
    cr_assert_eq(rc, LNOB_OK);
    uint64_t rec, rej, oos, rows;
    s_totals(c, &rec, &rej, &oos, &rows);
    cr_expect_eq(rec, 8, "rows 2 and 5 (bad weights) are kept with weight 0");
    cr_expect_eq(rej, 1);
    cr_expect_eq(oos, 2);
    cr_expect_eq(rows, 11, "11 data rows (the blank line is no row)");
    cr_expect_eq(rows, rec + rej + oos);
    cr_expect_eq(lnob_silc_rows_read(p), rows);
    cr_expect_eq(lnob_silc_records(p), rec);
    for (size_t i = 0; i < c->n; i++) {
        const cbatch_t *b = &c->b[i];
        size_t whole = 0;
        for (size_t k = 0; k < b->n_rejects; k++)
            whole += b->rej[k].kept == 0;
        cr_expect_eq(b->seq, i);
        cr_expect_leq(b->record_count, 3);
        cr_expect_eq(b->rows_read, b->record_count + whole + b->out_of_scope,
                     "batch %zu: rows_read %u != %u + %zu + %u", i, b->rows_read,
                     b->record_count, whole, b->out_of_scope);
    }
    cr_expect_eq(lnob_silc_batches(p), c->n);
    /* the last record's line skips the blank line */
    const cbatch_t *last = &c->b[c->n - 1];
    cr_expect_eq(last->pid[last->record_count - 1], 11);
    cr_expect_eq(last->line[last->record_count - 1], 13);
    lnob_silc_destroy(&p);
    free(c);
}

Test(silc, raw_text_of_rejected_row)
{
    cap_t *c = s_cap();
    int rc = RUN("DB030,RB030,RB050,HX090,MUNICIPALITY\n"
                 "1,1,abc,\"1,5\",\"Vau i \"\"Dejës\"\"\"\n"
                 "2,2,1,1,Atlantis\n",
                 100, c, NULL);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->n_rejects, 3);
    s_expect_flag(b, 0, 2, "BAD_NUMBER", "RB050", 1);
    s_expect_flag(b, 1, 2, "BAD_NUMBER", "HX090", 2);
    cr_expect_str_eq(b->rej[0].raw, "1,1,abc,\"1,5\",\"Vau i \"\"Dejës\"\"\"");
    cr_expect_str_eq(b->rej[1].raw, b->rej[0].raw, "each flag carries its row");
    cr_expect_str_eq(b->rej[2].raw, "2,2,1,1,Atlantis");
    free(c);
}

/* A rejected row is kept up to 16 KiB (a joined UDB row of a few hundred
 * variables fits); a longer one is cut and ends in "...". */
Test(silc, raw_text_cut_at_16kib)
{
    static char in[40000];
    static char big[20001];
    memset(big, 'q', 20000);
    big[20000] = '\0';
    int n = snprintf(in, sizeof in, "DB030,RB030,RB050,HX090\n1,2,%.15000s,1\n3,4,%s,1\n", big, big);
    cr_assert(n > 0 && (size_t) n < sizeof in);
    cap_t *c = s_cap();
    cr_assert_eq(s_run(in, (size_t) n, 0, 100, c, NULL), LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_eq(b->n_rejects, 2);
    s_expect_flag(b, 0, 2, "BAD_NUMBER", "RB050", 1);
    cr_expect_eq(strlen(b->rej[0].raw), 15000 + 6, "a 15 kB row is kept whole");
    size_t len = strlen(b->rej[1].raw);
    cr_expect_eq(len, 16383);
    cr_expect_eq(strncmp(b->rej[1].raw, "3,4,qqqq", 8), 0);
    cr_expect_str_eq(b->rej[1].raw + len - 3, "...");
    free(c);
}

/* What each batch held: its records' first and last household, records,
 * rejects and rows read (households are numbered 1.. in the input). */
typedef struct {
    size_t n;
    int64_t first[64], last[64];
    uint32_t records[64], rejects[64], rows[64];
} hh_batches_t;

static int s_hh_batches(void *arg, Lnob__V1__Batch *b)
{
    hh_batches_t *h = arg;
    cr_assert_lt(h->n, 64);
    h->first[h->n] = b->record_count ? b->household_id[0] : -1;
    h->last[h->n] = b->record_count ? b->household_id[b->record_count - 1] : -1;
    h->records[h->n] = b->record_count;
    h->rejects[h->n] = (uint32_t) b->n_rejects;
    h->rows[h->n++] = b->rows_read;
    return LNOB_OK;
}

/* Wide rejected rows fill a batch by bytes long before its row count: it
 * goes at LNOB_REJECTS_BYTES_MAX, so no message nears the wire's limit. */
Test(silc, a_batch_goes_when_its_rejects_reach_the_byte_budget)
{
    hh_batches_t h = {0};
    lnob_silc_t *p = s_new_to(s_hh_batches, &h, 100000);
    static char row[LNOB_REJECT_RAW_MAX + 64];
    const char *head = "DB030,RB030,RB050,HX090\n";
    cr_assert_eq(lnob_silc_feed(p, head, strlen(head)), LNOB_OK);
    size_t rows = 2 * LNOB_REJECTS_BYTES_MAX / LNOB_REJECT_RAW_MAX; /* two budgets' worth */
    for (size_t i = 0; i < rows; i++) {
        int n = snprintf(row, sizeof row, "1,%zu,%0*d,1\n", i + 1, LNOB_REJECT_RAW_MAX, 7);
        cr_assert_eq(lnob_silc_feed(p, row, (size_t) n), LNOB_OK); /* RB050 = 16 KiB digits: too large */
    }
    cr_assert_eq(lnob_silc_finish(p), LNOB_OK, "%s", lnob_silc_errstr(p));
    lnob_silc_destroy(&p);
    cr_assert_geq(h.n, 2, "%zu batches", h.n);
    size_t total = 0;
    for (size_t b = 0; b < h.n; b++) {
        cr_expect_leq((size_t) h.rejects[b] * LNOB_REJECT_RAW_MAX, LNOB_REJECTS_BYTES_MAX + 2 * LNOB_REJECT_RAW_MAX,
                      "batch %zu holds %u rejects", b, h.rejects[b]);
        total += h.rejects[b];
    }
    cr_expect_eq(total, rows, "every reject is sent");
}

/* With UDB variables a batch holds whole households, also when its wide
 * rejected rows fill the byte budget in the middle of one: the rejects go
 * in a batch of their own and the household's rows stay together. */
Test(silc, rejects_filling_the_budget_never_split_a_household)
{
    hh_batches_t h = {0};
    lnob_silc_t *p = s_new_to(s_hh_batches, &h, 100000);
    static char row[LNOB_REJECT_RAW_MAX + 64];
    const char *head = "DB030,RB030,RB050,HX090,HS040\n";
    cr_assert_eq(lnob_silc_feed(p, head, strlen(head)), LNOB_OK);
    size_t households = 3000;
    for (size_t k = 1; k <= households; k++) { /* members 1 and 3 good, 2 with a 16 KiB weight (flagged) */
        int n = snprintf(row, sizeof row, "%zu,%zu01,1,100,1\n%zu,%zu02,%0*d,100,1\n%zu,%zu03,1,100,1\n", k,
                         k, k, k, LNOB_REJECT_RAW_MAX, 7, k, k);
        cr_assert_eq(lnob_silc_feed(p, row, (size_t) n), LNOB_OK);
    }
    cr_assert_eq(lnob_silc_finish(p), LNOB_OK, "%s", lnob_silc_errstr(p));
    lnob_silc_destroy(&p);
    cr_assert_geq(h.n, 2, "the rejects must have filled a batch");
    size_t records = 0, rejects = 0, rows = 0;
    int64_t last = 0;
    for (size_t b = 0; b < h.n; b++) {
        if (h.records[b]) {
            cr_assert_gt(h.first[b], last, "household %lld in batch %zu and an earlier one",
                         (long long) h.first[b], b);
            last = h.last[b];
        }
        records += h.records[b], rejects += h.rejects[b], rows += h.rows[b];
    }
    cr_expect_eq(records, 3 * households, "member 2 is kept with weight 0 (spec 1.8)");
    cr_expect_eq(rejects, households);
    cr_expect_eq(rows, 3 * households, "rows read add up over the batches (a flag is no row)");
}

/* A malformed first data row that carries no year must not decide the
 * extract's period and turn every later row into a YEAR_MISMATCH. */
Test(silc, short_first_row_does_not_poison_period)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    int rc = RUN("DB030,RB030,RB050,HX090,DB010\n"
                 "1,101\n"                   /* 2 ROW_WIDTH: cut before DB010 */
                 "1,102,1,100,2023\n"        /* 3 */
                 "1,103,1,100,2023\n",       /* 4 */
                 100, c, &p);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_assert_geq(b->n_rejects, 1);
    s_expect_reject(b, 0, 2, "ROW_WIDTH", "");
    cr_expect_eq(b->n_rejects, 1, "later rows rejected: %s at line %llu",
                 b->n_rejects > 1 ? b->rej[1].reason : "-",
                 (unsigned long long) (b->n_rejects > 1 ? b->rej[1].line : 0));
    cr_expect_eq(b->record_count, 2);
    cr_expect_str_eq(lnob_silc_period(p), "2023");
    cr_expect_str_eq(b->extract_id, ID_2023);
    lnob_silc_destroy(&p);
    free(c);
}

/* Likewise a first row with an empty DB010 (accepted: the year is not
 * required) leaves no year to mismatch against. */
Test(silc, first_row_without_year_does_not_poison_period)
{
    cap_t *c = s_cap();
    lnob_silc_t *p;
    int rc = RUN(H9
                 ",1,101,1,1,30,100,AL01,AL154\n"        /* 2 no year */
                 "2023,1,102,1,1,30,100,AL01,AL154\n"    /* 3 */
                 "2023,1,103,1,1,30,100,AL01,AL154\n",   /* 4 */
                 100, c, &p);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 1);
    const cbatch_t *b = &c->b[0];
    cr_expect_eq(b->n_rejects, 0, "rows rejected: first %s at line %llu",
                 b->n_rejects ? b->rej[0].reason : "-",
                 (unsigned long long) (b->n_rejects ? b->rej[0].line : 0));
    cr_expect_eq(b->record_count, 3);
    cr_expect_str_eq(lnob_silc_period(p), "2023");
    cr_expect_str_eq(b->extract_id, ID_2023);
    lnob_silc_destroy(&p);
    free(c);
}

/* ---- whole-extract errors -------------------------------------------------------------------- */

Test(silc, missing_required_column)
{
    /* from feed (the header line is complete) ... */
    cap_t *c = s_cap();
    lnob_silc_t *p = s_new_utf8(c, 100);
    static const char in[] = "DB010,DB030,RB030,HX090\n2023,1,1,5\n";
    cr_expect_eq(lnob_silc_feed(p, in, sizeof in - 1), LNOB_ERR);
    cr_expect_str_eq(lnob_silc_reason(p), "MISSING_COLUMN");
    cr_expect(strstr(lnob_silc_errstr(p), "RB050") != NULL, "errstr '%s'", lnob_silc_errstr(p));
    cr_expect(strstr(lnob_silc_errstr(p), SOURCE) != NULL, "errstr '%s'", lnob_silc_errstr(p));
    cr_expect_eq(lnob_silc_finish(p), LNOB_ERR);
    cr_expect_str_eq(lnob_silc_reason(p), "MISSING_COLUMN");
    cr_expect_eq(c->n, 0, "no batch for a failed extract");
    cr_expect_eq(lnob_silc_rows_read(p), 0);
    lnob_silc_destroy(&p);

    /* ... or from finish (header without newline) */
    memset(c, 0, sizeof *c);
    p = s_new(c, 100);
    static const char in2[] = "DB030,RB030,HX090";
    cr_expect_eq(lnob_silc_feed(p, in2, sizeof in2 - 1), LNOB_OK);
    cr_expect_eq(lnob_silc_finish(p), LNOB_ERR);
    cr_expect_str_eq(lnob_silc_reason(p), "MISSING_COLUMN");
    cr_expect(strstr(lnob_silc_errstr(p), "RB050") != NULL, "errstr '%s'", lnob_silc_errstr(p));
    cr_expect_eq(c->n, 0);
    lnob_silc_destroy(&p);
    free(c);
}

Test(silc, missing_other_required_columns)
{
    static const struct {
        const char *header;
        const char *names;
    } cases[] = {
        {"RB030,RB050,HX090\n", "DB030"},
        {"DB030,RB050,HX090\n", "RB030"},
        {"DB030,RB030,RB050\n", "HX090"},
        {"DB030,RB030,RB050,HY020\n", "HX050"},
        {"DB030,RB030,RB050,HX050\n", "HY020"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cap_t *c = s_cap();
        lnob_silc_t *p;
        int rc = s_run(cases[i].header, strlen(cases[i].header), 0, 100, c, &p);
        cr_expect_eq(rc, LNOB_ERR, "header %s", cases[i].header);
        cr_expect_str_eq(lnob_silc_reason(p), "MISSING_COLUMN");
        cr_expect(strstr(lnob_silc_errstr(p), cases[i].names) != NULL, "header %s: errstr '%s'",
                  cases[i].header, lnob_silc_errstr(p));
        cr_expect_eq(c->n, 0);
        lnob_silc_destroy(&p);
        free(c);
    }
}

Test(silc, empty_input)
{
    static const char *const inputs[] = {"", "\n\n", "\xEF\xBB\xBF", "\r\n"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        cap_t *c = s_cap();
        lnob_silc_t *p;
        int rc = s_run(inputs[i], strlen(inputs[i]), 0, 100, c, &p);
        cr_expect_eq(rc, LNOB_ERR, "input %zu", i);
        cr_expect_str_eq(lnob_silc_reason(p), "EMPTY_FILE", "input %zu", i);
        cr_expect(strstr(lnob_silc_errstr(p), SOURCE) != NULL, "errstr '%s'", lnob_silc_errstr(p));
        cr_expect_eq(c->n, 0);
        lnob_silc_destroy(&p);
        free(c);
    }
}

Test(silc, header_only)
{
    static const char *const inputs[] = {H9, "DB030,RB030,RB050,HX090"};
    for (size_t i = 0; i < 2; i++) {
        cap_t *c = s_cap();
        lnob_silc_t *p;
        int rc = s_run(inputs[i], strlen(inputs[i]), 0, 100, c, &p);
        cr_assert_eq(rc, LNOB_OK, "input %zu: %s", i, lnob_silc_errstr(p));
        cr_assert_eq(c->n, 1, "input %zu: exactly one (empty) batch", i);
        const cbatch_t *b = &c->b[0];
        cr_expect_eq(b->seq, 0);
        cr_expect_eq(b->record_count, 0);
        cr_expect_eq(b->rows_read, 0);
        cr_expect_eq(b->n_rejects, 0);
        cr_expect_str_eq(b->extract_id, "silc-unknown-0123456789abcdef");
        cr_expect_str_eq(lnob_silc_period(p), "unknown");
        cr_expect_eq(lnob_silc_batches(p), 1);
        lnob_silc_destroy(&p);
        free(c);
    }
}

/* ---- input forms ----------------------------------------------------------------------------- */

static void s_same_batches(const cap_t *a, const cap_t *b, const char *what)
{
    cr_assert_eq(a->n, b->n, "%s: %zu batches vs %zu", what, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const cbatch_t *x = &a->b[i], *y = &b->b[i];
        cr_expect_str_eq(x->extract_id, y->extract_id, "%s", what);
        cr_assert_eq(x->record_count, y->record_count, "%s batch %zu", what, i);
        cr_expect_eq(x->rows_read, y->rows_read, "%s", what);
        for (size_t r = 0; r < x->record_count; r++) {
            cr_expect_eq(x->pid[r], y->pid[r], "%s", what);
            cr_expect_eq(x->w[r], y->w[r], "%s", what);
            cr_expect_eq(x->line[r], y->line[r], "%s batch %zu rec %zu", what, i, r);
            cr_expect(x->hx090[r] == y->hx090[r] || (isnan(x->hx090[r]) && isnan(y->hx090[r])),
                      "%s", what);
            cr_expect_str_eq(x->mun[r], y->mun[r], "%s", what);
            cr_expect_str_eq(x->region[r], y->region[r], "%s", what);
            cr_expect_eq(x->hs060[r], y->hs060[r], "%s", what);
            cr_expect(x->hy010[r] == y->hy010[r] || (isnan(x->hy010[r]) && isnan(y->hy010[r])),
                      "%s", what);
        }
        cr_assert_eq(x->n_rejects, y->n_rejects, "%s batch %zu", what, i);
        for (size_t r = 0; r < x->n_rejects; r++) {
            cr_expect_eq(x->rej[r].line, y->rej[r].line, "%s", what);
            cr_expect_str_eq(x->rej[r].reason, y->rej[r].reason, "%s", what);
            cr_expect_str_eq(x->rej[r].raw, y->rej[r].raw, "%s", what);
        }
    }
}

/* Feeds the rows of text (header first) one by one through
 * lnob_silc_row, the data rows saying they share their first `shared`
 * fields with the row before when the marks string has a 1 for them. */
static void s_rows_sharing(const char *text, const char *marks, size_t shared, cap_t *c)
{
    lnob_silc_t *p = s_new(c, 100);
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", text);
    uint64_t line = 1;
    for (char *row = strtok(buf, "\n"); row; row = strtok(NULL, "\n"), line++) {
        const char *fields[16];
        size_t lens[16], n = 0;
        for (char *f = row, *end; n < 16; f = end + 1) {
            end = strchr(f, ',');
            fields[n] = f, lens[n++] = end ? (size_t) (end - f) : strlen(f);
            if (!end)
                break;
            *end = '\0';
        }
        int share = line > 1 && marks[line - 2] == '1';
        lnob_csv_row_t r = {n, fields, lens, line, 0, share ? shared : 0, NULL, NULL};
        cr_assert_eq(lnob_silc_row(p, &r), LNOB_OK, "%s", lnob_silc_errstr(p));
    }
    cr_assert_eq(lnob_silc_finish(p), LNOB_OK, "%s", lnob_silc_errstr(p));
    lnob_silc_destroy(&p);
}

/* A joined household's later persons share its D and H fields (row
 * shared): the ingester takes what they gave for the person before
 * instead of reading them again. That must change nothing: a bad household
 * value is flagged on every member's row, and a member quarantined whole
 * leaves nothing to take. */
Test(silc, persons_sharing_household_fields_are_judged_as_if_read_again)
{
    static const char in[] = "DB010,DB030,MUN_CODE,HY020,HS060,HY010,RB030,RB050,RX010\n"
                             "2023,1,AL312,900,7,100,101,1,40\n"   /* HS060 outside 1-2 */
                             "2023,1,AL312,900,7,100,102,1,41\n"
                             "2023,2,AL224,800,1,50.5,201,1,30\n"
                             "2023,2,AL224,800,1,50.5,201,1,31\n"  /* duplicate id: quarantined */
                             "2023,3,AL312,700,2,25.25,301,1,50\n"
                             "2023,3,AL312,700,2,25.25,302,2,51\n";
    cap_t *shared = s_cap(), *alone = s_cap();
    s_rows_sharing(in, "010101", 6, shared);
    s_rows_sharing(in, "000000", 6, alone);
    s_same_batches(shared, alone, "shared vs read again");
    cr_assert_eq(shared->n, 1);
    const cbatch_t *b = &shared->b[0];
    cr_assert_eq(b->record_count, 5);
    cr_expect(b->pid[0] == 101 && b->pid[1] == 102);
    cr_expect(b->hs060[0] == -1 && b->hs060[1] == -1, "HS060 7 is missing for both");
    cr_expect(b->hy010[0] == 100 && b->hy010[1] == 100);
    cr_expect_eq(b->pid[2], 201);
    cr_expect_eq(b->hs060[2], 1);
    cr_expect_eq(b->hy010[2], 50.5);
    cr_expect_str_eq(b->mun[2], "AL224");
    cr_expect(b->pid[3] == 301 && b->pid[4] == 302);
    cr_expect(b->hs060[3] == 2 && b->hs060[4] == 2);
    cr_expect(b->hy010[3] == 25.25 && b->hy010[4] == 25.25);
    cr_expect_eq(b->hy020[4], 700.0);
    cr_expect_str_eq(b->mun[4], "AL312");
    cr_assert_eq(b->n_rejects, 3);
    s_expect_flag(b, 0, 2, "BAD_CODE", "HS060", 1);
    s_expect_flag(b, 1, 3, "BAD_CODE", "HS060", 1);
    s_expect_reject(b, 2, 5, "DUPLICATE_ID", "RB030");
    free(shared);
    free(alone);
}

Test(silc, crlf_input)
{
    static const char lf[] = HNAME
        "2023,1,101,1.5,1,30,1000,AL01,Shkodra\n"
        "2023,1,102,x,1,30,1000,AL01,Shkodra\n"
        "2023,2,201,2,2,40,,AL02,Velipojë\n";
    static const char crlf[] =
        "DB010,DB030,RB030,RB050,RB090,RX010,HX090,DB040,MUNICIPALITY\r\n"
        "2023,1,101,1.5,1,30,1000,AL01,Shkodra\r\n"
        "2023,1,102,x,1,30,1000,AL01,Shkodra\r\n"
        "2023,2,201,2,2,40,,AL02,Velipojë\r\n";
    cap_t *a = s_cap(), *b = s_cap();
    cr_assert_eq(s_run(lf, sizeof lf - 1, 0, 100, a, NULL), LNOB_OK);
    cr_assert_eq(s_run(crlf, sizeof crlf - 1, 0, 100, b, NULL), LNOB_OK);
    cr_assert_eq(b->n, 1);
    const cbatch_t *x = &b->b[0];
    cr_assert_eq(x->record_count, 3);
    cr_expect_eq(x->pid[2], 201);
    cr_expect_eq(x->line[2], 4);
    cr_expect_str_eq(x->mun[0], "AL154");
    cr_expect_str_eq(x->mun[2], "AL154");
    cr_expect(isnan(x->hx090[2]), "empty HX090 before CR is NaN");
    cr_expect_str_eq(x->region[2], "AL02");
    cr_assert_eq(x->n_rejects, 1);
    s_expect_flag(x, 0, 3, "BAD_NUMBER", "RB050", 1);
    cr_expect_str_eq(x->rej[0].raw, "2023,1,102,x,1,30,1000,AL01,Shkodra");
    s_same_batches(a, b, "LF vs CRLF");
    free(a);
    free(b);
}

Test(silc, chunking_independent)
{
    static const char in[] = H9
        "2023,1,101,1.5,1,30,1000,AL01,AL154\r\n"
        "2023,1,102,x,1,30,1000,AL01,AL154\n"
        "\n"
        "2023,2,201,2,2,40,,AL02,AL155\n"
        "2023,2,202,2,2,40,5,AL02,AL999\n"
        "2023,3,301,2,2,40,5,AL03,AL222";
    cap_t *whole = s_cap();
    cr_assert_eq(s_run(in, sizeof in - 1, 0, 2, whole, NULL), LNOB_OK);
    uint64_t rec, rej, oos, rows;
    s_totals(whole, &rec, &rej, &oos, &rows);
    cr_expect_eq(rec, 5, "the bad weight and the unknown municipality are flagged, their rows kept");
    cr_expect_eq(rej, 0);
    cr_expect_eq(rows, 5);
    for (size_t chunk = 1; chunk <= 3; chunk++) {
        cap_t *part = s_cap();
        cr_assert_eq(s_run(in, sizeof in - 1, chunk, 2, part, NULL), LNOB_OK);
        char what[32];
        snprintf(what, sizeof what, "chunk %zu", chunk);
        s_same_batches(whole, part, what);
        free(part);
    }
    free(whole);
}

/* ---- dialects: encodings, delimiters, decimal commas, clean text ------------------------------ */

/* The same three persons in the plain form (UTF-8, commas, decimal points). */
#define PLAIN HNAME                                                       \
    "2023,1,101,597.5,1,59,670094.23,Qend\xC3\xABr,Shkod\xC3\xABr\n"      \
    "2023,1,102,280.25,2,6,670094.23,Qend\xC3\xABr,Shkoder\n"             \
    "2023,2,201,343.5,1,40,1234.5,Jug,Tiran\xC3\xAB\n"

/* Runs in[0..len) with a decimal comma or not; the batch in c->b[0]. */
static lnob_silc_t *s_run_dialect(const char *in, size_t len, int decimal_comma, cap_t *c)
{
    static lnob_silc_opts_t o;
    o = (lnob_silc_opts_t){.source = SOURCE, .checksum = CHECKSUM, .run_id = RUN_ID, .batch_size = 100,
                           .geo = geo, .emit = s_emit, .arg = c, .decimal_comma = decimal_comma};
    lnob_silc_t *p = lnob_silc_new(&o);
    for (size_t off = 0; off < len; off += 5) /* odd pieces: UTF-16 units and sequences cut */
        cr_assert_eq(lnob_silc_feed(p, in + off, len - off < 5 ? len - off : 5), LNOB_OK);
    cr_assert_eq(lnob_silc_finish(p), LNOB_OK, "%s", lnob_silc_errstr(p));
    cr_assert_eq(c->n, 1);
    return p;
}

/* The batch of PLAIN, value for value. */
static void s_expect_plain(const cbatch_t *b)
{
    cr_assert_eq(b->record_count, 3, "rejects: %zu, first %s", b->n_rejects, b->n_rejects ? b->rej[0].detail : "");
    cr_expect_eq(b->n_rejects, 0);
    cr_expect_eq(b->w[0], llround(597.5 * 1e5));
    cr_expect_eq(b->w[1], llround(280.25 * 1e5));
    cr_expect(b->hx090[0] == 670094.23 && b->hx090[2] == 1234.5, "%.17g %.17g", b->hx090[0], b->hx090[2]);
    cr_expect_str_eq(b->region[0], "Qend\xC3\xABr");
    cr_expect_str_eq(b->region[2], "Jug");
    cr_expect_str_eq(b->mun[0], "AL154");
    cr_expect_str_eq(b->mun[1], "AL154");
    cr_expect_str_eq(b->mun[2], "AL224");
}

/* UTF-16LE with a BOM from the bytes of an ASCII/UTF-8 literal holding
 * only characters below U+0800 (the test data's). Owned. */
static char *s_utf16le(const char *u8, size_t *len)
{
    size_t n = strlen(u8), o = 2;
    unsigned char *out = malloc(2 * n + 2);
    out[0] = 0xFF, out[1] = 0xFE;
    for (size_t i = 0; i < n;) {
        unsigned cp = (unsigned char) u8[i];
        if (cp >= 0xC0) {
            cp = ((cp & 0x1F) << 6) | ((unsigned char) u8[i + 1] & 0x3F);
            i += 2;
        } else {
            i++;
        }
        out[o++] = (unsigned char) (cp & 0xFF);
        out[o++] = (unsigned char) (cp >> 8);
    }
    *len = o;
    return (char *) out;
}

Test(silc, every_dialect_gives_the_plain_batch)
{
    static const char semicolon[] = "DB010;DB030;RB030;RB050;RB090;RX010;HX090;DB040;MUNICIPALITY\n"
                                    "2023;1;101;597,5;1;59;670094,23;Qend\xEBr;Shkod\xEBr\n"
                                    "2023;1;102;280.25;2;6;670094,23;Qend\xEBr;Shkoder\n"
                                    "2023;2;201;343,5;1;40;1234.5;Jug;Tiran\xEB\n";
    static const char tab_u8[] = "DB010\tDB030\tRB030\tRB050\tRB090\tRX010\tHX090\tDB040\tMUNICIPALITY\r\n"
                                 "2023\t1\t101\t597.5\t1\t59\t670094.23\tQend\xC3\xABr\tShkod\xC3\xABr\r\n"
                                 "2023\t1\t102\t280.25\t2\t6\t670094.23\tQend\xC3\xABr\tShkoder\r\n"
                                 "2023\t2\t201\t343.5\t1\t40\t1234.5\tJug\tTiran\xC3\xAB\r\n";
    size_t n16;
    char *tab16 = s_utf16le(tab_u8, &n16);
    struct {
        const char *name, *in;
        size_t len;
        const char *notes;
    } cases[] = {
        {"plain", PLAIN, sizeof PLAIN - 1, ""},
        {"';' Windows-1252, decimal commas", semicolon, sizeof semicolon - 1,
         "encoding windows-1252 (detected); delimiter ';' (detected); "
         "numbers read with a decimal comma where they have one"},
        {"tab UTF-8 CRLF", tab_u8, sizeof tab_u8 - 1, "encoding utf-8 (detected); delimiter tab (detected)"},
        {"tab UTF-16LE with BOM", tab16, n16, "encoding utf-16le with BOM (detected); delimiter tab (detected)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cap_t *c = s_cap();
        lnob_silc_t *p = s_run_dialect(cases[i].in, cases[i].len, 0, c);
        cr_log_info("%s", cases[i].name);
        s_expect_plain(&c->b[0]);
        cr_expect_str_eq(lnob_silc_notes(p), cases[i].notes, "%s", cases[i].name);
        cr_expect_str_eq(lnob_silc_header(p), "DB010,DB030,RB030,RB050,RB090,RX010,HX090,DB040,MUNICIPALITY");
        lnob_silc_destroy(&p);
        free(c);
    }
    free(tab16);
}

Test(silc, decimal_commas_outside_semicolon_files_only_when_configured)
{
    static const char in[] = "DB030\tRB030\tRB050\tHX090\n1\t101\t597,5\t1234,5\n1\t102\t1.234,5\t1\n";
    cap_t *c = s_cap();
    lnob_silc_t *p = s_run_dialect(in, sizeof in - 1, 1, c);
    cr_assert_eq(c->b[0].record_count, 2, "a bad weight is flagged, the row kept (spec 1.8)");
    cr_expect_eq(c->b[0].w[0], llround(597.5 * 1e5));
    cr_expect_eq(c->b[0].w[1], 0);
    cr_expect(c->b[0].hx090[0] == 1234.5);
    cr_assert_eq(c->b[0].n_rejects, 1);
    s_expect_flag(&c->b[0], 0, 3, "BAD_NUMBER", "RB050", 1); /* no thousands separators */
    lnob_silc_destroy(&p);
    memset(c, 0, sizeof *c);
    p = s_run_dialect(in, sizeof in - 1, 0, c);
    cr_expect_eq(c->b[0].record_count, 2);
    cr_expect_eq(c->b[0].w[0], 0);
    s_expect_flag(&c->b[0], 0, 2, "BAD_NUMBER", "RB050", 1);
    cr_expect_str_eq(c->b[0].rej[0].detail, "weight has a decimal comma (give --decimal-comma): '597,5'");
    lnob_silc_destroy(&p);
    free(c);
}

Test(silc, labels_that_are_not_clean_text_are_bad_text)
{
    static const char in[] = HNAME "2023,1,101,1,1,59,100,A\0L01,Shkoder\n"
                                   "2023,1,102,1,2,6,100,AL01,Tiran\0\xC3\xAB\n"
                                   "2023,2,201,1,1,40,100,Qend\xEF\xBF\xBDr,Shkoder\n"
                                   "2023,2,202,1,1,40,100,Qend\xC3\xABr,Shkoder\n"
                                   "2023,3,301,1,2,6,100,AL01,Tiran\0\xC3\xAB\n"; /* the cached answer */
    cap_t *c = s_cap();
    lnob_silc_t *p = s_run_dialect(in, sizeof in - 1, 0, c);
    const cbatch_t *b = &c->b[0];
    cr_expect_eq(b->record_count, 5, "flagged, kept (spec 1.8)");
    static const char *const region[] = {"", "AL01", "", "Qend\xC3\xABr", "AL01"};
    for (int i = 0; i < 5; i++)
        cr_expect_str_eq(b->region[i], region[i], "person %lld", (long long) b->pid[i]);
    cr_expect_str_eq(b->mun[1], "", "no municipality cell");
    cr_assert_eq(b->n_rejects, 4);
    s_expect_flag(b, 0, 2, "BAD_TEXT", "DB040", 1);
    s_expect_flag(b, 1, 3, "BAD_TEXT", "MUNICIPALITY", 1);
    s_expect_flag(b, 2, 4, "BAD_TEXT", "DB040", 1);
    s_expect_flag(b, 3, 6, "BAD_TEXT", "MUNICIPALITY", 1);
    cr_expect_str_eq(b->rej[0].raw, "2023,1,101,1,1,59,100,A L01,Shkoder", "NUL shown as a space");
    cr_expect_str_eq(b->rej[0].detail, "not clean text (a NUL byte, a control character or bytes that could "
                                       "not be decoded): 'A'");
    lnob_silc_destroy(&p);
    free(c);
}

/* A reject's detail quotes 60 bytes of the value: a character cut there
 * leaves no half sequence behind. */
Test(silc, a_value_cut_in_a_detail_stays_utf8)
{
    char in[512];
    char value[80] = "";
    for (int i = 0; i < 35; i++)
        strcat(value, "\xC3\xAB"); /* ë: 70 bytes, cut at 60 is whole; so shift by one */
    snprintf(in, sizeof in, "DB030,RB030,RB050,HX090,MUNICIPALITY\n1,101,1,100,x%s\n", value);
    cap_t *c = s_cap();
    lnob_silc_t *p = s_run_dialect(in, strlen(in), 0, c);
    cr_assert_eq(c->b[0].n_rejects, 1);
    const char *d = c->b[0].rej[0].detail;
    cr_expect_eq(lnob_recode_text_ok(d, strlen(d)), 1, "detail is UTF-8: %s", d);
    cr_expect(strstr(d, "'x\xC3\xAB") && strstr(d, "\xC3\xAB?'"), "%s", d);
    lnob_silc_destroy(&p);
    free(c);
}

Test(silc, a_missing_column_shows_the_header_and_what_it_suggests)
{
    static const struct {
        const char *in;
        size_t len;
        const char *errstr;
    } cases[] = {
        {"\"DB030;RB030;RB050;HX090\"\n\"1;101;1;100\"\n", 0,
         SOURCE ": missing required column DB030 (or HB030); the header is one field holding ';': the file "
                "looks ';'-separated; the header as read (1 field, delimiter ','): DB030;RB030;RB050;HX090"},
        {"DB030|RB030|RB050|HX090\n", 0,
         SOURCE ": missing required column DB030 (or HB030); the header is one field holding '|': the file "
                "looks '|'-separated (lnob reads ',', ';' and tab); the header as read (1 field, delimiter "
                "','): DB030|RB030|RB050|HX090"},
        {"D\0B\0" "0\0" "3\0" "0\0,\0R\0B\0" "0\0" "3\0" "0\0\n\0", 24,
         SOURCE ": missing required column DB030 (or HB030); NUL bytes in the header: the file looks like "
                "UTF-16 LE without a BOM; save it as UTF-8, or as UTF-16 with a BOM; the header as read (2 "
                "fields, delimiter ','): D B 0 3 0 , R B 0 3 0 "},
        {"DB030,RB030,HX090\n", 0,
         SOURCE ": missing required column RB050; the header as read (3 fields, delimiter ','): "
                "DB030,RB030,HX090"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cap_t *c = s_cap();
        lnob_silc_t *p = s_new(c, 100);
        int rc = lnob_silc_feed(p, cases[i].in, cases[i].len ? cases[i].len : strlen(cases[i].in));
        if (rc == LNOB_OK)
            rc = lnob_silc_finish(p);
        cr_expect_eq(rc, LNOB_ERR, "case %zu", i);
        cr_expect_str_eq(lnob_silc_reason(p), "MISSING_COLUMN");
        cr_expect_str_eq(lnob_silc_errstr(p), cases[i].errstr, "case %zu", i);
        cr_expect_eq(c->n, 0);
        lnob_silc_destroy(&p);
        free(c);
    }
}
