/* mis_start.c - what the MIS kind starts the ingester with (mis_extract.h). */
#include "mis_extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/log.h"
#include "lnob/mem.h"
#include "mis_cache.h"
#include "mis_codes.h"
#include "mis_sources.h"
#include "pseudonym.h"

/* SERVICE_SET and VULN_GROUPS name known codes: checked at start-up. */
static int s_settings_ok(const lnob_mis_ingest_cfg_t *cfg)
{
    for (const char *p = cfg->service_set; *p;) {
        size_t n = strcspn(p, ",");
        char code[64];
        snprintf(code, sizeof code, "%.*s", (int) (n < 63 ? n : 63), p);
        if (lnob_mis_value(LNOB_MIS_SERVICE, code) < 0) {
            lnob_error("--service-set: '%s' is not a service code (docs/mis.md lists them)", code);
            return 0;
        }
        p += n + (p[n] == ',');
    }
    if (lnob_mis_vuln_valid(cfg->vuln_groups))
        return 1;
    lnob_error("--vuln-groups: '%s' names a group other than DIS, RE, ROMA, EGY, ELD, VAW, CHI",
               cfg->vuln_groups);
    return 0;
}

/* The person-key secret for MIS exports: a start-up error when missing,
 * never a default (docs/mis.md). */
static lnob_pseudonym_t *s_pseudonym(const lnob_mis_ingest_cfg_t *cfg)
{
    char err[LNOB_ERRSTR_MAX];
    if (!cfg->pseudonym_key) {
        lnob_error("--mis needs the person-key secret: --pseudonym-key FILE or LNOB_PSEUDONYM_KEY_FILE "
                   "(docs/mis.md says how to make one)");
        return NULL;
    }
    lnob_pseudonym_t *p = lnob_pseudonym_new_from_file(cfg->pseudonym_key, err, sizeof err);
    if (!p)
        lnob_error("%s", err);
    return p;
}

/* The MIS sources table, read and checked (every mapping file it names)
 * at start-up; *ok 0 when it is bad. NULL without one. */
static lnob_mis_sources_t *s_sources(const lnob_mis_ingest_cfg_t *cfg, int *ok)
{
    char err[LNOB_ERRSTR_MAX];
    *ok = 1;
    if (!cfg->sources)
        return NULL;
    lnob_mis_sources_t *t = lnob_mis_sources_load(cfg->sources, err, sizeof err);
    if (!t) {
        lnob_error("--mis-sources: %s", err);
        return *ok = 0, NULL;
    }
    lnob_info("MIS sources table %s: %zu patterns", cfg->sources, lnob_mis_sources_count(t));
    return t;
}

int lnob_mis_start(const void *kcfg, void **state)
{
    const lnob_mis_ingest_cfg_t *cfg = kcfg;
    lnob_mis_state_t *st = lnob_calloc(1, sizeof *st);
    *state = st;
    if ((cfg->mis.n || cfg->watch) && (!s_settings_ok(cfg) || !(st->pseudonym = s_pseudonym(cfg))))
        return -1;
    int ok;
    st->sources = s_sources(cfg, &ok);
    if (cfg->watch && cfg->watch_cache_mb > 0)
        st->cache = lnob_mis_cache_new((size_t) cfg->watch_cache_mb << 20);
    return ok ? 0 : -1;
}

void lnob_mis_stop(void **state)
{
    lnob_mis_state_t *st = *state;
    if (!st)
        return;
    lnob_pseudonym_destroy(&st->pseudonym);
    lnob_mis_sources_destroy(&st->sources);
    lnob_mis_cache_destroy(&st->cache);
    lnob_mis_sent_free(&st->base);
    lnob_mis_sent_free(&st->sending);
    free(st);
    *state = NULL;
}
