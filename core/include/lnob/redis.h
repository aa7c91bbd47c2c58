/* lnob/redis.h - one way to reach Redis from a URL.
 *
 * Accepts redis://host[:port][/db] and unix:///path/to/socket[?db=N]
 * (also unix:/path). Connects with a timeout, sets the timeout of every
 * later call on the context (LNOB_REDIS_TIMEOUT_MS: a frozen Redis is an
 * error, not a hang) and selects the database.
 * Not for: the key schema (sink/store.h) or retries (the caller drops a
 * context that reported an error and makes a new one). */
#ifndef LNOB_REDIS_H
#define LNOB_REDIS_H
#include <hiredis/hiredis.h>
#include <stddef.h>

#define LNOB_REDIS_CONNECT_TIMEOUT_MS 2000
#define LNOB_REDIS_TIMEOUT_MS 3000 /* longest wait for one reply */

/* Returns a connected context (free with redisFree) or NULL with the reason
 * in err. */
redisContext *lnob_redis_connect(const char *url, char *err, size_t cap);
/* Writes url to out (at most cap-1 bytes) with a password in it
 * (redis://user:PASSWORD@host) replaced by ***: the only form of a Redis
 * URL that may be logged or shown. Returns out. */
const char *lnob_redis_url_safe(const char *url, char *out, size_t cap);

#endif
