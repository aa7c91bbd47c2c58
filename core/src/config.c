/* config.c - declarative option tables: defaults, file, env, flags (lnob/config.h). */
#include "lnob/config.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnob/mem.h"
#include "lnob/redis.h"
#include "lnob/version.h"

#define FROM_MAX 512   /* "FILE:LINE: [section] key" */
#define PROBLEM_MAX 1024
#define SECRET_WORD "password"
#define REDIS_SCHEME "redis"

/* The order values are applied in: a list is started again by each. */
enum { PASS_DEFAULT = 1, PASS_COMMON, PASS_SECTION, PASS_ENV, PASS_FLAG };

/* ---- one value -------------------------------------------------------------- */

static int s_in_choices(const char *choices, const char *value)
{
    size_t n = strlen(value);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t) (bar - p) : strlen(p);
        if (len == n && strncmp(p, value, n) == 0)
            return 1;
        p += len + (bar ? 1 : 0);
    }
    return 0;
}

static int s_secret(const lnob_opt_t *o)
{
    return strstr(o->name, SECRET_WORD) != NULL;
}

static int s_set_int(const lnob_opt_t *o, long *field, const char *value, const char *shown,
                     const char *from, char *err, size_t cap)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < o->min || v > o->max) {
        snprintf(err, cap, "%s: '%s' is not a whole number in [%ld, %ld]", from, shown, o->min, o->max);
        return LNOB_ERR;
    }
    *field = v;
    return LNOB_OK;
}

