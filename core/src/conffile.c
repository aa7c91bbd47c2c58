/* conffile.c - an INI configuration file read with libinih into entries (lnob/conffile.h). */
#include "lnob/conffile.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"

#define PROBLEM_MAX 512

struct lnob_conffile {
    char *path;
    lnob_conffile_entry_t *entries;
    size_t n, cap;
    char **problems; /* NULL-terminated */
    size_t n_problems, cap_problems;
};

/* What inih's reader callback reads from: a stream, one line at a time. */
typedef struct {
    lnob_conffile_t *file;
    FILE *in;
    char *buf;         /* getline's */
    size_t buf_cap;
    unsigned line;     /* lines read so far: the line inih is on */
} reader_t;

__attribute__((format(printf, 3, 4)))
static void s_problem(lnob_conffile_t *self, unsigned line, const char *fmt, ...)
{
    char msg[PROBLEM_MAX];
    int n = snprintf(msg, sizeof msg, "%s:%u: ", self->path, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t) n, fmt, ap);
    va_end(ap);
    lnob_grow((void **) &self->problems, &self->cap_problems, self->n_problems + 2, sizeof *self->problems);
    self->problems[self->n_problems++] = lnob_strdup(msg);
    self->problems[self->n_problems] = NULL;
}

/* inih's reader: the next line without its leading spaces, so that inih
 * never takes an indented line for the continuation of a value. A line
 * longer than inih's buffer (num) is a problem and reaches inih empty. */
static char *s_read_line(char *str, int num, void *stream)
{
    reader_t *r = stream;
    ssize_t got = getline(&r->buf, &r->buf_cap, r->in);
    if (got < 0)
        return NULL;
    r->line++;
    const char *p = r->buf + strspn(r->buf, " \t");
    size_t len = strlen(p);
    if (len + 1 > (size_t) num) {
        s_problem(r->file, r->line, "line longer than %d characters", num - 2);
        p = "\n";
        len = 1;
    }
    memcpy(str, p, len + 1);
    return str;
}

/* The words of value, split at spaces and tabs; owned, in *n. */
static const char *const *s_words(const char *value, size_t *n)
{
    char **words = NULL;
    size_t cap = 0;
    *n = 0;
    for (const char *p = value + strspn(value, " \t"); *p; p += strspn(p, " \t")) {
        size_t len = strcspn(p, " \t");
        lnob_grow((void **) &words, &cap, *n + 1, sizeof *words);
        words[(*n)++] = lnob_strndup(p, len);
        p += len;
    }
    return (const char *const *) words;
}

/* inih's handler: one key = value line. Never an error to inih, so its
 * return value says only what it could not read. */
static int s_entry(void *user, const char *section, const char *key, const char *value)
{
    reader_t *r = user;
    lnob_conffile_t *self = r->file;
    lnob_grow((void **) &self->entries, &self->cap, self->n + 1, sizeof *self->entries);
    lnob_conffile_entry_t *e = &self->entries[self->n++];
    e->section = lnob_strdup(section);
    e->key = lnob_strdup(key);
    e->value = lnob_strdup(value ? value : "");
    e->words = s_words(e->value, &e->n_words);
    e->line = r->line;
    return 1;
}

static lnob_conffile_t *s_read(const char *name, FILE *in)
{
    lnob_conffile_t *self = lnob_calloc(1, sizeof *self);
    self->path = lnob_strdup(name);
    if (!in)
        return self;
    reader_t r = {.file = self, .in = in};
    int bad = ini_parse_stream(s_read_line, &r, s_entry, &r);
    if (bad > 0)
        s_problem(self, (unsigned) bad, "not a [section] or key = value line");
    free(r.buf);
    return self;
}

lnob_conffile_t *lnob_conffile_load(const char *path, char *err, size_t cap)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    lnob_conffile_t *self = s_read(path, in);
    fclose(in);
    return self;
}

lnob_conffile_t *lnob_conffile_parse(const char *name, const char *text, size_t len)
{
    FILE *in = len ? fmemopen((void *) text, len, "r") : NULL;
    lnob_conffile_t *self = s_read(name, in);
    if (in)
        fclose(in);
    return self;
}

void lnob_conffile_destroy(lnob_conffile_t **self_p)
{
    lnob_conffile_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++) {
        lnob_conffile_entry_t *e = &self->entries[i];
        for (size_t w = 0; w < e->n_words; w++)
            free((char *) e->words[w]);
        free((void *) e->words);
        free((char *) e->section);
        free((char *) e->key);
        free((char *) e->value);
    }
    for (size_t i = 0; i < self->n_problems; i++)
        free(self->problems[i]);
    free(self->problems);
    free(self->entries);
    free(self->path);
    free(self);
    *self_p = NULL;
}

const char *lnob_conffile_path(const lnob_conffile_t *self)
{
    return self->path;
}

size_t lnob_conffile_count(const lnob_conffile_t *self)
{
    return self->n;
}

const lnob_conffile_entry_t *lnob_conffile_entry(const lnob_conffile_t *self, size_t i)
{
    return &self->entries[i];
}

const char *lnob_conffile_problem(const lnob_conffile_t *self, size_t i)
{
    return i < self->n_problems ? self->problems[i] : NULL;
}
