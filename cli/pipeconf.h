/* pipeconf.h - one configuration file, every program of the pipeline.
 *
 * Reads a configuration file once and loads from it, with the loader each
 * program uses at start-up (lnob/config.h), the options of lnob-ingest,
 * the transformers ([transform]), the aggregator ([aggregate]), the sink
 * and lnob run, as each would start from it without flags (with the
 * environment unless told not to). Every problem is kept, once: what the
 * programs' loaders find (unknown keys, bad values, missing files and
 * directories, syntax), and what none of them can see alone: a section no
 * program has, a [common] key no program has, and, on request, endpoints
 * that do not meet (for each link of the pipeline: one side binds, the
 * other connects, to the same transport and address). Prints each
 * program's effective configuration, every key with its value and where it
 * came from, secrets starred. For `lnob config check` and `lnob run`.
 * Not for: starting anything. */
#ifndef LNOB_CLI_PIPECONF_H
#define LNOB_CLI_PIPECONF_H
#include <stdio.h>

#include "lnob/config.h"

/* The programs, in pipeline order. */
typedef enum {
    LNOB_PIPE_INGEST,
    LNOB_PIPE_TRANSFORM,
    LNOB_PIPE_AGGREGATE,
    LNOB_PIPE_SINK,
    LNOB_PIPE_RUN,
    LNOB_PIPE_PROGS
} lnob_pipe_prog;

typedef struct lnob_pipeconf lnob_pipeconf_t;

/* Reads path and loads every program from it (and the environment unless
 * no_env). Returns an owned object; a file that cannot be read is its
 * problem. */
lnob_pipeconf_t *lnob_pipeconf_new(const char *path, int no_env);
/* NULL-safe; NULLs *self_p. */
void lnob_pipeconf_destroy(lnob_pipeconf_t **self_p);

/* Adds a problem for every link whose endpoints do not meet. */
void lnob_pipeconf_check_links(lnob_pipeconf_t *self);
/* Problem i, NULL past the last. */
const char *lnob_pipeconf_problem(const lnob_pipeconf_t *self, size_t i);
/* Writes each program's effective configuration to out, as INI with each
 * value's origin in a comment. */
void lnob_pipeconf_print(const lnob_pipeconf_t *self, FILE *out);

/* The file read (NULL when it could not be), borrowed: lnob run loads its
 * own options from it, so its values live as long as self. */
lnob_conffile_t *lnob_pipeconf_file(const lnob_pipeconf_t *self);
/* Where program prog's option name came from (LNOB_SRC_NONE when it has
 * none of that name). */
lnob_opt_src lnob_pipeconf_src(const lnob_pipeconf_t *self, lnob_pipe_prog prog, const char *name);
/* Whether lnob run passes its value of option name (run_origin: where its
 * own values came from) on to program prog: when lnob run was told it (a
 * flag, the environment, its [run] section) or when prog's own value would
 * be a default. So a worker's section, or [common], holds against lnob
 * run's defaults. Always 1 when self is NULL (no file). */
int lnob_pipeconf_forward(const lnob_pipeconf_t *self, const lnob_config_origin_t *run_origin,
                          lnob_pipe_prog prog, const char *name);

#endif
