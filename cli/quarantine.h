/* quarantine.h - `lnob quarantine`: find, read and replay rejected rows.
 *
 * For the engineer whose extract came back with quarantined rows:
 *   list            every extract Redis holds, newest first, with its row counts;
 *   show EXTRACT    its rejected rows: line, reason, field, detail, raw row;
 *   replay EXTRACT  those raw rows, in line order, under the extract's header
 *                   row, as a CSV to correct and feed back to `lnob run --silc`
 *                   (for an extract joined from the UDB files, as its D, H, R
 *                   and P files: replay.h).
 * It only reads Redis (the schema is docs/redis-keys.md, written by the
 * sink) and reads each quarantine stream with XRANGE in pages, whatever its
 * entry ids look like. Not for: deleting or editing quarantine entries, or
 * running the pipeline (replay writes files; `lnob run` ingests them). */
#ifndef LNOB_CLI_QUARANTINE_H
#define LNOB_CLI_QUARANTINE_H

/* Runs `lnob quarantine SUBCOMMAND ...` with argv[first] the subcommand.
 * Returns the process exit code: 0 done, 1 failed (unknown extract, Redis
 * unreachable, nothing to replay, rows left out of a replay), 2 usage. */
int lnob_cli_quarantine(int argc, char **argv, int first);

#endif
