/* mis_sources_test.c - the MIS sources table: lines, patterns, paths
 * relative to the table, the first match, and mapping files checked. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mis_sources.h"

static lnob_mis_sources_t *s_parse(const char *text, char *err, size_t cap)
{
    return lnob_mis_sources_parse("sources.txt", "/etc/lnob", text, strlen(text), err, cap);
}

Test(mis_sources, patterns_pick_the_first_matching_mapping_file)
{
    char err[256] = "";
    lnob_mis_sources_t *t = s_parse("# comment\n\n"
                                    "  fier_*.csv = maps/fier.map  \r\n"
                                    "*_2024-??.csv=/srv/maps/monthly.map\n"
                                    "fier_2024-11.csv = maps/never.map\n", err, sizeof err);
    cr_assert_not_null(t, "%s", err);
    cr_assert_eq(lnob_mis_sources_count(t), 3);
    cr_expect_str_eq(lnob_mis_sources_map_for(t, "/drop/fier_2024-11.csv"), "/etc/lnob/maps/fier.map",
                     "the first match, relative to the table's folder");
    cr_expect_str_eq(lnob_mis_sources_map_for(t, "shkoder_2024-11.csv"), "/srv/maps/monthly.map");
    cr_expect_str_eq(lnob_mis_sources_map_for(t, "FIER_2024-12.CSV"), "/etc/lnob/maps/fier.map", "any case");
    cr_expect_null(lnob_mis_sources_map_for(t, "/drop/puke.csv"));
    cr_expect_null(lnob_mis_sources_map_for(t, "/drop/fier_2024-11.csv/x"), "the base name is matched");
    lnob_mis_sources_destroy(&t);
    cr_assert_null(t);
    cr_expect_null(lnob_mis_sources_map_for(NULL, "a.csv"), "no table");
}

Test(mis_sources, a_bad_line_is_refused_with_its_number)
{
    char err[256] = "";
    cr_assert_null(s_parse("a.csv = a.map\nno equals sign here\n", err, sizeof err));
    cr_expect(strstr(err, "sources.txt line 2"), "%s", err);
    cr_assert_null(s_parse(" = a.map\n", err, sizeof err));
    cr_assert_null(s_parse("a.csv = \n", err, sizeof err));
}

Test(mis_sources, every_mapping_file_is_read_and_checked)
{
    char dir[] = "/tmp/lnob-sources-XXXXXX", path[300], err[256] = "";
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/good.map", dir);
    FILE *f = fopen(path, "w");
    fputs("Kodi = personal_number\n[source]\nkind = register\n", f);
    fclose(f);
    lnob_mis_sources_t *t = lnob_mis_sources_parse("t", dir, "a*.csv = good.map\n", 18, err, sizeof err);
    cr_assert_eq(lnob_mis_sources_check(t, err, sizeof err), 0, "%s", err);
    lnob_mis_sources_destroy(&t);
    t = lnob_mis_sources_parse("t", dir, "a*.csv = missing.map\n", 21, err, sizeof err);
    cr_assert_eq(lnob_mis_sources_check(t, err, sizeof err), -1);
    cr_expect(strstr(err, "missing.map") && strstr(err, "cannot read"), "%s", err);
    lnob_mis_sources_destroy(&t);
    snprintf(path, sizeof path, "%s/bad.map", dir);
    f = fopen(path, "w");
    fputs("[service]\nKNSH = NOT_A_SERVICE\n", f);
    fclose(f);
    t = lnob_mis_sources_parse("t", dir, "a*.csv = bad.map\n", 17, err, sizeof err);
    cr_assert_eq(lnob_mis_sources_check(t, err, sizeof err), -1);
    cr_expect(strstr(err, "bad.map") && strstr(err, "line 2"), "%s", err);
    lnob_mis_sources_destroy(&t);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    cr_assert_eq(system(path), 0);
}
