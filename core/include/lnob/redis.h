/* lnob/redis.h - one way to reach Redis from a URL, logged in as an ACL user.
 *
 * Accepts redis://[[user][:password]@]host[:port][/db] and
 * unix:///path/to/socket[?db=N][&user=NAME][&password=SECRET] (also
 * unix:/path); user and password may be percent-encoded (%40 for '@').
 * The password may instead be the first line of a file only its owner can
 * read (--redis-password-file, LNOB_REDIS_PASSWORD_FILE), which keeps it out
 * of the process list. Connects with a timeout, sends AUTH [user] password
 * right away (Redis 6+ ACL users; no user: the default user), sets the
 * timeout of every later call on the context (LNOB_REDIS_TIMEOUT_MS: a
 * frozen Redis is an error, not a hang) and selects the database, or PINGs,
 * so that a refusal is seen at connect time.
 * Errors come in two kinds: LNOB_ERR may pass (refused connection, timeout,
 * loading); LNOB_DENIED will not (a bad URL or password file, NOAUTH,
 * WRONGPASS, NOPERM) and ends a worker instead of being retried for ever.
 * No message or log line ever holds the password: lnob_redis_url_safe is
 * the only form of a URL that may be shown. Docs: docs/redis-acl.md.
 * Not for: the key schema (sink/store.h) or retries (the caller drops a
 * context that reported an error and makes a new one); TLS (hiredis 0.14
 * has none: deploy/stunnel/). */
#ifndef LNOB_REDIS_H
#define LNOB_REDIS_H
#include <hiredis/hiredis.h>
#include <stddef.h>

#include "lnob/rc.h"

#define LNOB_REDIS_CONNECT_TIMEOUT_MS 2000
#define LNOB_REDIS_TIMEOUT_MS 3000 /* longest wait for one reply */
#define LNOB_REDIS_URL_MAX 1024    /* a URL as shown (lnob_redis_url_safe) */
/* The help line of every --redis-password-file option. */
#define LNOB_REDIS_PASSWORD_FILE_HELP                                                            \
    "file whose first line is the Redis password (mode 0600; the URL then holds none)"

/* Connects to url, logging in with the password of the URL or of
 * password_file (NULL: none; both: refused). Returns LNOB_OK with *out a
 * connected context (free with redisFree); LNOB_ERR when the server could
 * not be reached or answered amiss (try again later); LNOB_DENIED when
 * trying again cannot help. err (cap bytes) names the URL in its safe form
 * and the user, never the password. */
int lnob_redis_connect(const char *url, const char *password_file, redisContext **out, char *err,
                       size_t cap);
/* The value of name in a field/value array reply (HGETALL, a stream
 * entry's fields); "" when absent or not an array. */
const char *lnob_redis_pair(const redisReply *pairs, const char *name);
/* LNOB_DENIED when a Redis error reply says the login or the user's rights
 * forbid it (NOAUTH, WRONGPASS, NOPERM), else LNOB_ERR. */
int lnob_redis_reply_rc(const char *error_reply);
/* The ACL user url logs in as, in out: its user, or "default". Returns out. */
const char *lnob_redis_user(const char *url, char *out, size_t cap);
/* Writes url to out (at most cap-1 bytes) with its password
 * (redis://user:PASSWORD@host, ?password=PASSWORD; any query value but db
 * and user) replaced by ***: the only form of a Redis URL that may be
 * logged or shown. Returns out. */
const char *lnob_redis_url_safe(const char *url, char *out, size_t cap);
/* Moves the password of url, if it has one, into a new file at path (mode
 * 0600; it must not exist) and writes url without it to out: what a child
 * process may be given on its command line, with --redis-password-file
 * path. Returns 1 when it wrote the file, 0 when url has no password (out
 * is url), or LNOB_ERR with err. */
int lnob_redis_password_to_file(const char *url, const char *path, char *out, size_t cap,
                                char *err, size_t errcap);

#endif
