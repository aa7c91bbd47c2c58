/* serve_events.h - GET /api/v1/events of `lnob serve`: the publications as
 * Server-Sent Events.
 *
 * Follows the Redis stream lnob:stream:extracts (XREAD BLOCK) and sends one
 * event per entry of the channel asked for: `event: publication` (an
 * extract stored complete) or `event: removed` (a removal that moved a
 * current pointer), `id:` the stream entry's id, `data:` a JSON object
 * (extract, kind, period, channel, seq). A client that reconnects with
 * Last-Event-ID (EventSource does) gets every entry after that one, so it
 * misses none while the stream still holds them (docs/dashboards.md); a
 * new client starts at the stream's end. A comment line every few seconds
 * keeps proxies from closing an idle stream and tells a dead client. Not
 * for: the other answers (serve.c). */
#ifndef LNOB_CLI_SERVE_EVENTS_H
#define LNOB_CLI_SERVE_EVENTS_H
#include <hiredis/hiredis.h>

#include "lnob/httpd.h"

#define LNOB_EVENTS_ID_MAX 64 /* a stream entry id: "<ms>-<seq>" */

/* Makes a stream answer of *a reading c (taken over: freed when the stream
 * ends) for channel, after the entry last_id (NULL: from now on). Returns
 * 0, or -1 when last_id is not a stream entry id (then c is the caller's
 * and a is not touched). */
int lnob_serve_events(redisContext *c, const char *channel, const char *last_id, lnob_httpd_answer_t *a);
/* The id of the stream's last entry ("0-0" when empty): "from now on" made
 * an id, so that no entry falls between two reads (lnob watch too). */
void lnob_stream_end_id(redisContext *c, char *out, size_t cap);

#endif
