/* mis_codes_test.c - the MIS code tables (lnob/mis_codes.h) and a source's
 * mapping file (sources/mis/mis_map.h): every label finds its own code, folding
 * makes case and diacritics irrelevant, and mapping lines are checked. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mis_codes.h"
#include "lnob/rc.h"
#include "mis_map.h"

static const lnob_mis_table_t s_all[] = {LNOB_MIS_SERVICE, LNOB_MIS_GROUP, LNOB_MIS_STATUS,
                                         LNOB_MIS_SEX, LNOB_MIS_FIELD};

#define FIND(t, lit) lnob_mis_find((t), (lit), strlen(lit))

Test(mis_codes, every_label_and_name_finds_its_own_value)
{
    for (size_t k = 0; k < sizeof s_all / sizeof s_all[0]; k++) {
        lnob_mis_table_t t = s_all[k];
        cr_assert_gt(lnob_mis_count(t), 0);
        for (size_t i = 0; i < lnob_mis_count(t); i++) {
            int v = lnob_mis_value_at(t, i);
            const char *name = lnob_mis_name(t, v);
            cr_assert_not_null(name);
            cr_expect_eq(lnob_mis_value(t, name), v, "table %d %s", (int) t, name);
            cr_expect_eq(FIND(t, name), v, "table %d canonical %s", (int) t, name);
            for (const char *const *l = lnob_mis_labels(t, v); l && *l; l++)
                cr_expect_eq(FIND(t, *l), v, "table %d: label '%s' finds %d, not %s", (int) t, *l,
                             FIND(t, *l), name);
        }
    }
}

Test(mis_codes, the_required_tables)
{
    static const char *const services[] = {"HOME_CARE", "DAY_CENTRE", "COMMUNITY_CENTRE", "RESIDENTIAL",
                                           "FOSTER_CARE", "SHELTER", "PSYCHOSOCIAL", "CHILD_PROTECTION",
                                           "SOCIAL_HOUSING", "ECONOMIC_AID", "DISABILITY_PAYMENT"};
    cr_assert_eq(lnob_mis_count(LNOB_MIS_SERVICE), 11);
    for (int i = 0; i < 11; i++)
        cr_expect_str_eq(lnob_mis_name(LNOB_MIS_SERVICE, i), services[i]);
    static const char *const groups[] = {"DIS", "ROMA", "EGY", "ELD", "CHI", "VAW", "OTHER"};
    static const uint32_t flags[] = {1, 2, 4, 0, 0, 8, 0};
    cr_assert_eq(lnob_mis_count(LNOB_MIS_GROUP), 7);
    for (int i = 0; i < 7; i++) {
        cr_expect_str_eq(lnob_mis_name(LNOB_MIS_GROUP, i), groups[i]);
        cr_expect_eq(lnob_mis_group_flag((lnob_mis_group_t) i), flags[i], "%s", groups[i]);
    }
    cr_expect_eq(lnob_mis_name(LNOB_MIS_SERVICE, 11), NULL);
    cr_expect_eq(lnob_mis_name(LNOB_MIS_SEX, 3), NULL);
    cr_expect_str_eq(lnob_mis_name(LNOB_MIS_SEX, 9), "UNKNOWN");
    cr_expect_eq(lnob_mis_value(LNOB_MIS_SERVICE, "home_care"), LNOB_MIS_HOME_CARE);
    cr_expect_eq(lnob_mis_value(LNOB_MIS_SERVICE, "Kujdes në shtëpi"), -1, "labels are not names");
}

Test(mis_codes, issue_labels_any_case_any_diacritics)
{
    struct {
        lnob_mis_table_t t;
        const char *text;
        int value;
    } cases[] = {
        {LNOB_MIS_SERVICE, "Kujdes në shtëpi", LNOB_MIS_HOME_CARE},
        {LNOB_MIS_SERVICE, "KUJDES NE SHTEPI", LNOB_MIS_HOME_CARE},
        {LNOB_MIS_SERVICE, "Kujdes n\xEB sht\xEBpi", LNOB_MIS_HOME_CARE}, /* Windows-1252 */
        {LNOB_MIS_SERVICE, "qender ditore", LNOB_MIS_DAY_CENTRE},
        {LNOB_MIS_SERVICE, "Qendër komunitare", LNOB_MIS_COMMUNITY_CENTRE},
        {LNOB_MIS_SERVICE, "Qendër rezidenciale", LNOB_MIS_RESIDENTIAL},
        {LNOB_MIS_SERVICE, "Kujdestari familjare", LNOB_MIS_FOSTER_CARE},
        {LNOB_MIS_SERVICE, "Strehez", LNOB_MIS_SHELTER},
        {LNOB_MIS_SERVICE, "  Këshillim psiko-social ", LNOB_MIS_PSYCHOSOCIAL},
        {LNOB_MIS_SERVICE, "keshillim psiko social", LNOB_MIS_PSYCHOSOCIAL},
        {LNOB_MIS_SERVICE, "Mbrojtje e femijeve", LNOB_MIS_CHILD_PROTECTION},
        {LNOB_MIS_SERVICE, "Strehim social", LNOB_MIS_SOCIAL_HOUSING},
        {LNOB_MIS_SERVICE, "NDIHMË EKONOMIKE", LNOB_MIS_ECONOMIC_AID},
        {LNOB_MIS_SERVICE, "Pagesë për aftësi të kufizuara", LNOB_MIS_DISABILITY_PAYMENT},
        {LNOB_MIS_SERVICE, "Social-housing", LNOB_MIS_SOCIAL_HOUSING},
        {LNOB_MIS_GROUP, "Person me aftësi të kufizuara", LNOB_MIS_GROUP_DIS},
        {LNOB_MIS_GROUP, "pak", LNOB_MIS_GROUP_DIS},
        {LNOB_MIS_GROUP, "ROM", LNOB_MIS_GROUP_ROMA},
        {LNOB_MIS_GROUP, "Egjiptian", LNOB_MIS_GROUP_EGY},
        {LNOB_MIS_GROUP, "i moshuar", LNOB_MIS_GROUP_ELD},
        {LNOB_MIS_GROUP, "FËMIJË", LNOB_MIS_GROUP_CHI},
        {LNOB_MIS_GROUP, "Viktime e dhunes ne familje", LNOB_MIS_GROUP_VAW},
        {LNOB_MIS_GROUP, "other", LNOB_MIS_GROUP_OTHER},
        {LNOB_MIS_STATUS, "anuluar", LNOB_MIS_CANCELLED},
        {LNOB_MIS_STATUS, "Cancelled", LNOB_MIS_CANCELLED},
        {LNOB_MIS_STATUS, "i gabuar", LNOB_MIS_ERRONEOUS},
        {LNOB_MIS_STATUS, "Aktiv", LNOB_MIS_ACTIVE},
        {LNOB_MIS_SEX, "m", LNOB_MIS_MALE},
        {LNOB_MIS_SEX, "Femer", LNOB_MIS_FEMALE},
        {LNOB_MIS_FIELD, "Datëlindja", LNOB_MIS_F_BIRTH_DATE},
        {LNOB_MIS_FIELD, "NR. PERSONAL", LNOB_MIS_F_PERSONAL_NUMBER},
        {LNOB_MIS_FIELD, "Lloji i sherbimit", LNOB_MIS_F_SERVICE},
        {LNOB_MIS_FIELD, "first_name", LNOB_MIS_F_FIRST_NAME},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(FIND(cases[i].t, cases[i].text), cases[i].value, "'%s'", cases[i].text);
    cr_expect_eq(FIND(LNOB_MIS_SERVICE, ""), -1);
    cr_expect_eq(FIND(LNOB_MIS_SERVICE, " - "), -1);
    cr_expect_eq(FIND(LNOB_MIS_SERVICE, "Kujdes"), -1, "no prefix matches");
    cr_expect_eq(FIND(LNOB_MIS_GROUP, "Rom, PAK"), -1, "one label at a time");
}

