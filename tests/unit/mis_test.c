/* mis_test.c - the MIS export parser (sources/mis/mis.h): delimiters, encodings,
 * quoting, header aliases in both languages, the mapping file, every date,
 * sex, service, group and status form, municipalities, rejects, batches,
 * chunking, and that nothing identifying leaves it. Every emitted batch is
 * packed and run through lnob_wire_decode (what the ingester sends must
 * pass the wire contract); the tests read the decoded copies, and compare
 * whole runs by their packed bytes. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/geo.h"
#include "mis_codes.h"
#include "lnob/rc.h"
#include "mis.h"
#include "mis_map.h"
#include "pseudonym.h"
#include "wire.h"

#define SOURCE "shkoder_2024.csv"
#define EXTRACT "mis-2024-0123456789abcdef"
#define RUN_ID "run-t"
#define MAXB 256

/* ---- capture ------------------------------------------------------------------ */

typedef struct {
    lnob_env_t *env[MAXB]; /* each emitted batch, packed and decoded */
    size_t n;
    uint8_t *bytes;        /* the packed envelopes, concatenated */
    size_t n_bytes;
    size_t fail_at;        /* 1-based emit that returns fail_rc; 0 = never */
    int fail_rc;
} cap_t;

/* One record, read across batches. */
typedef struct {
    const char *pk, *id, *mun, *svc;
    uint32_t sex, flags, status;
    int32_t birth, start, end;
    uint64_t line;
} rec_t;

static lnob_geo_t *geo;
static lnob_pseudonym_t *pseu;
static uint8_t s_key[LNOB_PSEUDONYM_KEY_BYTES];

static void s_setup(void)
{
    cr_assert_geq(sodium_init(), 0);
    for (int i = 0; i < LNOB_PSEUDONYM_KEY_BYTES; i++)
        s_key[i] = (uint8_t) (0xA0 + i);
    geo = lnob_geo_new();
    cr_assert_not_null(geo);
    pseu = lnob_pseudonym_new(s_key);
}

static void s_teardown(void)
{
    lnob_geo_destroy(&geo);
    lnob_pseudonym_destroy(&pseu);
}

TestSuite(mis, .init = s_setup, .fini = s_teardown);

static int s_emit(void *arg, Lnob__V1__MisBatch *b)
{
    cap_t *c = arg;
    cr_assert_lt(c->n, MAXB, "more than %d batches", MAXB);
    lnob_env_t e = LNOB__V1__ENVELOPE__INIT;
    e.schema_version = LNOB_SCHEMA_VERSION;
    e.body_case = LNOB__V1__ENVELOPE__BODY_MIS;
    e.mis = b;
    size_t len = lnob__v1__envelope__get_packed_size(&e);
    uint8_t *buf = malloc(len ? len : 1);
    lnob__v1__envelope__pack(&e, buf);
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *dec = lnob_wire_decode(buf, len, &st, why, sizeof why);
    cr_assert_not_null(dec, "batch %zu fails the wire contract: %s", c->n, why);
    c->env[c->n++] = dec;
    c->bytes = realloc(c->bytes, c->n_bytes + len);
    memcpy(c->bytes + c->n_bytes, buf, len);
    c->n_bytes += len;
    free(buf);
    return c->fail_at && c->n == c->fail_at ? c->fail_rc : LNOB_OK;
}

static cap_t *s_cap(void)
{
    cap_t *c = calloc(1, sizeof *c);
    cr_assert_not_null(c);
    return c;
}

static void s_cap_free(cap_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        lnob_wire_free(&c->env[i]);
    free(c->bytes);
    free(c);
}

static size_t s_nrec(const cap_t *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->env[i]->mis->record_count;
    return n;
}

static rec_t s_rec(const cap_t *c, size_t k)
{
    for (size_t i = 0; i < c->n; i++) {
        const Lnob__V1__MisBatch *b = c->env[i]->mis;
        if (k >= b->record_count) {
            k -= b->record_count;
            continue;
        }
        return (rec_t){.pk = b->person_key[k], .id = b->record_id[k],
                       .mun = b->municipality_dict[b->municipality[k]],
                       .svc = b->service_dict[b->service[k]], .sex = b->sex[k],
                       .flags = b->flags[k], .status = b->status[k], .birth = b->birth_date[k],
                       .start = b->start_date[k], .end = b->end_date[k], .line = b->line[k]};
    }
    cr_assert_fail("no record %zu", k);
    return (rec_t){0};
}

static size_t s_nrej(const cap_t *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->env[i]->mis->n_rejects;
    return n;
}

static const Lnob__V1__Reject *s_rej(const cap_t *c, size_t k)
{
    for (size_t i = 0; i < c->n; i++) {
        const Lnob__V1__MisBatch *b = c->env[i]->mis;
        if (k < b->n_rejects)
            return b->rejects[k];
        k -= b->n_rejects;
    }
    cr_assert_fail("no reject %zu", k);
    return NULL;
}

static uint64_t s_rows_read(const cap_t *c)
{
    uint64_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->env[i]->mis->rows_read;
    return n;
}

/* The person key of a normalised number, computed here with libsodium. */
static const char *s_pk(const char *norm)
{
    static char out[8][LNOB_PSEUDONYM_HEX + 1];
    static int turn;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *) norm, strlen(norm), s_key);
    char *o = out[turn++ % 8];
    sodium_bin2hex(o, LNOB_PSEUDONYM_HEX + 1, mac, sizeof mac);
    return o;
}

/* ---- running the parser ------------------------------------------------------- */

static lnob_mis_opts_t s_opts(cap_t *c)
{
    return (lnob_mis_opts_t){.source = SOURCE, .extract_id = EXTRACT, .run_id = RUN_ID,
                             .batch_size = 100, .geo = geo, .pseudonym = pseu, .emit = s_emit,
                             .arg = c};
}

/* Feeds len bytes chunk at a time (0 = whole) and finishes; *rc_out gets
 * the first non-OK rc. Returns the parser (destroy it). */
static lnob_mis_t *s_parse(const lnob_mis_opts_t *o, const char *in, size_t len, size_t chunk,
                           int *rc_out)
{
    lnob_mis_t *p = lnob_mis_new(o);
    cr_assert_not_null(p);
    if (!chunk)
        chunk = len ? len : 1;
    int rc = LNOB_OK;
    for (size_t off = 0; off < len && rc == LNOB_OK; off += chunk)
        rc = lnob_mis_feed(p, in + off, len - off < chunk ? len - off : chunk);
    if (rc == LNOB_OK)
        rc = lnob_mis_finish(p);
    *rc_out = rc;
    return p;
}

/* Parses with the default options and expects LNOB_OK; returns the capture. */
static cap_t *s_ok(const char *in, size_t len)
{
    cap_t *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    int rc;
    lnob_mis_t *p = s_parse(&o, in, len, 0, &rc);
    cr_assert_eq(rc, LNOB_OK, "rc %d: %s %s", rc, lnob_mis_reason(p), lnob_mis_errstr(p));
    cr_assert_eq(lnob_mis_rows_read(p), lnob_mis_records(p) + lnob_mis_rejected(p));
    cr_assert_eq(lnob_mis_rows_read(p), s_rows_read(c), "rows_read of the batches");
    cr_assert_eq(lnob_mis_records(p), s_nrec(c));
    cr_assert_eq(lnob_mis_rejected(p), s_nrej(c));
    lnob_mis_destroy(&p);
    cr_assert_null(p);
    return c;
}

#define OK(lit) s_ok((lit), sizeof(lit) - 1)

/* One data row under a header: the capture. */
static cap_t *s_ok_str(const char *in)
{
    return s_ok(in, strlen(in));
}

/* A copy of s with every from outside double quotes replaced by to. */
static char *s_subst(const char *s, char from, char to)
{
    char *o = strdup(s);
    int quoted = 0;
    for (char *p = o; *p; p++) {
        quoted ^= *p == '"';
        if (*p == from && !quoted)
            *p = to;
    }
    return o;
}

/* UTF-8 text whose only non-ASCII letters are ë ç Ë Ç, in Windows-1252. */
static char *s_cp1252(const char *s, size_t *len)
{
    char *o = malloc(strlen(s) + 1);
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p < 0x80) {
            o[n++] = (char) *p;
            continue;
        }
        cr_assert_eq(*p, 0xC3, "only Latin-1 letters in these tests");
        p++;
        o[n++] = (char) (*p + 0x40);
    }
    o[n] = '\0';
    *len = n;
    return o;
}

