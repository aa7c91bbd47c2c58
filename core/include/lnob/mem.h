/* lnob/mem.h - allocation that aborts on out-of-memory.
 *
 * One wrapper, so no module carries an untested recovery path for OOM
 * (Redis zmalloc). Not for: arenas or pools; callers batch their own. */
#ifndef LNOB_MEM_H
#define LNOB_MEM_H
#include <stddef.h>

/* Each returns owned memory or aborts the process with a message. */
void *lnob_malloc(size_t size);
void *lnob_calloc(size_t n, size_t size);
void *lnob_realloc(void *ptr, size_t size);
char *lnob_strdup(const char *s);
char *lnob_strndup(const char *s, size_t n);
/* Tells malloc to keep freed memory for reuse: blocks below 32 MB come
 * from its heaps rather than a mapping of their own, and up to keep_bytes
 * freed at a heap's top stay mapped (glibc counts that per heap: each
 * thread's arena may keep as much). For a worker that does the same work
 * again and again (each MIS drop round frames the year anew): each round's
 * ~100 MB was otherwise faulted in afresh, which took half of the
 * aggregator's time on the machine of docs/BENCHMARKS.md. malloc_trim
 * still gives it all back. Call once, at start-up; returns 0, or -1 when
 * malloc refused a setting (it then keeps its own). */
int lnob_mem_reuse(size_t keep_bytes);
#define LNOB_MEM_KEEP_BYTES ((size_t) 256 << 20) /* the aggregator's and the sink's */
/* Grows *buf (element size elem) so that it holds at least need elements;
 * *cap is updated. Amortised doubling. Inline: it is on per-field paths
 * and nearly always has room already. */
void lnob_grow_slow(void **buf, size_t *cap, size_t need, size_t elem);
static inline void lnob_grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need > *cap)
        lnob_grow_slow(buf, cap, need, elem);
}

#endif
