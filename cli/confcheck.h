/* confcheck.h - `lnob config check FILE`: is a configuration file good for
 * every program of the pipeline?
 *
 * Lists every problem pipeconf.h finds (unknown sections and keys, bad
 * values, missing files and directories, endpoints that do not meet) on
 * stderr, then each program's effective configuration on stdout: every
 * key, its value, and where it came from (default, file, env), secrets
 * starred. Exit 0 when there is no problem, 1 otherwise, 2 for bad usage.
 * Not for: starting anything (lnob run --dry-run checks a run). */
#ifndef LNOB_CLI_CONFCHECK_H
#define LNOB_CLI_CONFCHECK_H

/* Runs `lnob config` with argv[first..argc) (argv[first] is "check").
 * Returns the process exit code. */
int lnob_cli_config(int argc, char **argv, int first);

#endif
