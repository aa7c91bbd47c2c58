/* prune.c - `lnob prune` and `lnob delete` (prune.h). */
#include "prune.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/mem.h"
#include "lnob/redis.h"
#include "store.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define UNSET (-1) /* --keep-last or --older-than not given */
#define GO_ON (-1) /* s_parse: options fine, run the command */
#define DAY_MS (24LL * 3600 * 1000)
#define DAYS_MAX 36500
#define KEEP_MAX 1000000
#define GROUPED_MAX 32 /* a count with thousands separators */
#define WHEN_MAX 32

typedef struct {
    const char *redis;
    const char *redis_password_file;
    long keep_last, older_than;
    int all, dry_run;
} cfg_t;

#define OPT_REDIS                                                                               \
    {"redis", "LNOB_REDIS_URL", LNOB_OPT_STR, "redis://127.0.0.1:6379/0", 0, 0, NULL,           \
     offsetof(cfg_t, redis),                                                                    \
     "Redis holding the extracts, as a user that may write (redis://lnob_sink@host:port/db, "   \
     "unix:///path?db=N&user=lnob_sink)"},                                                      \
    {"redis-password-file", "LNOB_REDIS_PASSWORD_FILE", LNOB_OPT_STR, NULL, 0, 0, NULL,         \
     offsetof(cfg_t, redis_password_file), LNOB_REDIS_PASSWORD_FILE_HELP},                      \
    {"dry-run", NULL, LNOB_OPT_FLAG, "0", 0, 0, NULL, offsetof(cfg_t, dry_run),                 \
     "list what would be removed, with its keys; remove nothing"}

static const lnob_opt_t s_prune_opts[] = {
    {"keep-last", NULL, LNOB_OPT_INT, NULL, 0, KEEP_MAX, NULL, offsetof(cfg_t, keep_last),
     "keep the N newest extracts of each kind, channel and period (complete and failed ones apart)"},
    {"older-than", NULL, LNOB_OPT_INT, NULL, 0, DAYS_MAX, NULL, offsetof(cfg_t, older_than),
     "remove the extracts computed more than DAYS days ago (their computed_ms)"},
    {"all", NULL, LNOB_OPT_FLAG, "0", 0, 0, NULL, offsetof(cfg_t, all),
     "the newest complete extract of a kind, channel and period (its current one) may go too "
     "(--keep-last 0 needs it)"},
    OPT_REDIS,
    LNOB_OPT_END};

static const lnob_opt_t s_delete_opts[] = {OPT_REDIS, LNOB_OPT_END};

static const char s_prune_usage[] =
    "usage: lnob prune [--keep-last N] [--older-than DAYS] [--all] [--dry-run] [--redis URL]";
static const char s_delete_usage[] = "usage: lnob delete EXTRACT [--dry-run] [--redis URL]";

/* ---- what goes ---------------------------------------------------------------- */

typedef struct {
    const lnob_store_extract_t *x;
    int go;                /* to be removed */
    const char *successor; /* the newest complete extract of its kind, channel and period that stays */
} pick_t;

static int s_complete(const lnob_store_extract_t *x)
{
    return !strcmp(x->status, "complete");
}

static int s_same_period(const lnob_store_extract_t *a, const lnob_store_extract_t *b)
{
    return !strcmp(a->kind, b->kind) && !strcmp(a->channel, b->channel) && !strcmp(a->period, b->period);
}

/* By kind, channel, period and status (complete first), then newest first. */
static int s_by_group_newest(const void *pa, const void *pb)
{
    const lnob_store_extract_t *a = ((const pick_t *) pa)->x, *b = ((const pick_t *) pb)->x;
    int d = strcmp(a->kind, b->kind);
    d = d ? d : strcmp(a->channel, b->channel);
    d = d ? d : strcmp(a->period, b->period);
    d = d ? d : strcmp(a->status, b->status);
    if (!d && a->computed_ms != b->computed_ms)
        return a->computed_ms > b->computed_ms ? -1 : 1;
    return d ? d : strcmp(a->id, b->id);
}

