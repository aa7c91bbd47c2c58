/* geo_test.c - the embedded reference tables and name matching (lnob/geo.h),
 * checked against the CSV files of data/reference/ read from the source tree. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/csv.h"
#include "lnob/geo.h"
#include "lnob/mem.h"
#include "lnob/rc.h"

#define REF_DIR LNOB_SOURCE_DIR "/data/reference/"

/* A CSV file read whole: header names and rows of owned cells. */
typedef struct {
    char **head;
    size_t ncols;
    char **cells; /* nrows * ncols */
    size_t nrows, cap;
} table_t;

static lnob_geo_t *geo;

static void s_setup(void)
{
    geo = lnob_geo_new();
    cr_assert_not_null(geo, "lnob_geo_new failed on the embedded tables");
}

static void s_teardown(void)
{
    lnob_geo_destroy(&geo);
}

TestSuite(geo, .init = s_setup, .fini = s_teardown);

static int s_table_row(void *arg, const lnob_csv_row_t *row)
{
    table_t *t = arg;
    if (!t->head) {
        t->ncols = row->nfields;
        t->head = lnob_calloc(row->nfields, sizeof(char *));
        for (size_t i = 0; i < row->nfields; i++)
            t->head[i] = lnob_strdup(row->fields[i]);
        return LNOB_OK;
    }
    cr_assert_eq(row->nfields, t->ncols, "line %llu: %zu fields, header has %zu",
                 (unsigned long long) row->line, row->nfields, t->ncols);
    lnob_grow((void **) &t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof(char *));
    for (size_t i = 0; i < row->nfields; i++)
        t->cells[t->nrows * t->ncols + i] = lnob_strdup(row->fields[i]);
    t->nrows++;
    return LNOB_OK;
}

static table_t s_read(const char *file)
{
    table_t t = {0};
    char path[1024], buf[4096];
    snprintf(path, sizeof path, "%s%s", REF_DIR, file);
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "cannot open %s", path);
    lnob_csv_t *csv = lnob_csv_new(',', s_table_row, &t);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        cr_assert_eq(lnob_csv_feed(csv, buf, n), LNOB_OK);
    cr_assert_eq(lnob_csv_finish(csv), LNOB_OK);
    lnob_csv_destroy(&csv);
    fclose(fp);
    return t;
}

static const char *s_cell(const table_t *t, size_t row, const char *col)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->head[c], col) == 0)
            return t->cells[row * t->ncols + c];
    cr_assert_fail("no column %s", col);
    return NULL;
}

static void s_free(table_t *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    for (size_t i = 0; i < t->ncols; i++)
        free(t->head[i]);
    free(t->cells);
    free(t->head);
}

static int s_name(const char *name)
{
    return lnob_geo_by_name(geo, name, strlen(name));
}

static int s_code(const char *code)
{
    return lnob_geo_by_code(geo, code, strlen(code));
}

/* Asserts that name resolves to the municipality with this code. */
static void s_expect(const char *name, const char *code)
{
    int idx = s_name(name);
    cr_assert_geq(idx, 0, "\"%s\" did not resolve (%d), want %s", name, idx, code);
    cr_assert_str_eq(lnob_geo_at(geo, (size_t) idx)->code, code, "\"%s\"", name);
}

static char *s_fold(const char *in, char *out, size_t cap)
{
    lnob_geo_fold(in, strlen(in), out, cap);
    return out;
}

/* ---- tables ----------------------------------------------------------- */

Test(geo, loads_61_municipalities_in_code_order)
{
    cr_assert_eq(lnob_geo_count(geo), 61);
    for (size_t i = 1; i < lnob_geo_count(geo); i++)
        cr_assert_lt(strcmp(lnob_geo_at(geo, i - 1)->code, lnob_geo_at(geo, i)->code), 0);
    cr_assert_null(lnob_geo_at(geo, 61));
    const lnob_municipality_t *m = lnob_geo_at(geo, (size_t) s_code("AL154"));
    cr_assert_str_eq(m->name, "Shkodër");
    cr_assert_str_eq(m->qark, "Shkodër");
    cr_assert_str_eq(m->qark_iso, "AL-10");
    cr_assert_str_eq(m->nuts2, "AL01");
    cr_assert_str_eq(m->nuts3, "AL015");
}

