/* serve_events.c - /api/v1/events: the publications as Server-Sent Events (serve_events.h). */
#include "serve_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "lnob/format.h"
#include "lnob/keys.h"
#include "lnob/mem.h"
#include "lnob/redis.h"

#define BLOCK_MS 5000 /* a comment line at least this often */
#define BATCH 100     /* entries read at once */

typedef struct {
    redisContext *c;
    char channel[LNOB_CHANNEL_MAX + 1];
    char last[LNOB_EVENTS_ID_MAX]; /* read after this entry */
    char *pending;                 /* bytes not yet handed over */
    size_t len, at;
} events_t;

/* One entry as an event, when it is of the channel. */
static void s_event(FILE *f, const events_t *e, const char *id, const redisReply *fields)
{
    const char *channel = lnob_redis_pair(fields, "channel"), *extract = lnob_redis_pair(fields, "extract");
    if (strcmp(*channel ? channel : LNOB_CHANNEL_DEFAULT, e->channel) != 0)
        return;
    const char *removed = !strcmp(lnob_redis_pair(fields, "status"), "removed") ? "removed" : "publication";
    fprintf(f, "id: %s\nevent: %s\ndata: {\"extract\": ", id, removed);
    lnob_format_json_string(f, extract);
    fprintf(f, ", \"kind\": \"%.*s\", \"period\": ", (int) strcspn(extract, "-"), extract);
    lnob_format_json_string(f, lnob_redis_pair(fields, "period"));
    fprintf(f, ", \"channel\": \"%s\", \"seq\": %llu}\n\n", e->channel,
            strtoull(lnob_redis_pair(fields, "seq"), NULL, 10));
}

/* Reads the next entries (waiting up to BLOCK_MS) into e->pending: their
 * events, or a comment line. -1 when Redis failed. */
static int s_next(events_t *e)
{
    free(e->pending);
    e->pending = NULL;
    e->len = e->at = 0;
    redisReply *r = redisCommand(e->c, "XREAD COUNT %d BLOCK %d STREAMS " LNOB_KEY_PUB_STREAM " %s", BATCH, BLOCK_MS,
                                 e->last);
    if (!r || (r->type != REDIS_REPLY_ARRAY && r->type != REDIS_REPLY_NIL)) {
        freeReplyObject(r);
        return -1;
    }
    FILE *f = open_memstream(&e->pending, &e->len);
    const redisReply *entries = r->type == REDIS_REPLY_ARRAY && r->elements ? r->element[0]->element[1] : NULL;
    for (size_t i = 0; entries && i < entries->elements; i++) {
        const redisReply *entry = entries->element[i];
        snprintf(e->last, sizeof e->last, "%s", entry->element[0]->str);
        s_event(f, e, entry->element[0]->str, entry->element[1]);
    }
    if (ftell(f) == 0)
        fputs(": waiting\n\n", f);
    fclose(f);
    freeReplyObject(r);
    return 0;
}

static ssize_t s_more(void *arg, char *buf, size_t cap)
{
    events_t *e = arg;
    if (!buf) { /* the stream is over */
        redisFree(e->c);
        free(e->pending);
        free(e);
        return -1;
    }
    if (e->at == e->len && s_next(e) != 0)
        return -1; /* Redis is gone: the client reconnects with Last-Event-ID */
    size_t n = e->len - e->at < cap ? e->len - e->at : cap;
    memcpy(buf, e->pending + e->at, n);
    e->at += n;
    return (ssize_t) n;
}

void lnob_stream_end_id(redisContext *c, char *out, size_t cap)
{
    redisReply *r = redisCommand(c, "XREVRANGE " LNOB_KEY_PUB_STREAM " + - COUNT 1");
    int one = r && r->type == REDIS_REPLY_ARRAY && r->elements == 1;
    snprintf(out, cap, "%s", one ? r->element[0]->element[0]->str : "0-0");
    freeReplyObject(r);
}

static int s_entry_id(const char *id)
{
    size_t digits = strspn(id, "0123456789");
    return digits && digits < 21 && id[digits] == '-' && strlen(id + digits + 1) < 21 &&
           strspn(id + digits + 1, "0123456789") == strlen(id + digits + 1) && id[digits + 1];
}

int lnob_serve_events(redisContext *c, const char *channel, const char *last_id, lnob_httpd_answer_t *a)
{
    if (last_id && !s_entry_id(last_id))
        return -1;
    events_t *e = lnob_calloc(1, sizeof *e);
    e->c = c;
    int64_t wait_ms = BLOCK_MS + LNOB_REDIS_TIMEOUT_MS; /* a blocked read is not a frozen Redis */
    struct timeval tv = {(time_t) (wait_ms / 1000), (suseconds_t) (wait_ms % 1000) * 1000};
    redisSetTimeout(c, tv);
    snprintf(e->channel, sizeof e->channel, "%s", channel);
    if (last_id)
        snprintf(e->last, sizeof e->last, "%s", last_id);
    else
        lnob_stream_end_id(c, e->last, sizeof e->last);
    e->pending = lnob_strdup("retry: 2000\n\n"); /* EventSource: reconnect after 2 s */
    e->len = strlen(e->pending);
    a->status = 200;
    a->type = "text/event-stream";
    a->cache = "no-cache";
    a->more = s_more;
    a->more_arg = e;
    return 0;
}
