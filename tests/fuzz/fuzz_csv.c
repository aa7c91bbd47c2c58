/* fuzz_csv.c - libFuzzer target: the CSV layer (core/csv.h).
 * The first byte picks where the input is split into two feeds, so that
 * state carried across feeds (BOM, quotes, line numbers) is exercised, and
 * the reader's line bound (1-4 lines a row, so that broken rows and the
 * lines read again after them are exercised on short inputs). Rows come in
 * line order. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/csv.h"

#define MAX_LINES_PICKED 4

typedef struct {
    size_t sum;
    uint64_t last_line;
} seen_t;

static int s_row(void *arg, const lnob_csv_row_t *row)
{
    seen_t *seen = arg;
    size_t *sum = &seen->sum;
    char out[256];
    if (row->line < seen->last_line)
        abort(); /* rows in line order, broken ones included */
    seen->last_line = row->line;
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
    size_t split = size ? data[0] % (size + 1) : 0;
    seen_t seen = {0, 0};
    lnob_csv_t *csv = lnob_csv_new(',', s_row, &seen);
    lnob_csv_set_max_lines(csv, 1 + (size ? data[0] % MAX_LINES_PICKED : 0));
    lnob_csv_feed(csv, (const char *) data, split);
    lnob_csv_feed(csv, (const char *) data + split, size - split);
    lnob_csv_finish(csv);
    if (lnob_csv_lines(csv) > size + 1)
        abort();
    lnob_csv_destroy(&csv);
    return 0;
}