Test(geo, every_row_of_the_table_is_loaded_as_written)
{
    table_t t = s_read("municipalities.csv");
    cr_assert_eq(t.nrows, 61);
    for (size_t r = 0; r < t.nrows; r++) {
        int idx = s_code(s_cell(&t, r, "code"));
        cr_assert_geq(idx, 0, "%s", s_cell(&t, r, "code"));
        const lnob_municipality_t *m = lnob_geo_at(geo, (size_t) idx);
        cr_assert_str_eq(m->name, s_cell(&t, r, "name"));
        cr_assert_str_eq(m->qark, s_cell(&t, r, "qark"));
        cr_assert_str_eq(m->qark_iso, s_cell(&t, r, "qark_iso"));
        cr_assert_str_eq(m->nuts2, s_cell(&t, r, "nuts2"));
        cr_assert_str_eq(m->nuts3, s_cell(&t, r, "nuts3"));
    }
    s_free(&t);
}

Test(geo, known_populations_sum_as_in_the_table)
{
    table_t t = s_read("municipalities.csv");
    long want = 0, got = 0;
    size_t known = 0;
    for (size_t r = 0; r < t.nrows; r++) {
        const char *p = s_cell(&t, r, "population_2023");
        want += atol(p);
        known += *p != '\0';
    }
    size_t nonzero = 0;
    for (size_t i = 0; i < lnob_geo_count(geo); i++) {
        got += lnob_geo_at(geo, i)->population_2023;
        nonzero += lnob_geo_at(geo, i)->population_2023 > 0;
    }
    cr_assert_eq(got, want);
    cr_assert_eq(nonzero, known);
    cr_assert_eq(known, 40); /* data/reference/NOTES.md: 21 still unknown */
    cr_assert_eq(lnob_geo_at(geo, (size_t) s_code("AL346"))->population_2023, 1843); /* Pustec */
    cr_assert_eq(lnob_geo_at(geo, (size_t) s_code("AL154"))->population_2023, 102434);
    cr_assert_eq(lnob_geo_at(geo, (size_t) s_code("AL224"))->population_2023, 598176);
    cr_assert_eq(lnob_geo_at(geo, (size_t) s_code("AL211"))->population_2023, 0); /* Belsh */
    s_free(&t);
}

Test(geo, qark_populations)
{
    cr_assert_eq(lnob_geo_qark_population(geo, "AL-10"), 154479);
    cr_assert_eq(lnob_geo_qark_population(geo, "AL-11"), 758513);
    cr_assert_eq(lnob_geo_qark_population(geo, "AL-09"), 107178);
    cr_assert_eq(lnob_geo_qark_population(geo, "AL-99"), 0);
    cr_assert_eq(lnob_geo_qark_population(geo, ""), 0);
    long total = 0;
    char iso[8];
    for (int q = 1; q <= 12; q++) {
        snprintf(iso, sizeof iso, "AL-%02d", q);
        cr_assert_gt(lnob_geo_qark_population(geo, iso), 0, "%s", iso);
        total += lnob_geo_qark_population(geo, iso);
    }
    cr_assert_eq(total, 2402113); /* Census 2023 national total */
}

Test(geo, fully_known_qarks_add_up)
{
    /* Berat, Durrës, Fier, Kukës, Lezhë, Dibër and Tiranë have every
     * municipality's population. */
    const char *full[] = {"AL-01", "AL-02", "AL-04", "AL-07", "AL-08", "AL-09", "AL-11"};
    for (size_t q = 0; q < sizeof full / sizeof full[0]; q++) {
        long sum = 0;
        for (size_t i = 0; i < lnob_geo_count(geo); i++)
            if (strcmp(lnob_geo_at(geo, i)->qark_iso, full[q]) == 0)
                sum += lnob_geo_at(geo, i)->population_2023;
        cr_assert_eq(sum, lnob_geo_qark_population(geo, full[q]), "%s", full[q]);
    }
}