/* UTF-8 text (BMP only) as UTF-16LE with a BOM. */
static char *s_utf16le(const char *s, size_t *len)
{
    unsigned char *o = malloc(2 * strlen(s) + 2);
    size_t n = 0, i = 0, slen = strlen(s);
    o[n++] = 0xFF;
    o[n++] = 0xFE;
    while (i < slen) {
        uint32_t cp = lnob_recode_next((const unsigned char *) s, slen, &i);
        o[n++] = (unsigned char) (cp & 0xFF);
        o[n++] = (unsigned char) (cp >> 8);
    }
    *len = n;
    return (char *) o;
}

static int s_same_bytes(const cap_t *a, const cap_t *b)
{
    return a->n == b->n && a->n_bytes == b->n_bytes && memcmp(a->bytes, b->bytes, a->n_bytes) == 0;
}

static void s_expect_reject(const cap_t *c, size_t k, uint64_t line, const char *reason,
                            const char *field)
{
    cr_assert_lt(k, s_nrej(c), "reject %zu missing", k);
    const Lnob__V1__Reject *r = s_rej(c, k);
    cr_expect_eq(r->line, line, "reject %zu (%s): line %llu", k, reason, (unsigned long long) r->line);
    cr_expect_str_eq(r->reason, reason, "reject %zu at line %llu (%s)", k, (unsigned long long) line,
                     r->detail);
    cr_expect_str_eq(r->field, field, "reject %zu (%s)", k, reason);
    cr_expect_str_eq(r->source, SOURCE);
    cr_expect_eq(r->file, 0);
    cr_expect_neq(r->detail[0], '\0');
}

/* ---- the common example --------------------------------------------------------- */

#define HDR_AL "ID,Bashkia,Nr. personal,Emri,Mbiemri,Gjinia,Datëlindja,Lloji i shërbimit,Kategoria,Data e fillimit,Data e mbarimit,Statusi\n"
#define HDR_EN "Record ID,Municipality,Personal number,First name,Last name,Sex,Date of birth,Service type,Group,Start date,End date,Status\n"
#define ROWS                                                                                         \
    "R01,Shkodër,J12345678K,Arta,Hoxha,F,12.03.1950,Kujdes në shtëpi,PAK,01.05.2023,,Aktiv\n"        \
    "R02,Velipojë,k2345 6789l,Besnik,Çela,M,2012,Qendër komunitare,Rom/Fëmijë,2024-05-01,,\n"        \
    "R03,Korçë,I34567890M,Ëngjëll,Dervishi,2,1990-06-15,Strehëz,\"Egjiptian, Viktimë e dhunës në familje\",01/09/2024,15/10/2024,Anuluar\n"

static void s_expect_example(const cap_t *c, uint64_t line0)
{
    cr_assert_eq(s_nrec(c), 3);
    cr_assert_eq(s_nrej(c), 0);
    rec_t r = s_rec(c, 0);
    cr_expect_str_eq(r.pk, s_pk("J12345678K"));
    cr_expect_str_eq(r.id, "R01");
    cr_expect_str_eq(r.mun, "AL154");
    cr_expect_str_eq(r.svc, "HOME_CARE");
    cr_expect_eq(r.sex, 2);
    cr_expect_eq(r.birth, 19500312);
    cr_expect_eq(r.flags, LNOB_MIS_FLAG_DIS);
    cr_expect_eq(r.start, 20230501);
    cr_expect_eq(r.end, 0);
    cr_expect_eq(r.status, 0);
    cr_expect_eq(r.line, line0);
    r = s_rec(c, 1);
    cr_expect_str_eq(r.pk, s_pk("K23456789L"), "normalised before hashing");
    cr_expect_str_eq(r.mun, "AL154", "Velipojë is a former unit of Shkodër");
    cr_expect_str_eq(r.svc, "COMMUNITY_CENTRE");
    cr_expect_eq(r.sex, 1);
    cr_expect_eq(r.birth, 20120701, "a year alone is 1 July");
    cr_expect_eq(r.flags, LNOB_MIS_FLAG_ROMA, "Fëmijë sets no flag");
    cr_expect_eq(r.start, 20240501);
    cr_expect_eq(r.status, 0, "empty status is active");
    cr_expect_eq(r.line, line0 + 1);
    r = s_rec(c, 2);
    cr_expect_str_eq(r.pk, s_pk("I34567890M"));
    cr_expect_str_eq(r.mun, "AL343");
    cr_expect_str_eq(r.svc, "SHELTER");
    cr_expect_eq(r.sex, 2);
    cr_expect_eq(r.birth, 19900615);
    cr_expect_eq(r.flags, LNOB_MIS_FLAG_EGY | LNOB_MIS_FLAG_VAW);
    cr_expect_eq(r.start, 20240901);
    cr_expect_eq(r.end, 20241015);
    cr_expect_eq(r.status, 1);
    cr_expect_eq(r.line, line0 + 2);
}

/* ---- usage ------------------------------------------------------------------------ */

Test(mis, happy_path_usage)
{
    cap_t *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    int rc;
    static const char in[] = HDR_AL ROWS;
    lnob_mis_t *p = s_parse(&o, in, sizeof in - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_mis_errstr(p));
    cr_assert_eq(c->n, 1);
    const Lnob__V1__MisBatch *b = c->env[0]->mis;
    cr_expect_str_eq(b->extract_id, EXTRACT);
    cr_expect_str_eq(b->run_id, RUN_ID);
    cr_expect_str_eq(b->source, SOURCE);
    cr_expect_eq(b->seq, 0);
    cr_expect_eq(b->record_count, 3);
    cr_expect_eq(b->rows_read, 3);
    cr_assert_eq(b->n_municipality_dict, 3);
    cr_expect_str_eq(b->municipality_dict[0], "");
    cr_expect_str_eq(b->municipality_dict[1], "AL154");
    cr_expect_str_eq(b->municipality_dict[2], "AL343");
    cr_assert_eq(b->n_service_dict, 4);
    cr_expect_str_eq(b->service_dict[0], "");
    cr_expect_str_eq(b->service_dict[3], "SHELTER");
    s_expect_example(c, 2);
    cr_expect_eq(lnob_mis_rows_read(p), 3);
    cr_expect_eq(lnob_mis_records(p), 3);
    cr_expect_eq(lnob_mis_rejected(p), 0);
    cr_expect_eq(lnob_mis_batches(p), 1);
    cr_expect_eq(lnob_mis_encoding(p), LNOB_ENC_UTF8);
    cr_expect_eq(lnob_mis_delimiter(p), ',');
    cr_expect_str_eq(lnob_mis_header(p), "ID,Bashkia,Nr. personal,Emri,Mbiemri,Gjinia,Datëlindja,Lloji i "
                                         "shërbimit,Kategoria,Data e fillimit,Data e mbarimit,Statusi");
    cr_expect_str_eq(lnob_mis_notes(p), "encoding utf-8 (detected); delimiter ',' (detected)");
    lnob_mis_destroy(&p);
    lnob_mis_destroy(&p);
    s_cap_free(c);
}

Test(mis, english_header_gives_the_same_batches)
{
    cap_t *al = OK(HDR_AL ROWS), *en = OK(HDR_EN ROWS);
    s_expect_example(en, 2);
    cr_expect(s_same_bytes(al, en));
    s_cap_free(al);
    s_cap_free(en);
}

Test(mis, header_aliases_any_case_and_diacritics)
{
    cap_t *ref = OK(HDR_AL ROWS);
    static const char *const headers[] = {
        "nr,BASHKIA,NR PERSONAL,emri,MBIEMRI,gjinia,Datelindja,LLOJI I SHERBIMIT,kategoria,data e fillimit,Data e përfundimit,statusi\n",
        "Nr. rendor,Bashki,Numri personal,Emër,Mbiemër,Seksi,Data e lindjes,Shërbimi,Grupi,Fillimi,Mbarimi,Gjendja\n",
        "No,Municipality code,NID,Given name,Surname,Gender,DOB,Service,Category,Date started,Date ended,status\n",
        " ID , Bashkia ,\"Nr. personal\",Emri,Mbiemri,Gjinia,DATËLINDJA,Lloji i shërbimit,Kategoria,Data e fillimit,Data e mbarimit,Statusi\n",
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        char in[2048];
        snprintf(in, sizeof in, "%s%s", headers[i], ROWS);
        cap_t *c = s_ok_str(in);
        cr_expect(s_same_bytes(ref, c), "header %zu", i);
        s_cap_free(c);
    }
    s_cap_free(ref);
}

