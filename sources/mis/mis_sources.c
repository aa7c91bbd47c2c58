/* mis_sources.c - the MIS sources table (mis_sources.h). */
#define _GNU_SOURCE /* FNM_CASEFOLD: exports arrive as FIER_2024.CSV too */
#include "mis_sources.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"
#include "lnob/rc.h"
#include "lines.h"
#include "mis_map.h"

#define PATH_MAX_LEN 4096

typedef struct {
    char *pattern, *map; /* owned; map is the path the table resolved */
} row_t;

struct lnob_mis_sources {
    row_t *v;
    size_t n, cap;
};

/* One "pattern = mapping file" line; 0, or -1 with err. */
static int s_line(lnob_mis_sources_t *self, const char *dir, const char *l, size_t n, const char *name,
                  size_t line, char *err, size_t cap)
{
    const char *p, *m;
    size_t np = 0, nm = 0;
    if (lnob_lines_pair(l, n, 0, &p, &np, &m, &nm) != 0 || !np || !nm) {
        snprintf(err, cap, "%.200s line %zu: expected 'export file pattern = mapping file'", name, line);
        return -1;
    }
    char path[PATH_MAX_LEN];
    if (*m == '/' || !*dir)
        snprintf(path, sizeof path, "%.*s", (int) nm, m);
    else
        snprintf(path, sizeof path, "%s/%.*s", dir, (int) nm, m);
    lnob_grow((void **) &self->v, &self->cap, self->n + 1, sizeof *self->v);
    self->v[self->n++] = (row_t){lnob_strndup(p, np), lnob_strdup(path)};
    return 0;
}

lnob_mis_sources_t *lnob_mis_sources_parse(const char *name, const char *dir, const char *text,
                                           size_t len, char *err, size_t cap)
{
    lnob_mis_sources_t *self = lnob_calloc(1, sizeof *self);
    lnob_lines_t it;
    const char *l;
    size_t n;
    lnob_lines_init(&it, text, len);
    while (lnob_lines_next(&it, &l, &n)) {
        if (s_line(self, dir, l, n, name, it.line, err, cap) != 0) {
            lnob_mis_sources_destroy(&self);
            return NULL;
        }
    }
    return self;
}

int lnob_mis_sources_check(const lnob_mis_sources_t *self, char *err, size_t cap)
{
    for (size_t i = 0; i < self->n; i++) {
        lnob_mis_map_t *m = lnob_mis_map_load(self->v[i].map, err, cap);
        if (!m)
            return -1;
        lnob_mis_map_destroy(&m);
    }
    return 0;
}

lnob_mis_sources_t *lnob_mis_sources_load(const char *path, char *err, size_t cap)
{
    size_t len;
    char *text = lnob_lines_load(path, &len, err, cap), dir[PATH_MAX_LEN];
    if (!text)
        return NULL;
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int) (slash - path) : 0, path);
    lnob_mis_sources_t *t = lnob_mis_sources_parse(path, dir, text, len, err, cap);
    free(text);
    if (t && lnob_mis_sources_check(t, err, cap) != 0)
        lnob_mis_sources_destroy(&t);
    return t;
}

void lnob_mis_sources_destroy(lnob_mis_sources_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_mis_sources_t *self = *self_p;
    for (size_t i = 0; i < self->n; i++) {
        free(self->v[i].pattern);
        free(self->v[i].map);
    }
    free(self->v);
    free(self);
    *self_p = NULL;
}

const char *lnob_mis_sources_map_for(const lnob_mis_sources_t *self, const char *path)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    for (size_t i = 0; self && i < self->n; i++)
        if (fnmatch(self->v[i].pattern, base, FNM_CASEFOLD) == 0)
            return self->v[i].map;
    return NULL;
}

size_t lnob_mis_sources_count(const lnob_mis_sources_t *self) { return self ? self->n : 0; }
