/* mis_map.c - per-source labels for MIS columns and codes (mis_map.h). */
#include "mis_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lnob/geo.h"
#include "lnob/mem.h"
#include "lnob/rc.h"
#include "lines.h"

/* Longest label kept, folded; longer ones are refused. */
#define LABEL_MAX 128

typedef struct {
    lnob_mis_table_t table;
    char key[LABEL_MAX]; /* folded label */
    int value;
} entry_t;

struct lnob_mis_map {
    entry_t *v;
    size_t n, cap;
    lnob_mis_source_t source;
    char errstr[LNOB_ERRSTR_MAX];
};

#define SECTION_SOURCE LNOB_MIS_TABLES /* [source]: settings, not a code table */

static const struct {
    const char *name;
    lnob_mis_table_t table;
} s_sections[] = {
    {"columns", LNOB_MIS_FIELD}, {"service", LNOB_MIS_SERVICE}, {"group", LNOB_MIS_GROUP},
    {"status", LNOB_MIS_STATUS}, {"sex", LNOB_MIS_SEX}, {"source", SECTION_SOURCE},
};

lnob_mis_map_t *lnob_mis_map_new(void)
{
    return lnob_calloc(1, sizeof(lnob_mis_map_t));
}

void lnob_mis_map_destroy(lnob_mis_map_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->v);
    free(*self_p);
    *self_p = NULL;
}

static const entry_t *s_lookup(const lnob_mis_map_t *self, lnob_mis_table_t t, const char *key)
{
    for (size_t i = 0; i < self->n; i++)
        if (self->v[i].table == t && strcmp(self->v[i].key, key) == 0)
            return &self->v[i];
    return NULL;
}

static int s_fail(lnob_mis_map_t *self, const char *name, size_t line, const char *what)
{
    snprintf(self->errstr, sizeof self->errstr, "%s line %zu: %s", name, line, what);
    return LNOB_ERR;
}

/* A "[name]" line: sets *t. */
static int s_section(lnob_mis_map_t *self, const char *name, size_t line, const char *s, size_t n,
                     lnob_mis_table_t *t)
{
    char msg[160];
    const char *inner = s + 1;
    size_t k = n - 2;
    lnob_lines_trim(&inner, &k);
    for (size_t i = 0; i < sizeof s_sections / sizeof s_sections[0]; i++)
        if (strlen(s_sections[i].name) == k && strncasecmp(s_sections[i].name, inner, k) == 0) {
            *t = s_sections[i].table;
            return LNOB_OK;
        }
    snprintf(msg, sizeof msg, "unknown section [%.*s] (sections: columns, service, group, status, sex, source)",
             (int) (k > 40 ? 40 : k), inner);
    return s_fail(self, name, line, msg);
}

/* A "label = CANONICAL" line of table t. */
static int s_entry(lnob_mis_map_t *self, const char *name, size_t line, const char *s, size_t n,
                   lnob_mis_table_t t)
{
    char msg[200], canon[64];
    const char *label, *value;
    size_t nl, nv;
    if (lnob_lines_pair(s, n, 1, &label, &nl, &value, &nv) != 0)
        return s_fail(self, name, line, "expected 'label = canonical name'");
    entry_t e = {.table = t};
    if (nl >= LABEL_MAX || lnob_geo_fold(label, nl, e.key, sizeof e.key) == 0)
        return s_fail(self, name, line, "empty or over-long label");
    snprintf(canon, sizeof canon, "%.*s", (int) (nv < sizeof canon ? nv : sizeof canon - 1), value);
    e.value = nv < sizeof canon ? lnob_mis_value(t, canon) : -1;
    if (e.value < 0) {
        snprintf(msg, sizeof msg, "unknown canonical name '%s' (docs/mis.md lists them)", canon);
        return s_fail(self, name, line, msg);
    }
    const entry_t *old = s_lookup(self, t, e.key);
    if (old && old->value != e.value)
        return s_fail(self, name, line, "this label was already given another meaning");
    if (!old) {
        lnob_grow((void **) &self->v, &self->cap, self->n + 1, sizeof *self->v);
        self->v[self->n++] = e;
    }
    return LNOB_OK;
}

