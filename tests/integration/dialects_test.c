/* dialects_test.c - the same extract in every dialect lnob reads, through
 * the real workers: a merged file and the four UDB files as UTF-8 with
 * commas, with ';' and decimal commas, with tabs, as Excel's "Unicode
 * text" (UTF-16LE with a BOM, tabs) and in Windows-1252 give cell for cell
 * what the plain form gives in Redis, region labels with ë included, and
 * every string Redis holds for them is UTF-8. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "lnob/mem.h"
#include "lnob/recode.h"

#define RUN_TIMEOUT_S 120
#define HOUSEHOLDS 400
#define SEED 11

static th_redis_t s_redis;

static void s_setup(void) { th_redis_start(&s_redis); }
static void s_teardown(void) { th_redis_stop(&s_redis); }

TestSuite(dialects, .init = s_setup, .fini = s_teardown, .timeout = 300);

typedef enum { AS_UTF8, AS_CP1252, AS_UTF16LE } as_t;

/* One form of a file: its delimiter, decimal commas or not, encoding. */
typedef struct {
    const char *name;
    char delim;
    int decimal_comma;
    as_t as;
} form_t;

static const form_t s_forms[] = {
    {"plain", ',', 0, AS_UTF8},      {"semicolon", ';', 1, AS_UTF8},     {"tab", '\t', 0, AS_UTF8},
    {"utf16", '\t', 0, AS_UTF16LE}, {"cp1252", ',', 0, AS_CP1252},
};
#define FORMS (sizeof s_forms / sizeof s_forms[0])

/* Region codes of the generator (whole fields) as labels, two with ë. */
static const char *const s_labels[][2] = {
    {",AL01,", ",Veri"}, {",AL02,", ",Qend\xC3\xABr"}, {",AL03,", ",Jug\xC3\xAB"}};