Test(geo, lnb_targets_flagged)
{
    table_t t = s_read("lnb_targets.csv");
    cr_assert_eq(t.nrows, 32);
    for (size_t r = 0; r < t.nrows; r++) {
        int idx = s_code(s_cell(&t, r, "code"));
        cr_assert_geq(idx, 0);
        cr_assert_eq(lnob_geo_at(geo, (size_t) idx)->lnb_target, 1, "%s", s_cell(&t, r, "code"));
    }
    size_t flagged = 0;
    for (size_t i = 0; i < lnob_geo_count(geo); i++)
        flagged += lnob_geo_at(geo, i)->lnb_target == 1;
    cr_assert_eq(flagged, 32);
    s_free(&t);
}

/* ---- codes ------------------------------------------------------------ */

Test(geo, by_code)
{
    int shk = s_code("AL154");
    cr_assert_geq(shk, 0);
    cr_assert_str_eq(lnob_geo_at(geo, (size_t) shk)->name, "Shkodër");
    cr_assert_eq(s_code(" al154 "), shk);
    cr_assert_eq(s_code("\tAl154"), shk);
    cr_assert_eq(lnob_geo_by_code(geo, "AL1545", 5), shk); /* len is honoured */
    cr_assert_eq(s_code("AL999"), LNOB_GEO_UNKNOWN);
    cr_assert_eq(s_code("AL15"), LNOB_GEO_UNKNOWN);
    cr_assert_eq(s_code(""), LNOB_GEO_UNKNOWN);
    cr_assert_eq(s_code("   "), LNOB_GEO_UNKNOWN);
    cr_assert_eq(s_code("Shkodër"), LNOB_GEO_UNKNOWN);
}

/* ---- names ------------------------------------------------------------ */

Test(geo, by_name_definite_ascii_and_case)
{
    s_expect("Shkodër", "AL154");
    s_expect("Shkodra", "AL154");
    s_expect("SHKODER", "AL154");
    s_expect("shkoder", "AL154");
    s_expect("Korça", "AL343");
    s_expect("Korce", "AL343");
    s_expect("Tirana", "AL224");
    s_expect("  tiranë ", "AL224");
    s_expect("Lushnja", "AL323");
    s_expect("Gjirokastra", "AL332");
}

Test(geo, by_name_hyphens_and_particles)
{
    s_expect("Vau i Dejës", "AL155");
    s_expect("Vau-Dejes", "AL155");
    s_expect("vau dejes", "AL155");
    s_expect("VAU I DEJES", "AL155");
    s_expect("Vau-Dejës", "AL155");
    s_expect("Fushë-Arrëz", "AL151");
    s_expect("Fushe Arrez", "AL151");
    s_expect("FUSHE_ARRES", "AL151");
    s_expect("Malësi e Madhe", "AL152");
    s_expect("Malësia e Madhe", "AL152");
    s_expect("Malesi Madhe", "AL152");
    s_expect("Kala Dodes", "AL112");
}

Test(geo, by_name_renames_seats_and_units)
{
    s_expect("Ura Vajgurore", "AL315");
    s_expect("Dimal", "AL315");
    s_expect("Velipojë", "AL154");
    s_expect("Velipoje", "AL154");
    s_expect("Peshkopi", "AL112");
    s_expect("Burrel", "AL114");
    s_expect("Laç", "AL141");
    s_expect("Bajram Curri", "AL133");
    s_expect("Liqenas", "AL346");
    s_expect("Qendër (Fier)", "AL322");
    s_expect("Qender - Bulgarec", "AL343");
    s_expect("Klos (EL)", "AL212");
    s_expect("AL154", "AL154");
}

Test(geo, municipality_name_wins_over_unit)
{
    s_expect("Klos", "AL113");
    s_expect("klos", "AL113");
    s_expect("Kolonjë", "AL342");
    s_expect("Kolonje", "AL342");
}

Test(geo, ambiguous_units)
{
    const char *amb[] = {"Golem", "Qendër", "Qender", "QENDER", "Fierzë", "Mollas",
                         "Novoselë", "Selitë", "Shushicë", "Dajç", "Kolsh"};
    for (size_t i = 0; i < sizeof amb / sizeof amb[0]; i++)
        cr_assert_eq(s_name(amb[i]), LNOB_GEO_AMBIGUOUS, "\"%s\" -> %d", amb[i], s_name(amb[i]));
}

