/* mis_watch.c - the MIS drop folder (mis_watch.h). */
#include "mis_watch.h"

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "mis_cache.h"
#include "mis_codes.h"
#include "mis_extract.h"

#define DONE_MARKER ".done" /* NAME.done beside NAME: the writer says NAME is complete */

/* The watch: the engine's context, the kind's options and state. */
typedef struct {
    lnob_ingest_ctx_t *ctx;
    const lnob_mis_ingest_cfg_t *cfg;
    lnob_mis_state_t *state;
} watch_t;

/* A file to take: not hidden, not being written (.tmp, .part), not ours. */
static int s_takeable(const char *dir, const char *name)
{
    static const char *const skip[] = {".tmp", ".part", ".reason", DONE_MARKER, LNOB_MIS_MAP_SUFFIX};
    char path[PATH_MAX];
    struct stat st;
    size_t n = strlen(name);
    if (name[0] == '.')
        return 0;
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (n > strlen(skip[i]) && !strcmp(name + n - strlen(skip[i]), skip[i]))
            return 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int s_cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The takeable files of dir, sorted by name (owned array of owned names). */
static size_t s_list(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    size_t n = 0, cap = 0;
    *out = NULL;
    for (struct dirent *e; d && (e = readdir(d));)
        if (s_takeable(dir, e->d_name)) {
            lnob_grow((void **) out, &cap, n + 1, sizeof **out);
            (*out)[n++] = lnob_strdup(e->d_name);
        }
    if (d)
        closedir(d);
    if (n)
        qsort(*out, n, sizeof **out, s_cmp_name);
    return n;
}

static void s_free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Moves dir/name into dir/sub/ (replacing a file of that name). */
static int s_move(const char *dir, const char *name, const char *sub)
{
    char from[PATH_MAX], to[PATH_MAX];
    snprintf(to, sizeof to, "%s/%s", dir, sub);
    mkdir(to, 0700);
    snprintf(from, sizeof from, "%s/%s", dir, name);
    snprintf(to, sizeof to, "%s/%s/%s", dir, sub, name);
    if (rename(from, to) == 0)
        return 0;
    lnob_error("%s: cannot move into %s/: %s", from, sub, strerror(errno));
    return -1;
}

/* ---- is a file complete? ------------------------------------------------------ */

/* What one look saw of a file not yet taken. */
typedef struct {
    char *name;
    off_t size;
    int64_t mtime_ms;
    ino_t ino;
} seen_t;

/* The files of one look, for the next one to compare with. */
typedef struct {
    seen_t *v;
    size_t n, cap;
} seen_list_t;

static void s_seen_clear(seen_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    l->n = 0;
}

static const seen_t *s_seen_find(const seen_list_t *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].name, name))
            return &l->v[i];
    return NULL;
}

/* 1 when dir/name is complete: its writer left NAME.done beside it, or it
 * was renamed into the folder after its last write (its inode changed
 * after its content: ctime after mtime; a rename within the same clock
 * tick as the write is not seen so, and waits as below), or it is
 * unchanged (size, mtime, inode) since the last look and was last written
 * settle-ms ago or more. Else it goes into next for the next look. */
static int s_complete(const watch_t *w, const char *dir, const char *name,
                      const seen_list_t *last, seen_list_t *next)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s%s", dir, name, DONE_MARKER);
    if (access(path, F_OK) == 0) {
        lnob_info("%s/%s: complete: %s%s marks it so", dir, name, name, DONE_MARKER);
        return 1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(path, &st) != 0)
        return 0;
    seen_t now = {NULL, st.st_size, (int64_t) st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000,
                  st.st_ino};
    const seen_t *was = s_seen_find(last, name);
    int same = was && was->size == now.size && was->mtime_ms == now.mtime_ms && was->ino == now.ino;
    int64_t quiet = lnob_now_ms() - now.mtime_ms;
    int64_t changed_ms = (int64_t) st.st_ctim.tv_sec * 1000 + st.st_ctim.tv_nsec / 1000000;
    if (changed_ms > now.mtime_ms) { /* renamed (or linked) into the folder after its last write */
        lnob_info("%s: complete: renamed into the folder %lld ms after its last write", path,
                  (long long) (changed_ms - now.mtime_ms));
        return 1;
    }
    if (same && quiet >= w->cfg->settle_ms) {
        lnob_info("%s: complete: unchanged for %lld ms (--settle-ms %ld)", path, (long long) quiet,
                  w->cfg->settle_ms);
        return 1;
    }
    if (!same)
        lnob_info("%s: not taken yet: written %lld ms ago; waiting until it is unchanged for %ld ms "
                  "(--settle-ms), or for %s%s", path, (long long) quiet, w->cfg->settle_ms, name,
                  DONE_MARKER);
    lnob_grow((void **) &next->v, &next->cap, next->n + 1, sizeof *next->v);
    now.name = lnob_strdup(name);
    next->v[next->n++] = now;
    return 0;
}

