/* publish.h - what the sink publishes on its PUB socket for a stored Result.
 *
 * Subscribers get the Result as stored, except the cells flagged SUPPRESS
 * (spec §5.3: "value not published"): those stay in Redis with their flag,
 * for the office's own use, and are left out of the published stream.
 * Pure: builds the bytes, sends nothing. Not for: Redis (store.h) or the
 * socket (main.c). */
#ifndef LNOB_SINK_PUBLISH_H
#define LNOB_SINK_PUBLISH_H
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* The topic frame of r's publication: "lnob.extract.<channel>.<extract id>",
 * so that a subscriber may take one channel ("lnob.extract.official."), a
 * kind in it ("lnob.extract.official.mis-") or a period
 * ("lnob.extract.official.silc-2023-"). Returns out. */
const char *lnob_publish_topic(const Lnob__V1__Result *r, char *out, size_t cap);

/* Packs the Envelope published for r: r with every SUPPRESS cell left out,
 * the others in their order, and seq (the publication's number, store.h)
 * in Result.seq. Returns an owned buffer (free()) of *len bytes; *withheld
 * is the number of cells left out. r is not changed. */
uint8_t *lnob_publish_pack(const Lnob__V1__Result *r, uint64_t seq, size_t *len, size_t *withheld);

/* ---- the public twin in Redis (lnob/keys.h "the public namespace") ---- */

/* 1 when r may be published: not computed without disclosure control
 * (its metadata disclosure "off: NOT FOR PUBLICATION ...", docs/disclosure.md). */
int lnob_publish_allowed(const Lnob__V1__Result *r);
/* 1 when the metadata field key goes to the public twin: what a dashboard
 * needs (kind, period, channel, status, when and how it was computed, the
 * disclosure settings), never paths, run ids, headers or input sums. */
int lnob_publish_meta_field(const char *key);
/* The public form of a cell into *out (borrowing cell's strings): a
 * SUPPRESS cell keeps its place, indicator, breakdown, group and flag, and
 * loses value, n, weight, diagnostic and reason. */
void lnob_publish_cell(const Lnob__V1__Cell *cell, Lnob__V1__Cell *out);

#endif
