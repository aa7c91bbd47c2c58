/* snapshot.h - what a late joiner gets: the current extract of every kind
 * and period of a channel, read from Redis at one publication number.
 *
 * The sink answers a Snapshot request on its ROUTER socket (main.c) with
 * what lnob_snapshot_read reads: each current extract packed as it is
 * published (publish.h: SUPPRESS cells left out, Result.seq its latest
 * publication's number), then a SnapshotEnd naming the channel's number
 * (docs/dashboards.md). Everything is read under WATCH of the channel's
 * number, its periods, its pointers and each extract read, and the reads
 * end in an empty MULTI/EXEC: when any of them changed meanwhile the state
 * is read again, so what is sent is the state at that number, and a
 * subscriber that applies the PUB messages above it misses none and
 * applies none twice. Not for: writing (store.h), the socket (main.c). */
#ifndef LNOB_SINK_SNAPSHOT_H
#define LNOB_SINK_SNAPSHOT_H
#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#define LNOB_SNAPSHOT_END_TOPIC "lnob.snapshot.end"

typedef struct {
    char *topic;    /* as on PUB: lnob.extract.<channel>.<id> */
    uint8_t *bytes; /* the Envelope */
    size_t len;
} lnob_snapshot_item_t;

typedef struct {
    lnob_snapshot_item_t *items; /* by kind (registry order), then period */
    size_t n;
    unsigned long long seq;      /* the channel's number (lnob:seq:<channel>), 0 before any */
} lnob_snapshot_t;

/* Reads the state of channel into *out (owned: lnob_snapshot_free).
 * Returns LNOB_OK; LNOB_AGAIN when it kept changing while read (err says
 * so); LNOB_ERR or LNOB_DENIED as the store's calls (store.h). */
int lnob_snapshot_read(redisContext *c, const char *channel, lnob_snapshot_t *out, char *err, size_t cap);
/* Frees what *s holds; accepts a zeroed one. */
void lnob_snapshot_free(lnob_snapshot_t *s);

#endif