Test(geo, unknown_names)
{
    const char *unk[] = {"Atlantis", "", "   ", "-", "i", "e i", "Shkodër qark x", "Kor"};
    for (size_t i = 0; i < sizeof unk / sizeof unk[0]; i++)
        cr_assert_eq(s_name(unk[i]), LNOB_GEO_UNKNOWN, "\"%s\" -> %d", unk[i], s_name(unk[i]));
    char big[600];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_eq(s_name(big), LNOB_GEO_UNKNOWN);
}

/* The codes of the k nearest municipalities, space-separated. */
static const char *s_nearest(const char *name, size_t k)
{
    static char out[128];
    int idx[8];
    size_t n = lnob_geo_nearest(geo, name, strlen(name), idx, k);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "",
                 lnob_geo_at(geo, (size_t) idx[i])->code);
    return out;
}

Test(geo, nearest_names)
{
    cr_expect_str_eq(s_nearest("Shkodrra", 1), "AL154", "one letter off 'Shkodra'");
    cr_expect_str_eq(s_nearest("Tirrana", 1), "AL224");
    cr_expect_str_eq(s_nearest("Velipoja", 1), "AL154", "near the former unit Velipojë");
    cr_expect_str_eq(s_nearest("KORCHE", 1), "AL343");
    cr_expect_str_eq(s_nearest("Shkodër", 1), "AL154", "a known name is its own nearest");
    /* three distinct municipalities, nearest first, ties in code order */
    int idx[3];
    cr_assert_eq(lnob_geo_nearest(geo, "Atlantis", 8, idx, 3), 3);
    cr_expect_neq(idx[0], idx[1]);
    cr_expect_neq(idx[1], idx[2]);
    cr_expect_neq(idx[0], idx[2]);
    cr_expect_eq(lnob_geo_nearest(geo, " - ", 3, idx, 3), 0);
    cr_expect_eq(lnob_geo_nearest(geo, "x", 1, idx, 0), 0);
    char big[600];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_expect_eq(lnob_geo_nearest(geo, big, strlen(big), idx, 3), 3);
}

Test(geo, windows_1252_and_decomposed_input)
{
    s_expect("Kor\xe7\xeb", "AL343");
    s_expect("KOR\xc7\xcb", "AL343");
    s_expect("Vau i Dej\xebs", "AL155");
    s_expect("Dibe\xcc\x88r", "AL112"); /* e + U+0308 */
    cr_assert_eq(lnob_geo_by_name(geo, "Kor\xe7\xeb garbage", 5), s_code("AL343"));
}

/* Every municipality-level name of the table, and the code it belongs to. */
static int s_muni_owner(const table_t *m, const char *folded)
{
    const char *cols[] = {"code", "name", "name_ascii", "name_definite", "seat_if_different"};
    char f[256];
    for (size_t r = 0; r < m->nrows; r++) {
        for (size_t c = 0; c < 5; c++)
            if (strcmp(s_fold(s_cell(m, r, cols[c]), f, sizeof f), folded) == 0)
                return (int) r;
        char aliases[512];
        snprintf(aliases, sizeof aliases, "%s", s_cell(m, r, "aliases"));
        for (char *save = NULL, *a = strtok_r(aliases, ";", &save); a; a = strtok_r(NULL, ";", &save))
            if (strcmp(s_fold(a, f, sizeof f), folded) == 0)
                return (int) r;
    }
    return -1;
}

Test(geo, every_municipality_name_resolves)
{
    table_t t = s_read("municipalities.csv");
    const char *cols[] = {"name", "name_ascii", "name_definite", "code"};
    for (size_t r = 0; r < t.nrows; r++) {
        for (size_t c = 0; c < 4; c++)
            s_expect(s_cell(&t, r, cols[c]), s_cell(&t, r, "code"));
        if (*s_cell(&t, r, "seat_if_different"))
            s_expect(s_cell(&t, r, "seat_if_different"), s_cell(&t, r, "code"));
    }
    s_free(&t);
}

