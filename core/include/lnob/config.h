/* lnob/config.h - options declared as tables, validated once at start-up.
 *
 * Each program declares a table of options (name, environment variable,
 * type, default, bounds or choices, help, offset into its config struct).
 * lnob_config_parse() applies defaults, then LNOB_* environment variables,
 * then command-line flags (--name VALUE or --name=VALUE), and fails on an
 * unknown flag, a missing value, an out-of-range number or a value outside
 * the choices: a typo is an error, never a silent default. --help prints the
 * table; --version prints the version. Not for: reading config files. */
#ifndef LNOB_CONFIG_H
#define LNOB_CONFIG_H
#include <stddef.h>

#include "lnob/rc.h"

typedef enum {
    LNOB_OPT_STR,  /* const char *; choices optional ("a|b|c") */
    LNOB_OPT_INT,  /* long, within [min, max] */
    LNOB_OPT_FLAG, /* int 0/1; a flag takes no value (env: 0/1/true/false) */
    LNOB_OPT_LIST  /* lnob_strlist_t; every following non-flag word is added */
} lnob_opt_type;

#define LNOB_STRLIST_MAX 1024

/* Values of a LNOB_OPT_LIST option; items borrowed from argv or env. */
typedef struct {
    const char *items[LNOB_STRLIST_MAX]; /* the values */
    size_t n;              /* how many */
} lnob_strlist_t;

typedef struct {
    const char *name;    /* flag name without "--" */
    const char *env;     /* environment variable, or NULL */
    lnob_opt_type type;  /* value type */
    const char *def;     /* default as text, or NULL for none */
    long min, max;       /* bounds for LNOB_OPT_INT */
    const char *choices; /* "a|b" for LNOB_OPT_STR, or NULL for any */
    size_t offset;       /* offsetof(config struct, field) */
    const char *help;    /* one line for --help */
} lnob_opt_t;

/* Terminates an option table. */
#define LNOB_OPT_END {NULL, NULL, LNOB_OPT_STR, NULL, 0, 0, NULL, 0, NULL}

/* Fills cfg from table, the environment and argv[first..argc). Returns
 * LNOB_OK; LNOB_CLOSED when --help or --version was printed (exit 0); or
 * LNOB_ERR with the reason in err. usage is the first line of --help. */
int lnob_config_parse(const lnob_opt_t *table, void *cfg, int argc, char **argv, int first,
                      const char *prog, const char *usage, char *err, size_t cap);

#endif