/* The generated text with labels for its regions; owned. */
static char *s_labelled(const char *text)
{
    char *out = lnob_malloc(2 * strlen(text) + 1), *o = out;
    for (const char *p = text; *p;) {
        size_t k = 0;
        while (k < 3 && strncmp(p, s_labels[k][0], strlen(s_labels[k][0])) != 0)
            k++;
        if (k < 3) {
            o += sprintf(o, "%s", s_labels[k][1]);
            p += strlen(s_labels[k][0]) - 1; /* the closing comma starts the next field */
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

/* Writes UTF-8 text (no quoted fields, characters below U+0800) to path in
 * form f. */
static void s_write_as(const char *text, const form_t *f, const char *path)
{
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp, "%s", path);
    if (f->as == AS_UTF16LE)
        fputs("\xFF\xFE", fp);
    for (const unsigned char *p = (const unsigned char *) text; *p;) {
        unsigned cp = *p++;
        if (cp >= 0xC0)
            cp = ((cp & 0x1F) << 6) | (*p++ & 0x3F);
        if (cp == ',')
            cp = (unsigned char) f->delim;
        else if (cp == '.' && f->decimal_comma)
            cp = ',';
        if (f->as == AS_UTF16LE) {
            fputc((int) (cp & 0xFF), fp);
            fputc((int) (cp >> 8), fp);
        } else if (f->as == AS_CP1252 || cp < 0x80) {
            fputc((int) cp, fp);
        } else {
            fputc((int) (0xC0 | (cp >> 6)), fp);
            fputc((int) (0x80 | (cp & 0x3F)), fp);
        }
    }
    fclose(fp);
}

/* The form's copy of the generated file src, labelled, at dst. */
static void s_make(const char *src, const form_t *f, const char *dst)
{
    char *text = th_read(src, NULL), *labelled = s_labelled(text);
    s_write_as(labelled, f, dst);
    free(labelled);
    free(text);
}

/* The extract stored for source in the only run. */
static char *s_extract(const char *source)
{
    redisReply *keys = redisCommand(s_redis.c, "KEYS lnob:run:*");
    cr_assert(keys && keys->elements == 1, "one run");
    char *run = keys->element[0]->str + strlen("lnob:run:");
    char *id = th_extract_of(s_redis.c, run, source);
    freeReplyObject(keys);
    cr_assert_not_null(id, "no extract for %s", source);
    return id;
}

/* Every key of the extract and every field and value of its hashes are
 * UTF-8; returns how many keys there were. */
static size_t s_all_utf8(const char *id)
{
    redisReply *keys = redisCommand(s_redis.c, "KEYS *%s*", id);
    cr_assert(keys && keys->type == REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < keys->elements; i++) {
        const redisReply *k = keys->element[i];
        cr_expect(lnob_recode_text_ok(k->str, k->len), "key %s", k->str);
        redisReply *h = redisCommand(s_redis.c, "TYPE %s", k->str);
        int hash = !strcmp(h->str, "hash");
        freeReplyObject(h);
        if (!hash)
            continue;
        h = redisCommand(s_redis.c, "HGETALL %s", k->str);
        for (size_t j = 0; j < h->elements; j++) /* notes and errors hold newlines: UTF-8 is the point */
            cr_expect(lnob_recode_scrub(h->element[j]->str, h->element[j]->len) == 0, "%s: %s", k->str,
                      h->element[j]->str);
        freeReplyObject(h);
    }
    size_t n = keys->elements;
    freeReplyObject(keys);
    return n;
}

/* The extracts of the forms (each named by its first file, in the order
 * of s_forms) hold the plain form's cells, labels with ë included, and
 * only UTF-8. */
static void s_expect_same_cells(const char *const first[FORMS])
{
    char *plain_id = s_extract(first[0]), *want = th_cells_of(s_redis.c, plain_id);
    cr_assert_gt(strlen(want), 1000);
    cr_expect(strstr(want, "region=Qend\xC3\xABr"), "labels reach Redis as UTF-8");
    cr_expect(strstr(want, "region=Jug\xC3\xAB"));
    for (size_t i = 1; i < FORMS; i++) {
        char *id = s_extract(first[i]), *got = th_cells_of(s_redis.c, id);
        cr_expect_str_eq(got, want, "%s", s_forms[i].name);
        cr_expect_gt(s_all_utf8(id), 10);
        free(got);
        free(id);
    }
    free(want);
    free(plain_id);
}

Test(dialects, a_merged_file_in_every_dialect_gives_the_same_cells)
{
    char gen[512], path[FORMS][512];
    snprintf(gen, sizeof gen, "%s/gen.csv", s_redis.dir);
    th_gen(gen, HOUSEHOLDS, SEED);
    const char *args[32] = {"run", "--silc"};
    size_t n = 2;
    for (size_t i = 0; i < FORMS; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s.csv", s_redis.dir, s_forms[i].name);
        s_make(gen, &s_forms[i], path[i]);
        args[n++] = path[i];
    }
    const char *rest[] = {"--redis", s_redis.url, "--transformers", "2", "--batch-size", "97", NULL};
    memcpy(args + n, rest, sizeof rest);
    cr_assert_eq(th_run("lnob", args, NULL, RUN_TIMEOUT_S), 0);
    const char *first[FORMS];
    for (size_t i = 0; i < FORMS; i++)
        first[i] = path[i];
    s_expect_same_cells(first);
}

Test(dialects, the_four_udb_files_in_every_dialect_give_the_same_cells)
{
    char gen[512];
    snprintf(gen, sizeof gen, "%s/udb4", s_redis.dir);
    th_gen_as(gen, HOUSEHOLDS, SEED, "udb4");
    static const char files[] = "DHRP";
    char path[FORMS][4][600];
    const char *args[48] = {"run", "--silc"};
    size_t n = 2;
    for (size_t i = 0; i < FORMS; i++) {
        char dir[560];
        snprintf(dir, sizeof dir, "%s/udb4_%s", s_redis.dir, s_forms[i].name);
        cr_assert_eq(mkdir(dir, 0700), 0);
        for (int f = 0; f < 4; f++) {
            char src[600];
            snprintf(src, sizeof src, "%s/%c.csv", gen, files[f]);
            snprintf(path[i][f], sizeof path[i][f], "%s/%c.csv", dir, files[f]);
            s_make(src, &s_forms[i], path[i][f]);
            args[n++] = path[i][f];
        }
    }
    const char *rest[] = {"--redis", s_redis.url, "--transformers", "2", NULL};
    memcpy(args + n, rest, sizeof rest);
    cr_assert_eq(th_run("lnob", args, NULL, RUN_TIMEOUT_S), 0);
    const char *first[FORMS];
    for (size_t i = 0; i < FORMS; i++)
        first[i] = path[i][0];
    s_expect_same_cells(first);
}

/* A decimal comma outside a ';' file needs --decimal-comma: with it, a tab
 * file with decimal commas gives the plain file's cells; without it, every
 * weight is BAD_NUMBER and the extract fails, publishing nothing. */
Test(dialects, decimal_commas_in_a_tab_file_need_the_flag)
{
    static const form_t tab_comma = {"tab_comma", '\t', 1, AS_UTF8};
    char gen[512], plain[512], tab[512];
    snprintf(gen, sizeof gen, "%s/gen.csv", s_redis.dir);
    snprintf(plain, sizeof plain, "%s/plain.csv", s_redis.dir);
    snprintf(tab, sizeof tab, "%s/tab_comma.csv", s_redis.dir);
    th_gen(gen, HOUSEHOLDS, SEED);
    s_make(gen, &s_forms[0], plain);
    s_make(gen, &tab_comma, tab);
    const char *without[] = {"run", "--silc", tab, "--redis", s_redis.url, NULL};
    cr_expect_neq(th_run("lnob", without, NULL, RUN_TIMEOUT_S), 0);
    char *failed = s_extract(tab), key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", failed);
    char *status = th_hget(s_redis.c, key, "status");
    cr_expect_str_eq(status, "failed");
    redisReply *cells = redisCommand(s_redis.c, "KEYS lnob:cell:%s:*", failed);
    cr_expect_eq(cells->elements, 0, "a failed extract has no cells");
    freeReplyObject(cells);
    const char *with[] = {"run", "--silc", plain, tab, "--decimal-comma", "--redis", s_redis.url, NULL};
    cr_assert_eq(th_run("lnob", with, NULL, RUN_TIMEOUT_S), 0);
    redisReply *runs = redisCommand(s_redis.c, "KEYS lnob:run:*");
    cr_assert_eq(runs->elements, 2);
    char *ids[2] = {NULL, NULL};
    for (size_t r = 0; r < 2; r++) {
        char *p = th_hget(s_redis.c, runs->element[r]->str, plain);
        if (*p)
            ids[0] = p, ids[1] = th_hget(s_redis.c, runs->element[r]->str, tab);
        else
            free(p);
    }
    freeReplyObject(runs);
    cr_assert(ids[0] && ids[1]);
    char *want = th_cells_of(s_redis.c, ids[0]), *got = th_cells_of(s_redis.c, ids[1]);
    cr_assert_gt(strlen(want), 1000);
    cr_expect_str_eq(got, want);
    free(want);
    free(got);
    free(ids[0]);
    free(ids[1]);
    free(status);
    free(failed);
}
