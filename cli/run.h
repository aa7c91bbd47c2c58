/* run.h - `lnob run`: the whole pipeline on this machine, then the results.
 *
 * Starts a private redis-server (unix socket in a temp dir) unless a Redis
 * URL is given, the sink, the aggregator, N transformers and the ingester,
 * all joined over ipc:// endpoints in that temp dir; waits until every
 * input file's extract is stored (or failed), prints the results from
 * Redis, stops everything it started and removes the temp dir.
 * Progress goes to stderr, results to stdout. With --config FILE (or
 * LNOB_CONFIG) every program's section of the file is checked before
 * anything starts, and the workers get the file too (pipeconf.h says
 * which of lnob run's values they get). --dry-run checks and prints what
 * would start, and starts nothing. */
#ifndef LNOB_CLI_RUN_H
#define LNOB_CLI_RUN_H
#include "lnob/config.h"

/* lnob run's options: section [run] of the configuration file. */
const lnob_config_prog_t *lnob_run_config(void);

/* Runs `lnob run` with argv[first..argc). Returns the process exit code. */
int lnob_cli_run(int argc, char **argv, int first);

#endif
