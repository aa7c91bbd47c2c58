/* mis_watch.h - the MIS drop folder (lnob-ingest --watch DIR).
 *
 * A file in DIR is taken once, when complete: renamed in from a temporary
 * name, marked by NAME.done, or unchanged for --settle-ms. Each look that
 * finds new ones sends the year's extract of every export in DIR/done/
 * plus the new ones, waits until it is stored, then moves the new ones to
 * done/; one that cannot be read at all, or with more rejected rows than
 * the reject ceiling, goes to DIR/failed/ with NAME.reason. The folder is
 * the state: a restart takes only what is still outside done/ (docs/mis.md).
 * Not for: reading exports (mis_extract.h). */
#ifndef LNOB_MIS_MIS_WATCH_H
#define LNOB_MIS_MIS_WATCH_H

#include "deliver.h"

/* Watches the drop folder of kcfg (a lnob_mis_ingest_cfg_t; state: the
 * kind's lnob_mis_state_t) until SIGTERM (LNOB_CLOSED) or a delivery
 * error; each round's extract goes through ctx->plan_run. */
int lnob_mis_watch(lnob_ingest_ctx_t *ctx, const void *kcfg, void *state);

#endif
