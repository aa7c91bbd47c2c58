/* store.c - lnob's Redis key schema and its transactional writes (store.h). */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/sds.h>

#include "lnob/format.h"
#include "lnob/mem.h"
#include "lnob/redis.h"
#include "publish.h"
#include "registry.h"

#define WRITE_ATTEMPTS 8 /* a WATCHed key changed under us: try again */
#define SEND_BYTES (64 << 10) /* commands held before they are sent on: Redis works on them meanwhile */
#define DEFAULT_KIND "silc" /* SILC metadata stored before 2026-12 names no kind */

/* ---- keys ----------------------------------------------------------------- */

void lnob_store_breakdown_each(const char *breakdown, const char *group, lnob_store_pair_fn fn,
                               void *arg)
{
    const char *b = breakdown, *g = group;
    while (*b) {
        size_t nb = strcspn(b, ","), ng = b[nb] ? strcspn(g, ",") : strlen(g); /* last: the rest */
        fn(arg, b, nb, g, ng);
        b += nb + (b[nb] == ',');
        g += ng + (g[ng] == ',');
    }
}

typedef struct {
    char *out;
    size_t cap, len;
} pairs_t;

static void s_put(pairs_t *p, const char *s, size_t n)
{
    size_t room = p->len < p->cap ? p->cap - p->len - 1 : 0; /* cut, as every name here */
    memcpy(p->out + p->len, s, n < room ? n : room);
    p->len += n < room ? n : room;
    p->out[p->len] = '\0';
}

/* Appends ",k=v" (without the comma first): a cell key is built for every
 * cell written, so not through snprintf. */
static void s_pair(void *arg, const char *k, size_t nk, const char *v, size_t nv)
{
    pairs_t *p = arg;
    if (p->len)
        s_put(p, ",", 1);
    s_put(p, k, nk);
    s_put(p, "=", 1);
    s_put(p, v, nv);
}

size_t lnob_store_breakdown(const Lnob__V1__Cell *cell, char *out, size_t cap)
{
    if (!cap)
        return 0;
    if (!cell->breakdown[0])
        return (size_t) snprintf(out, cap, "national");
    pairs_t p = {out, cap, 0};
    out[0] = '\0';
    lnob_store_breakdown_each(cell->breakdown, cell->group, s_pair, &p);
    return p.len;
}

void lnob_store_cell_key(const char *extract_id, const Lnob__V1__Cell *cell, char *out, size_t cap)
{
    char b[LNOB_KEY_MAX / 2];
    lnob_key_t k;
    lnob_store_breakdown(cell, b, sizeof b);
    snprintf(out, cap, "%s", lnob_key_cell(&k, extract_id, cell->indicator, b));
}

/* ---- replies -------------------------------------------------------------- */

/* Says what failed (r may be NULL: no reply). Returns LNOB_DENIED when
 * Redis refused the user (NOAUTH, WRONGPASS, NOPERM: retrying cannot help),
 * else LNOB_ERR. */
static int s_describe(const redisContext *c, const redisReply *r, const char *what, char *err,
                      size_t cap)
{
    int refused = r && r->type == REDIS_REPLY_ERROR;
    if (!r)
        snprintf(err, cap, "Redis %s: %s", what, c->errstr[0] ? c->errstr : "no reply");
    else
        snprintf(err, cap, "Redis %s: %s", what, refused ? r->str : "unexpected reply");
    return refused ? lnob_redis_reply_rc(r->str) : LNOB_ERR;
}

/* s_describe, then frees r. */
static int s_error(redisContext *c, redisReply *r, const char *what, char *err, size_t cap)
{
    int rc = s_describe(c, r, what, err, cap);
    freeReplyObject(r);
    return rc;
}

/* The first of n replies that is an error, or NULL. */
static redisReply *s_first_error(redisReply **r, int n)
{
    for (int i = 0; i < n; i++)
        if (r[i] && r[i]->type == REDIS_REPLY_ERROR)
            return r[i];
    return NULL;
}

/* Reads n replies; fails on the first error reply. */
static int s_drain(redisContext *c, int n, const char *what, char *err, size_t cap)
{
    int rc = LNOB_OK;
    for (int i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **) &r) != REDIS_OK)
            return s_error(c, NULL, what, err, cap);
        if (r->type == REDIS_REPLY_ERROR && rc == LNOB_OK)
            rc = s_error(c, r, what, err, cap);
        else
            freeReplyObject(r);
    }
    return rc;
}

static void s_free_replies(redisReply **r, int n)
{
    for (int i = 0; i < n; i++)
        freeReplyObject(r[i]);
}

/* Reads n replies into r. Fails, keeping none of them, when the connection
 * is lost or one is an error (a refused WATCH, NOPERM, must not pass
 * unseen). */
static int s_replies(redisContext *c, redisReply **r, int n, const char *what, char *err,
                     size_t cap)
{
    for (int i = 0; i < n; i++)
        if (redisGetReply(c, (void **) &r[i]) != REDIS_OK) {
            s_free_replies(r, i);
            return s_error(c, NULL, what, err, cap);
        }
    redisReply *bad = s_first_error(r, n);
    if (!bad)
        return LNOB_OK;
    int rc = s_describe(c, bad, what, err, cap);
    s_free_replies(r, n);
    return rc;
}

/* ---- quarantine ----------------------------------------------------------- */

#define QUARANTINE_ARGS 21 /* an XADD of a reject: its id and nine fields */

/* Entry ids are the input line and the entry's place on it ("<line>-<seq>",
 * seq = file + 5 x kept: file 0 for a single-file extract, 1-4 for UDB
 * D/H/R/P; kept 0 for a row quarantined whole, k for the k-th flagged field
 * of a row that is kept), so a part delivered twice adds nothing: Redis
 * refuses an id that is not above the stream's last one, and that refusal
 * is the expected answer for an entry already stored. Every entry has a
 * field kept: "0" the row is in no cell, "1" the row is kept and only this
 * field's value counts as missing. */
int lnob_store_quarantine(redisContext *c, const Lnob__V1__Quarantine *q, char *err, size_t cap)
{
    char line[32], id[48];
    lnob_key_t qk;
    const char *key = lnob_key_quarantine(&qk, q->extract_id);
    for (size_t i = 0; i < q->n_rejects; i++) {
        const Lnob__V1__Reject *j = q->rejects[i];
        snprintf(line, sizeof line, "%llu", (unsigned long long) j->line);
        /* Redis refuses 0-0: a whole-file entry (line 0) of a single-file
         * extract takes 0-1, which no other entry of that stream can have */
        uint64_t seq = lnob_reject_seq(j);
        snprintf(id, sizeof id, "%llu-%llu", (unsigned long long) j->line,
                 (unsigned long long) (j->line || seq ? seq : 1u));
        const char *argv[QUARANTINE_ARGS] = {"XADD", key, id, "source", j->source, "line", line,
                                             "field", j->field, "reason", j->reason, "detail", j->detail,
                                             "raw", j->raw, "run_id", q->run_id, "kept", j->kept ? "1" : "0",
                                             "person_key", j->person_key};
        /* person_key only on an MIS row that has one: for finding the person's other rows */
        redisAppendCommandArgv(c, *j->person_key ? QUARANTINE_ARGS : QUARANTINE_ARGS - 2, argv, NULL);
    }
    int rc = LNOB_OK;
    for (size_t i = 0; i < q->n_rejects; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **) &r) != REDIS_OK)
            return s_error(c, NULL, "quarantine write", err, cap);
        int stale = r->type == REDIS_REPLY_ERROR && strstr(r->str, "equal or smaller") != NULL;
        if (r->type == REDIS_REPLY_ERROR && !stale && rc == LNOB_OK)
            rc = s_error(c, r, "quarantine write", err, cap);
        else
            freeReplyObject(r);
    }
    return rc;
}

