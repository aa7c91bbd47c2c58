/* publish_test.c - the Result the sink publishes on PUB: SUPPRESS cells
 * withheld, everything else as stored (sink/publish.h). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "publish.h"

#define N_CELLS 5

static const char *const s_flags[N_CELLS] = {"OK", "SUPPRESS", "U", "SUPPRESS", "OK"};
static const char *const s_groups[N_CELLS] = {"", "1", "2", "AL154", "65+"};

typedef struct {
    Lnob__V1__Result r;
    Lnob__V1__Cell cells[N_CELLS], *ptrs[N_CELLS];
    Lnob__V1__MetaField meta, *meta_ptr;
} fx_result_t;

static void s_fx(fx_result_t *f)
{
    lnob__v1__result__init(&f->r);
    f->r.extract_id = "silc-2023-x";
    f->r.run_id = "run-1";
    f->r.status = "complete";
    f->r.error = "";
    f->r.quarantine_parts = 2;
    for (size_t i = 0; i < N_CELLS; i++) {
        lnob__v1__cell__init(&f->cells[i]);
        f->cells[i].indicator = "arpr";
        f->cells[i].breakdown = i ? "sex" : "";
        f->cells[i].group = (char *) s_groups[i];
        f->cells[i].has_value = 1;
        f->cells[i].value = 10.0 * (double) i;
        f->cells[i].n = 10 * i;
        f->cells[i].flag = (char *) s_flags[i];
        f->cells[i].diagnostic = "";
        f->ptrs[i] = &f->cells[i];
    }
    f->r.n_cells = N_CELLS;
    f->r.cells = f->ptrs;
    lnob__v1__meta_field__init(&f->meta);
    f->meta.key = "period";
    f->meta.value = "2023";
    f->meta_ptr = &f->meta;
    f->r.n_meta = 1;
    f->r.meta = &f->meta_ptr;
}

static lnob_env_t *s_decode(const uint8_t *buf, size_t len)
{
    lnob_wire_stats_t st = {0};
    char why[128] = "";
    lnob_env_t *env = lnob_wire_decode(buf, len, &st, why, sizeof why);
    cr_assert_not_null(env, "published bytes do not decode: %s", why);
    cr_assert_eq(env->body_case, LNOB__V1__ENVELOPE__BODY_RESULT);
    return env;
}

Test(publish, suppress_cells_are_withheld_the_rest_kept_in_order)
{
    fx_result_t f;
    s_fx(&f);
    size_t len, withheld;
    uint8_t *buf = lnob_publish_pack(&f.r, 7, &len, &withheld);
    lnob_env_t *env = s_decode(buf, len);
    const Lnob__V1__Result *got = env->result;
    cr_assert_eq(got->seq, 7, "the publication's number travels in Result.seq");
    cr_assert_eq(withheld, 2);
    cr_assert_eq(got->n_cells, N_CELLS - 2);
    static const size_t kept[] = {0, 2, 4};
    for (size_t i = 0; i < got->n_cells; i++) {
        cr_assert_str_neq(got->cells[i]->flag, "SUPPRESS");
        cr_assert_str_eq(got->cells[i]->group, s_groups[kept[i]]);
        cr_assert_eq(got->cells[i]->n, 10 * kept[i]);
        cr_assert_eq(got->cells[i]->value, 10.0 * (double) kept[i]);
    }
    cr_assert_str_eq(got->extract_id, "silc-2023-x");
    cr_assert_str_eq(got->status, "complete");
    cr_assert_eq(got->quarantine_parts, 2);
    cr_assert_eq(got->n_meta, 1);
    cr_assert_str_eq(got->meta[0]->value, "2023");
    /* the stored Result is untouched */
    cr_assert_eq(f.r.n_cells, N_CELLS);
    cr_assert_eq(f.r.cells[1], &f.cells[1]);
    lnob_wire_free(&env);
    free(buf);
}

Test(publish, all_suppressed_publishes_the_result_without_cells)
{
    fx_result_t f;
    s_fx(&f);
    for (size_t i = 0; i < N_CELLS; i++)
        f.cells[i].flag = "SUPPRESS";
    size_t len, withheld;
    uint8_t *buf = lnob_publish_pack(&f.r, 1, &len, &withheld);
    lnob_env_t *env = s_decode(buf, len);
    cr_assert_eq(withheld, N_CELLS);
    cr_assert_eq(env->result->n_cells, 0);
    cr_assert_str_eq(env->result->extract_id, "silc-2023-x");
    lnob_wire_free(&env);
    free(buf);
}

Test(publish, the_topic_names_the_channel_then_the_extract)
{
    fx_result_t f;
    s_fx(&f);
    char topic[128];
    cr_assert_str_eq(lnob_publish_topic(&f.r, topic, sizeof topic), "lnob.extract.official.silc-2023-x",
                     "metadata without a channel: the default one");
    Lnob__V1__MetaField ch = LNOB__V1__META_FIELD__INIT, *both[2] = {&f.meta, &ch};
    ch.key = "channel";
    ch.value = "trial";
    f.r.meta = both;
    f.r.n_meta = 2;
    cr_assert_str_eq(lnob_publish_topic(&f.r, topic, sizeof topic), "lnob.extract.trial.silc-2023-x");
}
