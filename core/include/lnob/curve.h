/* lnob/curve.h - who may connect: CURVE keys, roles and the ZAP handler.
 *
 * Every tcp:// link between lnob workers is CURVE-encrypted and
 * authenticated. Each worker has a certificate (lnob keygen: a key pair
 * whose public file carries the metadata "role" = ingest, transform,
 * aggregate, sink or dashboard) and an allow-list: a directory of the
 * public certificates of its peers. The binding side of a link is the CURVE
 * server; it accepts a client only when the client's public key is in the
 * allow-list with one of the roles that socket takes (each socket declares
 * its peers' roles), and stamps the role on every message as its User-Id
 * (wire.h checks each message kind against it). The connecting side pins
 * the server's key: the one certificate of the server's role in the
 * allow-list (servers of one role share one key pair). A refused handshake
 * is counted.
 *
 * The handler (ZAP, RFC 27) is ours, not CZMQ's zauth: zauth has one policy
 * per process, and lnob needs one per socket (the ZAP domain names the roles
 * a socket takes). Enforcement (ZMQ_ZAP_ENFORCE_DOMAIN) is switched on with
 * zmq_setsockopt, as Debian's CZMQ makes its setter a no-op; without it a
 * missing handler would let every key in.
 *
 * ipc:// endpoints need no keys, but their directory must be one only the
 * owner can enter. A tcp:// endpoint without keys is refused unless
 * --insecure-plaintext, which warns on every start.
 * Not for: message kinds (proto/wire.h) or socket queue bounds (lnob/sock.h). */
#ifndef LNOB_CURVE_H
#define LNOB_CURVE_H
#include <czmq.h>
#include <stddef.h>
#include <stdint.h>

#include "lnob/config.h"

/* The roles a certificate may carry. */
#define LNOB_ROLES "ingest|transform|aggregate|sink|dashboard"
#define LNOB_ROLE_MAX 16

/* The security options every worker takes (LNOB_CURVE_OPTS). */
typedef struct {
    const char *cert;  /* this worker's certificate (its _secret file is read), or NULL */
    const char *allow; /* directory of peers' public certificates, or NULL */
    int insecure;      /* --insecure-plaintext */
} lnob_curve_cfg_t;

/* The rows of an option table for a lnob_curve_cfg_t at member `field` of
 * the program's config struct `type`. */
#define LNOB_CURVE_OPTS(type, field)                                                               \
    {"cert", "LNOB_CERT", LNOB_OPT_FILE, NULL, 0, 0, NULL, offsetof(type, field.cert),              \
     "this worker's certificate (lnob keygen; its _secret file is read): needed on tcp://"},       \
        {"allow", "LNOB_ALLOW", LNOB_OPT_DIR, NULL, 0, 0, NULL, offsetof(type, field.allow),       \
         "directory of the public certificates of the peers allowed to connect"},                  \
        {"insecure-plaintext", "LNOB_INSECURE_PLAINTEXT", LNOB_OPT_FLAG, "0", 0, 1, NULL,          \
         offsetof(type, field.insecure),                                                           \
         "development only: tcp:// without CURVE (anyone can read and write)"}

typedef struct lnob_curve lnob_curve_t;

/* Loads the certificate and allow-list of cfg and starts the ZAP handler
 * (before any socket binds). With neither cert nor allow it returns an
 * object that refuses tcp:// (or, insecure, allows it with a warning
 * logged here). Returns an owned object or NULL with the reason in err
 * (a missing or unreadable certificate, one without a role, a secret file
 * others can read). */
lnob_curve_t *lnob_curve_new(const lnob_curve_cfg_t *cfg, char *err, size_t cap);
/* Stops the handler; NULL-safe; NULLs *self_p. Destroy after the sockets. */
void lnob_curve_destroy(lnob_curve_t **self_p);

/* Secures sock for endpoints before they are attached: bind (serverish)
 * endpoints make it a CURVE server taking the roles in peers
 * ("transform" or "ingest,sink"); connect endpoints a client of the
 * server of role peers (one role). ipc:// endpoints are checked for a
 * private directory. self may be NULL (no keys). Returns 0, or -1 with the
 * reason in err. */
int lnob_curve_apply(const lnob_curve_t *self, zsock_t *sock, const char *endpoints, bool serverish,
                     const char *peers, char *err, size_t cap);

/* An ipc:// endpoint's path (after "ipc://") lies in a directory only
 * this user can enter: anyone who can reach the socket file can connect
 * (or bind a false one). Returns 0, or -1 with the reason in err. */
int lnob_curve_check_ipc(const char *path, char *err, size_t cap);

/* Handshakes the handler refused so far (unknown key, or a role the socket
 * does not take); NULL-safe. Thread-safe. */
uint64_t lnob_curve_refused(const lnob_curve_t *self);

/* Logs, when there were any, how many handshakes the handler refused: a
 * worker's last word on strangers. */
void lnob_curve_report(const lnob_curve_t *self);

/* Writes a new certificate of role to dir/name.cert and its secret to
 * dir/name.cert_secret (mode 0600); dir is created 0700 if missing.
 * Returns 0, or -1 with the reason in err. */
int lnob_curve_keygen(const char *dir, const char *name, const char *role, char *err, size_t cap);

#endif
