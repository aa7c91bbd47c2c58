/* lnob/runid.h - run ids that nobody can guess.
 *
 * A run id tags every message of an ingester session and names its Redis
 * hash (lnob:run:<id>); it carries 128 random bits (libsodium), so that a
 * peer cannot guess another session's id to forge its confirmations or
 * read its hash. Not for: extract ids (content checksums, ingest/). */
#ifndef LNOB_RUNID_H
#define LNOB_RUNID_H
#include <stddef.h>

#define LNOB_RUN_ID_MAX 40 /* "run-" + 32 hex digits + NUL */

/* Writes "run-<32 hex digits>" to out (cap >= LNOB_RUN_ID_MAX). Returns 0,
 * or -1 when libsodium cannot start. */
int lnob_run_id_new(char *out, size_t cap);

#endif