Test(mis_codes, docs_list_every_code_and_label)
{
    FILE *fp = fopen(LNOB_SOURCE_DIR "/docs/mis.md", "rb");
    cr_assert_not_null(fp, "docs/mis.md");
    static char doc[65536];
    size_t n = fread(doc, 1, sizeof doc - 1, fp);
    fclose(fp);
    cr_assert_lt(n, sizeof doc - 1, "docs/mis.md grew: enlarge the buffer");
    doc[n] = '\0';
    for (size_t k = 0; k < sizeof s_all / sizeof s_all[0]; k++)
        for (size_t i = 0; i < lnob_mis_count(s_all[k]); i++) {
            int v = lnob_mis_value_at(s_all[k], i);
            char code[64];
            snprintf(code, sizeof code, "| `%s`", lnob_mis_name(s_all[k], v));
            cr_expect(strstr(doc, code) != NULL, "docs/mis.md lacks a row for %s", code + 2);
            for (const char *const *l = lnob_mis_labels(s_all[k], v); l && *l; l++)
                cr_expect(strstr(doc, *l) != NULL, "docs/mis.md lacks the label '%s'", *l);
        }
}

/* ---- mapping files ------------------------------------------------------------ */

#define PARSE(m, lit) lnob_mis_map_parse((m), "map.txt", (lit), sizeof(lit) - 1)

