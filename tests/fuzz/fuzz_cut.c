/* fuzz_cut.c - libFuzzer target: a merged SILC file cut into ranges
 * (sources/silc/silc_cut.h). Plans the input read in two parts (split
 * where its first byte says), then, when it may be cut, reads it again in
 * three parts and checks what the transformers would get: the ranges in
 * seq order, each of whole lines, their first lines rising, and together
 * every line after the header, byte for byte (a missing last line end
 * added). Any break of that aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/geo.h"
#include "lnob/rc.h"
#include "silc_cut.h"

static lnob_geo_t *s_geo;

typedef struct {
    const uint8_t *want; /* the lines after the header */
    size_t want_len, at;
    uint32_t next;
    uint64_t last_line;
} check_t;

static int s_range(void *arg, uint32_t seq, uint64_t first_line, uint32_t rows, const char *data, size_t len)
{
    check_t *c = arg;
    if (seq != c->next++ || first_line <= c->last_line || !rows || !len || data[len - 1] != '\n')
        abort();
    c->last_line = first_line;
    size_t rest = c->want_len - c->at; /* the last range may carry the added line end */
    if (len > rest + 1 || memcmp(data, c->want + c->at, len <= rest ? len : rest) != 0)
        abort();
    c->at += len <= rest ? len : rest;
    return LNOB_OK;
}

static void s_parts(lnob_silc_cut_t *cut, int (*feed)(void *, const char *, size_t), const uint8_t *data,
                    size_t size, size_t a, size_t b)
{
    feed(cut, (const char *) data, a);
    feed(cut, (const char *) data + a, b - a);
    feed(cut, (const char *) data + b, size - b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_geo)
        s_geo = lnob_geo_new();
    size_t a = size ? data[0] % (size + 1) : 0, b = size > 1 ? data[1] % (size + 1) : 0;
    if (b < a) {
        size_t t = a;
        a = b, b = t;
    }
    lnob_silc_cut_t *cut = lnob_silc_cut_new(s_geo, 3);
    s_parts(cut, lnob_silc_cut_plan, data, size, a, b);
    const char *why;
    if (lnob_silc_cut_ok(cut, &why)) {
        const uint8_t *nl = memchr(data, '\n', size);
        if (!nl)
            abort(); /* a file cut has a header line and rows */
        check_t c = {nl + 1, size - (size_t) (nl + 1 - data), 0, 0, 0};
        lnob_silc_cut_start(cut, s_range, &c);
        s_parts(cut, lnob_silc_cut_send, data, size, b / 2, b);
        if (lnob_silc_cut_finish(cut) != LNOB_OK || c.at != c.want_len || c.next != lnob_silc_cut_ranges(cut))
            abort();
    } else if (!why || !*why)
        abort(); /* a file not cut says why */
    lnob_silc_cut_destroy(&cut);
    return 0;
}