static int s_set(const lnob_opt_t *o, void *cfg, const char *value, const char *from, char *err,
                 size_t cap)
{
    char *field = (char *) cfg + o->offset;
    const char *shown = s_secret(o) ? "***" : value; /* a secret is never echoed */
    switch (o->type) {
    case LNOB_OPT_STR:
    case LNOB_OPT_FILE:
    case LNOB_OPT_DIR:
        if (o->choices && !s_in_choices(o->choices, value)) {
            snprintf(err, cap, "%s: '%s' is not one of %s", from, shown, o->choices);
            return LNOB_ERR;
        }
        *(const char **) field = value;
        return LNOB_OK;
    case LNOB_OPT_INT:
        return s_set_int(o, (long *) field, value, shown, from, err, cap);
    case LNOB_OPT_FLAG:
        if (!strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes"))
            *(int *) field = 1;
        else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no"))
            *(int *) field = 0;
        else {
            snprintf(err, cap, "%s: '%s' is not 0/1/true/false", from, shown);
            return LNOB_ERR;
        }
        return LNOB_OK;
    case LNOB_OPT_LIST: {
        lnob_strlist_t *list = (lnob_strlist_t *) field;
        if (list->n >= sizeof list->items / sizeof list->items[0]) {
            snprintf(err, cap, "%s: too many values", from);
            return LNOB_ERR;
        }
        list->items[list->n++] = value;
        return LNOB_OK;
    }
    }
    return LNOB_ERR;
}

/* ---- a load: its problems and the origin of each value ------------------------ */

typedef struct {
    const lnob_config_prog_t *p;
    void *cfg;
    const lnob_config_args_t *a;
    lnob_config_origin_t origin;
    int pass[LNOB_OPTS_MAX];            /* PASS_* that set it last */
    char *err;
    size_t cap;
    size_t n_problems;
} load_t;

/* 1 when the load must stop: a problem and nobody to tell the rest to. */
static int s_stop(const load_t *l)
{
    return l->n_problems && !l->a->problem;
}

static void s_told(load_t *l, const char *msg)
{
    if (!l->n_problems++)
        snprintf(l->err, l->cap, "%s", msg);
    if (l->a->problem)
        l->a->problem(l->a->problem_arg, msg);
}

__attribute__((format(printf, 2, 3)))
static void s_problem(load_t *l, const char *fmt, ...)
{
    char msg[PROBLEM_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s_told(l, msg);
}

/* Sets option i from one source; a problem when the value is bad.
 * Returns 1 when set. */
static int s_apply(load_t *l, int i, const char *value, int pass, const char *from)
{
    const lnob_opt_t *o = &l->p->table[i];
    if (o->type == LNOB_OPT_LIST && l->pass[i] != pass) /* each source gives the whole list */
        ((lnob_strlist_t *) ((char *) l->cfg + o->offset))->n = 0;
    char msg[PROBLEM_MAX];
    if (s_set(o, l->cfg, value, from, msg, sizeof msg) != LNOB_OK) {
        s_told(l, msg);
        return 0;
    }
    l->pass[i] = pass;
    l->origin.src[i] = pass == PASS_DEFAULT ? LNOB_SRC_DEFAULT
                       : pass == PASS_ENV   ? LNOB_SRC_ENV
                       : pass == PASS_FLAG  ? LNOB_SRC_FLAG
                                            : LNOB_SRC_FILE;
    return 1;
}

/* ---- defaults ------------------------------------------------------------------ */

static void s_defaults(load_t *l)
{
    for (int i = 0; l->p->table[i].name; i++)
        if (l->p->table[i].def && l->p->table[i].type != LNOB_OPT_LIST)
            s_apply(l, i, l->p->table[i].def, PASS_DEFAULT, l->p->table[i].name);
}

/* ---- the file ------------------------------------------------------------------ */

/* Files read here, kept for the life of the process (lnob/config.h). */
typedef struct kept {
    lnob_conffile_t *file;
    struct kept *next;
} kept_t;
static kept_t *s_kept;
static pthread_mutex_t s_kept_lock = PTHREAD_MUTEX_INITIALIZER;

static lnob_conffile_t *s_keep(lnob_conffile_t *file)
{
    kept_t *k = lnob_calloc(1, sizeof *k);
    k->file = file;
    pthread_mutex_lock(&s_kept_lock);
    k->next = s_kept;
    s_kept = k;
    pthread_mutex_unlock(&s_kept_lock);
    return file;
}

/* The file the caller gave, or the one --config or LNOB_CONFIG names (read
 * and kept), or NULL. */
static lnob_conffile_t *s_file_of(load_t *l)
{
    const lnob_config_args_t *a = l->a;
    if (a->file)
        return a->file;
    const char *path = lnob_config_peek(a->argc, a->argv, a->first, LNOB_CONFIG_FLAG,
                                        a->no_env ? NULL : LNOB_CONFIG_ENV);
    if (!path || !*path)
        return NULL;
    char err[PROBLEM_MAX];
    lnob_conffile_t *f = lnob_conffile_load(path, err, sizeof err);
    if (!f)
        s_problem(l, "configuration file %s", err);
    return f ? s_keep(f) : NULL;
}

/* Applies the entries of one section: a key twice in it is a problem
 * (a list's words add up). */
static void s_section(load_t *l, const lnob_conffile_t *f, const char *section, int pass)
{
    int common = pass == PASS_COMMON;
    for (size_t k = 0; k < lnob_conffile_count(f) && !s_stop(l); k++) {
        const lnob_conffile_entry_t *e = lnob_conffile_entry(f, k);
        if (strcmp(e->section, section) != 0)
            continue;
        char from[FROM_MAX];
        snprintf(from, sizeof from, "%s:%u: [%s] %s", lnob_conffile_path(f), e->line, e->section, e->key);
        int i = lnob_config_find(l->p->table, e->key);
        if (i < 0) {
            if (!common) /* [common] serves every program: each takes the keys it has */
                s_problem(l, "%s: unknown key (%s --help lists the keys)", from, l->p->prog);
            continue;
        }
        const lnob_opt_t *o = &l->p->table[i];
        if (l->pass[i] == pass && o->type != LNOB_OPT_LIST) {
            s_problem(l, "%s: given twice (first on line %u)", from, l->origin.line[i]);
            continue;
        }
        int set = o->type != LNOB_OPT_LIST && s_apply(l, i, e->value, pass, from);
        for (size_t w = 0; o->type == LNOB_OPT_LIST && w < e->n_words; w++)
            set = s_apply(l, i, e->words[w], pass, from);
        if (set) {
            l->origin.line[i] = e->line;
            l->origin.section[i] = e->section;
        }
    }
}

static void s_file(load_t *l)
{
    lnob_conffile_t *f = s_file_of(l);
    if (!f)
        return;
    l->origin.file = lnob_conffile_path(f);
    for (size_t k = 0; lnob_conffile_problem(f, k) && !s_stop(l); k++)
        s_problem(l, "%s", lnob_conffile_problem(f, k));
    for (size_t k = 0; k < lnob_conffile_count(f) && !s_stop(l); k++) {
        const lnob_conffile_entry_t *e = lnob_conffile_entry(f, k);
        if (!*e->section)
            s_problem(l, "%s:%u: %s: a key before the first [section]", lnob_conffile_path(f), e->line,
                      e->key);
    }
    s_section(l, f, LNOB_CONFIG_COMMON, PASS_COMMON);
    if (l->p->section)
        s_section(l, f, l->p->section, PASS_SECTION);
}

/* ---- environment and flags ----------------------------------------------------- */

static void s_env(load_t *l)
{
    for (int i = 0; l->p->table[i].name && !l->a->no_env && !s_stop(l); i++) {
        const lnob_opt_t *o = &l->p->table[i];
        const char *env = o->env ? getenv(o->env) : NULL;
        if (env && *env)
            s_apply(l, i, env, PASS_ENV, o->env);
    }
}

/* The flag at argv[*i] and its values; advances *i past them. */
static void s_flag(load_t *l, int *i)
{
    const lnob_config_args_t *a = l->a;
    const char *arg = a->argv[*i], *eq = strchr(arg + 2, '=');
    size_t len = eq ? (size_t) (eq - arg - 2) : strlen(arg + 2);
    if (len == strlen(LNOB_CONFIG_FLAG) && !strncmp(arg + 2, LNOB_CONFIG_FLAG, len)) {
        if (!eq && *i + 1 >= a->argc)
            s_problem(l, "--%s needs a value", LNOB_CONFIG_FLAG);
        *i += !eq && *i + 1 < a->argc; /* read before the rest (s_file) */
        return;
    }
    char name[FROM_MAX];
    snprintf(name, sizeof name, "%.*s", (int) len, arg + 2);
    int o = lnob_config_find(l->p->table, name);
    if (o < 0) {
        s_problem(l, "unknown option '%s' (see --help)", arg);
        return;
    }
    lnob_opt_type type = l->p->table[o].type;
    snprintf(name, sizeof name, "--%s", l->p->table[o].name);
    if (type == LNOB_OPT_FLAG && !eq) {
        s_apply(l, o, "1", PASS_FLAG, name);
        return;
    }
    if (type == LNOB_OPT_LIST) {
        l->pass[o] = 0; /* a list flag given again starts again */
        int before = *i;
        if (eq)
            s_apply(l, o, eq + 1, PASS_FLAG, name);
        while (*i + 1 < a->argc && strncmp(a->argv[*i + 1], "--", 2) != 0)
            s_apply(l, o, a->argv[++*i], PASS_FLAG, name);
        if (!eq && *i == before)
            s_problem(l, "%s needs at least one value", name);
        return;
    }
    const char *value = eq ? eq + 1 : (*i + 1 < a->argc ? a->argv[++*i] : NULL);
    if (!value)
        s_problem(l, "%s needs a value", name);
    else
        s_apply(l, o, value, PASS_FLAG, name);
}

static void s_flags(load_t *l)
{
    const lnob_config_args_t *a = l->a;
    for (int i = a->first; i < a->argc && !s_stop(l); i++) {
        if (strncmp(a->argv[i], "--", 2) != 0)
            s_problem(l, "unexpected argument '%s' (see --help)", a->argv[i]);
        else
            s_flag(l, &i);
    }
}

/* ---- checks after every source ------------------------------------------------- */

/* Where option i's value came from, as problems name it: "FILE:LINE:
 * [section] key", the variable, "--name" or "default of --name". */
static const char *s_from(const load_t *l, int i, char *out, size_t cap)
{
    const lnob_opt_t *o = &l->p->table[i];
    switch (l->origin.src[i]) {
    case LNOB_SRC_FILE:
        snprintf(out, cap, "%s:%u: [%s] %s", l->origin.file, l->origin.line[i], l->origin.section[i], o->name);
        break;
    case LNOB_SRC_ENV: snprintf(out, cap, "%s", o->env); break;
    case LNOB_SRC_FLAG: snprintf(out, cap, "--%s", o->name); break;
    default: snprintf(out, cap, "default of --%s", o->name); break;
    }
    return out;
}

/* A file or directory option names something that is there. */
static void s_paths(load_t *l)
{
    for (int i = 0; l->p->table[i].name && !s_stop(l); i++) {
        const lnob_opt_t *o = &l->p->table[i];
        if (o->type != LNOB_OPT_FILE && o->type != LNOB_OPT_DIR)
            continue;
        const char *path = *(const char **) ((char *) l->cfg + o->offset);
        if (!path)
            continue;
        struct stat st;
        const char *why = stat(path, &st) != 0               ? strerror(errno)
                          : o->type == LNOB_OPT_DIR           ? (S_ISDIR(st.st_mode) ? NULL : "not a directory")
                          : S_ISDIR(st.st_mode)               ? "a directory, not a file"
                          : access(path, R_OK) != 0           ? strerror(errno)
                                                              : NULL;
        char from[FROM_MAX];
        if (why)
            s_problem(l, "%s: %s: %s", s_from(l, i, from, sizeof from), path, why);
    }
}

/* ---- help and the entry points ------------------------------------------------- */

static void s_help(const lnob_config_prog_t *p, const char *usage)
{
    printf("%s\n\nOptions (flag, environment variable, default):\n", usage);
    for (const lnob_opt_t *o = p->table; o->name; o++) {
        const char *arg = o->type == LNOB_OPT_FLAG   ? ""
                          : o->type == LNOB_OPT_LIST ? " VALUE..."
                          : o->type == LNOB_OPT_FILE ? " FILE"
                          : o->type == LNOB_OPT_DIR  ? " DIR"
                                                     : " VALUE";
        const char *def = o->def;
        printf("  --%s%s\n      %s", o->name, arg, o->help);
        if (o->choices)
            printf(" [%s]", o->choices);
        if (o->type == LNOB_OPT_INT)
            printf(" [%ld..%ld]", o->min, o->max);
        printf("\n      env %s, default %s\n", o->env ? o->env : "-", def ? def : "-");
    }
    printf("  --%s FILE\n      configuration file: [%s]%s%s%s (docs/configuration.md)\n"
           "      env %s\n", LNOB_CONFIG_FLAG, LNOB_CONFIG_COMMON, p->section ? " and [" : "",
           p->section ? p->section : "", p->section ? "]" : "", LNOB_CONFIG_ENV);
    printf("  --help     this text\n  --version  print the version\n");
}

/* --help or --version anywhere: printed, LNOB_CLOSED; else LNOB_OK. */
static int s_info(const lnob_config_prog_t *p, const lnob_config_args_t *a)
{
    for (int i = a->first; i < a->argc; i++) {
        if (!strcmp(a->argv[i], "--help") || !strcmp(a->argv[i], "-h")) {
            s_help(p, a->usage ? a->usage : p->prog);
            return LNOB_CLOSED;
        }
        if (!strcmp(a->argv[i], "--version")) {
            printf("%s %s\n", p->prog, LNOB_VERSION);
            return LNOB_CLOSED;
        }
    }
    return LNOB_OK;
}

int lnob_config_load(const lnob_config_prog_t *p, void *cfg, const lnob_config_args_t *a,
                     char *err, size_t cap)
{
    int n_opts = 0;
    while (p->table[n_opts].name)
        n_opts++;
    assert(n_opts <= LNOB_OPTS_MAX);
    if (s_info(p, a) == LNOB_CLOSED)
        return LNOB_CLOSED;
    load_t *l = lnob_calloc(1, sizeof *l);
    *l = (load_t){.p = p, .cfg = cfg, .a = a, .err = err, .cap = cap};
    void (*const steps[])(load_t *) = {s_defaults, s_file, s_env, s_flags, s_paths};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0] && !s_stop(l); s++)
        steps[s](l);
    if (a->origin)
        *a->origin = l->origin;
    int rc = l->n_problems ? LNOB_ERR : LNOB_OK;
    free(l);
    return rc;
}

