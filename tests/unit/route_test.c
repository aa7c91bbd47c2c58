/* route_test.c - which of several aggregators an extract goes to
 * (lnob/route.h): fixed by the id, spread evenly, and the '|' lists. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "lnob/route.h"

Test(route, one_aggregator_takes_everything)
{
    cr_assert_eq(lnob_route_pick("silc-2023-683dff889fe09848", 1), 0);
    cr_assert_eq(lnob_route_pick("", 1), 0);
    cr_assert_eq(lnob_route_pick(NULL, 3) < 3, 1);
}

/* Pinned: a change of the hash would send an extract whose runs are in
 * flight to another aggregator than a worker of the previous version. */
Test(route, the_choice_is_fixed_by_the_id)
{
    cr_assert_eq(lnob_route_pick("silc-2023-683dff889fe09848", 2),
                 lnob_route_pick("silc-2023-683dff889fe09848", 2));
    static const struct {
        const char *id;
        size_t n, want;
    } pinned[] = {
        {"silc-2023-683dff889fe09848", 2, 1}, {"silc-2023-683dff889fe09848", 3, 1},
        {"silc-2023-683dff889fe09848", 5, 0}, {"silc-2022-0123456789abcdef", 5, 2},
        {"mis-2024-0000000000000000", 4, 0},
    };
    for (size_t i = 0; i < sizeof pinned / sizeof *pinned; i++)
        cr_assert_eq(lnob_route_pick(pinned[i].id, pinned[i].n), pinned[i].want, "%s of %zu", pinned[i].id,
                     pinned[i].n);
}

/* Ids differ only in hex digits: every number of aggregators up to 8 gets
 * its share of 4,000 ids within 15 % (the low bits of a bare FNV hash would
 * follow the parity of the digits alone). */
Test(route, ids_spread_evenly)
{
    for (size_t n = 2; n <= 8; n++) {
        size_t count[8] = {0};
        for (unsigned i = 0; i < 4000; i++) {
            char id[40];
            snprintf(id, sizeof id, "silc-2023-%016x", i * 2654435761u);
            count[lnob_route_pick(id, n)]++;
        }
        for (size_t k = 0; k < n; k++)
            cr_assert(count[k] > 4000 / n * 85 / 100 && count[k] < 4000 / n * 115 / 100,
                      "%zu aggregators: #%zu got %zu of 4000", n, k, count[k]);
    }
}
