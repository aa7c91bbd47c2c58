/* snapshot.c - the state of a channel, read at one publication number (snapshot.h). */
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/keys.h"
#include "lnob/mem.h"
#include "lnob/redis.h"
#include "publish.h"
#include "registry.h"

#define READ_ATTEMPTS 5 /* the state changed while it was read: read it again */
#define TOPIC_MAX 256

typedef struct {
    char **v;
    size_t n, cap;
} list_t;

static void s_add(list_t *l, const char *s)
{
    lnob_grow((void **) &l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = lnob_strdup(s);
}

static void s_list_free(list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Reads n replies into r; an error reply or a lost connection fails it,
 * keeping none. */
static int s_replies(redisContext *c, redisReply **r, size_t n, char *err, size_t cap)
{
    int rc = LNOB_OK, lost = 0;
    for (size_t i = 0; i < n; i++) {
        r[i] = NULL;
        if (!lost && redisGetReply(c, (void **) &r[i]) != REDIS_OK) {
            snprintf(err, cap, "Redis snapshot read: %s", c->errstr[0] ? c->errstr : "no reply");
            rc = LNOB_ERR, lost = 1; /* every reply is read, so the pipeline stays in step, unless lost */
        } else if (!lost && rc == LNOB_OK && r[i]->type == REDIS_REPLY_ERROR) {
            snprintf(err, cap, "Redis snapshot read: %s", r[i]->str);
            rc = lnob_redis_reply_rc(r[i]->str);
        }
    }
    if (rc != LNOB_OK)
        for (size_t i = 0; i < n; i++)
            freeReplyObject(r[i]);
    return rc;
}

/* Appends one command: verb, then the items of l. */
static void s_append_all(redisContext *c, const char *verb, const list_t *l)
{
    const char **argv = lnob_malloc((l->n + 1) * sizeof *argv);
    argv[0] = verb;
    for (size_t i = 0; i < l->n; i++)
        argv[i + 1] = l->v[i];
    redisAppendCommandArgv(c, (int) l->n + 1, argv, NULL);
    free(argv);
}

/* WATCHes the channel's number and periods and reads them; adds the
 * current pointer of each kind and period to pointers. */
static int s_read_periods(redisContext *c, const char *channel, list_t *pointers, unsigned long long *seq,
                          char *err, size_t cap)
{
    lnob_key_t k;
    list_t watch = {0};
    s_add(&watch, lnob_key_seq(&k, channel));
    for (size_t i = 0; i < lnob_sources_n; i++)
        s_add(&watch, lnob_key_periods(&k, lnob_sources[i]->name, channel));
    s_append_all(c, "WATCH", &watch);
    redisAppendCommand(c, "GET %s", watch.v[0]);
    for (size_t i = 0; i < lnob_sources_n; i++)
        redisAppendCommand(c, "ZRANGE %s 0 -1", watch.v[i + 1]);
    size_t n = 2 + lnob_sources_n;
    redisReply **r = lnob_calloc(n, sizeof *r);
    int rc = s_replies(c, r, n, err, cap);
    if (rc == LNOB_OK) {
        *seq = r[1]->type == REDIS_REPLY_STRING ? strtoull(r[1]->str, NULL, 10) : 0;
        for (size_t i = 0; i < lnob_sources_n; i++)
            for (size_t p = 0; r[2 + i]->type == REDIS_REPLY_ARRAY && p < r[2 + i]->elements; p++)
                s_add(pointers, lnob_key_current(&k, lnob_sources[i]->name, channel, r[2 + i]->element[p]->str));
        for (size_t i = 0; i < n; i++)
            freeReplyObject(r[i]);
    }
    free(r);
    s_list_free(&watch);
    return rc;
}

/* WATCHes the pointers and reads the extracts they name into ids. */
static int s_read_pointers(redisContext *c, const list_t *pointers, list_t *ids, char *err, size_t cap)
{
    if (!pointers->n)
        return LNOB_OK;
    s_append_all(c, "WATCH", pointers);
    s_append_all(c, "MGET", pointers);
    redisReply *r[2];
    int rc = s_replies(c, r, 2, err, cap);
    if (rc != LNOB_OK)
        return rc;
    for (size_t i = 0; r[1]->type == REDIS_REPLY_ARRAY && i < r[1]->elements; i++)
        if (r[1]->element[i]->type == REDIS_REPLY_STRING)
            s_add(ids, r[1]->element[i]->str);
    freeReplyObject(r[0]);
    freeReplyObject(r[1]);
    return LNOB_OK;
}

/* A cell hash (HGETALL, field/value pairs) as a Cell whose strings point
 * into the reply. */
static void s_cell(const redisReply *h, Lnob__V1__Cell *cell)
{
    lnob__v1__cell__init(cell);
    for (size_t i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2) {
        const char *f = h->element[i]->str;
        char *v = h->element[i + 1]->str;
        if (!strcmp(f, "indicator"))
            cell->indicator = v;
        else if (!strcmp(f, "breakdown"))
            cell->breakdown = v;
        else if (!strcmp(f, "group"))
            cell->group = v;
        else if (!strcmp(f, "value") && *v)
            cell->has_value = 1, cell->value = strtod(v, NULL);
        else if (!strcmp(f, "n"))
            cell->n = strtoull(v, NULL, 10);
        else if (!strcmp(f, "weight"))
            cell->weight = strtod(v, NULL);
        else if (!strcmp(f, "flag"))
            cell->flag = v;
        else if (!strcmp(f, "diagnostic"))
            cell->diagnostic = v;
        else if (!strcmp(f, "suppressed"))
            cell->suppressed = v;
    }
}

/* The Result of a metadata hash and its cell hashes, packed as published;
 * its strings point into the replies, which the caller frees. */
static void s_pack(const char *id, const redisReply *meta, redisReply *const *cells, size_t n_cells,
                   lnob_snapshot_item_t *item)
{
    size_t n_meta = meta->elements / 2;
    Lnob__V1__MetaField *fields = lnob_calloc(n_meta + 1, sizeof *fields);
    Lnob__V1__MetaField **mp = lnob_calloc(n_meta + 1, sizeof *mp);
    Lnob__V1__Cell *cv = lnob_calloc(n_cells + 1, sizeof *cv);
    Lnob__V1__Cell **cp = lnob_calloc(n_cells + 1, sizeof *cp);
    Lnob__V1__Result r = LNOB__V1__RESULT__INIT;
    r.extract_id = (char *) id;
    unsigned long long seq = 0;
    for (size_t i = 0; i < n_meta; i++) {
        lnob__v1__meta_field__init(&fields[i]);
        fields[i].key = meta->element[2 * i]->str;
        fields[i].value = meta->element[2 * i + 1]->str;
        mp[i] = &fields[i];
        if (!strcmp(fields[i].key, "status"))
            r.status = fields[i].value;
        else if (!strcmp(fields[i].key, "run_id"))
            r.run_id = fields[i].value;
        else if (!strcmp(fields[i].key, "seq"))
            seq = strtoull(fields[i].value, NULL, 10);
    }
    for (size_t i = 0; i < n_cells; i++) {
        s_cell(cells[i], &cv[i]);
        cp[i] = &cv[i];
    }
    r.meta = mp, r.n_meta = n_meta;
    r.cells = cp, r.n_cells = n_cells;
    char topic[TOPIC_MAX];
    size_t withheld;
    item->topic = lnob_strdup(lnob_publish_topic(&r, topic, sizeof topic));
    item->bytes = lnob_publish_pack(&r, seq, &item->len, &withheld);
    free(fields), free(mp), free(cv), free(cp);
}

/* WATCHes one extract's metadata and cell list, reads them and its cells,
 * and packs it. */
static int s_read_extract(redisContext *c, const char *id, lnob_snapshot_item_t *item, char *err, size_t cap)
{
    lnob_key_t mk, lk;
    const char *meta = lnob_key_extract(&mk, id), *list = lnob_key_cells(&lk, id);
    redisAppendCommand(c, "WATCH %s %s", meta, list);
    redisAppendCommand(c, "HGETALL %s", meta);
    redisAppendCommand(c, "LRANGE %s 0 -1", list);
    redisReply *r[3];
    int rc = s_replies(c, r, 3, err, cap);
    if (rc != LNOB_OK)
        return rc;
    size_t n = r[2]->type == REDIS_REPLY_ARRAY ? r[2]->elements : 0;
    for (size_t i = 0; i < n; i++)
        redisAppendCommand(c, "HGETALL %s", r[2]->element[i]->str);
    redisReply **cells = lnob_calloc(n + 1, sizeof *cells);
    rc = s_replies(c, cells, n, err, cap);
    if (rc == LNOB_OK && r[1]->type == REDIS_REPLY_ARRAY && r[1]->elements)
        s_pack(id, r[1], cells, n, item); /* else gone: a pointer to nothing is left out */
    for (size_t i = 0; rc == LNOB_OK && i < n; i++)
        freeReplyObject(cells[i]);
    free(cells);
    for (int i = 0; i < 3; i++)
        freeReplyObject(r[i]);
    return rc;
}

/* An empty transaction: committed (1) when nothing WATCHed changed. */
static int s_unchanged(redisContext *c, int *same, char *err, size_t cap)
{
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "EXEC");
    redisReply *r[2];
    int rc = s_replies(c, r, 2, err, cap);
    if (rc != LNOB_OK)
        return rc;
    *same = r[1]->type == REDIS_REPLY_ARRAY;
    freeReplyObject(r[0]);
    freeReplyObject(r[1]);
    return LNOB_OK;
}

static int s_read_once(redisContext *c, const char *channel, lnob_snapshot_t *out, int *same, char *err,
                       size_t cap)
{
    list_t pointers = {0}, ids = {0};
    int rc = s_read_periods(c, channel, &pointers, &out->seq, err, cap);
    if (rc == LNOB_OK)
        rc = s_read_pointers(c, &pointers, &ids, err, cap);
    out->items = lnob_calloc(ids.n + 1, sizeof *out->items);
    for (size_t i = 0; rc == LNOB_OK && i < ids.n; i++) {
        rc = s_read_extract(c, ids.v[i], &out->items[out->n], err, cap);
        out->n += out->items[out->n].bytes != NULL;
    }
    if (rc == LNOB_OK)
        rc = s_unchanged(c, same, err, cap);
    s_list_free(&pointers);
    s_list_free(&ids);
    return rc;
}

int lnob_snapshot_read(redisContext *c, const char *channel, lnob_snapshot_t *out, char *err, size_t cap)
{
    for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
        memset(out, 0, sizeof *out);
        int same = 0, rc = s_read_once(c, channel, out, &same, err, cap);
        if (rc == LNOB_OK && same)
            return LNOB_OK;
        lnob_snapshot_free(out);
        if (rc != LNOB_OK && !c->err) { /* Redis refused a read: the connection is kept, its WATCH not */
            redisReply *u = redisCommand(c, "UNWATCH");
            freeReplyObject(u);
        }
        if (rc != LNOB_OK)
            return rc;
    }
    snprintf(err, cap, "the channel's extracts changed %d times while they were read", READ_ATTEMPTS);
    return LNOB_AGAIN;
}

void lnob_snapshot_free(lnob_snapshot_t *s)
{
    for (size_t i = 0; s->items && i < s->n; i++) {
        free(s->items[i].topic);
        free(s->items[i].bytes);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}