Test(mis, columns_in_any_order_and_unknown_ones_ignored)
{
    cap_t *ref = OK(HDR_AL ROWS);
    cap_t *c = OK("Shënime,Statusi,Data e mbarimit,Data e fillimit,Kategoria,Lloji i shërbimit,Datëlindja,"
                  "Gjinia,Mbiemri,Emri,Nr. personal,Bashkia,ID\n"
                  "x,Aktiv,,01.05.2023,PAK,Kujdes në shtëpi,12.03.1950,F,Hoxha,Arta,J12345678K,Shkodër,R01\n"
                  "y,,,2024-05-01,Rom/Fëmijë,Qendër komunitare,2012,M,Çela,Besnik,k2345 6789l,Velipojë,R02\n"
                  "z,Anuluar,15/10/2024,01/09/2024,\"Egjiptian, Viktimë e dhunës në familje\",Strehëz,1990-06-15,2,"
                  "Dervishi,Ëngjëll,I34567890M,Korçë,R03\n");
    cr_expect(s_same_bytes(ref, c));
    s_cap_free(ref);
    s_cap_free(c);
}

/* ---- delimiters, encodings, quoting ------------------------------------------------- */

Test(mis, semicolon_and_tab_are_detected)
{
    static const char in[] = HDR_AL ROWS;
    cap_t *ref = OK(HDR_AL ROWS);
    static const char delims[] = {';', '\t'};
    for (size_t i = 0; i < sizeof delims; i++) {
        char *text = s_subst(in, ',', delims[i]);
        cap_t *c = s_cap();
        lnob_mis_opts_t o = s_opts(c);
        int rc;
        lnob_mis_t *p = s_parse(&o, text, strlen(text), 0, &rc);
        cr_assert_eq(rc, LNOB_OK, "%s", lnob_mis_errstr(p));
        cr_expect_eq(lnob_mis_delimiter(p), delims[i]);
        cr_expect(s_same_bytes(ref, c), "delimiter %d", delims[i]);
        lnob_mis_destroy(&p);
        s_cap_free(c);
        free(text);
    }
    s_cap_free(ref);
}

Test(mis, delimiter_is_counted_outside_quotes_and_can_be_configured)
{
    /* three commas inside quotes, two semicolons outside: semicolon */
    cap_t *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    int rc;
    static const char quoted[] = "\"Nr. personal\";\"Data, e, fillimit\";Lloji i shërbimit\n"
                                 "J12345678K;2024-01-01;Strehëz\n";
    lnob_mis_t *p = s_parse(&o, quoted, sizeof quoted - 1, 0, &rc);
    cr_expect_eq(lnob_mis_delimiter(p), ';');
    cr_expect_eq(rc, LNOB_ERR);
    cr_expect(strstr(lnob_mis_errstr(p), "no municipality column"), "%s", lnob_mis_errstr(p));
    lnob_mis_destroy(&p);
    s_cap_free(c);
    c = s_cap();
    o = s_opts(c);
    o.delimiter = ',';
    static const char in[] = "Nr. personal;Bashkia;Lloji i shërbimit;Data e fillimit\nJ12345678K;Shkodër;Strehëz;2024\n";
    p = s_parse(&o, in, sizeof in - 1, 0, &rc);
    cr_expect_eq(rc, LNOB_ERR, "a configured comma makes the header one column");
    cr_expect_str_eq(lnob_mis_reason(p), "MISSING_COLUMN");
    cr_expect_eq(lnob_mis_delimiter(p), ',');
    lnob_mis_destroy(&p);
    s_cap_free(c);
}

Test(mis, utf8_bom_cp1252_and_utf16_give_the_same_batches)
{
    static const char in[] = HDR_AL ROWS;
    cap_t *ref = OK(HDR_AL ROWS);
    cap_t *bom = OK("\xEF\xBB\xBF" HDR_AL ROWS);
    cr_expect(s_same_bytes(ref, bom));
    size_t len;
    char *cp = s_cp1252(in, &len);
    cr_assert(memchr(cp, '\xEB', len) && memchr(cp, '\xE7', len) && memchr(cp, '\xCB', len),
              "ë ç Ë are single bytes");
    cap_t *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    int rc;
    lnob_mis_t *p = s_parse(&o, cp, len, 0, &rc);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_mis_errstr(p));
    cr_expect_eq(lnob_mis_encoding(p), LNOB_ENC_CP1252);
    cr_expect_str_eq(lnob_mis_notes(p), "encoding windows-1252 (detected); delimiter ',' (detected)");
    cr_expect(s_same_bytes(ref, c), "Windows-1252");
    lnob_mis_destroy(&p);
    s_cap_free(c);
    char *u16 = s_utf16le(in, &len);
    c = s_cap();
    o = s_opts(c);
    p = s_parse(&o, u16, len, 7, &rc);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_mis_errstr(p));
    cr_expect_eq(lnob_mis_encoding(p), LNOB_ENC_UTF16LE);
    cr_expect(s_same_bytes(ref, c), "UTF-16LE");
    lnob_mis_destroy(&p);
    s_cap_free(c);
    s_cap_free(ref);
    s_cap_free(bom);
    free(cp);
    free(u16);
}

Test(mis, encoding_can_be_configured)
{
    static const char in[] = HDR_AL ROWS;
    size_t len;
    char *cp = s_cp1252(in, &len);
    cap_t *ref = OK(HDR_AL ROWS), *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    o.encoding = LNOB_ENC_CP1252;
    int rc;
    lnob_mis_t *p = s_parse(&o, cp, len, 3, &rc);
    cr_assert_eq(rc, LNOB_OK);
    cr_expect(s_same_bytes(ref, c));
    cr_expect_str_eq(lnob_mis_notes(p), "encoding windows-1252 (configured); delimiter ',' (detected)");
    lnob_mis_destroy(&p);
    s_cap_free(c);
    /* UTF-8 read as Windows-1252: "Shkodër" turns into "ShkodÃ«r", not a municipality */
    c = s_cap();
    o = s_opts(c);
    o.encoding = LNOB_ENC_CP1252;
    p = s_parse(&o, in, sizeof in - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_ERR, "the header's service column no longer matches");
    lnob_mis_destroy(&p);
    s_cap_free(c);
    s_cap_free(ref);
    free(cp);
}

Test(mis, crlf_and_quoted_newlines)
{
    cap_t *ref = OK(HDR_AL ROWS);
    char *crlf = malloc(2 * sizeof(HDR_AL ROWS));
    size_t n = 0;
    for (const char *s = HDR_AL ROWS; *s; s++) {
        if (*s == '\n')
            crlf[n++] = '\r';
        crlf[n++] = *s;
    }
    crlf[n] = '\0';
    cap_t *c = s_ok_str(crlf);
    cr_expect(s_same_bytes(ref, c), "CRLF");
    s_cap_free(c);
    free(crlf);
    /* a quoted cell over three lines, a quoted delimiter, a quote in a cell */
    c = OK("Nr. personal;Shënime;Bashkia;Lloji i shërbimit;Data e fillimit;Kategoria\r\n"
           "J12345678K;\"line one\r\nline two; still\nline three\";Tiranë;\"Qendër ditore\";2024-01-01;\"Rom; PAK\"\r\n"
           "K23456789L;\"said \"\"yes\"\"\";Tiranë;Qendër ditore;2024-01-02;\r\n");
    cr_assert_eq(s_nrec(c), 2);
    rec_t r = s_rec(c, 0);
    cr_expect_eq(r.line, 2);
    cr_expect_eq(r.flags, LNOB_MIS_FLAG_ROMA | LNOB_MIS_FLAG_DIS);
    cr_expect_str_eq(r.id, "", "no record id column");
    r = s_rec(c, 1);
    cr_expect_eq(r.line, 5, "the row after a three-line cell starts on line 5");
    cr_expect_str_eq(r.mun, "AL224");
    s_cap_free(c);
    s_cap_free(ref);
}

/* A quote never closed: the row is rejected at its line once 64 lines are
 * past, and those lines are read again as rows. */
Test(mis, a_stray_quote_costs_its_row_and_no_other)
{
    enum { GOOD = 100, BAD_LINE = 3 };
    size_t cap = 64 + GOOD * 64, n = 0;
    char *in = malloc(cap);
    n += (size_t) snprintf(in + n, cap - n, "Nr. personal,Bashkia,Lloji i shërbimit,Data e fillimit\n"
                                            "J12345678K,Tiranë,Qendër ditore,2024-01-01\n"
                                            "K23456789L,\"Tiranë,Qendër ditore,2024-01-01\n");
    for (int k = 0; k < GOOD; k++)
        n += (size_t) snprintf(in + n, cap - n, "I3456%04dM,Tiranë,Qendër ditore,2024-01-02\n", k);
    cap_t *c = s_ok(in, n);
    cr_assert_eq(s_nrej(c), 1);
    s_expect_reject(c, 0, BAD_LINE, "BAD_QUOTING", "");
    cr_expect_str_eq(s_rej(c, 0)->detail, "a quoted field is still open after 64 lines");
    cr_assert_eq(s_nrec(c), 1 + GOOD);
    cr_expect_eq(s_rec(c, 1).line, BAD_LINE + 1, "reading resumes on the line after the broken row's first");
    cr_expect_eq(s_rec(c, GOOD).line, BAD_LINE + GOOD);
    s_cap_free(c);
    free(in);
}

