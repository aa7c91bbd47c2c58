/* exposition.c - Prometheus text 0.0.4 line check for the tests (exposition.h). */
#include "exposition.h"

#include <criterion/criterion.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define NAME "[a-zA-Z_:][a-zA-Z0-9_:]*"
#define LABEL "[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\""

void lnob_test_assert_exposition(const char *text)
{
    regex_t sample, comment;
    cr_assert_eq(regcomp(&sample, "^" NAME "(\\{" LABEL "(," LABEL ")*\\})? [-+0-9.eE]+$", REG_EXTENDED | REG_NOSUB),
                 0);
    cr_assert_eq(regcomp(&comment, "^# (HELP|TYPE) " NAME " .+$", REG_EXTENDED | REG_NOSUB), 0);
    size_t len = strlen(text);
    cr_assert(len > 0 && text[len - 1] == '\n', "exposition text must end in a newline");
    char *copy = strdup(text), *save = NULL;
    cr_assert_not_null(copy);
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        cr_assert(regexec(line[0] == '#' ? &comment : &sample, line, 0, NULL, 0) == 0, "not 0.0.4: %s", line);
    free(copy);
    regfree(&sample);
    regfree(&comment);
}