/* The delimiter a [source] value names; 0 when none. */
static char s_delimiter(const char *v)
{
    if (!strcasecmp(v, "comma") || !strcmp(v, ","))
        return ',';
    if (!strcasecmp(v, "semicolon") || !strcmp(v, ";"))
        return ';';
    return !strcasecmp(v, "tab") || !strcmp(v, "\\t") ? '\t' : 0;
}

/* A "setting = value" line of [source]. */
static int s_source(lnob_mis_map_t *self, const char *name, size_t line, const char *s, size_t n)
{
    const char *k, *v;
    size_t nk, nv;
    if (lnob_lines_pair(s, n, 0, &k, &nk, &v, &nv) != 0)
        return s_fail(self, name, line, "expected 'setting = value'");
    char key[32], value[128];
    snprintf(key, sizeof key, "%.*s", (int) (nk < sizeof key ? nk : sizeof key - 1), k);
    snprintf(value, sizeof value, "%.*s", (int) (nv < sizeof value ? nv : sizeof value - 1), v);
    lnob_mis_source_t *src = &self->source;
    if (!strcasecmp(key, "encoding") && lnob_recode_encoding_parse(value, &src->encoding) == 0)
        return LNOB_OK;
    if (!strcasecmp(key, "delimiter") && (src->delimiter = s_delimiter(value)) != 0)
        return LNOB_OK;
    if (!strcasecmp(key, "municipality") && *value)
        return snprintf(src->municipality, sizeof src->municipality, "%s", value), LNOB_OK;
    if (!strcasecmp(key, "service") && lnob_mis_value(LNOB_MIS_SERVICE, value) >= 0)
        return snprintf(src->service, sizeof src->service, "%.63s", value), LNOB_OK;
    if (!strcasecmp(key, "kind") && (!strcasecmp(value, "register") || !strcasecmp(value, "services")))
        return src->needs_register = !strcasecmp(value, "register") ? 1 : -1, LNOB_OK;
    return s_fail(self, name, line, "[source] takes encoding, delimiter, municipality, service or kind "
                                    "(a known encoding, delimiter or service code; kind register or "
                                    "services)");
}

const lnob_mis_source_t *lnob_mis_map_source(const lnob_mis_map_t *self) { return &self->source; }

lnob_mis_map_t *lnob_mis_map_load(const char *path, char *err, size_t cap)
{
    size_t len;
    char *text = lnob_lines_load(path, &len, err, cap);
    lnob_mis_map_t *m = text ? lnob_mis_map_new() : NULL;
    if (m && lnob_mis_map_parse(m, path, text, len) != 0) {
        snprintf(err, cap, "%s", lnob_mis_map_errstr(m));
        lnob_mis_map_destroy(&m);
    }
    free(text);
    return m;
}

int lnob_mis_map_parse(lnob_mis_map_t *self, const char *name, const char *text, size_t len)
{
    lnob_mis_table_t t = LNOB_MIS_FIELD;
    lnob_lines_t it;
    const char *l;
    size_t n;
    lnob_lines_init(&it, text, len);
    while (lnob_lines_next(&it, &l, &n)) {
        size_t line = it.line;
        int rc = l[0] == '[' && l[n - 1] == ']' ? s_section(self, name, line, l, n, &t)
                 : t == SECTION_SOURCE            ? s_source(self, name, line, l, n)
                                                  : s_entry(self, name, line, l, n, t);
        if (rc != LNOB_OK)
            return rc;
    }
    return LNOB_OK;
}

const char *lnob_mis_map_errstr(const lnob_mis_map_t *self) { return self->errstr; }
size_t lnob_mis_map_count(const lnob_mis_map_t *self) { return self->n; }

int lnob_mis_map_find(const lnob_mis_map_t *self, lnob_mis_table_t t, const char *text, size_t len)
{
    char key[LABEL_MAX];
    if (self && self->n && len < LABEL_MAX && lnob_geo_fold(text, len, key, sizeof key) > 0) {
        const entry_t *e = s_lookup(self, t, key);
        if (e)
            return e->value;
    }
    return lnob_mis_find(t, text, len);
}
