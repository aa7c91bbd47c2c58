/* textcache.c - answers remembered by the exact text of a field (textcache.h). */
#include "textcache.h"

#include <czmq.h>
#include <string.h>

#include "lnob/mem.h"

struct lnob_textcache {
    zhashx_t *map;        /* text -> owned copy of its answer */
    size_t value_size, max;
};

static void s_free_value(void **item)
{
    free(*item);
    *item = NULL;
}

lnob_textcache_t *lnob_textcache_new(size_t value_size, size_t max_texts)
{
    lnob_textcache_t *self = lnob_calloc(1, sizeof *self);
    self->map = zhashx_new();
    zhashx_set_destructor(self->map, s_free_value);
    self->value_size = value_size;
    self->max = max_texts;
    return self;
}

void lnob_textcache_destroy(lnob_textcache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->map);
    free(*self_p);
    *self_p = NULL;
}

/* s[0..len) as a NUL-terminated key in key; 0 when it cannot be one. */
static int s_key(const char *s, size_t len, char key[LNOB_TEXTCACHE_KEY_MAX])
{
    if (len >= LNOB_TEXTCACHE_KEY_MAX || memchr(s, '\0', len))
        return 0;
    memcpy(key, s, len);
    key[len] = '\0';
    return 1;
}

const void *lnob_textcache_get(lnob_textcache_t *self, const char *s, size_t len)
{
    char key[LNOB_TEXTCACHE_KEY_MAX];
    return s_key(s, len, key) ? zhashx_lookup(self->map, key) : NULL;
}

void lnob_textcache_put(lnob_textcache_t *self, const char *s, size_t len, const void *value)
{
    char key[LNOB_TEXTCACHE_KEY_MAX];
    if (zhashx_size(self->map) >= self->max || !s_key(s, len, key))
        return;
    void *copy = lnob_malloc(self->value_size);
    memcpy(copy, value, self->value_size);
    if (zhashx_insert(self->map, key, copy) != 0)
        free(copy); /* already there */
}