/* Marks what the policy removes, over picks sorted by s_by_group_newest. */
static void s_choose(const cfg_t *cfg, pick_t *p, size_t n, long long now_ms)
{
    long long cutoff = now_ms - cfg->older_than * DAY_MS;
    long rank = 0;
    for (size_t i = 0; i < n; i++) {
        const lnob_store_extract_t *x = p[i].x;
        int same = i && s_same_period(x, p[i - 1].x) && !strcmp(x->status, p[i - 1].x->status);
        rank = same ? rank + 1 : 0;
        int kept = (cfg->keep_last != UNSET && rank < cfg->keep_last) ||
                   (cfg->older_than != UNSET && x->computed_ms >= cutoff) ||
                   (!cfg->all && rank == 0 && s_complete(x));
        p[i].go = !kept;
    }
}

/* For each complete extract that goes: the newest complete one of its kind,
 * channel and period that stays (the current pointers that name it move
 * there), or none. */
static void s_successors(pick_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; p[i].go && s_complete(p[i].x) && j < n && !p[i].successor; j++)
            if (!p[j].go && s_complete(p[j].x) && s_same_period(p[j].x, p[i].x))
                p[i].successor = p[j].x->id; /* sorted newest first: the first that stays */
}

/* ---- saying it ------------------------------------------------------------------ */

/* v with thousands separators: 2,412. Returns out. */
static const char *s_grouped(size_t v, char *out, size_t cap)
{
    char digits[GROUPED_MAX];
    int len = snprintf(digits, sizeof digits, "%zu", v);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < cap; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

static const char *s_when(long long ms, char *out, size_t cap)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    if (ms <= 0 || !gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(out, cap, "-");
    return out;
}

static void s_say_removed(const pick_t *p, const lnob_store_removed_t *out, int dry)
{
    char when[WHEN_MAX], keys[GROUPED_MAX];
    const lnob_store_extract_t *x = p->x;
    printf("%s %s (%s %s, %s, %s, computed %s): %s keys", dry ? "would remove" : "removed", x->id,
           x->kind, x->period, x->channel, x->status, s_when(x->computed_ms, when, sizeof when),
           s_grouped(out->keys, keys, sizeof keys));
    if (out->current == LNOB_STORE_CURRENT_MOVED)
        printf("; %s %s %s", out->pointer.s, dry ? "would name" : "now names", p->successor);
    else if (out->current == LNOB_STORE_CURRENT_DELETED)
        printf("; %s %s", out->pointer.s, dry ? "would be deleted" : "deleted");
    putchar('\n');
}

/* Says why Redis failed; a refusal names the user. */
static void s_failed(const char *prog, const cfg_t *cfg, int rc, const char *err)
{
    char user[LNOB_ERRSTR_MAX], safe[LNOB_REDIS_URL_MAX];
    if (rc != LNOB_DENIED) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return;
    }
    fprintf(stderr, "%s: %s (Redis user %s at %s; removing needs a user that may write, "
                    "lnob_sink: docs/redis-acl.md)\n",
            prog, err, lnob_redis_user(cfg->redis, user, sizeof user),
            lnob_redis_url_safe(cfg->redis, safe, sizeof safe));
}

/* ---- removing ------------------------------------------------------------------- */

typedef struct {
    size_t removed, keys, kept;
} tally_t;

/* Removes the picks that go, one transaction each; says each. By policy
 * (any 0), an extract stored again since it was listed is left: the
 * policy judged the older write. Returns LNOB_OK, or the first failure
 * (after saying it). */
static int s_remove(redisContext *c, const char *prog, const cfg_t *cfg, const pick_t *p, size_t n,
                    int any, tally_t *t)
{
    char err[LNOB_ERRSTR_MAX];
    for (size_t i = 0; i < n; i++) {
        if (!p[i].go) {
            t->kept++;
            continue;
        }
        lnob_store_removal_t what = {p[i].x->id, any ? -1 : p[i].x->computed_ms, p[i].successor,
                                     cfg->dry_run};
        lnob_store_removed_t out;
        int rc = lnob_store_remove(c, &what, &out, err, sizeof err);
        if (rc != LNOB_OK) {
            s_failed(prog, cfg, rc, err);
            return rc;
        }
        if (!out.found || out.changed) {
            printf("left %s: %s since it was listed\n", p[i].x->id,
                   out.found ? "stored again" : "removed by someone else");
            t->kept += out.found;
            continue;
        }
        s_say_removed(&p[i], &out, cfg->dry_run);
        t->removed++;
        t->keys += out.keys;
    }
    return LNOB_OK;
}

static void s_summary(const cfg_t *cfg, const tally_t *t, int with_kept)
{
    char keys[GROUPED_MAX];
    printf("%s %zu extract%s (%s keys)", cfg->dry_run ? "dry run: would remove" : "removed",
           t->removed, t->removed == 1 ? "" : "s", s_grouped(t->keys, keys, sizeof keys));
    if (with_kept)
        printf("; %zu kept", t->kept);
    putchar('\n');
}