/* ---- result --------------------------------------------------------------- */

/* The pointers a complete extract moves (lnob/keys.h): its period's
 * current extract in its channel, the channel's latest, and the periods
 * that have one. Empty keys when it moves none (failed, or a period that
 * is not a year). */
typedef struct {
    lnob_key_t period, latest, periods;
    lnob_key_t seq;   /* the channel's publication counter (always set) */
    const char *name; /* the period */
    long year;
} pointers_t;

typedef struct {
    char **keys;       /* cell keys of the previous write */
    size_t n;
    int redelivered;   /* stored complete from this very Result (its run and computed_ms) */
    unsigned long long seq;  /* its publication number then */
    unsigned long long last; /* lnob:seq:<channel>: the channel's last publication */
    int newest;        /* no later period of the kind and channel has a current extract */
} previous_t;

static void s_previous_free(previous_t *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->keys[i]);
    free(p->keys);
}

static const char *s_meta_value(const Lnob__V1__Result *r, const char *key);

/* r's channel: the default when it names none (an older aggregator). */
static const char *s_channel(const Lnob__V1__Result *r)
{
    const char *channel = s_meta_value(r, "channel");
    return *channel ? channel : LNOB_CHANNEL_DEFAULT;
}

/* The pointers r moves: none unless it is complete with a year for period
 * (and a channel that is a name: a key is never made of another's parts). */
static void s_pointers(const Lnob__V1__Result *r, pointers_t *p)
{
    memset(p, 0, sizeof *p);
    const char *kind = s_meta_value(r, "kind"), *channel = s_channel(r);
    kind = *kind ? kind : DEFAULT_KIND;
    if (!lnob_channel_valid(channel))
        channel = "invalid"; /* refused on the wire first (proto/wire.c); never a key of a real channel */
    lnob_key_seq(&p->seq, channel);
    p->name = s_meta_value(r, "period");
    p->year = atol(p->name);
    if (strcmp(r->status, "complete") != 0 || !lnob_period_year(p->name) || !lnob_channel_valid(s_channel(r)))
        return;
    lnob_key_current(&p->period, kind, channel, p->name);
    lnob_key_current(&p->latest, kind, channel, NULL);
    lnob_key_periods(&p->periods, kind, channel);
}

static unsigned long long s_u(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING ? strtoull(r->str, NULL, 10) : 0;
}

/* What the previous write left, from the replies of s_read_previous. */
static int s_previous_from(redisContext *c, const Lnob__V1__Result *r, redisReply **rep, const pointers_t *pt,
                           previous_t *p, char *err, size_t cap)
{
    if (rep[1]->type != REDIS_REPLY_ARRAY)
        return s_describe(c, rep[1], "read", err, cap);
    if (rep[2]->type != REDIS_REPLY_ARRAY || rep[2]->elements != 4)
        return s_describe(c, rep[2], "read", err, cap);
    p->keys = lnob_calloc(rep[1]->elements ? rep[1]->elements : 1, sizeof(char *));
    for (size_t i = 0; i < rep[1]->elements; i++)
        p->keys[p->n++] = lnob_strdup(rep[1]->element[i]->str);
    redisReply *const *m = rep[2]->element; /* status run_id computed_ms seq */
    p->redelivered = m[0]->type == REDIS_REPLY_STRING && !strcmp(m[0]->str, "complete") &&
                     m[1]->type == REDIS_REPLY_STRING && !strcmp(m[1]->str, r->run_id) &&
                     m[2]->type == REDIS_REPLY_STRING && !strcmp(m[2]->str, s_meta_value(r, "computed_ms"));
    p->seq = s_u(m[3]);
    p->redelivered = p->redelivered && p->seq; /* one stored before numbers were kept is published anew */
    p->last = s_u(rep[3]);
    const redisReply *top = *pt->periods.s ? rep[4] : NULL; /* ZREVRANGE 0 0 WITHSCORES */
    p->newest = !top || top->type != REDIS_REPLY_ARRAY || top->elements < 2 ||
                strtod(top->element[1]->str, NULL) <= (double) pt->year;
    return LNOB_OK;
}

/* WATCHes the extract, the publication counter and the pointers the
 * Result moves, and reads what a previous write left. */
static int s_read_previous(redisContext *c, const Lnob__V1__Result *r, const char *meta_key, const char *list_key,
                           const pointers_t *pt, previous_t *p, char *err, size_t cap)
{
    memset(p, 0, sizeof *p);
    int n = 4;
    if (*pt->periods.s)
        redisAppendCommand(c, "WATCH %s %s %s %s %s %s", meta_key, list_key, pt->seq.s, pt->period.s,
                           pt->latest.s, pt->periods.s);
    else
        redisAppendCommand(c, "WATCH %s %s %s", meta_key, list_key, pt->seq.s);
    redisAppendCommand(c, "LRANGE %s 0 -1", list_key);
    redisAppendCommand(c, "HMGET %s status run_id computed_ms seq", meta_key);
    redisAppendCommand(c, "GET %s", pt->seq.s);
    if (*pt->periods.s)
        redisAppendCommand(c, "ZREVRANGE %s 0 0 WITHSCORES", pt->periods.s), n++;
    redisReply *rep[5] = {0};
    int rc = s_replies(c, rep, n, "read", err, cap);
    if (rc != LNOB_OK)
        return rc;
    rc = s_previous_from(c, r, rep, pt, p, err, cap);
    s_free_replies(rep, n);
    return rc;
}

const char *const lnob_store_cell_fields[LNOB_CELL_FIELDS] = {
    "extract", "indicator", "breakdown", "group", "value", "n", "weight", "flag", "diagnostic", "suppressed"};

void lnob_store_cell_hash(const char *extract_id, const Lnob__V1__Cell *cell, lnob_cell_hash_t *h)
{
    h->value[0] = '\0';
    if (cell->has_value)
        lnob_format_double(cell->value, h->value, sizeof h->value);
    snprintf(h->n, sizeof h->n, "%llu", (unsigned long long) cell->n);
    lnob_format_double(cell->weight, h->weight, sizeof h->weight);
    const char *v[LNOB_CELL_FIELDS] = {extract_id, cell->indicator, cell->breakdown, cell->group,
                                       h->value, h->n, h->weight, cell->flag, cell->diagnostic,
                                       cell->suppressed};
    memcpy(h->values, v, sizeof v);
}

static void s_free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

