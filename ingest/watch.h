/* watch.h - the MIS drop folder (lnob-ingest --watch DIR).
 *
 * Files renamed into DIR are taken once: each look that finds new ones
 * sends the year's extract of every export in DIR/done/ plus the new ones,
 * waits until it is stored, then moves the new ones to done/; one that
 * cannot be read at all goes to DIR/failed/ with NAME.reason. The folder is
 * the state: a restart takes only what is still outside done/ (docs/mis.md).
 * Not for: reading exports (mis_extract.h). */
#ifndef LNOB_INGEST_WATCH_H
#define LNOB_INGEST_WATCH_H

#include "extract.h"

/* Watches dir until SIGTERM (LNOB_CLOSED) or a delivery error. */
int lnob_watch(lnob_ingest_ctx_t *ctx, const char *dir);

#endif
