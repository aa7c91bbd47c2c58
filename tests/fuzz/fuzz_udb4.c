/* fuzz_udb4.c - libFuzzer target: the four-file UDB join (sources/silc/udb4.h)
 * feeding the SILC source, as the ingester wires them. The input is cut
 * into the D, H, R and P files at '\x1e' bytes (record separator; missing
 * parts are empty files, so P may be absent); every joined row goes to
 * the SILC parser and every reject is checked for a file and a reason. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/csv.h"
#include "lnob/geo.h"
#include "silc.h"
#include "udb4.h"

static lnob_geo_t *s_geo;
static const char *const s_src[LNOB_UDB4_FILES] = {"D.csv", "H.csv", "R.csv", "P.csv"};

static int s_emit(void *arg, Lnob__V1__Batch *b)
{
    uint64_t *sum = arg;
    for (size_t i = 0; i < b->record_count; i++)
        *sum += (uint64_t) b->person_id[i] + (uint64_t) b->age[i];
    for (size_t i = 0; i < b->n_rejects; i++)
        if (!b->rejects[i]->reason[0] || b->rejects[i]->file > LNOB_UDB4_FILES)
            abort();
    return LNOB_OK;
}

static int s_row(void *arg, const lnob_csv_row_t *row) { return lnob_silc_row(arg, row); }

static int s_reject(void *arg, const lnob_udb4_reject_t *r)
{
    if (!r->source || !r->reason[0] || r->file < 0 || r->file >= LNOB_UDB4_FILES)
        abort();
    return lnob_silc_reject(arg, (uint32_t) r->file + 1, r->source, r->line, r->field, r->reason,
                            r->detail, r->raw);
}

static void s_where(void *arg, size_t field, char *buf, size_t cap)
{
    lnob_udb4_where(arg, field, buf, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_geo)
        s_geo = lnob_geo_new();
    const char *part[LNOB_UDB4_FILES] = {0};
    size_t len[LNOB_UDB4_FILES] = {0};
    const char *p = (const char *) data, *end = p + size;
    for (int f = 0; f < LNOB_UDB4_FILES && p <= end; f++) {
        const char *sep = memchr(p, 0x1e, (size_t) (end - p));
        part[f] = p;
        len[f] = (size_t) ((sep ? sep : end) - p);
        p = sep ? sep + 1 : end + 1;
    }
    const char *src[LNOB_UDB4_FILES] = {s_src[0], s_src[1], s_src[2], part[3] ? s_src[3] : NULL};
    lnob_udb4_t *join = lnob_udb4_new(src, 2023);
    int rc = LNOB_OK;
    for (int f = 0; f < LNOB_UDB4_FILES && rc == LNOB_OK; f++) {
        if (!part[f])
            continue;
        lnob_udb4_feed_t arg = {join, f};
        lnob_csv_t *csv = lnob_csv_new(',', lnob_udb4_feed_row, &arg);
        rc = lnob_csv_feed(csv, part[f], len[f]);
        if (rc == LNOB_OK)
            rc = lnob_csv_finish(csv);
        lnob_csv_destroy(&csv);
    }
    uint64_t sum = 0;
    lnob_silc_opts_t o = {.source = "R.csv", .checksum = "0123456789abcdef0123456789abcdef",
                          .run_id = "fuzz", .batch_size = 5, .geo = s_geo, .emit = s_emit,
                          .arg = &sum, .file = LNOB_UDB4_R + 1, .where = s_where, .where_arg = join};
    lnob_silc_t *s = lnob_silc_new(&o);
    lnob_udb4_out_t out = {s_row, s_reject, s, NULL};
    if (rc == LNOB_OK && lnob_udb4_join(join, &out) == LNOB_OK)
        lnob_silc_finish(s);
    lnob_silc_destroy(&s);
    lnob_udb4_destroy(&join);
    return 0;
}