#define DEL_CHUNK 512 /* keys per DEL or EXISTS command */

/* Sends the commands appended so far once they hold SEND_BYTES: a
 * transaction of 20,000 cells would otherwise build a buffer of 20 MB,
 * copied at each growth. Redis queues them; the replies are read at the
 * end. A failed write leaves the context's error for that read. */
static void s_send_some(redisContext *c)
{
    int done = 0;
    if (c->err || sdslen(c->obuf) < SEND_BYTES)
        return;
    while (!done && redisBufferWrite(c, &done) == REDIS_OK)
        ;
}

/* Appends one command: head's words, then items. */
static void s_append_list(redisContext *c, const char *const *head, size_t nhead,
                          char *const *items, size_t n)
{
    const char **argv = lnob_malloc((nhead + n) * sizeof *argv);
    for (size_t i = 0; i < nhead; i++)
        argv[i] = head[i];
    for (size_t i = 0; i < n; i++)
        argv[nhead + i] = items[i];
    redisAppendCommandArgv(c, (int) (nhead + n), argv, NULL);
    free(argv);
    s_send_some(c);
}

/* Appends verb over items, DEL_CHUNK at most a command. Returns the number
 * of commands. */
static int s_append_chunks(redisContext *c, const char *verb, char *const *items, size_t n)
{
    int cmds = 0;
    for (size_t i = 0; i < n; i += DEL_CHUNK, cmds++)
        s_append_list(c, &verb, 1, items + i, n - i < DEL_CHUNK ? n - i : DEL_CHUNK);
    return cmds;
}

/* HSET of one cell; public: its public form (lnob_publish_cell), a
 * withheld cell with n and weight empty. */
static void s_append_cell(redisContext *c, const char *extract_id, const Lnob__V1__Cell *cell,
                          const char *key, int public)
{
    lnob_cell_hash_t h;
    Lnob__V1__Cell shown;
    lnob_publish_cell(cell, &shown);
    lnob_store_cell_hash(extract_id, public ? &shown : cell, &h);
    if (public && strcmp(cell->flag, "SUPPRESS") == 0)
        h.n[0] = h.weight[0] = '\0';
    const char *argv[2 + 2 * LNOB_CELL_FIELDS] = {"HSET", key};
    for (int i = 0; i < LNOB_CELL_FIELDS; i++) {
        argv[2 + 2 * i] = lnob_store_cell_fields[i];
        argv[3 + 2 * i] = h.values[i];
    }
    redisAppendCommandArgv(c, 2 + 2 * LNOB_CELL_FIELDS, argv, NULL);
    s_send_some(c);
}

/* Strings each in its own allocation (a key is tens of bytes: fixed slots
 * of LNOB_KEY_MAX took 10 MB of fresh pages a round of 10,000 cells). */
typedef struct {
    char **v; /* owned */
    size_t n, cap;
} strings_t;

static void s_strings_add(strings_t *s, const char *str, size_t len)
{
    lnob_grow((void **) &s->v, &s->cap, s->n + 1, sizeof *s->v);
    s->v[s->n++] = lnob_strndup(str, len);
}

static void s_strings_key(strings_t *s, const char *key)
{
    s_strings_add(s, key, strlen(key));
}

/* The keys of r's cells, built once for the cells and their public twins. */
static void s_keys(const Lnob__V1__Result *r, strings_t *k)
{
    memset(k, 0, sizeof *k);
    for (size_t i = 0; i < r->n_cells; i++) {
        lnob_key_t key;
        lnob_store_cell_key(r->extract_id, r->cells[i], key.s, sizeof key.s);
        s_strings_key(k, key.s);
    }
}

/* The public twins of keys[0..n). */
static void s_twins(char *const *keys, size_t n, strings_t *k)
{
    memset(k, 0, sizeof *k);
    for (size_t i = 0; i < n; i++) {
        lnob_key_t t;
        s_strings_key(k, lnob_key_twin(&t, keys[i]));
    }
}

/* Appends the cells: one HSET each, then the list of their keys in order
 * and the sets of their indicators, a few commands for all. Returns how
 * many commands. */
static int s_append_cells(redisContext *c, const Lnob__V1__Result *r, char *const *keys, const char *list_key,
                          const char *ind_key)
{
    size_t cells = r->n_cells ? r->n_cells : 1;
    char **ind = lnob_malloc(cells * sizeof *ind);
    size_t n_ind = 0;
    int n = 0;
    for (size_t i = 0; i < r->n_cells; i++, n++) {
        s_append_cell(c, r->extract_id, r->cells[i], keys[i], 0);
        size_t k = n_ind;
        while (k > 0 && strcmp(ind[k - 1], r->cells[i]->indicator) != 0) /* mostly the last one */
            k--;
        if (k == 0)
            ind[n_ind++] = r->cells[i]->indicator;
    }
    for (size_t i = 0; i < r->n_cells; i += DEL_CHUNK, n++) {
        const char *head[] = {"RPUSH", list_key};
        s_append_list(c, head, 2, keys + i, r->n_cells - i < DEL_CHUNK ? r->n_cells - i : DEL_CHUNK);
    }
    for (int set = 0; set < 2 && n_ind; set++, n++) {
        const char *head[] = {"SADD", set ? LNOB_KEY_INDICATORS : ind_key};
        s_append_list(c, head, 2, ind, n_ind);
    }
    free(ind);
    return n;
}

static int s_append_meta(redisContext *c, const char *meta_key, const Lnob__V1__Result *r)
{
    size_t argc = 2 + 2 * r->n_meta;
    const char **argv = lnob_malloc(argc * sizeof *argv);
    argv[0] = "HSET";
    argv[1] = meta_key;
    for (size_t i = 0; i < r->n_meta; i++) {
        argv[2 + 2 * i] = r->meta[i]->key;
        argv[3 + 2 * i] = r->meta[i]->value;
    }
    redisAppendCommandArgv(c, (int) argc, argv, NULL);
    free(argv);
    return 1;
}

static const char *s_meta_value(const Lnob__V1__Result *r, const char *key)
{
    for (size_t i = 0; i < r->n_meta; i++)
        if (strcmp(r->meta[i]->key, key) == 0)
            return r->meta[i]->value;
    return "";
}

typedef void (*path_fn)(void *arg, const char *path, size_t len);

/* Calls fn for each input file of an extract: the path of each "D=path"
 * line of a four-file extract's inputs, else its source. */
static void s_each_input(const char *source, const char *inputs, path_fn fn, void *arg)
{
    if (!*inputs) {
        fn(arg, source, strlen(source));
        return;
    }
    for (const char *p = inputs; *p;) {
        const char *eol = strchr(p, '\n'), *path = strchr(p, '=');
        size_t len = eol ? (size_t) (eol - p) : strlen(p);
        path = path && path < p + len ? path + 1 : p;
        fn(arg, path, (size_t) (p + len - path));
        p += len + (eol != NULL);
    }
}

typedef struct {
    redisContext *c;
    const char *run_key, *extract_id;
    int n; /* commands appended */
} run_inputs_t;