/* A unit spelling is ambiguous when its fold names units of two
 * municipalities; a municipality-level name still wins. */
Test(geo, every_former_unit_resolves)
{
    table_t m = s_read("municipalities.csv");
    table_t u = s_read("former_units.csv");
    const char *cols[] = {"unit_instat_2011", "unit_ascii", "unit_cec_2021"};
    char f[256], g[256];
    size_t checked = 0, ambiguous = 0, owned = 0;
    cr_assert_eq(u.nrows, 383);
    for (size_t r = 0; r < u.nrows; r++) {
        for (size_t c = 0; c < 3; c++) {
            const char *name = s_cell(&u, r, cols[c]);
            const char *code = s_cell(&u, r, "municipality_code");
            s_fold(name, f, sizeof f);
            int owner = s_muni_owner(&m, f);
            if (owner >= 0) {
                s_expect(name, s_cell(&m, (size_t) owner, "code"));
                owned++;
                continue;
            }
            int amb = 0;
            for (size_t o = 0; o < u.nrows && !amb; o++)
                for (size_t d = 0; d < 3; d++)
                    if (strcmp(s_fold(s_cell(&u, o, cols[d]), g, sizeof g), f) == 0 &&
                        strcmp(s_cell(&u, o, "municipality_code"), code) != 0)
                        amb = 1;
            if (amb) {
                cr_assert_eq(s_name(name), LNOB_GEO_AMBIGUOUS, "\"%s\"", name);
                ambiguous++;
            } else {
                s_expect(name, code);
                checked++;
            }
        }
    }
    cr_assert_eq(checked + ambiguous + owned, 3 * 383);
    cr_assert_gt(checked, 700, "checked %zu", checked);
    cr_assert_gt(ambiguous, 10, "ambiguous %zu", ambiguous);
    cr_assert_gt(owned, 100, "owned %zu", owned);
    s_free(&u);
    s_free(&m);
}

/* ---- folding ---------------------------------------------------------- */

Test(geo, fold_examples)
{
    char out[64];
    cr_assert_str_eq(s_fold("Fushë-Arrëz", out, sizeof out), "fushe arrez");
    cr_assert_str_eq(s_fold("  VAU_I.DEJËS  ", out, sizeof out), "vau i dejes");
    cr_assert_str_eq(s_fold("Korçë", out, sizeof out), "korce");
    cr_assert_str_eq(s_fold("Kor\xe7\xeb", out, sizeof out), "korce");
    cr_assert_str_eq(s_fold("Qendër (Fier)", out, sizeof out), "qender fier");
    cr_assert_str_eq(s_fold("Dropull posht.", out, sizeof out), "dropull posht");
    cr_assert_str_eq(s_fold("O'Neil,,  x", out, sizeof out), "o neil x");
    cr_assert_str_eq(s_fold("Çërravë", out, sizeof out), "cerrave");
    cr_assert_str_eq(s_fold("Škoda Ñandú", out, sizeof out), "skoda nandu");
    cr_assert_str_eq(s_fold("Tirane - Njesia Nr.10", out, sizeof out), "tirane njesia nr 10");
    cr_assert_eq(lnob_geo_fold("Shkodër", strlen("Shkodër"), out, sizeof out), 7);
}

Test(geo, fold_bounds)
{
    char out[8];
    cr_assert_eq(lnob_geo_fold("Shkodër", strlen("Shkodër"), out, 4), 3);
    cr_assert_str_eq(out, "shk");
    cr_assert_eq(lnob_geo_fold("ab cd", 5, out, 4), 2); /* no dangling space */
    cr_assert_str_eq(out, "ab");
    cr_assert_eq(lnob_geo_fold("", 0, out, sizeof out), 0);
    cr_assert_str_eq(out, "");
    cr_assert_eq(lnob_geo_fold("Vlorë", 3, out, sizeof out), 3);
    cr_assert_str_eq(out, "vlo");
    cr_assert_eq(lnob_geo_fold("abc", 3, out, 0), 0);
    cr_assert_eq(lnob_geo_fold("\xc3", 1, out, sizeof out), 1); /* cut UTF-8 = Ã */
    cr_assert_str_eq(out, "a");
}