/* ---- the mapping file --------------------------------------------------------------- */

Test(mis, mapping_file_names_columns_and_codes)
{
    lnob_mis_map_t *map = lnob_mis_map_new();
    static const char text[] = "Nr. i dosjes = record_id\n"
                               "Kodi = personal_number\n"
                               "Emri i plotë = name\n"
                               "Adresa = ignore\n"
                               "Njësia = municipality\n"
                               "Fillon = start_date\n"
                               "[service]\n"
                               "Shërbim ambulator = DAY_CENTRE\n"
                               "[group]\n"
                               "Jetim = CHI\n"
                               "Romë dhe egjiptianë = ROMA\n"
                               "[status]\n"
                               "Pezulluar = CANCELLED\n";
    cr_assert_eq(lnob_mis_map_parse(map, "fier.map", text, sizeof text - 1), LNOB_OK, "%s",
                 lnob_mis_map_errstr(map));
    cap_t *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    o.map = map;
    int rc;
    static const char in[] = "Nr. i dosjes,Kodi,Emri i plotë,Adresa,Njësia,Lloji i shërbimit,Kategoria,Fillon,Statusi\n"
                             "F-7,J12345678K,Arta Hoxha,Rruga 1,Levan,Shërbim ambulator,Jetim/PAK,2024-03-01,Pezulluar\n"
                             "F-8,K23456789L,Besnik Çela,Rruga 2,Fier,Qendër ditore,Romë dhe egjiptianë,2024-03-02,\n";
    lnob_mis_t *p = s_parse(&o, in, sizeof in - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_mis_errstr(p));
    cr_assert_eq(s_nrec(c), 2);
    rec_t r = s_rec(c, 0);
    cr_expect_str_eq(r.id, "F-7");
    cr_expect_str_eq(r.pk, s_pk("J12345678K"));
    cr_expect_str_eq(r.mun, "AL322", "Levan is a former unit of Fier");
    cr_expect_str_eq(r.svc, "DAY_CENTRE");
    cr_expect_eq(r.flags, LNOB_MIS_FLAG_DIS);
    cr_expect_eq(r.start, 20240301);
    cr_expect_eq(r.status, 1);
    r = s_rec(c, 1);
    cr_expect_str_eq(r.svc, "DAY_CENTRE", "built-in labels still work");
    cr_expect_eq(r.flags, LNOB_MIS_FLAG_ROMA);
    lnob_mis_destroy(&p);
    s_cap_free(c);
    lnob_mis_map_destroy(&map);
}

/* ---- values ------------------------------------------------------------------------- */

#define HDR_MIN "Nr. personal,Bashkia,Lloji i shërbimit,Data e fillimit,Data e mbarimit,Datëlindja,Gjinia,Kategoria,Statusi\n"

/* One row under HDR_MIN with these cells for the last six columns. */
static cap_t *s_one(const char *start, const char *end, const char *birth, const char *sex,
                    const char *group, const char *status)
{
    char in[1024];
    snprintf(in, sizeof in, HDR_MIN "J12345678K,Tiranë,Qendër ditore,%s,%s,%s,%s,%s,%s\n", start, end,
             birth, sex, group, status);
    return s_ok_str(in);
}

Test(mis, every_date_form)
{
    struct {
        const char *text;
        int32_t want;
    } ok[] = {
        {"05.03.2024", 20240305}, {"5.3.2024", 20240305},   {"05/03/2024", 20240305},
        {"5/3/2024", 20240305},   {"2024-03-05", 20240305}, {"2024-3-5", 20240305},
        {" 05.03.2024 ", 20240305}, {"05.03.2024 00:00", 20240305}, {"2024-03-05 00:00:00", 20240305},
        {"2024-03-05T10:15:00.000", 20240305}, {"29.02.2024", 20240229}, {"31.12.2100", 21001231},
        {"01.01.1900", 19000101},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cap_t *c = s_one(ok[i].text, ok[i].text, ok[i].text, "", "", "");
        cr_assert_eq(s_nrec(c), 1, "'%s' rejected: %s", ok[i].text, s_nrej(c) ? s_rej(c, 0)->detail : "");
        rec_t r = s_rec(c, 0);
        cr_expect_eq(r.start, ok[i].want, "start '%s'", ok[i].text);
        cr_expect_eq(r.end, ok[i].want, "end '%s'", ok[i].text);
        cr_expect_eq(r.birth, ok[i].want, "birth '%s'", ok[i].text);
        s_cap_free(c);
    }
    static const char *const bad[] = {"2024",       "29.02.2023", "31.04.2024", "32.01.2024", "05.13.2024",
                                      "2024/03/05", "05-03-2024", "5.3.24",     "45292",      "1899-12-31",
                                      "01.01.2101", "05.03/2024", "05.03.2024x", "2024-03-05 noon",
                                      "005.03.2024", "05.03.02024", "0.3.2024", "2024-03-05 ", "five"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cap_t *c = s_one(bad[i], "", "", "", "", "");
        if (strcmp(bad[i], "2024-03-05 ") == 0) { /* trailing spaces are trimmed: fine */
            cr_expect_eq(s_nrec(c), 1);
            s_cap_free(c);
            continue;
        }
        cr_expect_eq(s_nrec(c), 0, "start '%s' accepted", bad[i]);
        s_expect_reject(c, 0, 2, "BAD_DATE", "Data e fillimit");
        s_cap_free(c);
        if (strcmp(bad[i], "2024") == 0)
            continue;
        c = s_one("2024-01-01", "", bad[i], "", "", "");
        s_expect_reject(c, 0, 2, "BAD_DATE", "Datëlindja");
        s_cap_free(c);
    }
    cap_t *c = s_one("2024-01-01", "", "1950", "", "", "");
    cr_expect_eq(s_rec(c, 0).birth, 19500701, "a birth year alone");
    cr_expect_eq(s_rec(c, 0).end, 0, "empty end: ongoing");
    s_cap_free(c);
    c = s_one("2024-01-01", "2024", "", "", "", "");
    s_expect_reject(c, 0, 2, "BAD_DATE", "Data e mbarimit");
    s_cap_free(c);
    c = s_one("", "", "", "", "", "");
    s_expect_reject(c, 0, 2, "MISSING_FIELD", "Data e fillimit");
    s_cap_free(c);
    c = s_one("2024-05-01", "30.04.2024", "", "", "", "");
    s_expect_reject(c, 0, 2, "DATE_ORDER", "Data e mbarimit");
    s_cap_free(c);
    c = s_one("2024-05-01", "01.05.2024", "", "", "", "");
    cr_expect_eq(s_rec(c, 0).end, 20240501, "a one-day record");
    s_cap_free(c);
}

Test(mis, sex_forms)
{
    struct {
        const char *text;
        uint32_t want;
    } cases[] = {{"M", 1},        {"m", 1},      {"Mashkull", 1}, {"MASHKULL", 1}, {"1", 1},
                 {"Male", 1},     {"F", 2},      {"f", 2},        {"Femër", 2},    {"femer", 2},
                 {"FEMËR", 2},    {"2", 2},      {"Female", 2},   {"", 9},         {"9", 9},
                 {"I panjohur", 9}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cap_t *c = s_one("2024-01-01", "", "", cases[i].text, "", "");
        cr_assert_eq(s_nrec(c), 1, "'%s'", cases[i].text);
        cr_expect_eq(s_rec(c, 0).sex, cases[i].want, "'%s'", cases[i].text);
        s_cap_free(c);
    }
    static const char *const bad[] = {"X", "3", "0", "Mashkullore", "M/F"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cap_t *c = s_one("2024-01-01", "", "", bad[i], "", "");
        s_expect_reject(c, 0, 2, "BAD_SEX", "Gjinia");
        s_cap_free(c);
    }
}

