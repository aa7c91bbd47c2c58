/* keys.c - the names of lnob's Redis keys (lnob/keys.h). */
#include "lnob/keys.h"

#include <stdio.h>
#include <string.h>

static const char *s_key(lnob_key_t *k, const char *prefix, const char *id, const char *suffix)
{
    snprintf(k->s, sizeof k->s, "%s%s%s", prefix, id, suffix);
    return k->s;
}

const char *lnob_key_extract(lnob_key_t *k, const char *extract_id)
{
    return s_key(k, LNOB_KEY_EXTRACT_PREFIX, extract_id, "");
}

const char *lnob_key_cells(lnob_key_t *k, const char *extract_id)
{
    return s_key(k, LNOB_KEY_EXTRACT_PREFIX, extract_id, ":cells");
}

const char *lnob_key_indicators(lnob_key_t *k, const char *extract_id)
{
    return s_key(k, LNOB_KEY_EXTRACT_PREFIX, extract_id, ":indicators");
}

const char *lnob_key_cell(lnob_key_t *k, const char *extract_id, const char *indicator, const char *breakdown)
{
    snprintf(k->s, sizeof k->s, "lnob:cell:%s:%s:%s", extract_id, indicator, breakdown);
    return k->s;
}

const char *lnob_key_quarantine(lnob_key_t *k, const char *extract_id)
{
    return s_key(k, "lnob:quarantine:", extract_id, "");
}

const char *lnob_key_run(lnob_key_t *k, const char *run_id)
{
    return s_key(k, "lnob:run:", run_id, "");
}

const char *lnob_key_current(lnob_key_t *k, const char *kind, const char *channel, const char *period)
{
    snprintf(k->s, sizeof k->s, "lnob:current:%s:%s%s%s", kind, channel, period ? ":" : "", period ? period : "");
    return k->s;
}

const char *lnob_key_periods(lnob_key_t *k, const char *kind, const char *channel)
{
    snprintf(k->s, sizeof k->s, "lnob:periods:%s:%s", kind, channel);
    return k->s;
}

const char *lnob_key_seq(lnob_key_t *k, const char *channel)
{
    return s_key(k, "lnob:seq:", channel, "");
}

const char *lnob_key_twin(lnob_key_t *out, const char *key)
{
    static const char internal[] = "lnob:";
    size_t n = strncmp(key, internal, sizeof internal - 1) ? 0 : sizeof internal - 1;
    snprintf(out->s, sizeof out->s, "%s%.*s", LNOB_KEY_PUBLIC_PREFIX,
             (int) (sizeof out->s - sizeof LNOB_KEY_PUBLIC_PREFIX), key + n); /* cut, as every name here */
    return out->s;
}

const char *lnob_key_public(lnob_key_t *k)
{
    lnob_key_t t;
    lnob_key_twin(&t, k->s);
    *k = t;
    return k->s;
}

int lnob_channel_valid(const char *channel)
{
    size_t n = strlen(channel);
    if (n == 0 || n > LNOB_CHANNEL_MAX || channel[0] < 'a' || channel[0] > 'z')
        return 0;
    return strspn(channel, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

int lnob_period_year(const char *period)
{
    return strlen(period) == 4 && strspn(period, "0123456789") == 4 && period[0] != '0';
}

const char *lnob_extract_id_make(char *id, size_t cap, const char *kind, const char *period, const char *checksum,
                                 const char *channel)
{
    int other = channel && *channel && strcmp(channel, LNOB_CHANNEL_DEFAULT) != 0;
    snprintf(id, cap, "%s-%s-%.16s%s%s", kind, period, checksum, other ? "-" : "", other ? channel : "");
    return id;
}

const char *lnob_key_extract_id(const char *key)
{
    const size_t prefix = strlen(LNOB_KEY_EXTRACT_PREFIX);
    if (strncmp(key, LNOB_KEY_EXTRACT_PREFIX, prefix) != 0)
        return NULL;
    const char *id = key + prefix;
    return *id && !strchr(id, ':') ? id : NULL;
}
