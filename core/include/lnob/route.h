/* lnob/route.h - which of several aggregators an extract goes to.
 *
 * Several aggregators can run side by side. Each extract belongs to exactly
 * one of them, chosen by its id, so all of an extract's runs meet in one
 * process, with the whole distribution there for exact quantiles. Three
 * kinds of worker speak to an aggregator about an extract: the
 * transformers (its runs, its end), the ingester (Status) and the sink
 * (Stored). Each is given every aggregator's endpoint, in the same order,
 * separated by '|' ("ipc://a/runs|ipc://b/runs"; each part in CZMQ
 * syntax, commas allowed within a part). Each then picks the socket for an
 * extract here. This module is the one place that decides where an extract
 * goes. Not for: socket options (lnob/sock.h), the messages (proto/wire.h). */
#ifndef LNOB_ROUTE_H
#define LNOB_ROUTE_H
#include <czmq.h>
#include <stddef.h>

#include "lnob/sock.h"

#define LNOB_ROUTE_MAX 16 /* aggregators side by side */

/* One socket per aggregator, in the order the endpoints were given. */
typedef struct {
    zsock_t *sock[LNOB_ROUTE_MAX];
    size_t n;
} lnob_route_t;

/* The aggregator (0..n-1) that extract_id goes to: FNV-1a of the id, mixed
 * (MurmurHash3's finaliser), mod n. Fixed by the id alone, so every worker
 * and every restart agree. */
size_t lnob_route_pick(const char *extract_id, size_t n);
/* Opens one socket of type per '|'-separated part of spec (lnob_sock_new,
 * with opts; the second socket's link is named "<link>:2", and so on). At
 * most max parts. LNOB_OK, or LNOB_ERR with err (the sockets opened so far
 * stay in r for lnob_route_close). */
int lnob_route_open(lnob_route_t *r, size_t max, int type, const char *spec, bool serverish,
                    const lnob_sock_opts_t *opts, char *err, size_t cap);
/* The socket for extract_id. */
zsock_t *lnob_route_for(const lnob_route_t *r, const char *extract_id);
/* Destroys the sockets. Safe on a route opened part-way, or not at all. */
void lnob_route_close(lnob_route_t *r);

#endif