static void s_append_run_input(void *arg, const char *path, size_t len)
{
    run_inputs_t *ri = arg;
    redisAppendCommand(ri->c, "HSET %s %b %s", ri->run_key, path, len, ri->extract_id);
    ri->n++;
}

/* Maps each input file to the extract in lnob:run:<run id>. Returns how
 * many commands were appended. */
static int s_append_run_inputs(redisContext *c, const Lnob__V1__Result *r, const char *run_key)
{
    run_inputs_t ri = {c, run_key, r->extract_id, 0};
    s_each_input(s_meta_value(r, "source"), s_meta_value(r, "inputs"), s_append_run_input, &ri);
    return ri.n;
}

/* ---- the public twin (lnob/keys.h) ---------------------------------------- */

/* Appends cmd with key's twin in place of key: "SET", key, value -> SET
 * lnob:pub:... value. */
static void s_twin(redisContext *c, const char *cmd, const char *key, const char *a, const char *b)
{
    lnob_key_t t;
    const char *argv[4] = {cmd, lnob_key_twin(&t, key), a, b};
    redisAppendCommandArgv(c, b ? 4 : a ? 3 : 2, argv, NULL);
}

/* DEL of the twins of keys[0..n); returns the number of commands. */
static int s_twin_del(redisContext *c, char *const *keys, size_t n)
{
    strings_t twins;
    s_twins(keys, n, &twins);
    int cmds = s_append_chunks(c, "DEL", twins.v, n);
    s_free_strings(twins.v, twins.n);
    return cmds;
}

/* The public twin of a complete extract: its cells as published (none when
 * it is not for publication) and their list, its public metadata, its place
 * in lnob:pub:extracts. Returns the number of commands. */
static int s_append_public(redisContext *c, const Lnob__V1__Result *r, char *const *cell_keys, const char *meta_key,
                           const char *list_key)
{
    int n = 0;
    size_t cells = lnob_publish_allowed(r) ? r->n_cells : 0;
    lnob_key_t t;
    strings_t twins;
    s_twins(cell_keys, cells, &twins);
    for (size_t i = 0; i < cells; i++, n++)
        s_append_cell(c, r->extract_id, r->cells[i], twins.v[i], 1);
    lnob_key_twin(&t, list_key);
    for (size_t i = 0; i < cells; i += DEL_CHUNK, n++) {
        const char *head[] = {"RPUSH", t.s};
        s_append_list(c, head, 2, twins.v + i, cells - i < DEL_CHUNK ? cells - i : DEL_CHUNK);
    }
    s_free_strings(twins.v, twins.n);
    const char **argv = lnob_malloc((4 + 2 * r->n_meta) * sizeof *argv);
    int argc = 0;
    argv[argc++] = "HSET";
    argv[argc++] = lnob_key_twin(&t, meta_key);
    argv[argc++] = "status";
    argv[argc++] = r->status;
    for (size_t i = 0; i < r->n_meta; i++)
        if (lnob_publish_meta_field(r->meta[i]->key) && strcmp(r->meta[i]->key, "status") != 0) {
            argv[argc++] = r->meta[i]->key;
            argv[argc++] = r->meta[i]->value;
        }
    redisAppendCommandArgv(c, argc, argv, NULL), n++;
    free(argv);
    redisAppendCommand(c, "ZADD " LNOB_KEY_PUB_EXTRACTS " %s %s", s_meta_value(r, "computed_ms"), r->extract_id), n++;
    return n;
}

#define ANNOUNCE_ARGS 21 /* XADD key [MAXLEN n] * and eight fields */

/* Appends the stream entry announcing a publication; the stream keeps its
 * newest stream_max entries (exactly: '=' trimming, as one XADD per
 * extract costs nothing; '~' would keep up to a macro node more). */
/* The stream entry of a publication, in the internal stream or the public
 * one (which names no source file and no run). */
static void s_append_announce(redisContext *c, const Lnob__V1__Result *r, long stream_max, const char *seq,
                              const char *stream)
{
    char cells[32], max[32];
    int public = !strcmp(stream, LNOB_KEY_PUB_STREAM);
    snprintf(cells, sizeof cells, "%zu", r->n_cells);
    snprintf(max, sizeof max, "%ld", stream_max);
    const char *argv[ANNOUNCE_ARGS] = {"XADD", stream};
    int n = 2;
    if (stream_max > 0) {
        argv[n++] = "MAXLEN";
        argv[n++] = max;
    }
    const char *rest[] = {"*", "extract", r->extract_id, "status", r->status,
                          "period", s_meta_value(r, "period"), "cells", cells, "channel", s_channel(r), "seq", seq,
                          "source", s_meta_value(r, "source"), "run_id", r->run_id};
    size_t fields = sizeof rest / sizeof rest[0] - (public ? 4 : 0);
    for (size_t i = 0; i < fields; i++)
        argv[n++] = rest[i];
    redisAppendCommandArgv(c, n, argv, NULL);
}

/* Appends a publication's commands: its number, the pointers it moves
 * and its stream entry. Returns how many. */
static int s_append_publication(redisContext *c, const Lnob__V1__Result *r, const previous_t *prev,
                                const pointers_t *pt, const char *meta_key, long stream_max, unsigned long long seq)
{
    char num[32], year[32];
    snprintf(num, sizeof num, "%llu", seq);
    snprintf(year, sizeof year, "%ld", pt->year);
    int n = 0;
    if (!prev->redelivered) /* a redelivered Result keeps its number, its pointers and its entry */
        redisAppendCommand(c, "SET %s %s", pt->seq.s, num), n++;
    redisAppendCommand(c, "HSET %s seq %s", meta_key, num), n++;
    s_twin(c, "HSET", meta_key, "seq", num), n++;
    if (prev->redelivered)
        return n;
    if (*pt->periods.s) {
        redisAppendCommand(c, "SET %s %s", pt->period.s, r->extract_id), n++;
        redisAppendCommand(c, "ZADD %s %s %s", pt->periods.s, year, pt->name), n++;
        s_twin(c, "SET", pt->period.s, r->extract_id, NULL), n++;
        lnob_key_t t;
        redisAppendCommand(c, "ZADD %s %s %s", lnob_key_twin(&t, pt->periods.s), year, pt->name), n++;
    }
    if (*pt->periods.s && prev->newest) {
        redisAppendCommand(c, "SET %s %s", pt->latest.s, r->extract_id), n++;
        s_twin(c, "SET", pt->latest.s, r->extract_id, NULL), n++;
    }
    s_append_announce(c, r, stream_max, num, LNOB_KEY_STREAM), n++;
    s_append_announce(c, r, stream_max, num, LNOB_KEY_PUB_STREAM), n++;
    return n;
}

/* Appends the commands of one transaction; returns how many. seq: the
 * publication's number, 0 for a failed extract (never published). */
