/* mem.c - allocation that aborts on out-of-memory (see lnob/mem.h). */
#include "lnob/mem.h"

#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_oom(size_t size)
{
    fprintf(stderr, "lnob: out of memory allocating %zu bytes\n", size);
    abort();
}

#define REUSE_BELOW ((size_t) 32 << 20) /* glibc's largest mmap threshold on 64 bits */

int lnob_mem_reuse(size_t keep_bytes)
{
    int ok = mallopt(M_MMAP_THRESHOLD, (int) REUSE_BELOW);
    ok &= mallopt(M_TRIM_THRESHOLD, (int) (keep_bytes < INT_MAX ? keep_bytes : INT_MAX));
    return ok ? 0 : -1;
}

void *lnob_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        s_oom(size);
    return p;
}

void *lnob_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        s_oom(n * size);
    return p;
}

void *lnob_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        s_oom(size);
    return p;
}

char *lnob_strdup(const char *s)
{
    return lnob_strndup(s, strlen(s));
}

char *lnob_strndup(const char *s, size_t n)
{
    char *p = lnob_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void lnob_grow_slow(void **buf, size_t *cap, size_t need, size_t elem)
{
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    *buf = lnob_realloc(*buf, ncap * elem);
    *cap = ncap;
}