/* Removes dir/name's NAME.done marker, if any. */
static void s_drop_marker(const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, DONE_MARKER);
    unlink(path);
}

/* ---- taking files ---------------------------------------------------------------- */

/* Rows read and rejected by the check of one export. */
typedef struct {
    uint64_t rows, rejects;
} tally_t;

static int s_tally(void *arg, Lnob__V1__MisBatch *b)
{
    tally_t *t = arg;
    t->rows += b->rows_read;
    t->rejects += b->n_rejects;
    return LNOB_OK;
}

/* An export that cannot be read at all, or with more rejected rows than
 * the reject ceiling allows, goes to failed/ with a reason file: so a
 * broken export never enters done/ and the extract of every round after. */
static int s_check_export(const watch_t *w, const char *dir, const char *name)
{
    char path[PATH_MAX], err[LNOB_ERRSTR_MAX];
    const char *reason;
    tally_t t = {0, 0};
    snprintf(path, sizeof path, "%s/%s", dir, name);
    const lnob_mis_read_t *r = lnob_mis_export_read(w->ctx, w->state, path); /* kept for the round */
    int rc = r ? LNOB_OK
               : lnob_mis_extract_parse(w->ctx, w->state, path, "check", s_tally, &t, NULL, &reason, err, sizeof err);
    if (r)
        t = (tally_t){r->rows, r->rejects};
    if (rc == LNOB_OK && (double) t.rejects * 100.0 <= w->ctx->cfg->max_reject_pct * (double) t.rows)
        return 0;
    if (rc == LNOB_OK) {
        reason = "TOO_MANY_REJECTS";
        snprintf(err, sizeof err, "%llu of %llu rows rejected, above --max-reject-share %g %%",
                 (unsigned long long) t.rejects, (unsigned long long) t.rows, w->ctx->cfg->max_reject_pct);
    }
    lnob_error("%s: %s: %s; moved to failed/", path, reason, err);
    s_drop_marker(dir, name);
    if (s_move(dir, name, "failed") == 0) { /* the reason whole or not at all: written, then renamed */
        char tmp[PATH_MAX + 8];
        snprintf(path, sizeof path, "%s/failed/%s.reason", dir, name);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        int ok = f && fprintf(f, "%s: %s\n", reason, err) > 0;
        if (f && fclose(f) != 0)
            ok = 0;
        if (!ok || rename(tmp, path) != 0) {
            lnob_error("%s: cannot write it: %s", path, strerror(errno));
            unlink(tmp);
        }
    }
    return -1;
}

/* The set of one round: the exports already done, a new one replacing
 * the done one of its name, then the new ones; paths owned. */
static size_t s_round_set(const char *dir, char **fresh, size_t n_fresh, char ***paths)
{
    char done_dir[PATH_MAX], **done;
    snprintf(done_dir, sizeof done_dir, "%s/done", dir);
    size_t n_done = s_list(done_dir, &done), n = 0;
    *paths = lnob_calloc(n_done + n_fresh + 1, sizeof **paths);
    for (size_t i = 0; i < n_done; i++) {
        if (bsearch(&done[i], fresh, n_fresh, sizeof *fresh, s_cmp_name))
            continue; /* replaced by a new export of the same name */
        (*paths)[n] = lnob_malloc(strlen(done_dir) + strlen(done[i]) + 2);
        sprintf((*paths)[n++], "%s/%s", done_dir, done[i]);
    }
    for (size_t i = 0; i < n_fresh; i++) {
        (*paths)[n] = lnob_malloc(strlen(dir) + strlen(fresh[i]) + 2);
        sprintf((*paths)[n++], "%s/%s", dir, fresh[i]);
    }
    s_free_list(done, n_done);
    return n;
}

/* A new export stored: it moves to done/ with its mapping file, if one
 * sits beside it, and the cache's read of it follows. */
static void s_taken(const watch_t *w, const char *dir, const char *name)
{
    char map[NAME_MAX + 8], from[PATH_MAX + NAME_MAX + 16], to[PATH_MAX + NAME_MAX + 16];
    char map_to[PATH_MAX + 2 * NAME_MAX + 32];
    char map_path[PATH_MAX];
    snprintf(map, sizeof map, "%.*s%s", NAME_MAX, name, LNOB_MIS_MAP_SUFFIX);
    snprintf(from, sizeof from, "%.*s/%s", PATH_MAX, dir, name);
    lnob_mis_map_path(w->state, from, map_path, sizeof map_path);
    /* still the file read (ctime and all): else its read is not carried over */
    int same = w->state->cache && lnob_mis_cache_find(w->state->cache, from, map_path);
    snprintf(from, sizeof from, "%.*s/%s", PATH_MAX, dir, map);
    int has_map = access(from, F_OK) == 0;
    s_move(dir, name, "done");
    s_drop_marker(dir, name);
    if (has_map) /* its mapping file goes with it */
        s_move(dir, map, "done");
    snprintf(from, sizeof from, "%.*s/%s", PATH_MAX, dir, name);
    snprintf(to, sizeof to, "%.*s/done/%s", PATH_MAX, dir, name);
    snprintf(map_to, sizeof map_to, "%s%s", to, LNOB_MIS_MAP_SUFFIX);
    if (same)
        lnob_mis_cache_moved(w->state->cache, from, to, has_map ? map_to : NULL);
}

