/* wire_test.c - the lnob.proto codec (proto/wire.h): decoding and
 * validation of packed Envelopes, drop counters by reason, and a real
 * ZeroMQ round trip over inproc:// with lnob_wire_send / lnob_wire_recv. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "lnob/rc.h"
#include "lnob/udb.h"
#include "wire.h"

/* ---- fixtures ------------------------------------------------------------------ */

#define NREC 3

/* A valid 3-record Batch (HX090 path) with its column storage. */
typedef struct {
    Lnob__V1__Batch b;
    int64_t pid[NREC], hh[NREC], w[NREC];
    double hx090[NREC], hy020[NREC], hx050[NREC];
    uint32_t sex[NREC], region[NREC], mun[NREC];
    int32_t age[NREC];
    uint64_t line[NREC];
    char *rdict[2], *mdict[3];
    Lnob__V1__Reject rj;
    Lnob__V1__Reject *rjp[1];
} fx_batch_t;

static void s_fx_batch(fx_batch_t *f)
{
    memset(f, 0, sizeof *f);
    lnob__v1__batch__init(&f->b);
    static const int64_t pid[NREC] = {101, 102, 201};
    static const int64_t hh[NREC] = {1, 1, 2};
    static const int64_t w[NREC] = {59750000, 150000, 0};
    static const double hx090[NREC] = {670094.23, NAN, 214726.47};
    static const uint32_t sex[NREC] = {1, 2, 0};
    static const int32_t age[NREC] = {59, 6, LNOB_AGE_NONE};
    static const uint64_t line[NREC] = {2, 3, 5};
    static const uint32_t region[NREC] = {1, 0, 1};
    static const uint32_t mun[NREC] = {1, 2, 0};
    memcpy(f->pid, pid, sizeof pid);
    memcpy(f->hh, hh, sizeof hh);
    memcpy(f->w, w, sizeof w);
    memcpy(f->hx090, hx090, sizeof hx090);
    memcpy(f->sex, sex, sizeof sex);
    memcpy(f->age, age, sizeof age);
    memcpy(f->line, line, sizeof line);
    memcpy(f->region, region, sizeof region);
    memcpy(f->mun, mun, sizeof mun);
    f->rdict[0] = "";
    f->rdict[1] = "AL01";
    f->mdict[0] = "";
    f->mdict[1] = "AL154";
    f->mdict[2] = "AL155";
    Lnob__V1__Batch *b = &f->b;
    b->extract_id = "silc-2023-0123456789abcdef";
    b->seq = 7;
    b->record_count = NREC;
    b->run_id = "run-1";
    b->source = "in.csv";
    b->rows_read = 5;
    b->out_of_scope = 1;
    b->n_person_id = b->n_household_id = b->n_weight = b->n_sex = b->n_age = NREC;
    b->n_line = b->n_region = b->n_municipality = b->n_hx090 = NREC;
    b->person_id = f->pid;
    b->household_id = f->hh;
    b->weight = f->w;
    b->hx090 = f->hx090;
    b->hy020 = f->hy020;
    b->hx050 = f->hx050;
    b->sex = f->sex;
    b->age = f->age;
    b->line = f->line;
    b->region = f->region;
    b->municipality = f->mun;
    b->n_region_dict = 2;
    b->region_dict = f->rdict;
    b->n_municipality_dict = 3;
    b->municipality_dict = f->mdict;
    b->municipality_field = "MUN_CODE";
    lnob__v1__reject__init(&f->rj);
    f->rj.source = "in.csv";
    f->rj.line = 4;
    f->rj.field = "RB050";
    f->rj.reason = "MISSING_WEIGHT";
    f->rj.detail = "weight is empty";
    f->rj.raw = "2023,1,103,,1";
    f->rj.kept = 1; /* the row is kept, its weight flagged */
    f->rjp[0] = &f->rj;
    b->n_rejects = 1;
    b->rejects = f->rjp;
}

/* Switches the fixture to the HY020 + HX050 income path. */
static void s_fx_derived(fx_batch_t *f)
{
    for (int i = 0; i < NREC; i++) {
        f->hy020[i] = 1000.0 * (i + 1);
        f->hx050[i] = 1.5 + i;
    }
    f->b.n_hx090 = 0;
    f->b.n_hy020 = f->b.n_hx050 = NREC;
}

/* A valid 2-record Run. */
typedef struct {
    Lnob__V1__Run r;
    double x[2];
    int64_t w[2], pid[2];
    uint64_t line[2];
    uint32_t sex[2], ag[2], age_b[2], region[2], mun[2], gali[2];
    char *rdict[2], *mdict[2];
} fx_run_t;

static void s_fx_run(fx_run_t *f)
{
    memset(f, 0, sizeof *f);
    lnob__v1__run__init(&f->r);
    Lnob__V1__Run *r = &f->r;
    f->x[0] = 1000.5;
    f->x[1] = 2000.25;
    f->w[0] = 100000;
    f->w[1] = 250000;
    f->pid[0] = 11;
    f->pid[1] = 12;
    f->line[0] = 2;
    f->line[1] = 3;
    f->sex[0] = 1;
    f->sex[1] = 2;
    f->ag[0] = 2;
    f->ag[1] = 3;
    f->age_b[0] = 3;
    f->age_b[1] = 5;
    f->region[0] = 1;
    f->region[1] = 1;
    f->mun[0] = 0;
    f->mun[1] = 1;
    f->rdict[0] = "";
    f->rdict[1] = "AL02";
    f->mdict[0] = "";
    f->mdict[1] = "AL222";
    r->extract_id = "silc-2023-x";
    r->seq = 1;
    r->record_count = 2;
    r->n_x = r->n_weight = r->n_person_id = r->n_line = r->n_sex = 2;
    r->n_age_group = r->n_age_b = r->n_region = r->n_municipality = 2;
    r->x = f->x;
    r->weight = f->w;
    r->person_id = f->pid;
    r->line = f->line;
    r->sex = f->sex;
    r->age_group = f->ag;
    r->age_b = f->age_b;
    r->region = f->region;
    r->municipality = f->mun;
    r->n_region_dict = 2;
    r->region_dict = f->rdict;
    r->n_municipality_dict = 2;
    r->municipality_dict = f->mdict;
}

static lnob_env_t s_env_batch(Lnob__V1__Batch *b, uint32_t version)
{
    lnob_env_t e = LNOB__V1__ENVELOPE__INIT;
    e.schema_version = version;
    e.body_case = LNOB__V1__ENVELOPE__BODY_BATCH;
    e.batch = b;
    return e;
}

/* Packs e into a malloc'd buffer. */
static uint8_t *s_pack(const lnob_env_t *e, size_t *len)
{
    *len = lnob__v1__envelope__get_packed_size(e);
    uint8_t *buf = malloc(*len ? *len : 1);
    cr_assert_not_null(buf);
    size_t n = lnob__v1__envelope__pack(e, buf);
    cr_assert_eq(n, *len);
    return buf;
}

