/* export.h - `lnob export`: an extract's published cells, for other systems.
 *
 * Reads one extract from Redis (docs/redis-keys.md) and writes its cells as
 * SDMX-CSV with Eurostat's dataset and dimension codes (sdmx.h), JSON or
 * CSV, to stdout or a file. Cells flagged SUPPRESS stay in Redis for
 * INSTAT's own use and are left out of every export. Not for: running the
 * pipeline (`lnob run`) or the quarantine (`lnob quarantine`). */
#ifndef LNOB_CLI_EXPORT_H
#define LNOB_CLI_EXPORT_H

/* Runs `lnob export ...` with argv[first] its first option. Returns the exit
 * code: 0 written, 1 failed (unknown or failed extract, Redis unreachable,
 * write error), 2 usage. */
int lnob_cli_export(int argc, char **argv, int first);

#endif