static int s_append_transaction(redisContext *c, const Lnob__V1__Result *r, const previous_t *prev,
                                const pointers_t *pt, const char *meta_key, const char *list_key,
                                long stream_max, unsigned long long seq)
{
    lnob_key_t ik, rk, k;
    int complete = strcmp(r->status, "complete") == 0;
    int n = 0;
    const char *ind_key = lnob_key_indicators(&ik, r->extract_id), *run_key = lnob_key_run(&rk, r->run_id);
    redisAppendCommand(c, "MULTI"), n++;
    if (complete)
        n += s_append_chunks(c, "DEL", prev->keys, prev->n);
    if (complete)
        n += s_twin_del(c, prev->keys, prev->n);
    redisAppendCommand(c, "DEL %s %s %s", list_key, ind_key, meta_key), n++;
    s_twin(c, "DEL", list_key, NULL, NULL), n++;
    s_twin(c, "DEL", meta_key, NULL, NULL), n++;
    if (complete && r->quarantine_parts == 0)
        redisAppendCommand(c, "DEL %s", lnob_key_quarantine(&k, r->extract_id)), n++;
    strings_t keys;
    s_keys(r, &keys);
    n += s_append_cells(c, r, keys.v, list_key, ind_key);
    n += s_append_meta(c, meta_key, r);
    if (complete)
        redisAppendCommand(c, "ZADD " LNOB_KEY_EXTRACTS " %s %s", s_meta_value(r, "computed_ms"),
                           r->extract_id), n++;
    if (complete)
        n += s_append_public(c, r, keys.v, meta_key, list_key);
    s_free_strings(keys.v, keys.n);
    if (seq)
        n += s_append_publication(c, r, prev, pt, meta_key, stream_max, seq);
    n += s_append_run_inputs(c, r, run_key);
    redisAppendCommand(c, "EXPIRE %s %d", run_key, LNOB_RUN_TTL_SECONDS), n++;
    redisAppendCommand(c, "EXEC"), n++;
    return n;
}

/* Reads the replies of a transaction of n commands (MULTI ... EXEC).
 * Returns EXEC's reply (owned) when it committed; NULL when it was aborted
 * (a WATCHed key changed: *rc LNOB_OK) or failed (*rc and err say why). */
static redisReply *s_exec(redisContext *c, int n, char *err, size_t cap, int *rc)
{
    int queued = s_drain(c, n - 1, "transaction", err, cap);
    if (queued != LNOB_OK) {
        char execabort[LNOB_ERRSTR_MAX]; /* the first error says why, not EXECABORT */
        s_drain(c, 1, "exec", execabort, sizeof execabort);
        *rc = queued;
        return NULL;
    }
    redisReply *exec = NULL;
    if (redisGetReply(c, (void **) &exec) != REDIS_OK) {
        *rc = s_error(c, NULL, "EXEC", err, cap);
        return NULL;
    }
    *rc = LNOB_OK;
    if (exec->type == REDIS_REPLY_ARRAY)
        return exec;
    if (exec->type == REDIS_REPLY_ERROR)
        *rc = s_error(c, exec, "EXEC", err, cap);
    else
        freeReplyObject(exec);
    return NULL;
}

/* s_exec without the reply. Returns 1 committed, 0 aborted or failed. */
static int s_read_transaction(redisContext *c, int n, char *err, size_t cap, int *rc)
{
    redisReply *exec = s_exec(c, n, err, cap, rc);
    int committed = exec != NULL;
    freeReplyObject(exec);
    return committed;
}

int lnob_store_is_complete(redisContext *c, const char *extract_id, int *complete, char *err, size_t cap)
{
    lnob_key_t k;
    redisReply *r = redisCommand(c, "HGET %s status", lnob_key_extract(&k, extract_id));
    if (!r || r->type == REDIS_REPLY_ERROR)
        return s_error(c, r, "HGET", err, cap);
    *complete = r->type == REDIS_REPLY_STRING && !strcmp(r->str, "complete");
    freeReplyObject(r);
    return LNOB_OK;
}

int lnob_store_result(redisContext *c, const Lnob__V1__Result *r, long stream_max, lnob_store_published_t *out,
                      char *err, size_t cap)
{
    lnob_key_t mk, lk;
    const char *meta_key = lnob_key_extract(&mk, r->extract_id), *list_key = lnob_key_cells(&lk, r->extract_id);
    pointers_t pt;
    s_pointers(r, &pt);
    memset(out, 0, sizeof *out);
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        previous_t prev;
        int rc = s_read_previous(c, r, meta_key, list_key, &pt, &prev, err, cap);
        if (rc != LNOB_OK) {
            s_previous_free(&prev);
            return rc;
        }
        /* Published: every complete Result, each with the next number; a
         * redelivered one (its confirmation was lost) keeps the one it had. */
        int complete = strcmp(r->status, "complete") == 0;
        unsigned long long seq = !complete ? 0 : prev.redelivered && prev.seq ? prev.seq : prev.last + 1;
        int n = s_append_transaction(c, r, &prev, &pt, meta_key, list_key, stream_max, seq);
        int again = prev.redelivered;
        s_previous_free(&prev);
        if (s_read_transaction(c, n, err, cap, &rc)) {
            out->seq = seq;
            out->redelivered = complete && again;
            return LNOB_OK;
        }
        if (rc != LNOB_OK)
            return rc;
    }
    snprintf(err, cap, "extract %s changed concurrently %d times; not written", r->extract_id,
             WRITE_ATTEMPTS);
    return LNOB_ERR;
}

/* ---- verification --------------------------------------------------------- */

int lnob_store_verify(redisContext *c, const Lnob__V1__Result *r, int cells, char *err, size_t cap)
{
    /* the stream holds the rows quarantined whole and the flagged fields of kept rows */
    const char *want_q = s_meta_value(r, "rows_quarantined"), *flags = s_meta_value(r, "fields_flagged");
    unsigned long long want = strtoull(want_q, NULL, 10) + strtoull(flags, NULL, 10);
    lnob_key_t k;
    redisAppendCommand(c, "XLEN %s", lnob_key_quarantine(&k, r->extract_id));
    redisAppendCommand(c, "LLEN %s", lnob_key_cells(&k, r->extract_id));
    redisReply *q = NULL, *l = NULL;
    if (redisGetReply(c, (void **) &q) != REDIS_OK || redisGetReply(c, (void **) &l) != REDIS_OK) {
        freeReplyObject(q);
        return s_error(c, NULL, "verify", err, cap);
    }
    int rc = LNOB_OK;
    if (q->type != REDIS_REPLY_INTEGER || l->type != REDIS_REPLY_INTEGER) {
        rc = s_describe(c, q->type != REDIS_REPLY_INTEGER ? q : l, "verify", err, cap);
    } else if (*want_q && want != (unsigned long long) q->integer) {
        snprintf(err, cap, "the quarantine of extract %s holds %lld of its %llu entries", r->extract_id,
                 q->integer, want);
        rc = LNOB_AGAIN;
    } else if (cells && (unsigned long long) l->integer != (unsigned long long) r->n_cells) {
        snprintf(err, cap, "extract %s holds %lld of its %zu cells", r->extract_id, l->integer,
                 r->n_cells);
        rc = LNOB_AGAIN;
    }
    freeReplyObject(q);
    freeReplyObject(l);
    return rc;
}