/* Packs e and decodes it; returns the decode result, why filled. */
static lnob_env_t *s_roundtrip(const lnob_env_t *e, lnob_wire_stats_t *st, char *why, size_t cap)
{
    size_t len;
    uint8_t *buf = s_pack(e, &len);
    why[0] = '\0';
    lnob_env_t *out = lnob_wire_decode(buf, len, st, why, cap);
    free(buf);
    return out;
}

/* Asserts the stats counters exactly. */
static void s_expect_stats(const lnob_wire_stats_t *s, uint64_t received, uint64_t oversized,
                           uint64_t undecodable, uint64_t bad_version, uint64_t bad_body)
{
    cr_expect_eq(s->received, received, "received %llu, expected %llu",
                 (unsigned long long) s->received, (unsigned long long) received);
    cr_expect_eq(s->oversized, oversized, "oversized %llu, expected %llu",
                 (unsigned long long) s->oversized, (unsigned long long) oversized);
    cr_expect_eq(s->undecodable, undecodable, "undecodable %llu, expected %llu",
                 (unsigned long long) s->undecodable, (unsigned long long) undecodable);
    cr_expect_eq(s->bad_version, bad_version, "bad_version %llu, expected %llu",
                 (unsigned long long) s->bad_version, (unsigned long long) bad_version);
    cr_expect_eq(s->bad_body, bad_body, "bad_body %llu, expected %llu",
                 (unsigned long long) s->bad_body, (unsigned long long) bad_body);
    cr_expect_eq(lnob_wire_dropped(s), oversized + undecodable + bad_version + bad_body);
}

/* Decodes a packed Batch envelope that must be dropped as bad_body with a
 * reason mentioning `phrase`. */
static void s_expect_bad_body(Lnob__V1__Batch *b, const char *phrase)
{
    lnob_wire_stats_t st = {0};
    char why[128];
    lnob_env_t e = s_env_batch(b, LNOB_SCHEMA_VERSION);
    lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
    cr_expect_null(got, "inconsistent batch (%s) was accepted", phrase);
    lnob_wire_free(&got);
    s_expect_stats(&st, 1, 0, 0, 0, 1);
    cr_expect(strstr(why, phrase) != NULL, "why '%s' does not mention '%s'", why, phrase);
}

/* A decoded envelope is internally consistent (what validation promises). */
static void s_expect_consistent(const lnob_env_t *e)
{
    cr_assert_eq(e->schema_version, LNOB_SCHEMA_VERSION);
    cr_assert_neq(e->body_case, LNOB__V1__ENVELOPE__BODY__NOT_SET);
    if (e->body_case != LNOB__V1__ENVELOPE__BODY_BATCH)
        return;
    const Lnob__V1__Batch *b = e->batch;
    size_t n = b->record_count;
    cr_assert(b->extract_id && *b->extract_id);
    cr_assert(b->n_person_id == n && b->n_household_id == n && b->n_weight == n &&
              b->n_sex == n && b->n_age == n && b->n_line == n && b->n_region == n &&
              b->n_municipality == n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(b->region[i], b->n_region_dict);
        cr_assert_lt(b->municipality[i], b->n_municipality_dict);
    }
}

/* ---- decode: usage ------------------------------------------------------------------ */

Test(wire_decode, batch_round_trip_usage)
{
    fx_batch_t f;
    s_fx_batch(&f);
    lnob_env_t e = s_env_batch(&f.b, LNOB_SCHEMA_VERSION);
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
    cr_assert_not_null(got, "valid batch dropped: %s", why);
    s_expect_stats(&st, 1, 0, 0, 0, 0);
    cr_assert_eq(got->schema_version, 1);
    cr_assert_eq(got->body_case, LNOB__V1__ENVELOPE__BODY_BATCH);
    const Lnob__V1__Batch *b = got->batch;
    cr_expect_str_eq(b->extract_id, "silc-2023-0123456789abcdef");
    cr_expect_eq(b->seq, 7);
    cr_expect_eq(b->record_count, 3);
    cr_expect_str_eq(b->run_id, "run-1");
    cr_expect_str_eq(b->source, "in.csv");
    cr_expect_eq(b->rows_read, 5);
    cr_expect_eq(b->out_of_scope, 1);
    cr_assert_eq(b->n_person_id, 3);
    cr_assert_eq(b->n_hx090, 3);
    cr_expect_eq(b->n_hy020, 0);
    cr_expect_eq(b->n_hx050, 0);
    for (int i = 0; i < NREC; i++) {
        cr_expect_eq(b->person_id[i], f.pid[i]);
        cr_expect_eq(b->household_id[i], f.hh[i]);
        cr_expect_eq(b->weight[i], f.w[i]);
        cr_expect_eq(b->sex[i], f.sex[i]);
        cr_expect_eq(b->age[i], f.age[i]);
        cr_expect_eq(b->line[i], f.line[i]);
        cr_expect_eq(b->region[i], f.region[i]);
        cr_expect_eq(b->municipality[i], f.mun[i]);
    }
    cr_expect_eq(b->hx090[0], 670094.23);
    cr_expect(isnan(b->hx090[1]), "NaN income must survive the wire");
    cr_expect_eq(b->hx090[2], 214726.47);
    cr_assert_eq(b->n_region_dict, 2);
    cr_expect_str_eq(b->region_dict[0], "");
    cr_expect_str_eq(b->region_dict[1], "AL01");
    cr_assert_eq(b->n_municipality_dict, 3);
    cr_expect_str_eq(b->municipality_dict[2], "AL155");
    cr_expect_str_eq(b->municipality_field, "MUN_CODE");
    cr_assert_eq(b->n_rejects, 1);
    cr_expect_str_eq(b->rejects[0]->reason, "MISSING_WEIGHT");
    cr_expect_str_eq(b->rejects[0]->field, "RB050");
    cr_expect_eq(b->rejects[0]->line, 4);
    cr_expect_str_eq(b->rejects[0]->raw, "2023,1,103,,1");
    cr_expect_eq(b->rejects[0]->kept, 1);
    lnob_wire_free(&got);
    cr_assert_null(got, "lnob_wire_free must NULL the pointer");
    lnob_wire_free(&got);
    lnob_wire_free(NULL);
}

Test(wire_decode, derived_income_batch_accepted)
{
    fx_batch_t f;
    s_fx_batch(&f);
    s_fx_derived(&f);
    lnob_env_t e = s_env_batch(&f.b, LNOB_SCHEMA_VERSION);
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
    cr_assert_not_null(got, "valid HY020/HX050 batch dropped: %s", why);
    cr_expect_eq(got->batch->n_hx090, 0);
    cr_assert_eq(got->batch->n_hy020, 3);
    cr_assert_eq(got->batch->n_hx050, 3);
    cr_expect_eq(got->batch->hy020[2], 3000.0);
    cr_expect_eq(got->batch->hx050[1], 2.5);
    s_expect_stats(&st, 1, 0, 0, 0, 0);
    lnob_wire_free(&got);
}

