/* textcache.h - answers remembered by the exact text of a field.
 *
 * The sources resolve the same few texts row after row (municipality names
 * and codes, service and status labels): each is looked up once, then its
 * answer comes from here. A bounded map from a field's bytes to an answer
 * of a fixed size; a text longer than LNOB_TEXTCACHE_KEY_MAX - 1 bytes, or
 * holding a NUL, is never remembered. Not for: the lookups themselves. */
#ifndef LNOB_KIT_TEXTCACHE_H
#define LNOB_KIT_TEXTCACHE_H
#include <stddef.h>

#define LNOB_TEXTCACHE_KEY_MAX 128

typedef struct lnob_textcache lnob_textcache_t;

/* A cache of answers of value_size bytes, at most max_texts of them. */
lnob_textcache_t *lnob_textcache_new(size_t value_size, size_t max_texts);
/* NULL-safe; NULLs *self_p. */
void lnob_textcache_destroy(lnob_textcache_t **self_p);
/* The answer remembered for s[0..len), or NULL. */
const void *lnob_textcache_get(lnob_textcache_t *self, const char *s, size_t len);
/* Remembers value for s[0..len) unless the text cannot be kept or the
 * cache is full. */
void lnob_textcache_put(lnob_textcache_t *self, const char *s, size_t len, const void *value);

#endif