int lnob_store_drop_quarantine(redisContext *c, const char *extract_id, char *err, size_t cap)
{
    lnob_key_t k;
    redisReply *r = redisCommand(c, "DEL %s", lnob_key_quarantine(&k, extract_id));
    if (!r || r->type != REDIS_REPLY_INTEGER)
        return s_error(c, r, "DEL", err, cap);
    freeReplyObject(r);
    return LNOB_OK;
}

/* ---- retention: listing --------------------------------------------------- */

#define SCAN_PAGE 1000      /* keys examined per SCAN round trip */


static int s_by_id(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Adds the ids of a SCAN page's metadata keys (lnob:extract:<id>, not the
 * extracts' other keys) to *ids. */
static void s_add_ids(const redisReply *keys, char ***ids, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < keys->elements; i++) {
        const redisReply *k = keys->element[i];
        const char *id = k->type == REDIS_REPLY_STRING ? lnob_key_extract_id(k->str) : NULL;
        if (!id)
            continue;
        lnob_grow((void **) ids, cap, *n + 1, sizeof **ids);
        (*ids)[(*n)++] = lnob_strdup(id);
    }
}

/* Sorts ids and drops repeats (SCAN may return a key twice). Returns how
 * many stay. */
static size_t s_sort_unique(char **ids, size_t n)
{
    if (n)
        qsort(ids, n, sizeof *ids, s_by_id);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (kept && !strcmp(ids[kept - 1], ids[i]))
            free(ids[i]);
        else
            ids[kept++] = ids[i];
    return kept;
}

int lnob_store_scan_ids(redisContext *c, char ***ids, size_t *n, char *err, size_t cap)
{
    char cursor[32] = "0";
    size_t got = 0, room = 0;
    *ids = NULL;
    *n = 0;
    do {
        redisReply *r = redisCommand(c, "SCAN %s MATCH " LNOB_KEY_EXTRACT_PATTERN " TYPE hash COUNT %d",
                                     cursor, SCAN_PAGE);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
            s_free_strings(*ids, got);
            *ids = NULL;
            return s_error(c, r, "SCAN", err, cap);
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        s_add_ids(r->element[1], ids, &got, &room);
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    *n = s_sort_unique(*ids, got);
    return LNOB_OK;
}

enum { X_STATUS, X_KIND, X_PERIOD, X_COMPUTED, X_CHANNEL, X_FIELDS };

static const char *s_str(const redisReply *r, const char *absent)
{
    return r->type == REDIS_REPLY_STRING && *r->str ? r->str : absent;
}

static void s_extract_from(lnob_store_extract_t *x, const char *id, const redisReply *hmget)
{
    redisReply *const *v = hmget->element;
    x->id = lnob_strdup(id);
    x->status = lnob_strdup(s_str(v[X_STATUS], ""));
    x->kind = lnob_strdup(s_str(v[X_KIND], DEFAULT_KIND));
    x->channel = lnob_strdup(s_str(v[X_CHANNEL], LNOB_CHANNEL_DEFAULT));
    x->period = lnob_strdup(s_str(v[X_PERIOD], ""));
    x->computed_ms = strtoll(s_str(v[X_COMPUTED], "0"), NULL, 10);
}

int lnob_store_extracts(redisContext *c, lnob_store_extract_t **out, size_t *n, char *err,
                        size_t cap)
{
    char **ids;
    size_t k, got = 0;
    lnob_key_t key;
    *out = NULL;
    *n = 0;
    int rc = lnob_store_scan_ids(c, &ids, &k, err, cap);
    if (rc != LNOB_OK)
        return rc;
    for (size_t i = 0; i < k; i++)
        redisAppendCommand(c, "HMGET %s status kind period computed_ms channel", lnob_key_extract(&key, ids[i]));
    lnob_store_extract_t *l = lnob_calloc(k ? k : 1, sizeof *l);
    for (size_t i = 0; i < k; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **) &r) != REDIS_OK) {
            rc = s_error(c, NULL, "HMGET", err, cap); /* the context is in error: dropped */
            break;
        }
        if (r->type != REDIS_REPLY_ARRAY || r->elements != X_FIELDS) {
            if (rc == LNOB_OK)
                rc = s_describe(c, r, "HMGET", err, cap);
        } else if (r->element[X_STATUS]->type == REDIS_REPLY_STRING) {
            s_extract_from(&l[got++], ids[i], r); /* else: removed since the SCAN */
        }
        freeReplyObject(r);
    }
    s_free_strings(ids, k);
    if (rc != LNOB_OK) {
        lnob_store_extracts_free(&l, got);
        return rc;
    }
    *out = l;
    *n = got;
    return LNOB_OK;
}

void lnob_store_extracts_free(lnob_store_extract_t **list, size_t n)
{
    if (!list || !*list)
        return;
    for (size_t i = 0; i < n; i++) {
        lnob_store_extract_t *x = &(*list)[i];
        free(x->id);
        free(x->kind);
        free(x->channel);
        free(x->period);
        free(x->status);
    }
    free(*list);
    *list = NULL;
}

/* ---- retention: removal --------------------------------------------------- */


static void s_strings_add_path(void *arg, const char *path, size_t len)
{
    s_strings_add(arg, path, len);
}

/* What removing one extract takes, read under WATCH. */
typedef struct {
    int found;                 /* its metadata hash is there */
    long long computed_ms;     /* its metadata's */
    lnob_key_t run;    /* lnob:run:<run id> its metadata names, or "" */
    /* the pointers of its kind and channel (lnob/keys.h), "" for a
     * period that is not a year */
    lnob_key_t current, latest, periods, seq;
    char period[32], kind[32], channel[LNOB_CHANNEL_MAX + 1];
    unsigned long long last;   /* the channel's number (lnob:seq:<channel>) */
    int repoint;               /* current names the extract */
    int relatest;              /* latest names it */
    lnob_key_t next;   /* then: the current pointer of the next latest period, or "" */
    char *next_id;     /* ... and the extract it names, or NULL */
    strings_t keys;            /* the keys to delete */
    strings_t fields;          /* its input files: then those run maps to the extract */
} plan_t;

static void s_plan_free(plan_t *p)
{
    free(p->next_id);
    s_free_strings(p->keys.v, p->keys.n);
    s_free_strings(p->fields.v, p->fields.n);
}

/* The sum of the integer replies among r[0..n). */
static size_t s_sum(redisReply *const *r, size_t n)
{
    size_t sum = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i]->type == REDIS_REPLY_INTEGER && r[i]->integer > 0)
            sum += (size_t) r[i]->integer;
    return sum;
}

/* The metadata removal reads, in the order of the M_ indexes. */
#define META_FIELDS "status kind period run_id computed_ms source inputs channel"
enum { M_STATUS, M_KIND, M_PERIOD, M_RUN, M_COMPUTED, M_SOURCE, M_INPUTS, M_CHANNEL, M_FIELDS };