/* The cache keeps the reads of the exports in done/ and of those still
 * waiting in the folder, no other. */
static void s_cache_keep(const watch_t *w, const char *dir)
{
    char sub[PATH_MAX], **done, **waiting;
    if (!w->state->cache)
        return;
    snprintf(sub, sizeof sub, "%s/done", dir);
    size_t n_done = s_list(sub, &done), n_waiting = s_list(dir, &waiting), n = 0;
    char **paths = lnob_calloc(n_done + n_waiting + 1, sizeof *paths);
    for (size_t i = 0; i < n_done + n_waiting; i++) {
        const char *name = i < n_done ? done[i] : waiting[i - n_done];
        paths[n] = lnob_malloc(strlen(sub) + strlen(name) + 2);
        sprintf(paths[n++], "%s/%s", i < n_done ? sub : dir, name);
    }
    lnob_mis_cache_keep(w->state->cache, (const char *const *) paths, n);
    lnob_debug("%s: the cache holds %zu export(s), %zu bytes", dir, lnob_mis_cache_entries(w->state->cache),
               lnob_mis_cache_bytes(w->state->cache));
    s_free_list(paths, n);
    s_free_list(done, n_done);
    s_free_list(waiting, n_waiting);
}

/* One look into the drop folder: when exports arrived, the MIS extract of
 * every export taken so far (done/) with the new ones is computed and
 * stored, then the new ones move to done/. The state is the folder: a
 * restart takes the files still outside done/ again. */
static int s_watch_round(const watch_t *w, const char *dir, seen_list_t *seen)
{
    char **fresh;
    seen_list_t next = {NULL, 0, 0};
    size_t n_fresh = s_list(dir, &fresh), n_good = 0, reads = lnob_mis_cache_reads(w->state->cache);
    for (size_t i = 0; i < n_fresh; i++)
        if (s_complete(w, dir, fresh[i], seen, &next) && s_check_export(w, dir, fresh[i]) == 0)
            fresh[n_good++] = fresh[i];
        else
            free(fresh[i]);
    s_seen_clear(seen);
    free(seen->v);
    *seen = next;
    int rc = LNOB_OK;
    if (n_good) {
        char **paths;
        size_t n = s_round_set(dir, fresh, n_good, &paths);
        lnob_plan_t *plan = lnob_calloc(1, sizeof *plan);
        lnob_mis_plan_files(plan, (const char *const *) paths, n);
        plan->kind_cfg = w->cfg;
        plan->kind_state = w->state;
        rc = w->ctx->plan_run(w->ctx, plan);
        lnob_mis_sent_stored(w->state, rc == LNOB_OK);
        for (size_t i = 0; i < n_good && rc == LNOB_OK; i++)
            s_taken(w, dir, fresh[i]);
        if (rc == LNOB_OK && w->state->cache)
            lnob_info("%s: %zu new export(s) taken; %zu in all, %zu of them read in this round, the others "
                      "known from an earlier one (--watch-cache-mb)", dir, n_good, n,
                      lnob_mis_cache_reads(w->state->cache) - reads);
        else if (rc == LNOB_OK)
            lnob_info("%s: %zu new export(s) taken; %zu in all", dir, n_good, n);
        free(plan->files);
        free(plan);
        s_free_list(paths, n);
    }
    if (n_fresh) /* also the reads of exports that went to failed/ */
        s_cache_keep(w, dir);
    s_free_list(fresh, n_good);
    return rc;
}

int lnob_mis_watch(lnob_ingest_ctx_t *ctx, const void *kcfg, void *state)
{
    const watch_t w = {ctx, kcfg, state};
    const char *dir = w.cfg->watch;
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/done", dir);
    if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
        lnob_error("%s: %s", sub, strerror(errno));
        return LNOB_ERR;
    }
    lnob_info("watching %s for MIS exports (every %ld ms)", dir, w.cfg->watch_ms);
    int rc = LNOB_OK;
    seen_list_t seen = {NULL, 0, 0};
    while (!zsys_interrupted && rc == LNOB_OK) {
        rc = s_watch_round(&w, dir, &seen);
        if (rc == LNOB_OK)
            zclock_sleep((int) w.cfg->watch_ms);
    }
    s_seen_clear(&seen);
    free(seen.v);
    return zsys_interrupted ? LNOB_CLOSED : rc;
}

