/* tap.h - a byte-level relay between a ZeroMQ ipc endpoint and the peers
 * that connect to it, keeping a copy of every byte, both ways.
 *
 * A worker that binds ipc://X is left alone; its peers connect to
 * ipc://X.tap instead, and the tap passes each connection on to X. ZMTP
 * needs nothing from the relay, so every message on the wire (handshake,
 * batches, results, control) passes through the tap as the bytes the
 * processes wrote. Tests read the copy to prove what never travels.
 * Not for: production (a test thread; whole copy kept in memory). */
#ifndef LNOB_TEST_TAP_H
#define LNOB_TEST_TAP_H
#include <stddef.h>

typedef struct th_tap th_tap_t;

/* Listens on listen_path, relays each connection to target_path (unix
 * socket paths, without "ipc://"). Asserts on failure. */
th_tap_t *th_tap_new(const char *target_path, const char *listen_path);
/* Stops the relay thread, closes every connection; NULL-safe, NULLs *p. */
void th_tap_destroy(th_tap_t **p);
/* Stops the relay (the peers should have stopped first) and gives every
 * byte it saw (both directions, all connections, in the order read) and
 * their count; borrowed until destroy. */
const char *th_tap_bytes(th_tap_t *self, size_t *len);
/* Connections relayed so far. */
size_t th_tap_connections(th_tap_t *self);

#endif