Test(mis, every_service_label)
{
    for (size_t i = 0; i < lnob_mis_count(LNOB_MIS_SERVICE); i++) {
        int s = lnob_mis_value_at(LNOB_MIS_SERVICE, i);
        const char *code = lnob_mis_name(LNOB_MIS_SERVICE, s);
        const char *const *labels = lnob_mis_labels(LNOB_MIS_SERVICE, s);
        char in[8192];
        int n = snprintf(in, sizeof in, "Nr. personal,Bashkia,Lloji i shërbimit,Data e fillimit\n"
                                        "J12345678K,Tiranë,\"%s\",2024-01-01\n", code);
        size_t count = 1;
        for (const char *const *l = labels; *l; l++, count++)
            n += snprintf(in + n, sizeof in - (size_t) n, "J12345678K,Tiranë,\"%s\",2024-01-01\n", *l);
        cap_t *c = s_ok_str(in);
        cr_assert_eq(s_nrec(c), count, "%s: %zu rejects, first %s", code, s_nrej(c),
                     s_nrej(c) ? s_rej(c, 0)->detail : "");
        for (size_t k = 0; k < count; k++)
            cr_expect_str_eq(s_rec(c, k).svc, code, "%s label %zu", code, k);
        s_cap_free(c);
    }
    cap_t *c = OK("Nr. personal,Bashkia,Lloji i shërbimit,Data e fillimit\n"
                  "J12345678K,Tiranë,Kujdes,2024-01-01\n"
                  "J12345678K,Tiranë,,2024-01-01\n");
    s_expect_reject(c, 0, 2, "UNKNOWN_SERVICE", "Lloji i shërbimit");
    cr_expect(strstr(s_rej(c, 0)->detail, "'Kujdes'") != NULL, "%s", s_rej(c, 0)->detail);
    s_expect_reject(c, 1, 3, "MISSING_FIELD", "Lloji i shërbimit");
    s_cap_free(c);
}

Test(mis, every_group_label_and_several_in_a_cell)
{
    for (size_t i = 0; i < lnob_mis_count(LNOB_MIS_GROUP); i++) {
        int g = lnob_mis_value_at(LNOB_MIS_GROUP, i);
        uint32_t want = lnob_mis_group_flag((lnob_mis_group_t) g);
        const char *code = lnob_mis_name(LNOB_MIS_GROUP, g);
        cap_t *c = s_one("2024-01-01", "", "", "", code, "");
        cr_assert_eq(s_nrec(c), 1, "%s", code);
        cr_expect_eq(s_rec(c, 0).flags, want, "%s", code);
        s_cap_free(c);
        for (const char *const *l = lnob_mis_labels(LNOB_MIS_GROUP, g); *l; l++) {
            char cell[200];
            snprintf(cell, sizeof cell, "\"%s\"", *l);
            c = s_one("2024-01-01", "", "", "", cell, "");
            cr_assert_eq(s_nrec(c), 1, "'%s'", *l);
            cr_expect_eq(s_rec(c, 0).flags, want, "'%s'", *l);
            s_cap_free(c);
        }
    }
    struct {
        const char *cell;
        uint32_t want;
    } many[] = {
        {"Rom/PAK", LNOB_MIS_FLAG_ROMA | LNOB_MIS_FLAG_DIS},
        {"\"Egjiptian; Viktimë e dhunës në familje\"", LNOB_MIS_FLAG_EGY | LNOB_MIS_FLAG_VAW},
        {"\"Person me aftësi të kufizuara, Rom, Egjiptian, Viktimë e dhunës në familje\"", 15},
        {"\" I moshuar / PAK \"", LNOB_MIS_FLAG_DIS},
        {"Fëmijë/Tjetër", 0},
        {"\"PAK;;\"", LNOB_MIS_FLAG_DIS},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++) {
        cap_t *c = s_one("2024-01-01", "", "", "", many[i].cell, "");
        cr_assert_eq(s_nrec(c), 1, "'%s'", many[i].cell);
        cr_expect_eq(s_rec(c, 0).flags, many[i].want, "'%s'", many[i].cell);
        s_cap_free(c);
    }
    cap_t *c = s_one("2024-01-01", "", "", "", "Rom/Jetim", "");
    s_expect_reject(c, 0, 2, "UNKNOWN_GROUP", "Kategoria");
    cr_expect(strstr(s_rej(c, 0)->detail, "'Jetim'") != NULL, "%s", s_rej(c, 0)->detail);
    s_cap_free(c);
}

