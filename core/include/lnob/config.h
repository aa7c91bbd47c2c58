/* lnob/config.h - options declared as tables, validated once at start-up.
 *
 * Each program declares a table of options (name, environment variable,
 * type, default, bounds or choices, help, offset into its config struct).
 * Loading applies, lowest first: the defaults; the configuration file
 * (--config FILE, else LNOB_CONFIG): its [common] section for the keys the
 * program has, then the program's own section; LNOB_* environment
 * variables; command-line flags (--name VALUE or --name=VALUE). It fails on
 * an unknown flag or key of the program's section, a missing value, an
 * out-of-range number, a value outside the choices, or a LNOB_OPT_FILE or
 * LNOB_OPT_DIR that does not exist: a typo is an error, never a silent
 * default. Problems in the file name file, line, section and key. --help
 * prints the table; --version prints the version; --config FILE is implicit
 * in every table. The values of a file read here stay for the life of the
 * process, like argv and the environment, which the config also borrows.
 * Not for: INI syntax (lnob/conffile.h); which programs share a file and
 * how their endpoints meet (cli/pipeconf.h). */
#ifndef LNOB_CONFIG_H
#define LNOB_CONFIG_H
#include <stddef.h>

#include "lnob/conffile.h"
#include "lnob/log.h"
#include "lnob/rc.h"

typedef enum {
    LNOB_OPT_STR,  /* const char *; choices optional ("a|b|c") */
    LNOB_OPT_INT,  /* long, within [min, max] */
    LNOB_OPT_FLAG, /* int 0/1; a flag takes no value (env, file: 0/1/true/false/yes/no) */
    LNOB_OPT_LIST, /* lnob_strlist_t; every following non-flag word is added (file: words) */
    LNOB_OPT_FILE, /* const char *: a path that must name a readable file */
    LNOB_OPT_DIR   /* const char *: a path that must name a directory */
} lnob_opt_type;

/* Where an option's value came from, lowest precedence first. */
typedef enum {
    LNOB_SRC_NONE = 0, /* no default, not given */
    LNOB_SRC_DEFAULT,
    LNOB_SRC_FILE,
    LNOB_SRC_ENV,
    LNOB_SRC_FLAG
} lnob_opt_src;

#define LNOB_STRLIST_MAX 1024
#define LNOB_OPTS_MAX 64 /* options in one table, at most */
/* Room at the end of a stage's config struct for its source kinds' own
 * options, each kind's struct in a part of its own (sources/registry.h). */
#define LNOB_CONFIG_PARTS_BYTES 65536
#define LNOB_CONFIG_PART_ALIGN 16
/* The flag and environment variable that name the configuration file. */
#define LNOB_CONFIG_FLAG "config"
#define LNOB_CONFIG_ENV "LNOB_CONFIG"
/* The section every program reads (for the keys it has). */
#define LNOB_CONFIG_COMMON "common"

/* Values of a LNOB_OPT_LIST option; items borrowed from argv, env or file. */
typedef struct {
    const char *items[LNOB_STRLIST_MAX]; /* the values */
    size_t n;              /* how many */
} lnob_strlist_t;

