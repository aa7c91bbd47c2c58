/* fuzz_csv.c - libFuzzer target: the CSV layer (core/csv.h).
 * The first byte picks where the input is split into two feeds, so that
 * state carried across feeds (BOM, quotes, line numbers) is exercised. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/csv.h"

static int s_row(void *arg, const lnob_csv_row_t *row)
{
    size_t *sum = arg;
    char out[256];
    for (size_t i = 0; i < row->nfields; i++)
        for (size_t k = 0; k < row->lens[i]; k++)
            *sum += (unsigned char) row->fields[i][k]; /* touches every byte */
    lnob_csv_format_row(row, ',', out, sizeof out);
    if (strlen(out) >= sizeof out)
        abort();
    return LNOB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t sum = 0, split = size ? data[0] % (size + 1) : 0;
    lnob_csv_t *csv = lnob_csv_new(',', s_row, &sum);
    lnob_csv_feed(csv, (const char *) data, split);
    lnob_csv_feed(csv, (const char *) data + split, size - split);
    lnob_csv_finish(csv);
    if (lnob_csv_lines(csv) > size + 1)
        abort();
    lnob_csv_destroy(&csv);
    return 0;
}
