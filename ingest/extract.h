/* extract.h - a plan's extract, sent until it is stored.
 *
 * Sends the extract through its source kind (sources/registry.h), then,
 * when the aggregator is acknowledged, asks until the sink has stored it
 * and sends again what went missing (docs/delivery.md).
 * Not for: the sending itself (deliver.h) or the kinds (sources/). */
#ifndef LNOB_INGEST_EXTRACT_H
#define LNOB_INGEST_EXTRACT_H
#include "deliver.h"

/* Sends a plan's extract, then waits until it is stored (when
 * acknowledged). */
int lnob_ingest_plan_run(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan);
/* Sends the plans' extracts in order with up to in_flight of them sent and
 * not yet stored: the next is sent while the ones before are computed (by
 * other aggregators, when there are several); when in_flight are out, the
 * oldest is waited for (and sent again if it goes missing) first. Stops at
 * the first error. Without acknowledgements every plan is just sent. */
int lnob_ingest_plans_run(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plans, size_t n, size_t in_flight);

#endif