typedef struct {
    const char *name;    /* flag name without "--"; the key in a file */
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

/* The options every worker has (lnob-ingest, lnob-transform, lnob-sink),
 * for a config struct type with the fields log_level, log_format,
 * instance, heartbeat and heartbeat_ms: table entries, to put in its table. */
#define LNOB_WORKER_OPTS(type)                                                                      \
    {"log-level", "LNOB_LOG_LEVEL", LNOB_OPT_STR, "info", 0, 0, "error|warn|info|debug",             \
     offsetof(type, log_level), "log verbosity"},                                                   \
    {"log-format", "LNOB_LOG_FORMAT", LNOB_OPT_STR, "text", 0, 0, LNOB_LOG_FORMATS,                  \
     offsetof(type, log_format), "log lines as text, or one JSON object per line"},                 \
    {"instance", "LNOB_INSTANCE", LNOB_OPT_STR, "", 0, 0, NULL, offsetof(type, instance),           \
     "instance name shown in log lines"},                                                           \
    {"heartbeat", "LNOB_HEARTBEAT", LNOB_OPT_STR, "none", 0, 0, NULL, offsetof(type, heartbeat),    \
     "where the main loop says it is alive (lnob run's endpoint; none: nowhere)"},                  \
    {"heartbeat-ms", "LNOB_HEARTBEAT_MS", LNOB_OPT_INT, "1000", 10, 60000, NULL,                    \
     offsetof(type, heartbeat_ms), "how often the main loop says it is alive"}

/* A program as its configuration knows it. */
typedef struct {
    const char *prog;            /* "lnob-ingest": messages, --version */
    const char *section;         /* its own section in the file, or NULL: [common] only */
    const lnob_opt_t *table;
    size_t cfg_size;             /* sizeof its config struct */
} lnob_config_prog_t;

/* Where each option's value came from, in table order. */
typedef struct {
    lnob_opt_src src[LNOB_OPTS_MAX];
    unsigned line[LNOB_OPTS_MAX]; /* LNOB_SRC_FILE: the line */
    const char *section[LNOB_OPTS_MAX]; /* LNOB_SRC_FILE: the section (borrowed from the file) */
    const char *file;             /* the configuration file read, or NULL */
} lnob_config_origin_t;

/* Told each problem as a line of text, borrowed for the call. */
typedef void lnob_config_problem_fn(void *arg, const char *problem);

typedef struct {
    int argc;
    char **argv;
    int first;                       /* flags are argv[first..argc) */
    const char *usage;               /* the first line of --help */
    lnob_conffile_t *file;           /* a file read by the caller (kept by it while the
                                        values are used), or NULL: --config, LNOB_CONFIG */
    int no_env;                      /* ignore the environment (LNOB_CONFIG too) */
    lnob_config_problem_fn *problem; /* told every problem; NULL: stop at the first */
    void *problem_arg;
    lnob_config_origin_t *origin;    /* filled when not NULL */
} lnob_config_args_t;

/* Fills cfg (p->cfg_size bytes, zeroed by the caller) for program p.
 * Returns LNOB_OK; LNOB_CLOSED when --help or --version was printed (exit
 * 0); or LNOB_ERR with the first problem in err (with a problem callback,
 * every problem was told). */
int lnob_config_load(const lnob_config_prog_t *p, void *cfg, const lnob_config_args_t *a,
                     char *err, size_t cap);

/* lnob_config_load of a program without a section of its own ([common]
 * only) and without its origins. usage is the first line of --help. */
int lnob_config_parse(const lnob_opt_t *table, void *cfg, int argc, char **argv, int first,
                      const char *prog, const char *usage, char *err, size_t cap);

/* The value of --name in argv[first..argc) as given, else of env (unless
 * NULL), else NULL: for the option that decides which section to read
 * (lnob-transform's --role) before loading. */
const char *lnob_config_peek(int argc, char **argv, int first, const char *name, const char *env);

/* Copies table's rows into out after its first n, each offset moved by
 * shift (a part of the config struct: a source kind's own options), and
 * ends out after them. Returns the rows now in out; aborts when they do
 * not fit in cap rows with the end row (tables are fixed at build time). */
size_t lnob_config_append(lnob_opt_t *out, size_t n, size_t cap, const lnob_opt_t *table, size_t shift);
/* The index of name in table, or -1. */
int lnob_config_find(const lnob_opt_t *table, const char *name);
/* Writes option i of cfg as text into out: "" when unset, list items
 * joined by spaces, "***" for a secret (a name holding "password"; a
 * password in a Redis URL is starred, lnob/redis.h). Returns out. */
const char *lnob_config_value(const lnob_opt_t *table, const void *cfg, int i, char *out, size_t cap);
/* Writes where option i came from: "default", "file FILE:LINE [section]",
 * "env NAME", "flag --name", or "unset". Returns out. */
const char *lnob_config_where(const lnob_opt_t *table, const lnob_config_origin_t *origin, int i,
                              char *out, size_t cap);

#endif
