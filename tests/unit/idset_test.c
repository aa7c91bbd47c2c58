/* idset_test.c - the person-id set: sorted fast path and hashed rest. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "idset.h"

Test(idset, increasing_ids_and_their_repeats)
{
    lnob_idset_t *s = lnob_idset_new();
    for (int64_t i = 1; i <= 1000; i++)
        cr_assert_eq(lnob_idset_add(s, i * 3), 1);
    for (int64_t i = 1; i <= 1000; i++)
        cr_assert_eq(lnob_idset_add(s, i * 3), 0, "repeat of %lld accepted", (long long) (i * 3));
    cr_assert_eq(lnob_idset_size(s), 1000);
    lnob_idset_destroy(&s);
    cr_assert_null(s);
}

Test(idset, out_of_order_ids_against_both_parts)
{
    lnob_idset_t *s = lnob_idset_new();
    cr_assert_eq(lnob_idset_add(s, 100), 1);
    cr_assert_eq(lnob_idset_add(s, 200), 1);
    cr_assert_eq(lnob_idset_add(s, 150), 1, "new id below the last");
    cr_assert_eq(lnob_idset_add(s, 150), 0, "repeat of an out-of-order id");
    cr_assert_eq(lnob_idset_add(s, 100), 0, "repeat of a sorted id, out of order");
    cr_assert_eq(lnob_idset_add(s, 300), 1);
    cr_assert_eq(lnob_idset_add(s, 200), 0);
    cr_assert_eq(lnob_idset_add(s, -5), 1, "negative ids");
    cr_assert_eq(lnob_idset_add(s, -5), 0);
    cr_assert_eq(lnob_idset_add(s, INT64_MAX), 1);
    cr_assert_eq(lnob_idset_add(s, INT64_MAX), 0);
    cr_assert_eq(lnob_idset_add(s, INT64_MIN), 1);
    cr_assert_eq(lnob_idset_add(s, INT64_MIN), 0);
    cr_assert_eq(lnob_idset_size(s), 7);
    lnob_idset_destroy(&s);
}

/* Shuffled ids, many more than the first table holds: every first
 * occurrence is new, every second one is not. */
Test(idset, shuffled_ids_grow_the_table)
{
    enum { N = 200000 };
    int64_t *ids = malloc(N * sizeof *ids);
    for (int64_t i = 0; i < N; i++)
        ids[i] = i * 7919 % 1000003 + (i % 2 ? -((int64_t) 1 << 40) : 0);
    srand(3);
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = (size_t) rand() % (i + 1);
        int64_t t = ids[i];
        ids[i] = ids[j];
        ids[j] = t;
    }
    lnob_idset_t *s = lnob_idset_new();
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(lnob_idset_add(s, ids[i]), 1, "id %lld", (long long) ids[i]);
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(lnob_idset_add(s, ids[i]), 0, "id %lld twice", (long long) ids[i]);
    cr_assert_eq(lnob_idset_size(s), N);
    for (size_t i = 0; i < N; i++)
        cr_assert(lnob_idset_contains(s, ids[i]), "id %lld", (long long) ids[i]);
    cr_assert_not(lnob_idset_contains(s, 1000004), "never added");
    cr_assert_not(lnob_idset_contains(s, -1), "never added");
    lnob_idset_destroy(&s);
    free(ids);
}
