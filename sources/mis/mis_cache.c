/* mis_cache.c - what the drop folder has read of each export (mis_cache.h). */
#include "mis_cache.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lnob/mem.h"

/* What a file is: another identity means another file or other content. */
typedef struct {
    int exists;
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
} ident_t;

typedef struct {
    lnob_mis_read_t read; /* first: a read handed out is its entry */
    char *path, *map;
    ident_t file, map_file;
    size_t batches_cap;
    int full;             /* the cap was reached while it was read */
} entry_t;

struct lnob_mis_cache {
    entry_t **v;
    size_t n, cap;
    size_t limit, held;   /* bytes allowed, bytes allocated for batches */
    size_t reads;         /* reads begun */
    ProtobufCAllocator alloc;
};

/* ---- counted allocation ---------------------------------------------------- */

#define HEAD 16 /* bytes before each block: its size, keeping malloc's alignment */
#define FIT_FACTOR 2 /* a file is read into the cache only with this many times its size left */

static void *s_alloc(void *data, size_t size)
{
    lnob_mis_cache_t *c = data;
    unsigned char *p = lnob_malloc(size + HEAD);
    memcpy(p, &size, sizeof size);
    c->held += size + HEAD;
    return p + HEAD;
}

static void s_free(void *data, void *ptr)
{
    lnob_mis_cache_t *c = data;
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *) ptr - HEAD;
    size_t size;
    memcpy(&size, p, sizeof size);
    c->held -= size + HEAD;
    free(p);
}

/* ---- identities -------------------------------------------------------------- */

static ident_t s_ident(const char *path)
{
    struct stat st;
    ident_t id = {0};
    if (!*path || stat(path, &st) != 0)
        return id;
    id.exists = 1;
    id.dev = (uint64_t) st.st_dev;
    id.ino = (uint64_t) st.st_ino;
    id.size = (uint64_t) st.st_size;
    id.mtime_ns = (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    id.ctime_ns = (int64_t) st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
    return id;
}

static int s_same(const ident_t *a, const ident_t *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* The same content after a rename by us: all but ctime. */
static int s_same_but_ctime(const ident_t *a, const ident_t *b)
{
    ident_t x = *b;
    x.ctime_ns = a->ctime_ns;
    return s_same(a, &x);
}

/* ---- entries ----------------------------------------------------------------- */

static void s_entry_free(lnob_mis_cache_t *c, entry_t *e)
{
    for (size_t i = 0; i < e->read.n; i++)
        protobuf_c_message_free_unpacked(&e->read.batches[i]->base, &c->alloc);
    free(e->read.batches);
    free(e->path);
    free(e->map);
    free(e);
}

static void s_remove(lnob_mis_cache_t *c, size_t i)
{
    s_entry_free(c, c->v[i]);
    c->v[i] = c->v[--c->n];
}

static entry_t *s_find(const lnob_mis_cache_t *c, const char *path, size_t *at)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[i]->path, path)) {
            if (at)
                *at = i;
            return c->v[i];
        }
    return NULL;
}

lnob_mis_cache_t *lnob_mis_cache_new(size_t cap)
{
    lnob_mis_cache_t *c = lnob_calloc(1, sizeof *c);
    c->limit = cap;
    c->alloc = (ProtobufCAllocator){s_alloc, s_free, c};
    return c;
}

void lnob_mis_cache_destroy(lnob_mis_cache_t **self_p)
{
    lnob_mis_cache_t *c = *self_p;
    if (!c)
        return;
    while (c->n)
        s_remove(c, c->n - 1);
    free(c->v);
    free(c);
    *self_p = NULL;
}

const lnob_mis_read_t *lnob_mis_cache_find(lnob_mis_cache_t *self, const char *path, const char *map)
{
    entry_t *e = s_find(self, path, NULL);
    if (!e || strcmp(e->map, map) != 0)
        return NULL;
    ident_t now = s_ident(path), map_now = s_ident(map);
    return s_same(&now, &e->file) && s_same(&map_now, &e->map_file) ? &e->read : NULL;
}

