/* lines.c - the lines of a small settings text (lines.h). */
#include "lines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"

#define READ_CHUNK 65536

char *lnob_lines_load(const char *path, size_t *len, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, cap, "%.200s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    size_t size = 0;
    char *text = NULL;
    *len = 0;
    for (size_t n = 1; n > 0;) {
        lnob_grow((void **) &text, &size, *len + READ_CHUNK + 1, 1);
        n = fread(text + *len, 1, READ_CHUNK, f);
        *len += n;
    }
    text[*len] = '\0';
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, cap, "%.200s: cannot read", path);
        free(text);
        return NULL;
    }
    return text;
}

void lnob_lines_init(lnob_lines_t *it, const char *text, size_t len)
{
    it->s = text;
    it->end = text + len;
    it->line = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) /* UTF-8 BOM */
        it->s += 3;
}

int lnob_lines_pair(const char *s, size_t n, int last, const char **key, size_t *nk,
                    const char **value, size_t *nv)
{
    const char *eq = NULL;
    for (size_t i = 0; i < n && !(eq && !last); i++)
        if (s[i] == '=')
            eq = s + i;
    if (!eq)
        return -1;
    *key = s, *nk = (size_t) (eq - s);
    *value = eq + 1, *nv = n - *nk - 1;
    lnob_lines_trim(key, nk);
    lnob_lines_trim(value, nv);
    return 0;
}

void lnob_lines_trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t' || **s == '\r'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

int lnob_lines_next(lnob_lines_t *it, const char **l, size_t *n)
{
    while (it->s < it->end) {
        const char *nl = memchr(it->s, '\n', (size_t) (it->end - it->s));
        *n = nl ? (size_t) (nl - it->s) : (size_t) (it->end - it->s);
        *l = it->s;
        it->s += *n + 1;
        it->line++;
        lnob_lines_trim(l, n);
        if (*n && **l != '#')
            return 1;
    }
    return 0;
}