/* Fills the plan from the metadata (HMGET of the M_ fields) and the cell list. */
static void s_plan_keys(plan_t *p, const char *id, const redisReply *meta, const redisReply *cells)
{
    static const char *(*const own[])(lnob_key_t *, const char *) = {
        lnob_key_extract, lnob_key_cells, lnob_key_indicators, lnob_key_quarantine};
    redisReply *const *m = meta->element;
    lnob_key_t key;
    p->found = m[M_STATUS]->type == REDIS_REPLY_STRING;
    if (!p->found)
        return;
    p->computed_ms = strtoll(s_str(m[M_COMPUTED], "0"), NULL, 10);
    for (size_t i = 0; i < cells->elements; i++)
        if (cells->element[i]->type == REDIS_REPLY_STRING) {
            s_strings_add(&p->keys, cells->element[i]->str, cells->element[i]->len);
            s_strings_key(&p->keys, lnob_key_twin(&key, cells->element[i]->str));
        }
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        const char *k = own[i](&key, id);
        s_strings_key(&p->keys, k);
        if (own[i] == lnob_key_extract || own[i] == lnob_key_cells) { /* with public twins */
            lnob_key_t t;
            s_strings_key(&p->keys, lnob_key_twin(&t, k));
        }
    }
    if (*s_str(m[M_RUN], "")) {
        lnob_key_run(&p->run, m[M_RUN]->str);
        s_each_input(s_str(m[M_SOURCE], ""), s_str(m[M_INPUTS], ""), s_strings_add_path,
                     &p->fields);
    }
    const char *kind = s_str(m[M_KIND], DEFAULT_KIND), *channel = s_str(m[M_CHANNEL], LNOB_CHANNEL_DEFAULT);
    snprintf(p->period, sizeof p->period, "%s", s_str(m[M_PERIOD], ""));
    if (!lnob_period_year(p->period) || !lnob_channel_valid(channel) || strlen(kind) >= sizeof p->kind)
        return;
    lnob_key_current(&p->current, kind, channel, p->period);
    lnob_key_current(&p->latest, kind, channel, NULL);
    lnob_key_periods(&p->periods, kind, channel);
    lnob_key_seq(&p->seq, channel);
    snprintf(p->channel, sizeof p->channel, "%s", channel);
    snprintf(p->kind, sizeof p->kind, "%s", kind);
}

static int s_names(const redisReply *r, const char *id)
{
    return r->type == REDIS_REPLY_STRING && !strcmp(r->str, id);
}

/* When the channel's latest pointer names the extract: WATCHes and reads
 * the current extract of the period before its own, where the pointer goes
 * when its period is left with none (periods: ZREVRANGE 0 1 WITHSCORES). */
static int s_plan_next(redisContext *c, plan_t *p, const redisReply *periods, char *err, size_t cap)
{
    const redisReply *next = NULL;
    for (size_t i = 0; periods->type == REDIS_REPLY_ARRAY && i + 1 < periods->elements && !next; i += 2)
        if (strcmp(periods->element[i]->str, p->period) != 0)
            next = periods->element[i];
    if (!next)
        return LNOB_OK;
    lnob_key_current(&p->next, p->kind, p->channel, next->str);
    redisAppendCommand(c, "WATCH %s", p->next.s);
    redisAppendCommand(c, "GET %s", p->next.s);
    redisReply *r[2] = {0};
    int rc = s_replies(c, r, 2, "read", err, cap);
    if (rc != LNOB_OK)
        return rc;
    if (r[1]->type == REDIS_REPLY_STRING)
        p->next_id = lnob_strdup(r[1]->str);
    s_free_replies(r, 2);
    return LNOB_OK;
}

/* Keeps the fields whose HMGET value is id, frees the others. */
static void s_keep_fields(strings_t *f, const redisReply *values, const char *id)
{
    size_t kept = 0;
    int ok = values->type == REDIS_REPLY_ARRAY && values->elements == f->n;
    for (size_t i = 0; i < f->n; i++) {
        const redisReply *v = ok ? values->element[i] : NULL;
        if (v && v->type == REDIS_REPLY_STRING && !strcmp(v->str, id))
            f->v[kept++] = f->v[i];
        else
            free(f->v[i]);
    }
    f->n = kept;
}

/* WATCHes and reads what names the extract outside its own keys: the
 * fields of its run hash, and the current pointers of its kind and channel. */
static int s_plan_pointers(redisContext *c, const char *id, plan_t *p, char *err, size_t cap)
{
    int n = 0, has_run = *p->run.s && p->fields.n;
    if (has_run) {
        const char *head[] = {"HMGET", p->run.s};
        redisAppendCommand(c, "WATCH %s", p->run.s);
        s_append_list(c, head, 2, p->fields.v, p->fields.n);
        n += 2;
    }
    if (*p->current.s) {
        redisAppendCommand(c, "WATCH %s %s %s %s", p->current.s, p->latest.s, p->periods.s, p->seq.s);
        redisAppendCommand(c, "GET %s", p->seq.s);
        redisAppendCommand(c, "GET %s", p->current.s);
        redisAppendCommand(c, "GET %s", p->latest.s);
        redisAppendCommand(c, "ZREVRANGE %s 0 1 WITHSCORES", p->periods.s);
        n += 5;
    }
    redisReply *r[7] = {0};
    int rc = n ? s_replies(c, r, n, "read", err, cap) : LNOB_OK;
    if (rc != LNOB_OK || !n)
        return rc;
    if (has_run)
        s_keep_fields(&p->fields, r[1], id);
    p->last = *p->current.s ? s_u(r[n - 4]) : 0;
    p->repoint = *p->current.s && s_names(r[n - 3], id);
    p->relatest = *p->current.s && s_names(r[n - 2], id);
    if (p->relatest)
        rc = s_plan_next(c, p, r[n - 1], err, cap);
    s_free_replies(r, n);
    return rc;
}

/* WATCHes the extract's keys and reads what removing it takes. */
static int s_plan_read(redisContext *c, const char *id, plan_t *p, char *err, size_t cap)
{
    lnob_key_t mk, lk, qk;
    const char *meta = lnob_key_extract(&mk, id), *cells = lnob_key_cells(&lk, id);
    redisAppendCommand(c, "WATCH %s %s %s", meta, cells, lnob_key_quarantine(&qk, id));
    redisAppendCommand(c, "HMGET %s " META_FIELDS, meta);
    redisAppendCommand(c, "LRANGE %s 0 -1", cells);
    redisReply *r[3] = {0};
    int rc = s_replies(c, r, 3, "read", err, cap);
    if (rc != LNOB_OK)
        return rc;
    if (r[1]->type != REDIS_REPLY_ARRAY || r[1]->elements != M_FIELDS)
        rc = s_describe(c, r[1], "read", err, cap);
    else if (r[2]->type != REDIS_REPLY_ARRAY)
        rc = s_describe(c, r[2], "read", err, cap);
    else
        s_plan_keys(p, id, r[1], r[2]);
    s_free_replies(r, 3);
    return rc == LNOB_OK && p->found ? s_plan_pointers(c, id, p, err, cap) : rc;
}

static int s_unwatch(redisContext *c, char *err, size_t cap)
{
    redisReply *r = redisCommand(c, "UNWATCH");
    if (!r || r->type == REDIS_REPLY_ERROR)
        return s_error(c, r, "UNWATCH", err, cap);
    freeReplyObject(r);
    return LNOB_OK;
}