Test(mis, status_forms)
{
    struct {
        const char *text;
        uint32_t want;
    } cases[] = {{"", 0},          {"Aktiv", 0},   {"aktive", 0},   {"Active", 0},     {"Mbyllur", 0},
                 {"Përfunduar", 0}, {"Closed", 0}, {"Anuluar", 1},  {"E anuluar", 1},  {"CANCELLED", 1},
                 {"Canceled", 1},  {"Gabim", 1},   {"I gabuar", 1}, {"Erroneous", 1},  {"Error", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cap_t *c = s_one("2024-01-01", "", "", "", "", cases[i].text);
        cr_assert_eq(s_nrec(c), 1, "'%s'", cases[i].text);
        cr_expect_eq(s_rec(c, 0).status, cases[i].want, "'%s'", cases[i].text);
        s_cap_free(c);
    }
    cap_t *c = s_one("2024-01-01", "", "", "", "", "Pezulluar");
    s_expect_reject(c, 0, 2, "BAD_STATUS", "Statusi");
    s_cap_free(c);
}

/* ---- municipalities ------------------------------------------------------------------ */

Test(mis, municipality_names_in_any_form)
{
    struct {
        const char *name, *code;
    } cases[] = {{"Shkodër", "AL154"}, {"Shkodra", "AL154"},        {"SHKODER", "AL154"},
                 {"Velipojë", "AL154"}, {"Velipoje", "AL154"},      {"Ura Vajgurore", "AL315"},
                 {"Dimal", "AL315"},    {"Korca", "AL343"},         {"AL343", "AL343"},
                 {"Vau-Dejes", "AL155"}, {"Malësia e Madhe", "AL152"}, {"Peshkopi", "AL112"}};
    char in[4096];
    int n = snprintf(in, sizeof in, "Nr. personal,Bashkia,Lloji i shërbimit,Data e fillimit\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        n += snprintf(in + n, sizeof in - (size_t) n, "J12345678K,%s,Strehëz,2024-01-01\n", cases[i].name);
    cap_t *c = s_ok_str(in);
    cr_assert_eq(s_nrec(c), sizeof cases / sizeof cases[0], "%s", s_nrej(c) ? s_rej(c, 0)->detail : "");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_str_eq(s_rec(c, i).mun, cases[i].code, "'%s'", cases[i].name);
    s_cap_free(c);
}

Test(mis, unknown_municipality_names_the_nearest)
{
    cap_t *c = OK("Nr. personal,Bashkia,Lloji i shërbimit,Data e fillimit\n"
                  "J12345678K,Shkodrra,Strehëz,2024-01-01\n"
                  "J12345678K,Tirrana,Strehëz,2024-01-01\n"
                  "J12345678K,Golem,Strehëz,2024-01-01\n"
                  "J12345678K,,Strehëz,2024-01-01\n"
                  "J12345678K,Shkodrra,Strehëz,2024-01-01\n");
    cr_expect_eq(s_nrec(c), 0);
    s_expect_reject(c, 0, 2, "UNKNOWN_MUNICIPALITY", "Bashkia");
    const char *d = s_rej(c, 0)->detail;
    static const char want[] = "unknown municipality; nearest: Shkodër, ";
    cr_expect(strncmp(d, want, strlen(want)) == 0, "%s", d);
    cr_expect(strstr(d, ": 'Shkodrra'") != NULL, "%s", d);
    s_expect_reject(c, 1, 3, "UNKNOWN_MUNICIPALITY", "Bashkia");
    cr_expect(strstr(s_rej(c, 1)->detail, "nearest: Tiranë,") != NULL, "%s", s_rej(c, 1)->detail);
    s_expect_reject(c, 2, 4, "AMBIGUOUS_MUNICIPALITY", "Bashkia");
    s_expect_reject(c, 3, 5, "MISSING_FIELD", "Bashkia");
    s_expect_reject(c, 4, 6, "UNKNOWN_MUNICIPALITY", "Bashkia");
    cr_expect_str_eq(s_rej(c, 4)->detail, d, "the cached answer is the same");
    s_cap_free(c);
}

/* ---- rejects, counts, batches -------------------------------------------------------- */

Test(mis, a_bad_date_of_birth_is_quoted_by_its_shape_only)
{
    cap_t *c = OK(HDR_AL
                  "R01,Shkodër,J12345678K,Arta,Hoxha,F,31.02.1950,Kujdes në shtëpi,PAK,01.05.2023,,Aktiv\n");
    cr_assert_eq(s_nrej(c), 1);
    s_expect_reject(c, 0, 2, "BAD_DATE", "Datëlindja");
    cr_expect_str_eq(s_rej(c, 0)->detail,
                     "not a date (dd.mm.yyyy, dd/mm/yyyy, yyyy-mm-dd or a year, 1900-2100): '99.99.9999'");
    cr_expect_str_eq(s_rej(c, 0)->person_key, s_pk("J12345678K"));
    s_cap_free(c);
}

Test(mis, bad_rows_are_quarantined_and_good_rows_go_through)
{
    cap_t *c = OK(HDR_AL
                  "R01,Shkodër,J12345678K,Arta,Hoxha,F,12.03.1950,Kujdes në shtëpi,PAK,01.05.2023,,Aktiv\n"
                  "R02,Shkodër,J12345678K,Arta,Hoxha,F,12.03.1950,Kujdes në shtëpi,PAK,01.05.2023,,Aktiv,,,\n"
                  "R03,Shkodër,J12345678K,Arta,Hoxha,F,12.03.1950,Kujdes në shtëpi,PAK,01.05.2023\n"
                  "R04,Shkodër,J12345678K,Arta,Hoxha,F,12.03.1950,Kujdes në shtëpi,PAK,01.05.2023,,Aktiv,x\n"
                  ",,,,,,,,,,,\n"
                  "\n"
                  "R05,Shkodër,J12345678K,Arta,Hoxha,F,12.03.1950,Kujdes në shtëpi,PAK,31.02.2023,,Aktiv\n"
                  "R06,Shkodër,J12345678K,Arta,Hoxha,Z,12.03.1950,Kujdes në shtëpi,PAK,01.05.2023,,Aktiv\n"
                  "0123456789012345678901234567890123456789012345678901234567890123456789,Shkodër,J12345678K,Arta,"
                  "Hoxha,F,12.03.1950,Kujdes në shtëpi,PAK,01.05.2023,,Aktiv\n"
                  "R08,Shkodër,J12345678K,Arta,Hoxha,F,12.03.1950,Kujdes në shtëpi,PAK,01.05.2023,,Aktiv\n");
    cr_expect_eq(s_nrec(c), 3);
    cr_expect_str_eq(s_rec(c, 0).id, "R01");
    cr_expect_str_eq(s_rec(c, 1).id, "R02", "empty cells padding a row are fine");
    cr_expect_str_eq(s_rec(c, 2).id, "R08");
    cr_expect_eq(s_rec(c, 2).line, 11);
    cr_assert_eq(s_nrej(c), 5);
    s_expect_reject(c, 0, 4, "ROW_WIDTH", "");
    cr_expect_str_eq(s_rej(c, 0)->detail, "row has 10 fields, the header has 12");
    cr_expect_str_eq(s_rej(c, 0)->raw, "A99,AAAAAAA,[removed],AAAA,AAAAA,A,99.99.9999,AAAAAA AA AAAAAA,AAA,"
                                       "99.99.9999", "a misaligned row shows only its shape");
    cr_expect_str_eq(s_rej(c, 0)->person_key, "", "no person key for a row that does not line up");
    s_expect_reject(c, 1, 5, "ROW_WIDTH", "");
    s_expect_reject(c, 2, 8, "BAD_DATE", "Data e fillimit");
    cr_expect_str_eq(s_rej(c, 2)->raw, "A99,AAAAAAA,[removed],AAAA,AAAAA,A,99.99.9999,AAAAAA AA AAAAAA,AAA,"
                                       "99.99.9999,,AAAAA", "the shape: no birth date, name or number");
    cr_expect_str_eq(s_rej(c, 2)->person_key, s_pk("J12345678K"), "the person key, to find the person");
    cr_expect_str_eq(s_rej(c, 2)->detail,
                     "not a date (dd.mm.yyyy, dd/mm/yyyy or yyyy-mm-dd, 1900-2100): '31.02.2023'");
    s_expect_reject(c, 3, 9, "BAD_SEX", "Gjinia");
    s_expect_reject(c, 4, 10, "BAD_RECORD_ID", "ID");
    s_cap_free(c);
    /* the counts, with the parser */
    c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    int rc;
    static const char in[] = HDR_AL ",,,,,,,,,,,\n" ROWS "R9,Atlantis,,,,,,Strehëz,,2024-01-01,,\n;;\n";
    lnob_mis_t *p = s_parse(&o, in, sizeof in - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_OK);
    cr_expect_eq(lnob_mis_rows_read(p), 5, "the ';;' row is one field wide: ROW_WIDTH");
    cr_expect_eq(lnob_mis_records(p), 3);
    cr_expect_eq(lnob_mis_rejected(p), 2);
    cr_expect_eq(lnob_mis_blank_rows(p), 1);
    cr_expect_str_eq(lnob_mis_notes(p), "encoding utf-8 (detected); delimiter ',' (detected); 1 blank rows skipped");
    lnob_mis_destroy(&p);
    s_cap_free(c);
}

Test(mis, empty_and_malformed_personal_numbers_are_kept_unkeyed)
{
    cap_t *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    int rc;
    static const char in[] = "Nr. personal,Bashkia,Lloji i shërbimit,Data e fillimit\n"
                             ",Tiranë,Strehëz,2024-01-01\n"
                             "J1234567K,Tiranë,Strehëz,2024-01-01\n"
                             "  ,Tiranë,Strehëz,2024-01-01\n"
                             "j12345678k,Tiranë,Strehëz,2024-01-01\n";
    lnob_mis_t *p = s_parse(&o, in, sizeof in - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s_nrec(c), 4);
    cr_expect_str_eq(s_rec(c, 0).pk, "");
    cr_expect_str_eq(s_rec(c, 1).pk, "");
    cr_expect_str_eq(s_rec(c, 2).pk, "");
    cr_expect_str_eq(s_rec(c, 3).pk, s_pk("J12345678K"));
    cr_expect_eq(lnob_mis_unkeyed_empty(p), 2);
    cr_expect_eq(lnob_mis_unkeyed_malformed(p), 1);
    cr_expect(strstr(lnob_mis_notes(p), "; 3 records unkeyed (2 without a personal number, 1 malformed)"),
              "%s", lnob_mis_notes(p));
    lnob_mis_destroy(&p);
    s_cap_free(c);
}

Test(mis, batches_of_batch_size)
{
    cap_t *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    o.batch_size = 2;
    int rc;
    static const char in[] = HDR_AL ROWS "R9,Atlantis,,,,,,Strehëz,,2024-01-01,,\n" ROWS;
    lnob_mis_t *p = s_parse(&o, in, sizeof in - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(c->n, 3);
    static const uint32_t records[] = {2, 2, 2}, rows[] = {2, 3, 2}, rejects[] = {0, 1, 0};
    for (size_t i = 0; i < 3; i++) {
        const Lnob__V1__MisBatch *b = c->env[i]->mis;
        cr_expect_eq(b->seq, i);
        cr_expect_eq(b->record_count, records[i], "batch %zu", i);
        cr_expect_eq(b->rows_read, rows[i], "batch %zu", i);
        cr_expect_eq(b->n_rejects, rejects[i], "batch %zu", i);
        cr_expect_str_eq(b->extract_id, EXTRACT);
    }
    /* dictionaries are per batch */
    cr_expect_eq(c->env[1]->mis->n_municipality_dict, 3);
    cr_expect_str_eq(c->env[1]->mis->municipality_dict[1], "AL343");
    cr_expect_str_eq(c->env[1]->mis->municipality_dict[2], "AL154");
    cr_expect_eq(lnob_mis_batches(p), 3);
    cr_expect_eq(s_nrec(c), 6);
    lnob_mis_destroy(&p);
    s_cap_free(c);
    /* an export with a header only still sends one (empty) batch */
    c = OK(HDR_AL);
    cr_expect_eq(c->n, 1);
    cr_expect_eq(c->env[0]->mis->record_count, 0);
    s_cap_free(c);
}

Test(mis, chunked_feeding_equals_whole_feeding)
{
    /* Windows-1252, CRLF, quoted newlines and delimiters, rejects, several batches */
    char text[16384];
    int n = snprintf(text, sizeof text, "%s", "Nr.personal;Shënime;Bashkia;Lloji i shërbimit;Data e fillimit;"
                                              "Kategoria;Gjinia;Emri\r\n");
    static const char *const mun[] = {"Shkodër", "Korçë", "Velipojë", "Çorovodë", "Atlantis"};
    static const char *const svc[] = {"Strehëz", "Kujdes në shtëpi", "Qendër ditore", "Ndihmë ekonomike"};
    for (int i = 0; i < 40; i++)
        n += snprintf(text + n, sizeof text - (size_t) n,
                      "J%08dK;\"shënim %d\r\nvazhdon; ë\";%s;%s;%02d.0%d.2024;\"Rom; PAK\";%s;Ëngjëll Çela\r\n",
                      10000000 + i, i, mun[i % 5], svc[i % 4], 1 + i % 28, 1 + i % 9, i % 7 ? "F" : "X");
    size_t len;
    char *cp = s_cp1252(text, &len);
    cap_t *whole = s_cap();
    lnob_mis_opts_t o = s_opts(whole);
    o.batch_size = 4;
    int rc;
    lnob_mis_t *p = s_parse(&o, cp, len, 0, &rc);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_mis_errstr(p));
    cr_assert_gt(whole->n, 5);
    cr_assert_gt(s_nrej(whole), 5);
    cr_expect_eq(lnob_mis_encoding(p), LNOB_ENC_CP1252);
    cr_expect_eq(lnob_mis_delimiter(p), ';');
    lnob_mis_destroy(&p);
    static const size_t chunks[] = {1, 2, 3, 5, 7, 11, 64, 1000};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        cap_t *c = s_cap();
        o = s_opts(c);
        o.batch_size = 4;
        p = s_parse(&o, cp, len, chunks[k], &rc);
        cr_assert_eq(rc, LNOB_OK);
        cr_expect(s_same_bytes(whole, c), "chunk %zu", chunks[k]);
        lnob_mis_destroy(&p);
        s_cap_free(c);
    }
    free(cp);
    s_cap_free(whole);
}

/* ---- whole-export errors ------------------------------------------------------------- */

Test(mis, missing_columns_fail_the_export)
{
    struct {
        const char *in;
        const char *reason, *err;
    } cases[] = {
        {"Bashkia,Lloji i shërbimit,Data e fillimit\nTiranë,Strehëz,2024-01-01\n", "MISSING_COLUMN",
         SOURCE ": no personal-number column"},
        {"Nr. personal,Bashkia,Lloji i shërbimit\nJ12345678K,Tiranë,Strehëz\n", "MISSING_COLUMN",
         SOURCE ": no start-date column"},
        {"Nr. personal,Lloji i shërbimit,Data e fillimit\nJ12345678K,Strehëz,2024-01-01\n", "MISSING_COLUMN",
         SOURCE ": no municipality column"},
        {"Nr. personal,Bashkia,Data e fillimit\nJ12345678K,Tiranë,2024-01-01\n", "MISSING_COLUMN",
         SOURCE ": no service column"},
        {"", "EMPTY_FILE", SOURCE ": the file is empty (no header row)"},
        {"\xEF\xBB\xBF\r\n\n", "EMPTY_FILE", SOURCE ": the file is empty"},
        {"J12345678K,Arta,Hoxha,Tiranë\n", "MISSING_COLUMN", SOURCE ": no personal-number column"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cap_t *c = s_cap();
        lnob_mis_opts_t o = s_opts(c);
        int rc;
        lnob_mis_t *p = s_parse(&o, cases[i].in, strlen(cases[i].in), 0, &rc);
        cr_expect_eq(rc, LNOB_ERR, "case %zu", i);
        cr_expect_str_eq(lnob_mis_reason(p), cases[i].reason, "case %zu", i);
        cr_expect(strncmp(lnob_mis_errstr(p), cases[i].err, strlen(cases[i].err)) == 0, "case %zu: %s", i,
                  lnob_mis_errstr(p));
        cr_expect_eq(c->n, 0, "case %zu: nothing sent", i);
        cr_expect_str_eq(lnob_mis_header(p), "", "case %zu", i);
        cr_expect_eq(lnob_mis_finish(p), LNOB_ERR, "the error sticks");
        lnob_mis_destroy(&p);
        s_cap_free(c);
    }
}

Test(mis, defaults_for_a_file_of_one_municipality_and_service)
{
    cap_t *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    o.municipality = "Shkodra";
    o.service = "Qendër ditore";
    int rc;
    static const char in[] = "Nr. personal,Data e fillimit\nJ12345678K,2024-01-01\n";
    lnob_mis_t *p = s_parse(&o, in, sizeof in - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_mis_errstr(p));
    cr_expect_str_eq(s_rec(c, 0).mun, "AL154");
    cr_expect_str_eq(s_rec(c, 0).svc, "DAY_CENTRE");
    lnob_mis_destroy(&p);
    s_cap_free(c);
    /* a column wins over the default */
    c = s_cap();
    o = s_opts(c);
    o.municipality = "Shkodra";
    static const char in2[] = "Nr. personal,Bashkia,Lloji i shërbimit,Data e fillimit\nJ12345678K,Korçë,Strehëz,2024-01-01\n";
    p = s_parse(&o, in2, sizeof in2 - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_OK);
    cr_expect_str_eq(s_rec(c, 0).mun, "AL343");
    lnob_mis_destroy(&p);
    s_cap_free(c);
    const char *bad[][2] = {{"Atlantis", NULL}, {NULL, "Kujdes"}};
    for (size_t i = 0; i < 2; i++) {
        c = s_cap();
        o = s_opts(c);
        o.municipality = bad[i][0];
        o.service = bad[i][1];
        p = s_parse(&o, in2, sizeof in2 - 1, 0, &rc);
        cr_expect_eq(rc, LNOB_ERR);
        cr_expect_str_eq(lnob_mis_reason(p), "BAD_DEFAULT");
        lnob_mis_destroy(&p);
        s_cap_free(c);
    }
}

Test(mis, emit_rc_stops_the_parse)
{
    cap_t *c = s_cap();
    c->fail_at = 2;
    c->fail_rc = LNOB_AGAIN;
    lnob_mis_opts_t o = s_opts(c);
    o.batch_size = 1;
    int rc;
    static const char in[] = HDR_AL ROWS;
    lnob_mis_t *p = s_parse(&o, in, sizeof in - 1, 0, &rc);
    cr_expect_eq(rc, LNOB_AGAIN);
    cr_expect_eq(c->n, 2);
    cr_expect_eq(lnob_mis_feed(p, "x", 1), LNOB_AGAIN);
    cr_expect_eq(lnob_mis_finish(p), LNOB_AGAIN);
    lnob_mis_destroy(&p);
    s_cap_free(c);
}

/* ---- nothing identifying leaves ------------------------------------------------------ */

static const char *const s_nids[] = {"J12345678K", "k2345 6789l", "K23456789L", "I34567890M",
                                     "L45678901N", "M56789012O", "M67890123P", "N78901234Q",
                                     "O89012345R"};
static const char *const s_names[] = {"Arta", "Hoxha", "Besnik", "Çela", "Ëngjëll", "Dervishi",
                                      "Drita", "Kola", "Genti", "Lika", "Sokol", "Meta", "Rruga e Dibrës"};

#define PRIVATE_IN                                                                                           \
    "ID,Bashkia,Nr. personal,Emri,Mbiemri,Gjinia,Datëlindja,Lloji i shërbimit,Kategoria,Data e fillimit,"     \
    "Data e mbarimit,Statusi,Adresa,Atësia\n"                                                                \
    "R01,Shkodër,J12345678K,Arta,Hoxha,F,12.03.1950,Kujdes në shtëpi,PAK,01.05.2023,,Aktiv,Rruga e Dibrës,Drita\n" \
    "R02,Velipojë,k2345 6789l,Besnik,Çela,M,2012,Qendër komunitare,Rom/Fëmijë,2024-05-01,,,,Kola\n"            \
    "R03,Korçë,I34567890M,Ëngjëll,Dervishi,2,1990-06-15,Strehëz,Egjiptian,01/09/2024,15/10/2024,Anuluar,x,Genti\n" \
    "R04,Atlantis,L45678901N,Drita,Kola,F,1980,Qendër ditore,,01.01.2024,,,Rruga e Dibrës,Genti\n"           \
    "R05,Tiranë,M56789012O,Genti,Lika,F,1980,Qendër ditore,M56789012O,01.01.2024,,,Rruga e Dibrës,Sokol\n"   \
    "M67890123P,Tiranë,M67890123P,Genti,Lika,F,1980,Qendër ditore,,01.01.2024,,,Rruga e Dibrës,Sokol\n"      \
    "R07,Tiranë,N78901234Q,Sokol,Meta,F,1980,Qendër ditore,,01.01.2024,,,Rruga e Dibrës,Lika,extra\n"        \
    "R08,O89012345R,O89012345R,Sokol,Meta,F,1980,Qendër ditore,,01.01.2024,,,,\n"

/* 1 if needle occurs in hay[0..n). */
static int s_contains(const uint8_t *hay, size_t n, const char *needle, size_t nlen)
{
    for (size_t i = 0; nlen && i + nlen <= n; i++)
        if (memcmp(hay + i, needle, nlen) == 0)
            return 1;
    return 0;
}

/* 1 if hay holds a personal number standing as a word: letter, 8 digits, letter. */
static int s_nid_pattern(const uint8_t *hay, size_t n)
{
#define ALPHA(c) (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z')
#define DIGIT(c) ((c) >= '0' && (c) <= '9')
    for (size_t i = 0; i + 10 <= n; i++) {
        int ok = ALPHA(hay[i]) && ALPHA(hay[i + 9]) && (i == 0 || !(ALPHA(hay[i - 1]) || DIGIT(hay[i - 1]))) &&
                 (i + 10 == n || !(ALPHA(hay[i + 10]) || DIGIT(hay[i + 10])));
        for (size_t k = 1; ok && k <= 8; k++)
            ok = DIGIT(hay[i + k]);
        if (ok)
            return 1;
    }
    return 0;
#undef ALPHA
#undef DIGIT
}

static void s_expect_no_identifiers(const uint8_t *bytes, size_t n, const char *what)
{
    for (size_t i = 0; i < sizeof s_nids / sizeof s_nids[0]; i++) {
        char norm[16];
        lnob_pseudonym_normalise(s_nids[i], strlen(s_nids[i]), norm, sizeof norm);
        cr_expect(!s_contains(bytes, n, s_nids[i], strlen(s_nids[i])), "%s holds %s", what, s_nids[i]);
        cr_expect(!s_contains(bytes, n, norm, strlen(norm)), "%s holds %s", what, norm);
    }
    for (size_t i = 0; i < sizeof s_names / sizeof s_names[0]; i++) {
        size_t len;
        char *cp = s_cp1252(s_names[i], &len);
        cr_expect(!s_contains(bytes, n, s_names[i], strlen(s_names[i])), "%s holds %s", what, s_names[i]);
        cr_expect(!s_contains(bytes, n, cp, len), "%s holds %s (Windows-1252)", what, s_names[i]);
        free(cp);
    }
    cr_expect(!s_nid_pattern(bytes, n), "%s holds something shaped like a personal number", what);
}

Test(mis, no_personal_number_or_name_leaves_the_parser)
{
    static const char utf8[] = PRIVATE_IN;
    size_t len;
    char *cp = s_cp1252(utf8, &len);
    const char *inputs[] = {utf8, cp};
    size_t lens[] = {sizeof utf8 - 1, len};
    for (size_t k = 0; k < 2; k++) {
        cap_t *c = s_cap();
        lnob_mis_opts_t o = s_opts(c);
        o.batch_size = 3;
        int rc;
        lnob_mis_t *p = s_parse(&o, inputs[k], lens[k], 0, &rc);
        cr_assert_eq(rc, LNOB_OK, "%s", lnob_mis_errstr(p));
        cr_assert_eq(s_nrec(c), 4, "input %zu", k);
        cr_assert_eq(s_nrej(c), 4, "input %zu", k);
        s_expect_no_identifiers(c->bytes, c->n_bytes, "the packed batches");
        const char *texts[] = {lnob_mis_header(p), lnob_mis_notes(p), lnob_mis_errstr(p)};
        for (size_t t = 0; t < 3; t++)
            s_expect_no_identifiers((const uint8_t *) texts[t], strlen(texts[t]), "a parser string");
        /* what the rejects show instead */
        s_expect_reject(c, 0, 5, "UNKNOWN_MUNICIPALITY", "Bashkia");
        cr_expect_str_eq(s_rej(c, 0)->raw, "A99,AAAAAAAA,[removed],AAAAA,AAAA,A,9999,AAAAAA AAAAAA,,"
                                           "99.99.9999,,,AAAAA A AAAAAA,AAAAA");
        s_expect_reject(c, 1, 6, "UNKNOWN_GROUP", "Kategoria");
        cr_expect_str_eq(s_rej(c, 1)->detail, "not a group label (docs/mis.md; or map it): '[removed]'");
        cr_expect_str_eq(s_rej(c, 1)->raw, "A99,AAAAAA,[removed],AAAAA,AAAA,A,9999,AAAAAA AAAAAA,[removed],"
                                           "99.99.9999,,,AAAAA A AAAAAA,AAAAA");
        s_expect_reject(c, 2, 8, "ROW_WIDTH", "");
        s_expect_reject(c, 3, 9, "UNKNOWN_MUNICIPALITY", "Bashkia");
        cr_expect(strstr(s_rej(c, 3)->detail, ": '[removed]'") != NULL, "%s", s_rej(c, 3)->detail);
        cr_expect_str_eq(s_rec(c, 3).id, "", "a record id shaped like a personal number is dropped");
        cr_expect_str_eq(s_rec(c, 3).pk, s_pk("M67890123P"));
        cr_expect(strstr(lnob_mis_notes(p), "1 record ids shaped like personal numbers dropped"), "%s",
                  lnob_mis_notes(p));
        lnob_mis_destroy(&p);
        s_cap_free(c);
    }
    free(cp);
}

/* ---- needs-assessment registers ------------------------------------------------ */

Test(mis, a_register_is_recognised_by_its_assessment_date_and_carries_no_service)
{
    cap_t *c = OK("Nr. personal,Bashkia,Gjinia,Datëlindja,Kategoria,Data e vlerësimit,Data e daljes\n"
                  "J12345678K,Shkodër,F,01.02.1950,PAK,15.03.2024,\n"
                  "K23456789L,Velipojë,M,2010,Rom,2023-11-02,30.06.2024\n");
    cr_assert_eq(s_nrec(c), 2);
    cr_assert(c->env[0]->mis->needs_register, "the batch says it is a register");
    rec_t r = s_rec(c, 0);
    cr_expect_str_eq(r.pk, s_pk("J12345678K"));
    cr_expect_str_eq(r.svc, "", "no service");
    cr_expect_eq(r.start, 20240315, "the assessment date is the entry's start");
    cr_expect_eq(r.flags, LNOB_MIS_FLAG_DIS);
    r = s_rec(c, 1);
    cr_expect_str_eq(r.mun, "AL154", "Velipojë is a former unit of Shkodër");
    cr_expect_eq(r.end, 20240630, "the exit date ends the entry");
    s_cap_free(c);
    c = OK(HDR_MIN "J12345678K,Shkodër,Kujdes në shtëpi,2024-01-01,,,,,\n");
    cr_assert(!c->env[0]->mis->needs_register, "a service export is not a register");
    s_cap_free(c);
}

Test(mis, a_mapping_file_can_say_an_export_is_a_register)
{
    lnob_mis_map_t *map = lnob_mis_map_new();
    static const char text[] = "[source]\nkind = register\n";
    cr_assert_eq(lnob_mis_map_parse(map, "reg.map", text, sizeof text - 1), LNOB_OK, "%s",
                 lnob_mis_map_errstr(map));
    cap_t *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    o.needs_register = lnob_mis_map_source(map)->needs_register;
    int rc;
    static const char in[] = "Nr. personal,Bashkia,Data e fillimit\nJ12345678K,Fier,2024-02-01\n";
    lnob_mis_t *p = s_parse(&o, in, sizeof in - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_mis_errstr(p));
    cr_assert(lnob_mis_is_register(p) && c->env[0]->mis->needs_register);
    cr_expect_eq(s_rec(c, 0).start, 20240201, "without an assessment column, the start date");
    lnob_mis_destroy(&p);
    s_cap_free(c);
    static const char bad[] = "[source]\nkind = census\n";
    cr_assert_eq(lnob_mis_map_parse(map, "reg.map", bad, sizeof bad - 1), LNOB_ERR);
    lnob_mis_map_destroy(&map);
    cap_t *c2 = s_cap();
    o = s_opts(c2);
    static const char none[] = "Nr. personal,Bashkia,Gjinia\nJ12345678K,Fier,F\n";
    p = s_parse(&o, none, sizeof none - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_ERR, "neither a service nor an assessment date");
    cr_assert_str_eq(lnob_mis_reason(p), "MISSING_COLUMN");
    lnob_mis_destroy(&p);
    s_cap_free(c2);
}

/* A services export whose service header is not known must not pass for a
 * register: with a start date beside the assessment date it is refused
 * (MISSING_COLUMN) unless its mapping file says which it is, and `kind =
 * services` keeps a header that looks like a register a services export. */
Test(mis, an_export_is_a_register_only_when_it_cannot_be_a_services_export)
{
    static const char both[] = "Nr. personal,Bashkia,Programi,Data e vlerësimit,Data e fillimit\n"
                               "J12345678K,Fier,X,2024-01-10,2024-02-01\n";
    cap_t *c = s_cap();
    lnob_mis_opts_t o = s_opts(c);
    int rc;
    lnob_mis_t *p = s_parse(&o, both, sizeof both - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_ERR, "an unknown service column is not a register");
    cr_assert_str_eq(lnob_mis_reason(p), "MISSING_COLUMN");
    lnob_mis_destroy(&p);
    s_cap_free(c);
    static const char reg[] = "Nr. personal,Bashkia,Data e vlerësimit\nJ12345678K,Fier,2024-01-10\n";
    c = s_cap();
    o = s_opts(c);
    o.needs_register = -1; /* kind = services */
    o.service = "HOME_CARE";
    p = s_parse(&o, reg, sizeof reg - 1, 0, &rc);
    cr_assert_eq(rc, LNOB_ERR, "kind = services: no start date, so no record: %s", lnob_mis_errstr(p));
    cr_assert(!lnob_mis_is_register(p));
    lnob_mis_destroy(&p);
    s_cap_free(c);
}
