/* wire.h - the one codec for lnob.proto: pack, send, receive, validate.
 *
 * Every message is a single ZeroMQ frame holding one Envelope. Receiving
 * checks, in order: size (LNOB_WIRE_MAX_BYTES), protobuf decoding, schema
 * version, a body being set, every string being UTF-8 (protobuf's rule; a
 * sender's lnob_wire_pack repairs them), and the body's own consistency (ids present,
 * every column as long as record_count, dictionary indexes and breakdown
 * codes in range). A
 * message failing any check is dropped and counted in lnob_wire_stats_t by
 * reason; the caller logs it once. Nothing here crashes on network bytes.
 * Not for: business rules (what a row means); the stages own those. */
#ifndef LNOB_PROTO_WIRE_H
#define LNOB_MIS_KEY_HEX 64 /* hex digits of an MIS person key (HMAC-SHA-256) */
#define LNOB_PROTO_WIRE_H
#include <stddef.h>
#include <stdint.h>

#include "lnob.pb-c.h"
#include "lnob/metrics.h"
#include "lnob/rc.h"
#include "lnob/sock.h"

#define LNOB_SCHEMA_VERSION 1
/* Largest Envelope accepted (bytes); batches are far smaller. */
#define LNOB_WIRE_MAX_BYTES ((size_t) LNOB_MAX_MESSAGE_BYTES)

/* Cells of the part-time hours table a Run carries (sources/silc/household.h). */
#define LNOB_PT_TABLE_CELLS 6

/* Run.have: what a Run carries beyond the core columns. */
#define LNOB_HAVE_DEP13 1u    /* the 13 SMSD items */
#define LNOB_HAVE_DEP9 2u     /* the 9 old material-deprivation items */
#define LNOB_HAVE_WI 4u       /* the work calendar */
#define LNOB_HAVE_GALI 8u     /* PH030: the gali column */
#define LNOB_HAVE_DEGURBA 16u /* DB100: the degurba column */
/* Any of these: the household columns (household_id ... pt_w, hhtype) are there. */
#define LNOB_HAVE_HOUSEHOLD (LNOB_HAVE_DEP13 | LNOB_HAVE_DEP9 | LNOB_HAVE_WI)

/* Run.item_missing: which deprivation items a person misses (spec §3.4);
 * each indicator's non-response counts only its own items (§5.3). */
#define LNOB_ITEMS_MISSING13 1u /* one of the 13 SMSD items */
#define LNOB_ITEMS_MISSING9 2u  /* one of the 9 old items */

/* A quarantine entry's place among its line's entries (docs/redis-keys.md):
 * its file (0-4), then its flagged field (Reject.kept), so that every
 * entry of a line has its own, in the order entries are stored. */
#define LNOB_REJECT_FILES 5u
static inline uint64_t lnob_reject_seq(const Lnob__V1__Reject *r)
{
    return (uint64_t) r->file + (uint64_t) LNOB_REJECT_FILES * r->kept;
}

/* Cell.indicator: the ids of the indicators computed from income with
 * BOTTOM_CODE_ZERO on (spec §1.7: x < 0 counted as 0) end in this, so that
 * no reader takes them for the standard ones (docs/settings.md). */
#define LNOB_BC0_SUFFIX "_BC0"

/* Largest code of each breakdown column of a Run; 0 is "in no group". */
#define LNOB_RUN_SEX_MAX 2
#define LNOB_RUN_AGE_GROUP_MAX 3
#define LNOB_RUN_AGE_B_MAX 5
#define LNOB_RUN_GALI_MAX 3
#define LNOB_RUN_DEGURBA_MAX 3
#define LNOB_RUN_HHTYPE_MAX 16

typedef Lnob__V1__Envelope lnob_env_t;

/* Envelope body cases (lnob.proto field numbers) are below this. */
#define LNOB_WIRE_KINDS 24

/* A worker's message counters: dropped by reason, valid ones received and
 * sent by kind (body case). Atomics: the worker's thread counts, the
 * metrics endpoint reads them (lnob_wire_metrics). */
typedef struct {
    _Atomic uint64_t received;    /* frames received */
    _Atomic uint64_t oversized;   /* larger than LNOB_WIRE_MAX_BYTES */
    _Atomic uint64_t undecodable; /* truncated or not protobuf */
    _Atomic uint64_t bad_version; /* unknown schema_version */
    _Atomic uint64_t bad_body;    /* no body, or inconsistent fields */
    _Atomic uint64_t wrong_kind;  /* valid, but not a kind this socket takes (the stage counts it) */
    _Atomic uint64_t wrong_role;  /* valid, but the CURVE peer's role does not send that kind */
    _Atomic uint64_t in[LNOB_WIRE_KINDS];  /* valid messages received, by body case */
    _Atomic uint64_t in_bytes[LNOB_WIRE_KINDS]; /* their bytes, by body case */
    _Atomic uint64_t out[LNOB_WIRE_KINDS]; /* messages sent (lnob_wire_sent), by body case */
    int trim_pending;     /* a frame of LNOB_WIRE_TRIM_BYTES or more went by */
} lnob_wire_stats_t;