Test(mis_map, adds_labels_that_win_over_the_built_in_ones)
{
    lnob_mis_map_t *m = lnob_mis_map_new();
    int rc = PARSE(m, "\xEF\xBB\xBF# Fier\n"
                      "Nr. i dosjes = record_id\n"
                      "  Kodi   =  personal_number  \r\n"
                      "\n"
                      "[Service]\n"
                      "Shërbim ambulator = DAY_CENTRE\n"
                      "Qendër ditore = community_centre\n"
                      "[group]\n"
                      "Jetim = CHI\n"
                      "[status]\n"
                      "Pezulluar = CANCELLED\n"
                      "[sex]\n"
                      "Burrë = M\n"
                      "[columns]\n"
                      "Kodi = personal_number\n");
    cr_assert_eq(rc, LNOB_OK, "%s", lnob_mis_map_errstr(m));
    cr_expect_eq(lnob_mis_map_count(m), 7);
#define MFIND(t, lit) lnob_mis_map_find(m, (t), (lit), strlen(lit))
    cr_expect_eq(MFIND(LNOB_MIS_FIELD, "NR I DOSJES"), LNOB_MIS_F_RECORD_ID);
    cr_expect_eq(MFIND(LNOB_MIS_FIELD, "kodi"), LNOB_MIS_F_PERSONAL_NUMBER);
    cr_expect_eq(MFIND(LNOB_MIS_FIELD, "Bashkia"), LNOB_MIS_F_MUNICIPALITY, "built-in still there");
    cr_expect_eq(MFIND(LNOB_MIS_SERVICE, "sherbim ambulator"), LNOB_MIS_DAY_CENTRE);
    cr_expect_eq(MFIND(LNOB_MIS_SERVICE, "Qendra ditore"), LNOB_MIS_DAY_CENTRE, "built-in");
    cr_expect_eq(MFIND(LNOB_MIS_SERVICE, "Qendër ditore"), LNOB_MIS_COMMUNITY_CENTRE, "the map wins");
    cr_expect_eq(MFIND(LNOB_MIS_GROUP, "jetim"), LNOB_MIS_GROUP_CHI);
    cr_expect_eq(MFIND(LNOB_MIS_GROUP, "Jetim"), LNOB_MIS_GROUP_CHI);
    cr_expect_eq(MFIND(LNOB_MIS_STATUS, "pezulluar"), LNOB_MIS_CANCELLED);
    cr_expect_eq(MFIND(LNOB_MIS_SEX, "Burre"), LNOB_MIS_MALE);
    cr_expect_eq(MFIND(LNOB_MIS_SERVICE, "Jetim"), -1, "sections are separate");
#undef MFIND
    cr_expect_eq(lnob_mis_map_find(NULL, LNOB_MIS_GROUP, "Rom", 3), LNOB_MIS_GROUP_ROMA, "NULL map: built-in");
    lnob_mis_map_destroy(&m);
    cr_expect_null(m);
    lnob_mis_map_destroy(&m);
}