Test(wire_decode, empty_batch_accepted)
{
    Lnob__V1__Batch b = LNOB__V1__BATCH__INIT;
    b.extract_id = "silc-unknown-00";
    lnob_env_t e = s_env_batch(&b, LNOB_SCHEMA_VERSION);
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
    cr_assert_not_null(got, "empty batch dropped: %s", why);
    cr_expect_eq(got->batch->record_count, 0);
    s_expect_stats(&st, 1, 0, 0, 0, 0);
    lnob_wire_free(&got);
}

/* ---- decode: bad bytes ------------------------------------------------------------- */

Test(wire_decode, garbage_bytes_undecodable)
{
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff};
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *got = lnob_wire_decode(garbage, sizeof garbage, &st, why, sizeof why);
    cr_expect_null(got);
    s_expect_stats(&st, 1, 0, 1, 0, 0);
    cr_expect(strstr(why, "undecodable") != NULL, "why: '%s'", why);
    /* a length-delimited body claiming more bytes than there are */
    static const uint8_t short_body[] = {0x08, 0x01, 0x52, 0x40, 0x0a, 0x01};
    got = lnob_wire_decode(short_body, sizeof short_body, &st, why, sizeof why);
    cr_expect_null(got);
    s_expect_stats(&st, 2, 0, 2, 0, 0);
}

