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
 *   lnob:mis:latest:<period>                        string: the newest complete MIS extract
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
/* lnob:<kind>:latest:<period>: the newest complete extract of a source
 * kind that keeps one (MIS: lnob:mis:latest:2024). */
const char *lnob_key_latest(lnob_key_t *k, const char *kind, const char *period);

/* The extract id of a metadata key (lnob:extract:<id>), or NULL for any
 * other key (the cell list, the indicator set, other prefixes). Points
 * into key. */
const char *lnob_key_extract_id(const char *key);

#endif