Test(mis_map, bad_lines_name_file_and_line)
{
    struct {
        const char *text;
        const char *err;
    } cases[] = {
        {"ID = record_id\n[services ]\n", "map.txt line 2: unknown section [services]"},
        {"ID = record_id\nEmri\n", "map.txt line 2: expected 'label = canonical name'"},
        {"Kodi = nid\n", "map.txt line 1: unknown canonical name 'nid'"},
        {"[service]\nX = HOMECARE\n", "map.txt line 2: unknown canonical name 'HOMECARE'"},
        {"[group]\n = DIS\n", "map.txt line 2: empty or over-long label"},
        {"A = sex\n# c\na = group\n", "map.txt line 3: this label was already given another meaning"},
        {"[status]\nX =\n", "map.txt line 2: unknown canonical name ''"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lnob_mis_map_t *m = lnob_mis_map_new();
        cr_expect_eq(lnob_mis_map_parse(m, "map.txt", cases[i].text, strlen(cases[i].text)), LNOB_ERR,
                     "case %zu", i);
        cr_expect(strncmp(lnob_mis_map_errstr(m), cases[i].err, strlen(cases[i].err)) == 0,
                  "case %zu: '%s'", i, lnob_mis_map_errstr(m));
        lnob_mis_map_destroy(&m);
    }
    lnob_mis_map_t *m = lnob_mis_map_new();
    cr_expect_eq(PARSE(m, "a = b = ignore\n"), LNOB_OK, "split at the last '='");
    cr_expect_eq(lnob_mis_map_find(m, LNOB_MIS_FIELD, "A = B", 5), LNOB_MIS_F_IGNORE);
    cr_expect_eq(PARSE(m, ""), LNOB_OK);
    lnob_mis_map_destroy(&m);
}

Test(mis_map, a_source_section_sets_encoding_delimiter_and_defaults)
{
    lnob_mis_map_t *m = lnob_mis_map_new();
    const char *text = "[source]\nencoding = windows-1252\ndelimiter = semicolon\n"
                       "municipality = Fier\nservice = HOME_CARE\n[service]\nKNSH = HOME_CARE\n";
    cr_assert_eq(lnob_mis_map_parse(m, "m", text, strlen(text)), LNOB_OK, "%s", lnob_mis_map_errstr(m));
    const lnob_mis_source_t *src = lnob_mis_map_source(m);
    cr_expect_eq(src->encoding, LNOB_ENC_CP1252);
    cr_expect_eq(src->delimiter, ';');
    cr_expect_str_eq(src->municipality, "Fier");
    cr_expect_str_eq(src->service, "HOME_CARE");
    cr_expect_eq(lnob_mis_map_find(m, LNOB_MIS_SERVICE, "KNSH", 4), LNOB_MIS_HOME_CARE);
    lnob_mis_map_destroy(&m);
    const char *bad[] = {"[source]\nencoding = klingon\n", "[source]\ndelimiter = pipe\n",
                         "[source]\nservice = HOMECARE\n", "[source]\ncolour = red\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = lnob_mis_map_new();
        cr_expect_eq(lnob_mis_map_parse(m, "m", bad[i], strlen(bad[i])), LNOB_ERR, "%s", bad[i]);
        cr_expect(strstr(lnob_mis_map_errstr(m), "m line 2"), "%s", lnob_mis_map_errstr(m));
        lnob_mis_map_destroy(&m);
    }
}
