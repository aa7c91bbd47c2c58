/* fuzz_silc.c - libFuzzer target: the SILC source (sources/silc/silc.h).
 * Feeds the input in two parts split where the first byte says, with a
 * small batch size; every column of every batch is read so that ASan sees
 * any length that disagrees with record_count. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/geo.h"
#include "silc.h"

static lnob_geo_t *s_geo;

static int s_emit(void *arg, Lnob__V1__Batch *b)
{
    uint64_t *sum = arg;
    for (size_t i = 0; i < b->record_count; i++) {
        *sum += (uint64_t) b->person_id[i] + (uint64_t) b->household_id[i] + (uint64_t) b->weight[i];
        *sum += b->sex[i] + (uint64_t) b->age[i] + b->line[i];
        *sum += strlen(b->region_dict[b->region[i]]) + strlen(b->municipality_dict[b->municipality[i]]);
        *sum += (uint64_t) (b->n_hx090 ? b->hx090[i] == 0 : b->hy020[i] + b->hx050[i] == 0);
    }
    for (size_t i = 0; i < b->n_rejects; i++)
        *sum += strlen(b->rejects[i]->raw) + strlen(b->rejects[i]->reason) + strlen(b->rejects[i]->field);
    if (b->n_region != b->record_count || b->n_municipality != b->record_count)
        abort();
    return LNOB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_geo)
        s_geo = lnob_geo_new();
    uint64_t sum = 0;
    size_t split = size ? data[0] % (size + 1) : 0;
    lnob_silc_opts_t o = {.source = "fuzz.csv", .checksum = "0123456789abcdef0123456789abcdef",
                          .run_id = "fuzz", .batch_size = 7, .geo = s_geo, .emit = s_emit,
                          .arg = &sum};
    lnob_silc_t *p = lnob_silc_new(&o);
    if (lnob_silc_feed(p, (const char *) data, split) == LNOB_OK &&
        lnob_silc_feed(p, (const char *) data + split, size - split) == LNOB_OK)
        lnob_silc_finish(p);
    if (lnob_silc_records(p) > lnob_silc_rows_read(p))
        abort();
    lnob_silc_destroy(&p);
    return 0;
}