/* Marks the extract id to go. Returns 0, or EXIT_FAILED after saying
 * Redis holds no such extract. */
static int s_pick_one(const char *prog, const cfg_t *cfg, pick_t *p, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(p[i].x->id, id)) {
            p[i].go = 1;
            return 0;
        }
    char safe[LNOB_REDIS_URL_MAX];
    fprintf(stderr, "%s: Redis at %s holds no extract '%s' (`lnob quarantine list` shows those it "
                    "holds)\n",
            prog, lnob_redis_url_safe(cfg->redis, safe, sizeof safe), id);
    return EXIT_FAILED;
}

/* Lists the extracts, picks what goes (the policy of cfg, or only_id),
 * removes it and says so. Returns the exit code. */
static int s_execute(const char *prog, const cfg_t *cfg, const char *only_id)
{
    char err[LNOB_ERRSTR_MAX];
    redisContext *c = NULL;
    lnob_store_extract_t *xs = NULL;
    size_t n = 0;
    int rc = lnob_redis_connect(cfg->redis, cfg->redis_password_file, &c, err, sizeof err);
    if (rc == LNOB_OK)
        rc = lnob_store_extracts(c, &xs, &n, err, sizeof err);
    if (rc != LNOB_OK) {
        s_failed(prog, cfg, rc, err);
        redisFree(c);
        return EXIT_FAILED;
    }
    pick_t *p = lnob_calloc(n ? n : 1, sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i].x = &xs[i];
    if (n)
        qsort(p, n, sizeof *p, s_by_group_newest);
    int code = 0;
    if (only_id)
        code = s_pick_one(prog, cfg, p, n, only_id);
    else
        s_choose(cfg, p, n, (long long) lnob_now_ms());
    tally_t t = {0, 0, 0};
    if (code == 0) {
        s_successors(p, n);
        code = s_remove(c, prog, cfg, p, n, only_id != NULL, &t) == LNOB_OK ? 0 : EXIT_FAILED;
        s_summary(cfg, &t, !only_id);
    }
    free(p);
    lnob_store_extracts_free(&xs, n);
    redisFree(c);
    return code;
}

/* ---- the commands --------------------------------------------------------------- */

static int s_parse(const lnob_opt_t *table, cfg_t *cfg, int argc, char **argv, int first,
                   const char *prog, const char *usage)
{
    char err[LNOB_ERRSTR_MAX];
    int rc = lnob_config_parse(table, cfg, argc, argv, first, prog, usage, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK) {
        fprintf(stderr, "%s: %s\n%s\n", prog, err, usage);
        return EXIT_USAGE;
    }
    return GO_ON;
}

int lnob_cli_prune(int argc, char **argv, int first)
{
    static const char prog[] = "lnob prune";
    cfg_t cfg = {.keep_last = UNSET, .older_than = UNSET};
    int code = s_parse(s_prune_opts, &cfg, argc, argv, first, prog, s_prune_usage);
    if (code != GO_ON)
        return code;
    if (cfg.keep_last == UNSET && cfg.older_than == UNSET) {
        fprintf(stderr, "%s: say what goes: --keep-last N, --older-than DAYS, or both\n%s\n", prog,
                s_prune_usage);
        return EXIT_USAGE;
    }
    if (cfg.keep_last == 0 && !cfg.all) {
        fprintf(stderr, "%s: --keep-last 0 would remove every extract, the newest of each period "
                        "too: add --all if that is meant\n",
                prog);
        return EXIT_USAGE;
    }
    return s_execute(prog, &cfg, NULL);
}

int lnob_cli_delete(int argc, char **argv, int first)
{
    static const char prog[] = "lnob delete";
    cfg_t cfg = {.keep_last = UNSET, .older_than = UNSET};
    const char *id = first < argc && argv[first][0] != '-' ? argv[first++] : NULL;
    int code = s_parse(s_delete_opts, &cfg, argc, argv, first, prog, s_delete_usage);
    if (code != GO_ON)
        return code;
    if (!id) {
        fprintf(stderr, "%s: say which extract (`lnob quarantine list` shows them)\n%s\n", prog,
                s_delete_usage);
        return EXIT_USAGE;
    }
    return s_execute(prog, &cfg, id);
}
