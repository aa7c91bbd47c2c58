/* waiting_test.c - the ingesters waiting for an extract to be stored
 * (aggregate/waiting.h): told once each, a repeat kept once, the oldest
 * forgotten when the table is full. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "waiting.h"

static lnob_peer_t s_peer(int n)
{
    lnob_peer_t p = {{0}, 4};
    memcpy(p.id, &n, sizeof n);
    return p;
}

typedef struct {
    int n;
    char last_run[LNOB_WAITING_ID_MAX];
} told_t;

static void s_told(void *arg, const lnob_waiter_t *w)
{
    told_t *t = arg;
    t->n++;
    snprintf(t->last_run, sizeof t->last_run, "%s", w->run_id);
}

Test(waiting, each_waiter_on_the_extract_is_told_once)
{
    static lnob_waiting_t w;
    memset(&w, 0, sizeof w);
    lnob_peer_t a = s_peer(1), b = s_peer(2);
    lnob_waiting_add(&w, "silc-2023-x", "run-1", &a);
    lnob_waiting_add(&w, "silc-2023-x", "run-1", &a); /* asked again: kept once */
    lnob_waiting_add(&w, "silc-2023-x", "run-2", &b);
    lnob_waiting_add(&w, "mis-2024-y", "run-1", &a);
    told_t t = {0};
    lnob_waiting_take(&w, "silc-2023-x", s_told, &t);
    cr_assert_eq(t.n, 2);
    t.n = 0;
    lnob_waiting_take(&w, "silc-2023-x", s_told, &t);
    cr_assert_eq(t.n, 0, "forgotten once told");
    lnob_waiting_take(&w, "mis-2024-y", s_told, &t);
    cr_assert_eq(t.n, 1);
}

Test(waiting, a_full_table_forgets_the_oldest)
{
    static lnob_waiting_t w;
    memset(&w, 0, sizeof w);
    char run[32];
    for (int i = 0; i <= LNOB_WAITING_MAX; i++) {
        lnob_peer_t p = s_peer(i);
        snprintf(run, sizeof run, "run-%d", i);
        lnob_waiting_add(&w, "silc-2023-x", run, &p);
    }
    told_t t = {0};
    lnob_waiting_take(&w, "silc-2023-x", s_told, &t);
    cr_assert_eq(t.n, LNOB_WAITING_MAX);
    for (size_t i = 0; i < LNOB_WAITING_MAX; i++)
        cr_assert_str_neq(w.w[i].run_id, "run-0", "the oldest was kept");
}

Test(waiting, ids_too_long_to_keep_are_not_kept)
{
    static lnob_waiting_t w;
    memset(&w, 0, sizeof w);
    char id[LNOB_WAITING_ID_MAX + 8];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    lnob_peer_t p = s_peer(1);
    lnob_waiting_add(&w, id, "run-1", &p);
    told_t t = {0};
    lnob_waiting_take(&w, id, s_told, &t);
    cr_assert_eq(t.n, 0);
}
