/* fuzz_mis.c - libFuzzer target: the MIS export parser (sources/mis/mis.h) and
 * the mapping-file parser (sources/mis/mis_map.h).
 * An input holding "\n%%\n" is a mapping file, then the export; else it is
 * all export (and is also parsed as a mapping file on its own). The export
 * is fed in three parts split where its first and last bytes say; the
 * encoding, delimiter and batch size come from the input's size. Every
 * column of every batch is read so that ASan sees any length that
 * disagrees with record_count, and the privacy rule is checked: nothing
 * shaped like a personal number in any text a batch carries. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/geo.h"
#include "mis_codes.h"
#include "mis.h"
#include "mis_map.h"
#include "pseudonym.h"

#define SEPARATOR "\n%%\n"

static lnob_geo_t *s_geo;
static lnob_pseudonym_t *s_pseu;

static int s_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int s_digit(char c) { return c >= '0' && c <= '9'; }

/* A letter, eight digits, a letter, standing as a word. */
static void s_no_nid(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + 10 <= n; i++) {
        int ok = s_alpha(s[i]) && s_alpha(s[i + 9]) && (i == 0 || !(s_alpha(s[i - 1]) || s_digit(s[i - 1]))) &&
                 !(s_alpha(s[i + 10]) || s_digit(s[i + 10]));
        for (size_t k = 1; ok && k <= 8; k++)
            ok = s_digit(s[i + k]);
        if (ok)
            abort();
    }
}

static int s_emit(void *arg, Lnob__V1__MisBatch *b)
{
    uint64_t *sum = arg;
    size_t n = b->record_count;
    if (b->n_person_key != n || b->n_record_id != n || b->n_municipality != n || b->n_service != n ||
        b->n_sex != n || b->n_birth_date != n || b->n_flags != n || b->n_start_date != n ||
        b->n_end_date != n || b->n_status != n || b->n_line != n || n > b->rows_read)
        abort();
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(b->person_key[i]);
        if ((k != 0 && k != LNOB_PSEUDONYM_HEX) || b->municipality[i] == 0 ||
            b->municipality[i] >= b->n_municipality_dict || b->service[i] == 0 ||
            b->service[i] >= b->n_service_dict || b->flags[i] > 15 || b->status[i] > 1 ||
            b->start_date[i] < 19000101 || (b->end_date[i] && b->end_date[i] < b->start_date[i]) ||
            !(b->sex[i] == 1 || b->sex[i] == 2 || b->sex[i] == 9))
            abort();
        s_no_nid(b->record_id[i]);
        *sum += k + strlen(b->record_id[i]) + (uint64_t) b->birth_date[i] + b->line[i];
        *sum += strlen(b->municipality_dict[b->municipality[i]]) + strlen(b->service_dict[b->service[i]]);
    }
    for (size_t i = 0; i < b->n_rejects; i++) {
        const Lnob__V1__Reject *r = b->rejects[i];
        s_no_nid(r->raw);
        s_no_nid(r->detail);
        s_no_nid(r->field);
        *sum += strlen(r->reason) + r->line;
    }
    return LNOB_OK;
}

static const char *s_find(const uint8_t *data, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, needle, n) == 0)
            return (const char *) data + i;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_geo) {
        static const uint8_t key[LNOB_PSEUDONYM_KEY_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
        s_geo = lnob_geo_new();
        s_pseu = lnob_pseudonym_new(key);
    }
    lnob_mis_map_t *map = lnob_mis_map_new();
    const char *sep = s_find(data, size, SEPARATOR), *in = (const char *) data;
    if (sep) {
        if (lnob_mis_map_parse(map, "fuzz.map", in, (size_t) (sep - in)) != LNOB_OK)
            lnob_mis_map_destroy(&map);
        size -= (size_t) (sep - in) + strlen(SEPARATOR);
        in = sep + strlen(SEPARATOR);
    } else {
        lnob_mis_map_parse(map, "fuzz.map", in, size);
        lnob_mis_map_destroy(&map);
    }
    uint64_t sum = 0;
    lnob_mis_opts_t o = {.source = "fuzz.csv", .extract_id = "mis-fuzz", .run_id = "fuzz",
                         .batch_size = 1 + size % 5, .geo = s_geo, .pseudonym = s_pseu, .map = map,
                         .encoding = size % 11 == 0 ? (lnob_encoding_t) (size / 11 % 5) : LNOB_ENC_AUTO,
                         .delimiter = size % 13 == 0 ? ",;\t"[size / 13 % 3] : 0,
                         .municipality = size % 17 == 0 ? "Tirana" : NULL,
                         .service = size % 19 == 0 ? "Strehëz" : NULL,
                         .emit = s_emit, .arg = &sum};
    size_t a = size ? (uint8_t) in[0] % (size + 1) : 0;
    size_t b = size ? a + (uint8_t) in[size - 1] % (size - a + 1) : 0;
    lnob_mis_t *p = lnob_mis_new(&o);
    if (lnob_mis_feed(p, in, a) == LNOB_OK && lnob_mis_feed(p, in + a, b - a) == LNOB_OK &&
        lnob_mis_feed(p, in + b, size - b) == LNOB_OK)
        lnob_mis_finish(p);
    if (lnob_mis_rows_read(p) != lnob_mis_records(p) + lnob_mis_rejected(p))
        abort();
    s_no_nid(lnob_mis_header(p));
    s_no_nid(lnob_mis_errstr(p));
    s_no_nid(lnob_mis_notes(p));
    lnob_mis_destroy(&p);
    lnob_mis_map_destroy(&map);
    return 0;
}
