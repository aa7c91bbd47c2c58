/* route.c - which of several aggregators an extract goes to (lnob/route.h). */
#include "lnob/route.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lnob/rc.h"

size_t lnob_route_pick(const char *extract_id, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *) extract_id; p && *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    h ^= h >> 33; /* FNV's low bits are the parity of the bytes': mixed (MurmurHash3's fmix64) */
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return n > 1 ? (size_t) (h % n) : 0;
}

int lnob_route_open(lnob_route_t *r, size_t max, int type, const char *spec, bool serverish,
                    const lnob_sock_opts_t *opts, char *err, size_t cap)
{
    char part[1024], link[64];
    memset(r, 0, sizeof *r);
    for (const char *p = spec;; p++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t) (bar - p) : strlen(p);
        if (r->n == max || r->n == LNOB_ROUTE_MAX || len == 0 || len >= sizeof part) {
            snprintf(err, cap, "%.300s: %s", spec,
                     len == 0 ? "an empty endpoint between '|'"
                     : len >= sizeof part ? "an endpoint too long"
                     : max == 1 ? "one endpoint (list) only here: '|' separates aggregators"
                                : "more aggregators than allowed");
            return LNOB_ERR;
        }
        memcpy(part, p, len);
        part[len] = '\0';
        lnob_sock_opts_t o = *opts;
        if (r->n && opts->link) {
            snprintf(link, sizeof link, "%s:%zu", opts->link, r->n + 1);
            o.link = link;
        }
        if (!(r->sock[r->n] = lnob_sock_new(type, part, serverish, &o, err, cap)))
            return LNOB_ERR;
        r->n++;
        if (!bar)
            return LNOB_OK;
        p = bar;
    }
}

zsock_t *lnob_route_for(const lnob_route_t *r, const char *extract_id)
{
    return r->sock[lnob_route_pick(extract_id, r->n)];
}

void lnob_route_close(lnob_route_t *r)
{
    for (size_t i = 0; i < r->n; i++)
        zsock_destroy(&r->sock[i]);
    r->n = 0;
}