static uint64_t s_rng = 0x9E3779B97F4A7C15ull;
static uint64_t s_next(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

Test(wire_decode, random_bytes_never_crash)
{
    lnob_wire_stats_t st = {0};
    uint8_t buf[300];
    char why[128];
    uint64_t ok = 0;
    const uint64_t rounds = 20000;
    for (uint64_t k = 0; k < rounds; k++) {
        size_t len = (size_t) (s_next() % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t) s_next();
        lnob_env_t *got = lnob_wire_decode(buf, len, &st, why, sizeof why);
        if (got) {
            s_expect_consistent(got);
            ok++;
        }
        lnob_wire_free(&got);
    }
    cr_expect_eq(st.received, rounds);
    cr_expect_eq(st.oversized, 0);
    cr_expect_eq(ok + lnob_wire_dropped(&st), rounds, "every call is accepted or dropped");
    cr_expect_gt(st.undecodable, rounds / 2, "random bytes mostly do not decode (%llu)",
                 (unsigned long long) st.undecodable);
}

Test(wire_decode, every_prefix_of_a_batch)
{
    fx_batch_t f;
    s_fx_batch(&f);
    lnob_env_t e = s_env_batch(&f.b, LNOB_SCHEMA_VERSION);
    size_t full;
    uint8_t *buf = s_pack(&e, &full);
    lnob_wire_stats_t st = {0};
    char why[128];
    uint64_t ok = 0;
    for (size_t len = 0; len <= full; len++) {
        /* a copy of exactly len bytes, so a read past the end is caught by
         * sanitizers and valgrind */
        uint8_t *p = malloc(len ? len : 1);
        cr_assert_not_null(p);
        memcpy(p, buf, len);
        lnob_env_t *got = lnob_wire_decode(p, len, &st, why, sizeof why);
        if (got) {
            s_expect_consistent(got);
            ok++;
        }
        cr_expect(len != full || got, "the whole message must decode: %s", why);
        lnob_wire_free(&got);
        free(p);
    }
    cr_expect_eq(st.received, full + 1);
    cr_expect_eq(ok + lnob_wire_dropped(&st), full + 1);
    cr_expect_eq(ok, 1, "only the whole batch is valid, %llu prefixes accepted",
                 (unsigned long long) ok);
    /* length 0 decodes to schema_version 0; length 2 is schema_version only */
    cr_expect_eq(st.bad_version, 1);
    cr_expect_eq(st.bad_body, 1);
    cr_expect_eq(st.undecodable, full - 2);
    cr_expect_eq(st.oversized, 0);
    free(buf);
}

/* ---- decode: contract violations ---------------------------------------------------- */

Test(wire_decode, schema_version_0_and_2_dropped)
{
    fx_batch_t f;
    s_fx_batch(&f);
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t e = s_env_batch(&f.b, 0);
    lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
    cr_expect_null(got);
    lnob_wire_free(&got);
    s_expect_stats(&st, 1, 0, 0, 1, 0);
    cr_expect(strstr(why, "schema version 0") != NULL, "why: '%s'", why);
    e = s_env_batch(&f.b, 2);
    got = s_roundtrip(&e, &st, why, sizeof why);
    cr_expect_null(got);
    lnob_wire_free(&got);
    s_expect_stats(&st, 2, 0, 0, 2, 0);
    cr_expect(strstr(why, "schema version 2") != NULL, "why: '%s'", why);
}

Test(wire_decode, envelope_without_body_dropped)
{
    lnob_env_t e = LNOB__V1__ENVELOPE__INIT;
    e.schema_version = LNOB_SCHEMA_VERSION;
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
    cr_expect_null(got);
    lnob_wire_free(&got);
    s_expect_stats(&st, 1, 0, 0, 0, 1);
    cr_expect(strstr(why, "without body") != NULL, "why: '%s'", why);
}

Test(wire_decode, batch_without_extract_id_dropped)
{
    fx_batch_t f;
    s_fx_batch(&f);
    f.b.extract_id = "";
    s_expect_bad_body(&f.b, "extract_id");
}

Test(wire_decode, batch_column_lengths_differ)
{
    fx_batch_t f;
    s_fx_batch(&f);
    f.b.n_weight = 2; /* short */
    s_expect_bad_body(&f.b, "record_count");
    s_fx_batch(&f);
    f.b.record_count = 2; /* every column one longer */
    s_expect_bad_body(&f.b, "record_count");
    s_fx_batch(&f);
    f.b.n_line = 0;
    s_expect_bad_body(&f.b, "record_count");
    s_fx_batch(&f);
    f.b.n_municipality = 2;
    s_expect_bad_body(&f.b, "record_count");
    s_fx_batch(&f);
    f.b.n_hx090 = 2; /* the income column */
    s_expect_bad_body(&f.b, "income");
}

/* "every column as long as record_count": with record_count 0, an income
 * column holding values is as inconsistent as with record_count 3. */
Test(wire_decode, empty_batch_with_income_values_dropped)
{
    Lnob__V1__Batch b = LNOB__V1__BATCH__INIT;
    double hx[2] = {1.0, 2.0};
    b.extract_id = "silc-2023-x";
    b.record_count = 0;
    b.n_hx090 = 2;
    b.hx090 = hx;
    s_expect_bad_body(&b, "income");
}

Test(wire_decode, batch_dictionary_index_out_of_range)
{
    fx_batch_t f;
    s_fx_batch(&f);
    f.region[2] = 2; /* == n_region_dict */
    s_expect_bad_body(&f.b, "out of range");
    s_fx_batch(&f);
    f.mun[0] = 3; /* == n_municipality_dict */
    s_expect_bad_body(&f.b, "out of range");
    s_fx_batch(&f);
    f.b.n_region_dict = 0; /* index 0 needs the "" entry */
    s_expect_bad_body(&f.b, "out of range");
    s_fx_batch(&f);
    f.mun[1] = UINT32_MAX;
    s_expect_bad_body(&f.b, "out of range");
}

/* The income columns (spec §1.8): each is record_count long or empty, and
 * HX090 or HY020 is there; the transformers choose between them per row. */
static void s_expect_accepted(Lnob__V1__Batch *b, const char *what)
{
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t e = s_env_batch(b, LNOB_SCHEMA_VERSION);
    lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
    cr_expect_not_null(got, "%s dropped: %s", what, why);
    lnob_wire_free(&got);
}

Test(wire_decode, batch_income_columns_any_present_ones_record_count_long)
{
    fx_batch_t f;
    s_fx_batch(&f);
    s_fx_derived(&f);
    f.b.n_hx090 = NREC; /* all three */
    s_expect_accepted(&f.b, "HX090, HY020 and HX050");
    f.b.n_hx050 = 0;
    s_expect_accepted(&f.b, "HX090 and HY020, HX050 to derive");
    s_fx_batch(&f);
    s_fx_derived(&f);
    f.b.n_hx050 = 0; /* hy020 without hx050: derived */
    s_expect_accepted(&f.b, "HY020 alone");
    f.b.n_hx050 = 1; /* a column shorter than record_count */
    s_expect_bad_body(&f.b, "income");
    s_fx_batch(&f);
    f.b.n_hx050 = NREC; /* HX050 alone is no income */
    f.b.n_hx090 = 0;
    s_expect_bad_body(&f.b, "income");
    f.b.n_hx050 = 0; /* no income at all */
    s_expect_bad_body(&f.b, "income");
}

Test(wire_decode, run_valid_and_inconsistent)
{
    fx_run_t f;
    s_fx_run(&f);
    lnob_env_t e = LNOB__V1__ENVELOPE__INIT;
    e.schema_version = LNOB_SCHEMA_VERSION;
    e.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    e.run = &f.r;
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
    cr_assert_not_null(got, "valid run dropped: %s", why);
    cr_assert_eq(got->body_case, LNOB__V1__ENVELOPE__BODY_RUN);
    cr_expect_eq(got->run->record_count, 2);
    cr_expect_eq(got->run->x[1], 2000.25);
    cr_expect_eq(got->run->person_id[0], 11);
    cr_expect_str_eq(got->run->municipality_dict[1], "AL222");
    lnob_wire_free(&got);
    s_expect_stats(&st, 1, 0, 0, 0, 0);

    f.r.n_x = 1;
    got = s_roundtrip(&e, &st, why, sizeof why);
    cr_expect_null(got);
    lnob_wire_free(&got);
    s_expect_stats(&st, 2, 0, 0, 0, 1);
    cr_expect(strstr(why, "record_count") != NULL, "why: '%s'", why);

    s_fx_run(&f);
    f.r.n_age_group = 3;
    got = s_roundtrip(&e, &st, why, sizeof why);
    cr_expect_null(got);
    lnob_wire_free(&got);
    s_expect_stats(&st, 3, 0, 0, 0, 2);

    s_fx_run(&f);
    f.mun[1] = 2;
    got = s_roundtrip(&e, &st, why, sizeof why);
    cr_expect_null(got);
    lnob_wire_free(&got);
    s_expect_stats(&st, 4, 0, 0, 0, 3);
    cr_expect(strstr(why, "out of range") != NULL, "why: '%s'", why);

    s_fx_run(&f);
    f.r.extract_id = "";
    got = s_roundtrip(&e, &st, why, sizeof why);
    cr_expect_null(got);
    lnob_wire_free(&got);
    s_expect_stats(&st, 5, 0, 0, 0, 4);
}

/* Packs and decodes f's run: NULL when dropped (why says why). */
static lnob_env_t *s_run_roundtrip(fx_run_t *f, lnob_wire_stats_t *st, char *why, size_t cap)
{
    lnob_env_t e = LNOB__V1__ENVELOPE__INIT;
    e.schema_version = LNOB_SCHEMA_VERSION;
    e.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    e.run = &f->r;
    return s_roundtrip(&e, st, why, cap);
}

/* Run.hh_order: empty, or each person index once (the aggregator walks
 * households with it). */
Test(wire_decode, run_household_order_is_a_permutation)
{
    fx_run_t f;
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    uint32_t order[][2] = {{1, 0}, {0, 0}, {0, 2}};
    const int ok[] = {1, 0, 0};
    for (int k = 0; k < 3; k++) {
        s_fx_run(&f);
        f.r.n_hh_order = 2;
        f.r.hh_order = order[k];
        lnob_env_t *got = s_run_roundtrip(&f, &st, why, sizeof why);
        cr_expect_eq(got != NULL, ok[k], "order {%u, %u}: %s", order[k][0], order[k][1], why);
        if (!ok[k])
            cr_expect(strstr(why, "permutation"), "why: '%s'", why);
        lnob_wire_free(&got);
    }
    s_fx_run(&f);
    f.r.n_hh_order = 1;
    f.r.hh_order = order[0];
    lnob_env_t *got = s_run_roundtrip(&f, &st, why, sizeof why);
    cr_expect_null(got, "shorter than the run");
    lnob_wire_free(&got);
}

/* A run whose breakdown codes or columns are off is dropped: the aggregator
 * indexes its group buckets with them. */
Test(wire_decode, run_breakdown_codes_in_range)
{
    fx_run_t f;
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    s_fx_run(&f);
    f.r.have = LNOB_HAVE_GALI | LNOB_HAVE_DEGURBA;
    f.gali[0] = 0;
    f.gali[1] = LNOB_RUN_GALI_MAX;
    f.r.n_gali = f.r.n_degurba = 2;
    f.r.gali = f.r.degurba = f.gali;
    lnob_env_t *got = s_run_roundtrip(&f, &st, why, sizeof why);
    cr_assert_not_null(got, "valid run dropped: %s", why);
    cr_expect_eq(got->run->gali[1], LNOB_RUN_GALI_MAX);
    lnob_wire_free(&got);
    struct {
        uint32_t *at, bad;
    } cases[] = {{&f.sex[1], LNOB_RUN_SEX_MAX + 1},        {&f.ag[0], LNOB_RUN_AGE_GROUP_MAX + 1},
                 {&f.age_b[1], LNOB_RUN_AGE_B_MAX + 1},    {&f.gali[1], LNOB_RUN_GALI_MAX + 1}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint32_t keep = *cases[k].at;
        *cases[k].at = cases[k].bad;
        got = s_run_roundtrip(&f, &st, why, sizeof why);
        cr_expect_null(got, "case %zu accepted", k);
        lnob_wire_free(&got);
        cr_expect(strstr(why, "breakdown code") != NULL, "case %zu why: '%s'", k, why);
        *cases[k].at = keep;
    }
    f.r.have = LNOB_HAVE_GALI; /* a degurba column the run does not announce */
    got = s_run_roundtrip(&f, &st, why, sizeof why);
    cr_expect_null(got);
    lnob_wire_free(&got);
    f.r.have = LNOB_HAVE_GALI | LNOB_HAVE_DEGURBA;
    f.r.n_age_b = 0;
    got = s_run_roundtrip(&f, &st, why, sizeof why);
    cr_expect_null(got);
    lnob_wire_free(&got);
    s_expect_stats(&st, 7, 0, 0, 0, 6);
}

/* hhtype is checked with the household columns: 0..16. */
Test(wire_decode, run_hhtype_in_range)
{
    fx_run_t f;
    s_fx_run(&f);
    int64_t hh[2] = {1, 1}, pt[LNOB_PT_TABLE_CELLS] = {0};
    int32_t age[2] = {40, 70}, lack9[2] = {0, 0};
    uint32_t zero[2] = {0, 0}, hhtype[2] = {5, LNOB_RUN_HHTYPE_MAX};
    double months[2] = {0, 0};
    Lnob__V1__Run *r = &f.r;
    r->have = LNOB_HAVE_DEP13;
    r->n_household_id = r->n_age_irp = r->n_lack13 = r->n_item_missing = r->n_lack9 = 2;
    r->n_hhtype = r->n_wi_elig = r->n_imp_cell = r->n_mw = r->n_pt_imp = 2;
    r->household_id = hh;
    r->age_irp = age;
    r->lack9 = lack9;
    r->lack13 = r->item_missing = r->wi_elig = r->imp_cell = zero;
    r->hhtype = hhtype;
    r->mw = r->pt_imp = months;
    r->n_pt_wh = r->n_pt_w = LNOB_PT_TABLE_CELLS;
    r->pt_wh = r->pt_w = pt;
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *got = s_run_roundtrip(&f, &st, why, sizeof why);
    cr_assert_not_null(got, "valid run dropped: %s", why);
    lnob_wire_free(&got);
    hhtype[1] = LNOB_RUN_HHTYPE_MAX + 1;
    got = s_run_roundtrip(&f, &st, why, sizeof why);
    cr_expect_null(got);
    lnob_wire_free(&got);
    cr_expect(strstr(why, "breakdown code") != NULL, "why: '%s'", why);
}

Test(wire_decode, small_bodies_need_extract_id)
{
    Lnob__V1__ExtractEnd end = LNOB__V1__EXTRACT_END__INIT;
    Lnob__V1__ExtractFailed failed = LNOB__V1__EXTRACT_FAILED__INIT;
    Lnob__V1__Quarantine q = LNOB__V1__QUARANTINE__INIT;
    Lnob__V1__Result res = LNOB__V1__RESULT__INIT;
    lnob_env_t e = LNOB__V1__ENVELOPE__INIT;
    e.schema_version = LNOB_SCHEMA_VERSION;
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    uint64_t calls = 0, bad = 0;
    for (int with_id = 1; with_id >= 0; with_id--) {
        const char *id = with_id ? "silc-2023-abc" : "";
        end.extract_id = failed.extract_id = q.extract_id = res.extract_id = (char *) id;
        end.batch_count = 4;
        failed.reason = "MISSING_COLUMN";
        for (int k = 0; k < 4; k++) {
            e.body_case = k == 0   ? LNOB__V1__ENVELOPE__BODY_END
                          : k == 1 ? LNOB__V1__ENVELOPE__BODY_FAILED
                          : k == 2 ? LNOB__V1__ENVELOPE__BODY_QUARANTINE
                                   : LNOB__V1__ENVELOPE__BODY_RESULT;
            if (k == 0)
                e.end = &end;
            else if (k == 1)
                e.failed = &failed;
            else if (k == 2)
                e.quarantine = &q;
            else
                e.result = &res;
            lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
            calls++;
            if (with_id) {
                cr_expect_not_null(got, "body %d with id dropped: %s", k, why);
                if (got) {
                    cr_expect_eq(got->body_case, e.body_case);
                    if (k == 0)
                        cr_expect_eq(got->end->batch_count, 4);
                    if (k == 1)
                        cr_expect_str_eq(got->failed->reason, "MISSING_COLUMN");
                }
            } else {
                bad++;
                cr_expect_null(got, "body %d without extract id accepted", k);
            }
            lnob_wire_free(&got);
            s_expect_stats(&st, calls, 0, 0, 0, bad);
        }
    }
}

/* An end carrying batches of a base (ExtractEnd.carry): ranges inside its
 * batches, in seq order, none over another, from another extract. */
Test(wire_decode, an_end_carries_only_ranges_it_has_from_another_extract)
{
    Lnob__V1__ExtractEnd end = LNOB__V1__EXTRACT_END__INIT;
    Lnob__V1__Carry c[2] = {LNOB__V1__CARRY__INIT, LNOB__V1__CARRY__INIT}, *cp[2] = {&c[0], &c[1]};
    lnob_env_t e = LNOB__V1__ENVELOPE__INIT;
    e.schema_version = LNOB_SCHEMA_VERSION;
    e.body_case = LNOB__V1__ENVELOPE__BODY_END;
    e.end = &end;
    end.extract_id = "mis-2024-b", end.base_extract_id = "mis-2024-a", end.batch_count = 10;
    end.n_carry = 2, end.carry = cp;
    struct { uint32_t seq0, n0, seq1, n1; const char *base, *why; } v[] = {
        {0, 4, 6, 4, "mis-2024-a", NULL},
        {0, 4, 6, 5, "mis-2024-a", "outside its batches"},
        {6, 4, 0, 4, "mis-2024-a", "out of order"},
        {0, 4, 3, 2, "mis-2024-a", "over one another"},
        {0, 0, 6, 4, "mis-2024-a", "outside its batches"},
        {0, 4, 6, 4, "", "without another extract"},
        {0, 4, 6, 4, "mis-2024-b", "without another extract"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        c[0].seq = v[i].seq0, c[0].count = v[i].n0, c[1].seq = v[i].seq1, c[1].count = v[i].n1;
        c[0].source = c[1].source = "done/a.csv";
        c[1].base_seq = 7;
        end.base_extract_id = (char *) v[i].base;
        lnob_wire_stats_t st = {0};
        char why[128] = "";
        lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
        if (!v[i].why)
            cr_expect_not_null(got, "case %zu: %s", i, why);
        else {
            cr_expect_null(got, "case %zu accepted", i);
            cr_expect(strstr(why, v[i].why), "case %zu: %s", i, why);
        }
        lnob_wire_free(&got);
    }
}

Test(wire_decode, oversized_checked_before_reading)
{
    /* the length is checked before the bytes are touched: a 1-byte buffer
     * with a fake length must be dropped without reading it */
    uint8_t one = 0;
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *got = lnob_wire_decode(&one, (size_t) LNOB_WIRE_MAX_BYTES + 1, &st, why, sizeof why);
    cr_expect_null(got);
    s_expect_stats(&st, 1, 1, 0, 0, 0);
    char want[64];
    snprintf(want, sizeof want, "oversized message (%zu bytes)", (size_t) LNOB_WIRE_MAX_BYTES + 1);
    cr_expect_str_eq(why, want);
    got = lnob_wire_decode(&one, SIZE_MAX, &st, why, sizeof why);
    cr_expect_null(got);
    s_expect_stats(&st, 2, 2, 0, 0, 0);
}

Test(wire_decode, exactly_max_bytes_is_not_oversized)
{
    /* zero pages: calloc'd, never written; tag 0 is invalid protobuf so the
     * decoder stops at the first byte */
    uint8_t *big = calloc(1, LNOB_WIRE_MAX_BYTES);
    cr_assert_not_null(big, "calloc(256 MiB) failed");
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *got = lnob_wire_decode(big, LNOB_WIRE_MAX_BYTES, &st, why, sizeof why);
    cr_expect_null(got);
    s_expect_stats(&st, 1, 0, 1, 0, 0);
    free(big);
}

Test(wire_decode, why_respects_cap)
{
    lnob_wire_stats_t st = {0};
    char why[8];
    memset(why, 'x', sizeof why);
    static const uint8_t garbage[] = {0xff, 0xff};
    lnob_env_t *got = lnob_wire_decode(garbage, sizeof garbage, &st, why, sizeof why);
    cr_expect_null(got);
    cr_expect_eq(strlen(why), 7);
    cr_expect_str_eq(why, "undecod");
}

/* ---- ZeroMQ round trips ---------------------------------------------------------------- */

typedef struct {
    void *ctx, *tx, *rx;
} zpair_t;

static zpair_t s_zpair(int tx_type, int rx_type, const char *endpoint)
{
    zpair_t z;
    z.ctx = zmq_ctx_new();
    cr_assert_not_null(z.ctx);
    z.rx = zmq_socket(z.ctx, rx_type);
    z.tx = zmq_socket(z.ctx, tx_type);
    cr_assert(z.rx && z.tx);
    int linger = 0, timeout = 5000;
    zmq_setsockopt(z.tx, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(z.rx, ZMQ_LINGER, &linger, sizeof linger);
    /* a hang is a failure, not a stuck test */
    zmq_setsockopt(z.rx, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(z.tx, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    cr_assert_eq(zmq_bind(z.rx, endpoint), 0, "bind %s: %s", endpoint, zmq_strerror(zmq_errno()));
    cr_assert_eq(zmq_connect(z.tx, endpoint), 0, "connect: %s", zmq_strerror(zmq_errno()));
    return z;
}

static void s_zclose(zpair_t *z)
{
    if (z->tx)
        zmq_close(z->tx);
    if (z->rx)
        zmq_close(z->rx);
    zmq_ctx_term(z->ctx);
}

Test(wire_zmq, pair_send_recv_batch)
{
    zpair_t z = s_zpair(ZMQ_PAIR, ZMQ_PAIR, "inproc://wire-pair");
    fx_batch_t f;
    s_fx_batch(&f);
    lnob_env_t e = s_env_batch(&f.b, 0); /* send sets the version */
    char why[128] = "";
    cr_assert_eq(lnob_wire_send(z.tx, &e, why, sizeof why), LNOB_OK, "send: %s", why);
    cr_expect_eq(e.schema_version, LNOB_SCHEMA_VERSION);
    lnob_wire_stats_t st = {0};
    lnob_env_t *got = NULL;
    int rc = lnob_wire_recv(z.rx, &got, &st, why, sizeof why);
    cr_assert_eq(rc, LNOB_OK, "recv rc %d: %s", rc, why);
    cr_assert_not_null(got);
    cr_assert_eq(got->body_case, LNOB__V1__ENVELOPE__BODY_BATCH);
    cr_expect_str_eq(got->batch->extract_id, "silc-2023-0123456789abcdef");
    cr_expect_eq(got->batch->record_count, 3);
    cr_expect_eq(got->batch->weight[0], 59750000);
    cr_expect_eq(got->batch->person_id[2], 201);
    cr_expect(isnan(got->batch->hx090[1]));
    s_expect_stats(&st, 1, 0, 0, 0, 0);
    size_t len;
    uint8_t *packed = lnob_wire_pack(&e, &len); /* the bytes the frame carried */
    free(packed);
    cr_expect_eq(st.in[LNOB__V1__ENVELOPE__BODY_BATCH], 1);
    cr_expect_eq(st.in_bytes[LNOB__V1__ENVELOPE__BODY_BATCH], len, "counted %llu bytes of %zu",
                 (unsigned long long) st.in_bytes[LNOB__V1__ENVELOPE__BODY_BATCH], len);
    lnob_wire_free(&got);
    s_zclose(&z);
}

Test(wire_zmq, push_pull_garbage_and_multipart_dropped)
{
    zpair_t z = s_zpair(ZMQ_PUSH, ZMQ_PULL, "inproc://wire-pushpull");
    fx_batch_t f;
    s_fx_batch(&f);
    lnob_env_t e = s_env_batch(&f.b, LNOB_SCHEMA_VERSION);
    size_t len;
    uint8_t *packed = s_pack(&e, &len);
    char why[128] = "";
    lnob_wire_stats_t st = {0};
    lnob_env_t *got = NULL;

    /* 1. a garbage frame sent raw */
    static const char garbage[] = "\xff\xff\xff\xff not protobuf";
    cr_assert_eq(zmq_send(z.tx, garbage, sizeof garbage - 1, 0), (int) sizeof garbage - 1);
    static lnob_env_t sentinel = LNOB__V1__ENVELOPE__INIT;
    got = &sentinel; /* must be overwritten with NULL */
    int rc = lnob_wire_recv(z.rx, &got, &st, why, sizeof why);
    cr_expect_eq(rc, LNOB_DROP, "garbage frame: rc %d", rc);
    cr_expect_null(got);
    s_expect_stats(&st, 1, 0, 1, 0, 0);

    /* 2. a multi-part message of three frames, the first a valid envelope:
     * dropped whole */
    cr_assert_eq(zmq_send(z.tx, packed, len, ZMQ_SNDMORE), (int) len);
    cr_assert_eq(zmq_send(z.tx, "two", 3, ZMQ_SNDMORE), 3);
    cr_assert_eq(zmq_send(z.tx, packed, len, 0), (int) len);
    got = NULL;
    rc = lnob_wire_recv(z.rx, &got, &st, why, sizeof why);
    cr_expect_eq(rc, LNOB_DROP, "multi-part: rc %d", rc);
    cr_expect_null(got);
    s_expect_stats(&st, 2, 0, 1, 0, 1);
    cr_expect_str_eq(why, "multi-part message");

    /* 3. an envelope with schema version 2 sent raw */
    e.schema_version = 2;
    size_t len2;
    uint8_t *v2 = s_pack(&e, &len2);
    cr_assert_eq(zmq_send(z.tx, v2, len2, 0), (int) len2);
    rc = lnob_wire_recv(z.rx, &got, &st, why, sizeof why);
    cr_expect_eq(rc, LNOB_DROP);
    cr_expect_null(got);
    s_expect_stats(&st, 3, 0, 1, 1, 1);
    free(v2);

    /* 4. the next good message arrives intact: the multi-part was drained */
    e.schema_version = 0;
    cr_assert_eq(lnob_wire_send(z.tx, &e, why, sizeof why), LNOB_OK, "send: %s", why);
    rc = lnob_wire_recv(z.rx, &got, &st, why, sizeof why);
    cr_assert_eq(rc, LNOB_OK, "good message after drops: rc %d (%s)", rc, why);
    cr_assert_not_null(got);
    cr_expect_eq(got->batch->seq, 7);
    cr_expect_eq(got->batch->n_person_id, 3);
    lnob_wire_free(&got);
    s_expect_stats(&st, 4, 0, 1, 1, 1);

    /* 5. an empty frame is an Envelope with schema_version 0 */
    cr_assert_eq(zmq_send(z.tx, "", 0, 0), 0);
    rc = lnob_wire_recv(z.rx, &got, &st, why, sizeof why);
    cr_expect_eq(rc, LNOB_DROP);
    s_expect_stats(&st, 5, 0, 1, 2, 1);
    cr_expect_eq(lnob_wire_dropped(&st), 4);
    free(packed);
    s_zclose(&z);
}

Test(wire_zmq, recv_timeout_is_again)
{
    zpair_t z = s_zpair(ZMQ_PUSH, ZMQ_PULL, "inproc://wire-timeout");
    int t = 20;
    zmq_setsockopt(z.rx, ZMQ_RCVTIMEO, &t, sizeof t);
    lnob_wire_stats_t st = {0};
    lnob_env_t *got = NULL;
    char why[128] = "";
    cr_expect_eq(lnob_wire_recv(z.rx, &got, &st, why, sizeof why), LNOB_AGAIN);
    cr_expect_null(got);
    s_expect_stats(&st, 0, 0, 0, 0, 0);
    s_zclose(&z);
}

Test(wire_zmq, recv_after_ctx_shutdown_is_closed)
{
    zpair_t z = s_zpair(ZMQ_PUSH, ZMQ_PULL, "inproc://wire-closed");
    cr_assert_eq(zmq_ctx_shutdown(z.ctx), 0);
    lnob_wire_stats_t st = {0};
    lnob_env_t *got = NULL;
    char why[128] = "";
    cr_expect_eq(lnob_wire_recv(z.rx, &got, &st, why, sizeof why), LNOB_CLOSED, "why: %s", why);
    fx_batch_t f;
    s_fx_batch(&f);
    lnob_env_t e = s_env_batch(&f.b, 1);
    cr_expect_eq(lnob_wire_send(z.tx, &e, why, sizeof why), LNOB_CLOSED, "why: %s", why);
    s_expect_stats(&st, 0, 0, 0, 0, 0);
    s_zclose(&z);
}

/* Found by fuzz_wire: protobuf-c accepts an unknown field numbered 0 (its
 * tag written in two bytes) and re-packs it in a form it then refuses.
 * Unknown fields mean another schema: refused at once, counted as bad_body. */
Test(wire_decode, unknown_fields_are_refused)
{
    const uint8_t bytes[] = {0x08, 0x01, 0x82, 0x00, 0x05, 0x00, 0x05, 0x78, 0x25, 0x00, 0x08,
                             0x01, 0x52, 0x00, 0x52, 0x05, 0x0a, 0x01, 0x78, 0x18, 0x00};
    lnob_wire_stats_t st = {0};
    char why[256];
    lnob_env_t *env = lnob_wire_decode(bytes, sizeof bytes, &st, why, sizeof why);
    cr_assert_null(env);
    cr_expect_eq(st.bad_body, 1);
    cr_expect(strstr(why, "unknown") != NULL, "why: %s", why);
    /* a known field (schema_version) followed by an unknown field 99 */
    const uint8_t later[] = {0x08, 0x01, 0x98, 0x06, 0x01, 0x5a, 0x03, 0x0a, 0x01, 0x78};
    env = lnob_wire_decode(later, sizeof later, &st, why, sizeof why);
    cr_assert_null(env, "an envelope with field 99 was accepted");
    cr_expect_eq(st.bad_body, 2);
}

/* ---- MisBatch ------------------------------------------------------------------------ */

/* A valid 2-record MisBatch with its column storage. */
typedef struct {
    Lnob__V1__MisBatch m;
    char *pk[2], *id[2], *mdict[2], *sdict[3];
    uint32_t mun[2], svc[2], sex[2], flags[2], status[2];
    int32_t birth[2], start[2], end[2];
    uint64_t line[2];
} fx_mis_t;

static void s_fx_mis(fx_mis_t *f)
{
    memset(f, 0, sizeof *f);
    lnob__v1__mis_batch__init(&f->m);
    static char key[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    f->pk[0] = key;
    f->pk[1] = "";
    f->id[0] = "R01";
    f->id[1] = "";
    f->mdict[0] = "";
    f->mdict[1] = "AL154";
    f->sdict[0] = "";
    f->sdict[1] = "HOME_CARE";
    f->sdict[2] = "SHELTER";
    for (int i = 0; i < 2; i++) {
        f->mun[i] = 1;
        f->svc[i] = (uint32_t) (1 + i);
        f->sex[i] = 9;
        f->start[i] = 20240101;
        f->line[i] = (uint64_t) (2 + i);
    }
    Lnob__V1__MisBatch *m = &f->m;
    m->extract_id = "mis-2024-0123456789abcdef";
    m->record_count = 2;
    m->rows_read = 2;
    m->n_person_key = m->n_record_id = m->n_municipality = m->n_service = m->n_sex = 2;
    m->n_birth_date = m->n_flags = m->n_start_date = m->n_end_date = m->n_status = m->n_line = 2;
    m->person_key = f->pk;
    m->record_id = f->id;
    m->municipality = f->mun;
    m->service = f->svc;
    m->sex = f->sex;
    m->birth_date = f->birth;
    m->flags = f->flags;
    m->start_date = f->start;
    m->end_date = f->end;
    m->status = f->status;
    m->line = f->line;
    m->n_municipality_dict = 2;
    m->municipality_dict = f->mdict;
    m->n_service_dict = 3;
    m->service_dict = f->sdict;
}

/* Packs and decodes a MisBatch: NULL when dropped, with why. */
static lnob_env_t *s_mis_roundtrip(Lnob__V1__MisBatch *m, lnob_wire_stats_t *st, char *why, size_t cap)
{
    lnob_env_t e = LNOB__V1__ENVELOPE__INIT;
    e.schema_version = LNOB_SCHEMA_VERSION;
    e.body_case = LNOB__V1__ENVELOPE__BODY_MIS;
    e.mis = m;
    return s_roundtrip(&e, st, why, cap);
}

Test(wire_decode, mis_batch_valid_and_inconsistent)
{
    fx_mis_t f;
    lnob_wire_stats_t st = {0};
    char why[128];
    s_fx_mis(&f);
    lnob_env_t *got = s_mis_roundtrip(&f.m, &st, why, sizeof why);
    cr_assert_not_null(got, "%s", why);
    cr_expect_str_eq(got->mis->person_key[0], f.pk[0]);
    cr_expect_str_eq(got->mis->service_dict[got->mis->service[1]], "SHELTER");
    lnob_wire_free(&got);
    /* each case spoils the batch once, in the switch below */
    static const char *const phrases[] = {"column lengths", "without extract_id", "index out of range",
                                          "without municipality or service",
                                          "person key is not 64 hex digits",
                                          "person key is not 64 hex digits"};
    static char upper[] = "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef";
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++) {
        s_fx_mis(&f);
        switch (i) {
        case 0: f.m.n_flags = 1; break;
        case 1: f.m.extract_id = ""; break;
        case 2: f.mun[1] = 2; break;
        case 3: f.svc[0] = 0; break;
        case 4: f.pk[1] = "J12345678K"; break;
        default: f.pk[1] = upper; break;
        }
        st = (lnob_wire_stats_t){0};
        got = s_mis_roundtrip(&f.m, &st, why, sizeof why);
        cr_expect_null(got, "case %zu accepted", i);
        lnob_wire_free(&got);
        s_expect_stats(&st, 1, 0, 0, 0, 1);
        cr_expect(strstr(why, phrases[i]) != NULL, "case %zu: '%s'", i, why);
    }
}

/* The last guard of "UTF-8 only": a string that is not UTF-8, anywhere in
 * an envelope (a dictionary entry, a reject inside the batch), goes out
 * repaired and counted, so a reader in any language can decode the
 * message; valid text, multi-byte characters included, goes out as it is. */
Test(wire_zmq, strings_that_are_not_utf8_are_repaired_before_sending)
{
    zpair_t z = s_zpair(ZMQ_PAIR, ZMQ_PAIR, "inproc://wire-utf8");
    fx_batch_t f;
    s_fx_batch(&f);
    char region[] = "Qend\xEBr", raw[] = "1,101,Qend\xEBr,\xC3", detail[] = "Durr\xC3\xABs ok";
    f.rdict[1] = region;
    Lnob__V1__Reject rj = LNOB__V1__REJECT__INIT, *rjs[1] = {&rj};
    rj.source = "in.csv";
    rj.reason = "BAD_TEXT";
    rj.field = "DB040";
    rj.detail = detail;
    rj.raw = raw;
    f.b.n_rejects = 1;
    f.b.rejects = rjs;
    lnob_env_t e = s_env_batch(&f.b, 0);
    uint64_t before = lnob_wire_text_repaired();
    char why[128] = "";
    cr_assert_eq(lnob_wire_send(z.tx, &e, why, sizeof why), LNOB_OK, "send: %s", why);
    cr_expect_eq(lnob_wire_text_repaired() - before, 2, "the region and the raw row");
    lnob_wire_stats_t st = {0};
    lnob_env_t *got = NULL;
    cr_assert_eq(lnob_wire_recv(z.rx, &got, &st, why, sizeof why), LNOB_OK, "recv: %s", why);
    cr_expect_str_eq(got->batch->region_dict[1], "Qend?r");
    cr_expect_str_eq(got->batch->rejects[0]->raw, "1,101,Qend?r,?");
    cr_expect_str_eq(got->batch->rejects[0]->detail, "Durr\xC3\xABs ok");
    cr_expect_str_eq(got->batch->region_dict[0], "");
    lnob_wire_free(&got);
    s_zclose(&z);
}

/* A receiver drops a message holding a string that is not UTF-8, wherever
 * it is (a dictionary entry, a reject inside the batch): protobuf's rule,
 * and what a sender of another make may break. */
Test(wire_decode, strings_that_are_not_utf8_drop_the_message)
{
    fx_batch_t f;
    s_fx_batch(&f);
    char region[] = "Qend\xEBr";
    f.rdict[1] = region;
    s_expect_bad_body(&f.b, "not UTF-8");
    s_fx_batch(&f);
    char raw[] = "1,101,\xC3";
    Lnob__V1__Reject rj = LNOB__V1__REJECT__INIT, *rjs[1] = {&rj};
    rj.source = "in.csv", rj.reason = "BAD_TEXT", rj.field = "DB040", rj.detail = "d", rj.raw = raw;
    f.b.n_rejects = 1;
    f.b.rejects = rjs;
    s_expect_bad_body(&f.b, "not UTF-8");
    rj.raw = "1,101,Qend\xC3\xABr";
    lnob_wire_stats_t st = {0};
    char why[128];
    lnob_env_t e = s_env_batch(&f.b, LNOB_SCHEMA_VERSION);
    lnob_env_t *got = s_roundtrip(&e, &st, why, sizeof why);
    cr_expect_not_null(got, "valid text dropped: %s", why);
    lnob_wire_free(&got);
}

/* A Range (a SILC file's lines for a transformer to parse) comes only from
 * an ingester, and holds whole lines of a named extract. */
Test(wire_decode, a_range_comes_from_an_ingester_with_whole_lines)
{
    cr_assert(lnob_wire_role_sends("ingest", LNOB__V1__ENVELOPE__BODY_RANGE));
    const char *others[] = {"transform", "aggregate", "sink", "dashboard", "stranger"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        cr_assert_not(lnob_wire_role_sends(others[i], LNOB__V1__ENVELOPE__BODY_RANGE), "%s", others[i]);
    Lnob__V1__Range r = LNOB__V1__RANGE__INIT;
    r.extract_id = "silc-2023-0123456789abcdef";
    r.period = "2023";
    r.header.data = (uint8_t *) "DB030,RB030";
    r.header.len = 11;
    r.rows = 1;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.schema_version = LNOB_SCHEMA_VERSION;
    env.body_case = LNOB__V1__ENVELOPE__BODY_RANGE;
    env.range = &r;
    const char *lines[] = {"1,101\n", "1,101"}; /* whole, then cut inside a line */
    for (int k = 0; k < 2; k++) {
        r.data.data = (uint8_t *) lines[k];
        r.data.len = strlen(lines[k]);
        size_t len;
        uint8_t *buf = lnob_wire_pack(&env, &len);
        lnob_wire_stats_t st = {0};
        char why[256] = "";
        lnob_env_t *back = lnob_wire_decode(buf, len, &st, why, sizeof why);
        if (k == 0) {
            cr_assert_not_null(back, "%s", why);
            cr_assert_eq(lnob_wire_seq(back), 0);
            cr_assert_str_eq(lnob_wire_extract_id(back), r.extract_id);
        } else {
            cr_assert_null(back, "a range that ends inside a line is dropped");
            cr_assert_str_eq(why, "range without whole lines");
        }
        lnob_wire_free(&back);
        free(buf);
    }
}