/* After a frame this large, the next receive first gives the memory its
 * decoding took back to the system (malloc_trim): one 60 MB frame left the
 * sink 218 MB larger for good. */
#define LNOB_WIRE_TRIM_BYTES ((size_t) 8 * 1024 * 1024)

/* Total dropped. */
uint64_t lnob_wire_dropped(const lnob_wire_stats_t *stats);
/* Counts a message of body_case sent (the send calls take no stats). */
void lnob_wire_sent(lnob_wire_stats_t *stats, int body_case);
/* The body case of packed Envelope bytes (lnob_wire_pack's), or 0 when
 * they hold none: a look at the top-level field tags, no decoding. */
int lnob_wire_kind(const uint8_t *data, size_t len);
/* The name of a body case in metrics and logs ("batch", "run"), or NULL. */
const char *lnob_wire_kind_name(int body_case);
/* Registers stats in metrics (lnob/metrics.h): lnob_messages_received_total,
 * lnob_message_bytes_received_total and lnob_messages_sent_total by kind,
 * lnob_messages_dropped_total by reason, lnob_wire_text_repaired_total.
 * stats must outlive metrics. */
void lnob_wire_metrics(lnob_metrics_t *metrics, const lnob_wire_stats_t *stats);

/* Decodes and validates one frame. Returns an owned Envelope (free with
 * lnob_wire_free) or NULL with the reason counted in stats and a short
 * description written to why (cap bytes). */
lnob_env_t *lnob_wire_decode(const uint8_t *data, size_t len, lnob_wire_stats_t *stats,
                             char *why, size_t cap);
/* The extract id env's body is about, "" for a body without one (a
 * heartbeat); borrowed from env. For log lines (lnob_log_set_extract). */
const char *lnob_wire_extract_id(const lnob_env_t *env);
/* The run id env's body carries, "" for a body without one. */
const char *lnob_wire_run_id(const lnob_env_t *env);
/* Of a record message (Batch, Run, MisBatch): its seq within the
 * extract, and its rejects (borrowed; *n of them). 0 and none for any
 * other body. */
uint32_t lnob_wire_seq(const lnob_env_t *env);
Lnob__V1__Reject **lnob_wire_rejects(const lnob_env_t *env, size_t *n);
/* Frees a decoded Envelope; NULL-safe, NULLs *env_p. */
void lnob_wire_free(lnob_env_t **env_p);

/* Packs env (setting schema_version) into a new buffer of *len bytes;
 * free() it. The last guard of "UTF-8 only": a string field anywhere in
 * env that is not well-formed UTF-8 is repaired in place first (each bad
 * byte becomes '?', lnob_recode_scrub), counted and logged (rate-limited):
 * protobuf strings must be UTF-8, and a reader in another language refuses
 * the whole message otherwise. The sources decode their input, so a repair
 * means a bug upstream. */
uint8_t *lnob_wire_pack(lnob_env_t *env, size_t *len);
/* Strings lnob_wire_pack repaired in this process so far. */
uint64_t lnob_wire_text_repaired(void);
/* Sends already packed bytes as one frame; returns as lnob_wire_send. */
int lnob_wire_send_bytes(void *zmq_socket, const uint8_t *data, size_t len, char *why, size_t cap);
/* Sends env (schema_version is set here) on a libzmq socket handle.
 * Blocking; interrupted sends return LNOB_AGAIN. Returns LNOB_OK,
 * LNOB_AGAIN or LNOB_ERR (errstr in why). The caller keeps env. */
int lnob_wire_send(void *zmq_socket, lnob_env_t *env, char *why, size_t cap);
/* 1 when a peer of role (lnob/curve.h) sends messages of body_case. */
int lnob_wire_role_sends(const char *role, int body_case);
/* Receives one frame and decodes it. Returns LNOB_OK with *env_p set,
 * LNOB_DROP (bad message, counted), LNOB_AGAIN (timeout or signal) or
 * LNOB_ERR/LNOB_CLOSED. On a CURVE server socket the peer's role (its
 * User-Id, stamped by the ZAP handler) must send that kind
 * (lnob_wire_role_sends), else the message is dropped as wrong_role. */
int lnob_wire_recv(void *zmq_socket, lnob_env_t **env_p, lnob_wire_stats_t *stats,
                   char *why, size_t cap);
/* Gives back to the system what decoding a large message took, once the
 * caller is done with it (lnob_wire_recv does so first; a caller that
 * polls before receiving calls it when the poll finds nothing). */
void lnob_wire_trim(lnob_wire_stats_t *stats);

/* The identity frame of a peer of a ROUTER socket. */
typedef struct {
    uint8_t id[256];
    size_t len;
} lnob_peer_t;

/* On a ROUTER socket: receives [identity][Envelope] from a DEALER peer.
 * Same returns as lnob_wire_recv. */
int lnob_wire_recv_routed(void *zmq_socket, lnob_peer_t *peer, lnob_env_t **env_p,
                          lnob_wire_stats_t *stats, char *why, size_t cap);
/* On a ROUTER socket: sends env to that peer (dropped if it is gone). */
int lnob_wire_send_routed(void *zmq_socket, const lnob_peer_t *peer, lnob_env_t *env,
                          char *why, size_t cap);

#endif