int lnob_config_parse(const lnob_opt_t *table, void *cfg, int argc, char **argv, int first,
                      const char *prog, const char *usage, char *err, size_t cap)
{
    const lnob_config_prog_t p = {prog, NULL, table, 0};
    const lnob_config_args_t a = {argc, argv, first, usage, NULL, 0, NULL, NULL, NULL};
    return lnob_config_load(&p, cfg, &a, err, cap);
}

/* ---- lookups -------------------------------------------------------------------- */

const char *lnob_config_peek(int argc, char **argv, int first, const char *name, const char *env)
{
    size_t len = strlen(name);
    const char *found = NULL;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, len) != 0)
            continue;
        if (a[2 + len] == '=')
            found = a + 3 + len;
        else if (!a[2 + len] && i + 1 < argc)
            found = argv[++i];
    }
    if (found)
        return found;
    return env ? getenv(env) : NULL;
}

size_t lnob_config_append(lnob_opt_t *out, size_t n, size_t cap, const lnob_opt_t *table, size_t shift)
{
    for (; table->name; table++, n++) {
        if (n + 1 >= cap) {
            fprintf(stderr, "lnob: an option table has more than %zu options\n", cap - 1);
            abort();
        }
        out[n] = *table;
        out[n].offset += shift;
    }
    out[n] = (lnob_opt_t) LNOB_OPT_END;
    return n;
}

