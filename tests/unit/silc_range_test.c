/* silc_range_test.c - a transformer's side of a cut SILC file
 * (sources/silc/silc_range.h): a Range becomes the Run of its seq, its
 * rows numbered as the file's lines; a range whose rejects do not fit one
 * message fails the extract as RANGE_TOO_LARGE (never two messages of one
 * seq), one whose header the parser refuses fails with the parser's
 * reason, and one whose extract id is not its channel's fails as
 * EXTRACT_ID. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"
#include "silc_range.h"

#define HEADER "DB010,DB030,RB030,RB050,RB090,RX010,HX090,PAD"

/* What the range sent: each message's body, and of the last Run and
 * ExtractFailed what the assertions need. */
typedef struct {
    int bodies[8];
    size_t n;
    uint32_t run_seq, run_records;
    uint64_t first_line;
    char reason[64];
} sent_t;

static int s_send(void *arg, lnob_env_t *env)
{
    sent_t *s = arg;
    if (s->n < 8)
        s->bodies[s->n++] = (int) env->body_case;
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_RUN) {
        s->run_seq = env->run->seq;
        s->run_records = env->run->record_count;
        s->first_line = env->run->n_line ? env->run->line[0] : 0;
        for (size_t i = 1; i < env->run->n_line; i++)
            s->first_line = env->run->line[i] < s->first_line ? env->run->line[i] : s->first_line;
    } else if (env->body_case == LNOB__V1__ENVELOPE__BODY_FAILED)
        snprintf(s->reason, sizeof s->reason, "%s", env->failed->reason);
    return LNOB_OK;
}

/* Parses header and rows as the Range of seq 5 from line 1001 of extract
 * id in channel. */
static sent_t s_range_as(const char *header, const char *rows, size_t len, uint32_t n_rows, const char *id,
                         const char *channel)
{
    lnob_silc_settings_t st = {lnob_hh_defaults, lnob_geo_new()};
    Lnob__V1__Range r = LNOB__V1__RANGE__INIT;
    r.extract_id = (char *) id;
    r.channel = (char *) channel;
    r.seq = 5;
    r.run_id = "test";
    r.source = "cut.csv";
    r.checksum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    r.period = "2023";
    r.header.data = (uint8_t *) header;
    r.header.len = strlen(header);
    r.first_line = 1001;
    r.rows = n_rows;
    r.data.data = (uint8_t *) rows;
    r.data.len = len;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_RANGE;
    env.range = &r;
    sent_t s = {0};
    int64_t us;
    cr_assert_eq(lnob_silc_range(&env, &st, s_send, &s, &us), LNOB_OK);
    lnob_geo_destroy(&st.geo);
    return s;
}

static sent_t s_range(const char *header, const char *rows, size_t len, uint32_t n_rows)
{
    return s_range_as(header, rows, len, n_rows, "silc-2023-0123456789abcdef", "");
}

/* n rows of households of two, each with pad bytes of padding and sex
 * (7 is flagged, the row kept); owned, its length in *len. */
static char *s_rows(size_t n, size_t pad, const char *sex, size_t *len)
{
    size_t cap = n * (pad + 80) + 1;
    char *out = lnob_malloc(cap), *p = lnob_malloc(pad + 1);
    memset(p, 'x', pad);
    p[pad] = '\0';
    *len = 0;
    for (size_t i = 0; i < n; i++)
        *len += (size_t) snprintf(out + *len, cap - *len, "2023,%zu,%zu,1.5,%s,40,1000.5,%s\n", i / 2 + 1, i + 1,
                                  sex, p);
    free(p);
    return out;
}

Test(silc_range, a_range_becomes_the_run_of_its_seq_with_the_file_lines)
{
    size_t len;
    char *rows = s_rows(40, 3, "1", &len);
    sent_t s = s_range(HEADER, rows, len, 40);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.bodies[0], LNOB__V1__ENVELOPE__BODY_RUN);
    cr_assert_eq(s.run_seq, 5);
    cr_assert_eq(s.run_records, 40);
    cr_assert_eq(s.first_line, 1001, "the first row is the file's line 1001");
    free(rows);
}

Test(silc_range, rejects_past_one_message_fail_the_extract_as_range_too_large)
{
    size_t len;
    /* 2,200 rows of 16 KB, each with a flagged sex: over 32 MB of rejects */
    char *rows = s_rows(2200, 16000, "7", &len);
    sent_t s = s_range(HEADER, rows, len, 2200);
    cr_assert_geq(s.n, 1);
    cr_assert_eq(s.bodies[s.n - 1], LNOB__V1__ENVELOPE__BODY_FAILED, "the last message fails the extract");
    cr_assert_str_eq(s.reason, "RANGE_TOO_LARGE");
    size_t runs = 0;
    for (size_t i = 0; i < s.n; i++)
        runs += s.bodies[i] == LNOB__V1__ENVELOPE__BODY_RUN;
    cr_assert_leq(runs, 1, "never two Runs of one seq");
    free(rows);
}

Test(silc_range, a_header_the_parser_refuses_fails_with_its_reason)
{
    size_t len;
    char *rows = s_rows(4, 3, "1", &len);
    sent_t s = s_range("DB010,DB030,RB050,RB090,RX010,HX090,PAD", rows, len, 4); /* no RB030 */
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.bodies[0], LNOB__V1__ENVELOPE__BODY_FAILED);
    cr_assert_str_eq(s.reason, "MISSING_COLUMN");
    free(rows);
}

/* A trial's range names its channel, and its Run the trial's extract; a
 * range whose id is not the one its period, checksum and channel make (an
 * ingester of another version) fails the extract rather than feed another. */
Test(silc_range, a_range_of_a_channel_keeps_its_extract_id_or_fails)
{
    size_t len;
    char *rows = s_rows(4, 3, "1", &len);
    sent_t s = s_range_as(HEADER, rows, len, 4, "silc-2023-0123456789abcdef-trial", "trial");
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.bodies[0], LNOB__V1__ENVELOPE__BODY_RUN);
    s = s_range_as(HEADER, rows, len, 4, "silc-2023-0123456789abcdef-trial", "");
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.bodies[0], LNOB__V1__ENVELOPE__BODY_FAILED);
    cr_assert_str_eq(s.reason, "EXTRACT_ID");
    free(rows);
}
