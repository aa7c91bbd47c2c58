/* config.c - declarative option tables: defaults, env, flags (lnob/config.h). */
#include "lnob/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/version.h"

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

static int s_set(const lnob_opt_t *o, void *cfg, const char *value, const char *from, char *err,
                 size_t cap)
{
    char *field = (char *) cfg + o->offset;
    switch (o->type) {
    case LNOB_OPT_STR:
        if (o->choices && !s_in_choices(o->choices, value)) {
            snprintf(err, cap, "%s: '%s' is not one of %s", from, value, o->choices);
            return LNOB_ERR;
        }
        *(const char **) field = value;
        return LNOB_OK;
    case LNOB_OPT_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < o->min || v > o->max) {
            snprintf(err, cap, "%s: '%s' is not a whole number in [%ld, %ld]", from, value,
                     o->min, o->max);
            return LNOB_ERR;
        }
        *(long *) field = v;
        return LNOB_OK;
    }
    case LNOB_OPT_FLAG:
        if (!strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes"))
            *(int *) field = 1;
        else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no"))
            *(int *) field = 0;
        else {
            snprintf(err, cap, "%s: '%s' is not 0/1/true/false", from, value);
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

static void s_help(const lnob_opt_t *table, const char *usage)
{
    printf("%s\n\nOptions (flag, environment variable, default):\n", usage);
    for (const lnob_opt_t *o = table; o->name; o++) {
        const char *arg = o->type == LNOB_OPT_FLAG ? "" : o->type == LNOB_OPT_LIST ? " VALUE..." : " VALUE";
        printf("  --%s%s\n      %s", o->name, arg, o->help);
        if (o->choices)
            printf(" [%s]", o->choices);
        if (o->type == LNOB_OPT_INT)
            printf(" [%ld..%ld]", o->min, o->max);
        printf("\n      env %s, default %s\n", o->env ? o->env : "-", o->def ? o->def : "-");
    }
    printf("  --help     this text\n  --version  print the version\n");
}

static int s_defaults_and_env(const lnob_opt_t *table, void *cfg, char *err, size_t cap)
{
    for (const lnob_opt_t *o = table; o->name; o++) {
        char from[128];
        if (o->def && o->type != LNOB_OPT_LIST) {
            snprintf(from, sizeof from, "default of --%s", o->name);
            if (s_set(o, cfg, o->def, from, err, cap) != LNOB_OK)
                return LNOB_ERR;
        }
        const char *env = o->env ? getenv(o->env) : NULL;
        if (env && *env) {
            snprintf(from, sizeof from, "%s", o->env);
            if (o->type == LNOB_OPT_LIST)
                ((lnob_strlist_t *) ((char *) cfg + o->offset))->n = 0;
            if (s_set(o, cfg, env, from, err, cap) != LNOB_OK)
                return LNOB_ERR;
        }
    }
    return LNOB_OK;
}

static const lnob_opt_t *s_find(const lnob_opt_t *table, const char *name, size_t len)
{
    for (const lnob_opt_t *o = table; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

int lnob_config_parse(const lnob_opt_t *table, void *cfg, int argc, char **argv, int first,
                      const char *prog, const char *usage, char *err, size_t cap)
{
    if (s_defaults_and_env(table, cfg, err, cap) != LNOB_OK)
        return LNOB_ERR;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            s_help(table, usage);
            return LNOB_CLOSED;
        }
        if (!strcmp(a, "--version")) {
            printf("%s %s\n", prog, LNOB_VERSION);
            return LNOB_CLOSED;
        }
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, cap, "unexpected argument '%s' (see --help)", a);
            return LNOB_ERR;
        }
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t) (eq - a - 2) : strlen(a + 2);
        const lnob_opt_t *o = s_find(table, a + 2, len);
        if (!o) {
            snprintf(err, cap, "unknown option '%s' (see --help)", a);
            return LNOB_ERR;
        }
        char from[128];
        snprintf(from, sizeof from, "--%s", o->name);
        if (o->type == LNOB_OPT_FLAG && !eq) {
            *(int *) ((char *) cfg + o->offset) = 1;
            continue;
        }
        if (o->type == LNOB_OPT_LIST) {
            lnob_strlist_t *list = (lnob_strlist_t *) ((char *) cfg + o->offset);
            list->n = 0;
            if (eq && s_set(o, cfg, eq + 1, from, err, cap) != LNOB_OK)
                return LNOB_ERR;
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                if (s_set(o, cfg, argv[++i], from, err, cap) != LNOB_OK)
                    return LNOB_ERR;
            if (list->n == 0) {
                snprintf(err, cap, "%s needs at least one value", from);
                return LNOB_ERR;
            }
            continue;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!value) {
            snprintf(err, cap, "%s needs a value", from);
            return LNOB_ERR;
        }
        if (s_set(o, cfg, value, from, err, cap) != LNOB_OK)
            return LNOB_ERR;
    }
    return LNOB_OK;
}