int lnob_config_find(const lnob_opt_t *table, const char *name)
{
    for (int i = 0; table[i].name; i++)
        if (!strcmp(table[i].name, name))
            return i;
    return -1;
}

const char *lnob_config_value(const lnob_opt_t *table, const void *cfg, int i, char *out, size_t cap)
{
    const lnob_opt_t *o = &table[i];
    const char *field = (const char *) cfg + o->offset;
    out[0] = '\0';
    if (o->type == LNOB_OPT_INT)
        snprintf(out, cap, "%ld", *(const long *) field);
    else if (o->type == LNOB_OPT_FLAG)
        snprintf(out, cap, "%d", *(const int *) field);
    else if (o->type == LNOB_OPT_LIST) {
        const lnob_strlist_t *list = (const lnob_strlist_t *) field;
        for (size_t k = 0, n = 0; k < list->n && n < cap; k++)
            n += (size_t) snprintf(out + n, cap - n, "%s%s", k ? " " : "", list->items[k]);
    } else if (*(const char *const *) field) {
        const char *v = *(const char *const *) field;
        if (s_secret(o))
            snprintf(out, cap, "***");
        else if (!strncmp(v, REDIS_SCHEME, strlen(REDIS_SCHEME)))
            lnob_redis_url_safe(v, out, cap); /* its password starred */
        else
            snprintf(out, cap, "%s", v);
    }
    return out;
}

const char *lnob_config_where(const lnob_opt_t *table, const lnob_config_origin_t *origin, int i,
                              char *out, size_t cap)
{
    switch (origin->src[i]) {
    case LNOB_SRC_DEFAULT: snprintf(out, cap, "default"); break;
    case LNOB_SRC_FILE:
        snprintf(out, cap, "file %s:%u [%s]", origin->file, origin->line[i], origin->section[i]);
        break;
    case LNOB_SRC_ENV: snprintf(out, cap, "env %s", table[i].env); break;
    case LNOB_SRC_FLAG: snprintf(out, cap, "flag --%s", table[i].name); break;
    default: snprintf(out, cap, "unset"); break;
    }
    return out;
}