lnob_mis_read_t *lnob_mis_cache_begin(lnob_mis_cache_t *self, const char *path, const char *map)
{
    ident_t file = s_ident(path);
    /* its batches take about as many bytes as the file (73 MB for 53 MB):
     * one that could not fit is not read in vain, round after round */
    if (self->held >= self->limit || file.size > (self->limit - self->held) / FIT_FACTOR)
        return NULL;
    entry_t *e = lnob_calloc(1, sizeof *e);
    self->reads++;
    e->path = lnob_strdup(path);
    e->map = lnob_strdup(map);
    e->file = file;
    e->map_file = s_ident(map);
    return &e->read;
}

void lnob_mis_cache_add(lnob_mis_cache_t *self, lnob_mis_read_t *read, const Lnob__V1__MisBatch *b)
{
    entry_t *e = (entry_t *) read;
    read->rows += b->rows_read;
    read->rejects += b->n_rejects;
    for (size_t i = 0; i < b->record_count && !b->needs_register; i++)
        read->latest = b->start_date[i] > read->latest ? b->start_date[i] : read->latest;
    if (e->full || self->held >= self->limit) { /* too big to keep: read again each round */
        e->full = 1;
        return;
    }
    size_t len = protobuf_c_message_get_packed_size(&b->base);
    uint8_t *buf = lnob_malloc(len ? len : 1);
    protobuf_c_message_pack(&b->base, buf);
    Lnob__V1__MisBatch *copy = lnob__v1__mis_batch__unpack(&self->alloc, len, buf);
    free(buf);
    lnob_grow((void **) &read->batches, &e->batches_cap, read->n + 1, sizeof *read->batches);
    read->batches[read->n++] = copy;
}

const lnob_mis_read_t *lnob_mis_cache_end(lnob_mis_cache_t *self, lnob_mis_read_t *read, int ok)
{
    entry_t *e = (entry_t *) read;
    ident_t now = s_ident(e->path), map_now = s_ident(e->map);
    size_t at;
    for (size_t i = 0; i < read->n; i++)
        ok = ok && read->batches[i] != NULL;
    if (!ok || e->full || !e->file.exists || !s_same(&now, &e->file) || !s_same(&map_now, &e->map_file)) {
        s_entry_free(self, e);
        return NULL;
    }
    if (s_find(self, e->path, &at))
        s_remove(self, at);
    lnob_grow((void **) &self->v, &self->cap, self->n + 1, sizeof *self->v);
    self->v[self->n++] = e;
    return &e->read;
}

/* Replaces a string the allocator made (never protobuf-c's shared ""). */
static void s_set(lnob_mis_cache_t *c, char **field, const char *v)
{
    size_t n = strlen(v) + 1;
    if (*field && *field != protobuf_c_empty_string)
        s_free(c, *field);
    *field = s_alloc(c, n);
    memcpy(*field, v, n);
}

void lnob_mis_cache_moved(lnob_mis_cache_t *self, const char *from, const char *to, const char *map_to)
{
    size_t at;
    if (s_find(self, to, &at)) /* the read of the file it replaced */
        s_remove(self, at);
    entry_t *e = s_find(self, from, &at);
    if (!e)
        return;
    ident_t now = s_ident(to), map_now = map_to ? s_ident(map_to) : e->map_file;
    if (!s_same_but_ctime(&now, &e->file) || !s_same_but_ctime(&map_now, &e->map_file)) {
        s_remove(self, at); /* something else changed it: read it again */
        return;
    }
    e->file = now;
    e->map_file = map_now;
    free(e->path);
    e->path = lnob_strdup(to);
    if (map_to) {
        free(e->map);
        e->map = lnob_strdup(map_to);
    }
    for (size_t i = 0; i < e->read.n; i++) {
        Lnob__V1__MisBatch *b = e->read.batches[i];
        s_set(self, &b->source, to);
        for (size_t r = 0; r < b->n_rejects; r++)
            s_set(self, &b->rejects[r]->source, to);
    }
}

void lnob_mis_cache_keep(lnob_mis_cache_t *self, const char *const *paths, size_t n)
{
    for (size_t i = self->n; i-- > 0;) {
        size_t k = 0;
        while (k < n && strcmp(paths[k], self->v[i]->path) != 0)
            k++;
        if (k == n)
            s_remove(self, i);
    }
}

size_t lnob_mis_cache_bytes(const lnob_mis_cache_t *self)
{
    return self->held;
}

size_t lnob_mis_cache_entries(const lnob_mis_cache_t *self)
{
    return self->n;
}

size_t lnob_mis_cache_reads(const lnob_mis_cache_t *self)
{
    return self ? self->reads : 0;
}
