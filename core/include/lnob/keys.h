/* keys.h - the names of lnob's Redis keys: the one place they are spelled.
 *
 * The sink writes these keys (sink/store.c); lnob run, report, status,
 * quarantine, prune and delete read them; all name them through here.
 * What each holds is in docs/redis-keys.md:
 *
 *   lnob:cell:<extract>:<indicator>:<breakdown>     hash, one per cell
 *   lnob:extract:<extract>                          hash, metadata
 *   lnob:extract:<extract>:cells                    list of cell keys, canonical order
 *   lnob:extract:<extract>:indicators               set of indicator ids
 *   lnob:extracts                                   zset: completed extracts by time
 *   lnob:indicators                                 set of every indicator id
 *   lnob:quarantine:<extract>                       stream of rejected rows
 *   lnob:stream:extracts                            stream: one entry per completed extract
 *   lnob:run:<run id>                               hash source -> extract id (7 days)
 *   lnob:current:<kind>:<channel>:<period>          string: the channel's current extract
 *   lnob:current:<kind>:<channel>                   string: ... of its latest period
 *   lnob:periods:<kind>:<channel>                   zset: the periods that have one
 *   lnob:seq:<channel>                              counter: the channel's last publication
 *   lnob:pub:...                                    the public twins, below
 *
 * A builder writes the key into k and returns k->s, so that it can stand in
 * a call: redisCommand(c, "HGET %s status", lnob_key_extract(&k, id)). A
 * name longer than the buffer is cut (extract and run ids are far shorter).
 * Not for: what is written when (sink/store.h), connecting (lnob/redis.h). */
#ifndef LNOB_KEYS_H
#define LNOB_KEYS_H
#include <stddef.h>

#define LNOB_KEY_MAX 512

#define LNOB_KEY_EXTRACTS "lnob:extracts"
#define LNOB_KEY_INDICATORS "lnob:indicators"
#define LNOB_KEY_STREAM "lnob:stream:extracts"
#define LNOB_KEY_EXTRACT_PREFIX "lnob:extract:"
#define LNOB_KEY_EXTRACT_PATTERN LNOB_KEY_EXTRACT_PREFIX "*" /* SCAN: metadata keys and others */

typedef struct {
    char s[LNOB_KEY_MAX];
} lnob_key_t;

const char *lnob_key_extract(lnob_key_t *k, const char *extract_id);
const char *lnob_key_cells(lnob_key_t *k, const char *extract_id);
const char *lnob_key_indicators(lnob_key_t *k, const char *extract_id);
/* breakdown: "national" or "<breakdown>=<group>". */
const char *lnob_key_cell(lnob_key_t *k, const char *extract_id, const char *indicator, const char *breakdown);
const char *lnob_key_quarantine(lnob_key_t *k, const char *extract_id);
const char *lnob_key_run(lnob_key_t *k, const char *run_id);
/* lnob:current:<kind>:<channel>:<period>, or with period NULL
 * lnob:current:<kind>:<channel>: the extract a dashboard reads. */
const char *lnob_key_current(lnob_key_t *k, const char *kind, const char *channel, const char *period);
/* lnob:periods:<kind>:<channel>: each period with a current extract, scored
 * by its number. */
const char *lnob_key_periods(lnob_key_t *k, const char *kind, const char *channel);
/* lnob:seq:<channel>: the number of the channel's last publication. */
const char *lnob_key_seq(lnob_key_t *k, const char *channel);

/* ---- the public namespace ----
 * Every extract stored complete has a public twin under lnob:pub:, written
 * in the same transaction: its metadata (the fields a dashboard needs), its
 * cells as published (a SUPPRESS cell with no value, n, weight or reason),
 * their list, the extract set, the pointers and periods, and the stream.
 * An extract not for publication (docs/disclosure.md) has metadata there
 * and no cell. Exact values stay in the internal keys; `lnob serve` and
 * the dashboards' Redis user read lnob:pub:* alone (docs/redis-acl.md). */
#define LNOB_KEY_PUBLIC_PREFIX "lnob:pub:"
#define LNOB_KEY_PUB_EXTRACTS LNOB_KEY_PUBLIC_PREFIX "extracts"
#define LNOB_KEY_PUB_STREAM LNOB_KEY_PUBLIC_PREFIX "stream:extracts"

/* The public twin of an internal key (lnob:<rest> -> lnob:pub:<rest>) into
 * out; returns out->s. */
const char *lnob_key_twin(lnob_key_t *out, const char *key);
/* k turned into its public twin in place; returns k->s. */
const char *lnob_key_public(lnob_key_t *k);

/* ---- extract ids and channels ----
 * An extract id names one input in one channel: <kind>-<period>-<the first
 * 16 hex digits of its sha256>, and -<channel> after it unless the channel
 * is the default, so that a trial run of the official file is another
 * extract ("silc-2023-683dff889fe09848", "silc-2023-683dff889fe09848-trial").
 * A channel name is 1-32 of a-z, 0-9 and _, starting with a letter. */
#define LNOB_CHANNEL_DEFAULT "official"
#define LNOB_CHANNEL_MAX 32
#define LNOB_CHANNEL_RULE "1-32 of a-z, 0-9 and _, starting with a letter"
#define LNOB_CHANNEL_HELP                                                                          \
    "the channel the extracts are published in (" LNOB_CHANNEL_RULE "); a trial run takes its own, " \
    "and the official figures stay current (docs/dashboards.md)"

int lnob_channel_valid(const char *channel);
/* 1 when period is a year as the pointers take it: four digits. */
int lnob_period_year(const char *period);
/* channel NULL or "": the default. Returns id. */
const char *lnob_extract_id_make(char *id, size_t cap, const char *kind, const char *period, const char *checksum,
                                 const char *channel);

/* The extract id of a metadata key (lnob:extract:<id>), or NULL for any
 * other key (the cell list, the indicator set, other prefixes). Points
 * into key. */
const char *lnob_key_extract_id(const char *key);

#endif