/* A dry run: how many of the keys exist. Releases the WATCH. */
static int s_count_existing(redisContext *c, const plan_t *p, size_t *keys, char *err, size_t cap)
{
    int n = s_append_chunks(c, "EXISTS", p->keys.v, p->keys.n);
    redisAppendCommand(c, "UNWATCH");
    redisReply **r = lnob_calloc((size_t) n + 1, sizeof *r);
    int rc = s_replies(c, r, n + 1, "EXISTS", err, cap);
    if (rc == LNOB_OK) {
        *keys = s_sum(r, (size_t) n);
        s_free_replies(r, n + 1);
    }
    free(r);
    return rc;
}

/* A removal that moves the channel's state takes the channel's next
 * number and says so in the stream (status "removed"): a follower sees the
 * gap at the next publication and asks for the state again, and a late
 * joiner's state is never another under the same number. */
static int s_append_renumber(redisContext *c, const char *id, const plan_t *p)
{
    char num[32];
    snprintf(num, sizeof num, "%llu", p->last + 1);
    redisAppendCommand(c, "SET %s %s", p->seq.s, num);
    for (int i = 0; i < 2; i++)
        redisAppendCommand(c, "XADD %s * extract %s status removed period %s channel %s seq %s",
                           i ? LNOB_KEY_PUB_STREAM : LNOB_KEY_STREAM, id, p->period, p->channel, num);
    return 3;
}

/* Appends what moves the pointers that name the extract: to its successor
 * (the newest complete extract of its kind, channel and period that
 * stays); without one its period leaves the channel, and the channel's
 * latest goes to the period before. Returns how many commands. */
static int s_append_repoint(redisContext *c, const char *id, const plan_t *p, const char *successor)
{
    int n = p->repoint || p->relatest ? s_append_renumber(c, id, p) : 0, moved = successor && *successor;
    const char *latest = moved ? successor : p->next_id;
    for (int twin = 0; twin < 2; twin++) { /* the internal pointers, then their public twins */
        lnob_key_t cur, per, lat;
        const char *current = twin ? lnob_key_twin(&cur, p->current.s) : p->current.s;
        const char *periods = twin ? lnob_key_twin(&per, p->periods.s) : p->periods.s;
        const char *last = twin ? lnob_key_twin(&lat, p->latest.s) : p->latest.s;
        if (p->repoint && moved)
            redisAppendCommand(c, "SET %s %s", current, successor), n++;
        else if (p->repoint)
            redisAppendCommand(c, "DEL %s", current), n++; /* DEL counts no key of the extract's */
        if (p->repoint && !moved)
            redisAppendCommand(c, "ZREM %s %s", periods, p->period), n++;
        if (p->relatest && latest)
            redisAppendCommand(c, "SET %s %s", last, latest), n++;
        else if (p->relatest)
            redisAppendCommand(c, "DEL %s", last), n++;
    }
    return n;
}

/* The removal's transaction. *committed 0: a WATCHed key changed. */
static int s_remove_exec(redisContext *c, const char *id, const plan_t *p, const char *successor,
                         int *committed, size_t *keys, char *err, size_t cap)
{
    redisAppendCommand(c, "MULTI");
    int dels = s_append_chunks(c, "DEL", p->keys.v, p->keys.n), n = dels + 1;
    redisAppendCommand(c, "ZREM " LNOB_KEY_EXTRACTS " %s", id), n++;
    redisAppendCommand(c, "ZREM " LNOB_KEY_PUB_EXTRACTS " %s", id), n++;
    if (p->fields.n) {
        const char *head[] = {"HDEL", p->run.s};
        s_append_list(c, head, 2, p->fields.v, p->fields.n), n++;
    }
    n += s_append_repoint(c, id, p, successor);
    redisAppendCommand(c, "EXEC"), n++;
    int rc;
    redisReply *exec = s_exec(c, n, err, cap, &rc);
    *committed = exec != NULL;
    if (!exec)
        return rc;
    redisReply *bad = s_first_error(exec->element, (int) exec->elements);
    if (bad) /* e.g. a key of another type: what came before it is done (no rollback) */
        rc = s_describe(c, bad, "EXEC", err, cap);
    *keys = s_sum(exec->element, exec->elements < (size_t) dels ? exec->elements : (size_t) dels);
    freeReplyObject(exec);
    return rc;
}

/* Acts on a plan read under WATCH: nothing when the extract is gone or was
 * stored again, a count in a dry run, else the transaction. *committed is
 * 0 only when a WATCHed key changed (read and try again). */
static int s_remove_planned(redisContext *c, const lnob_store_removal_t *what, plan_t *p,
                            lnob_store_removed_t *out, int *committed, char *err, size_t cap)
{
    *committed = 1;
    out->found = p->found;
    out->changed = p->found && what->computed_ms >= 0 && p->computed_ms != what->computed_ms;
    if (!p->found || out->changed)
        return s_unwatch(c, err, cap);
    int moved = what->successor && *what->successor;
    out->current = !p->repoint ? LNOB_STORE_CURRENT_UNTOUCHED
                   : moved     ? LNOB_STORE_CURRENT_MOVED
                               : LNOB_STORE_CURRENT_DELETED;
    out->pointer = p->current;
    if (what->dry_run)
        return s_count_existing(c, p, &out->keys, err, cap);
    return s_remove_exec(c, what->id, p, what->successor, committed, &out->keys, err, cap);
}

/* WATCHes the successor a removal was given and keeps it only while it is
 * stored complete: a pointer never moves to an extract removed or failed
 * since the list was read. */
static int s_check_successor(redisContext *c, lnob_store_removal_t *what, char *err, size_t cap)
{
    lnob_key_t k;
    const char *meta = lnob_key_extract(&k, what->successor);
    redisAppendCommand(c, "WATCH %s", meta);
    redisAppendCommand(c, "HGET %s status", meta);
    redisReply *r[2] = {0};
    int rc = s_replies(c, r, 2, "read", err, cap);
    if (rc != LNOB_OK)
        return rc;
    if (r[1]->type != REDIS_REPLY_STRING || strcmp(r[1]->str, "complete") != 0)
        what->successor = NULL;
    s_free_replies(r, 2);
    return LNOB_OK;
}

int lnob_store_remove(redisContext *c, const lnob_store_removal_t *what, lnob_store_removed_t *out,
                      char *err, size_t cap)
{
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        plan_t p;
        memset(&p, 0, sizeof p);
        memset(out, 0, sizeof *out);
        lnob_store_removal_t now = *what;
        int committed = 0, rc = s_plan_read(c, what->id, &p, err, cap);
        if (rc == LNOB_OK && p.found && now.successor && *now.successor)
            rc = s_check_successor(c, &now, err, cap);
        if (rc == LNOB_OK)
            rc = s_remove_planned(c, &now, &p, out, &committed, err, cap);
        s_plan_free(&p);
        if (rc != LNOB_OK || committed)
            return rc;
    }
    snprintf(err, cap, "extract %s changed concurrently %d times; not removed", what->id,
             WRITE_ATTEMPTS);
    return LNOB_ERR;
}
