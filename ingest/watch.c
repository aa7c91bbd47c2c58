/* watch.c - the MIS drop folder (watch.h). */
#include "watch.h"

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/mis_codes.h"
#include "mis_extract.h"

/* A file to take: not hidden, not being written (.tmp, .part), not ours. */
static int s_takeable(const char *dir, const char *name)
{
    static const char *const skip[] = {".tmp", ".part", ".reason", LNOB_MIS_MAP_SUFFIX};
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

static int s_count_only(void *arg, Lnob__V1__MisBatch *b)
{
    (void) arg;
    (void) b;
    return LNOB_OK;
}

/* An export that cannot be read at all goes to failed/ with a reason file. */
static int s_check_export(const lnob_ingest_ctx_t *ctx, const char *dir, const char *name)
{
    char path[PATH_MAX], err[LNOB_ERRSTR_MAX];
    const char *reason;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (lnob_mis_extract_parse(ctx, path, "check", s_count_only, NULL, &reason, err, sizeof err) == LNOB_OK)
        return 0;
    lnob_error("%s: %s: %s; moved to failed/", path, reason, err);
    if (s_move(dir, name, "failed") == 0) {
        snprintf(path, sizeof path, "%s/failed/%s.reason", dir, name);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%s: %s\n", reason, err);
            fclose(f);
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

/* One look into the drop folder: when exports arrived, the MIS extract of
 * every export taken so far (done/) with the new ones is computed and
 * stored, then the new ones move to done/. The state is the folder: a
 * restart takes the files still outside done/ again. */
static int s_watch_round(lnob_ingest_ctx_t *ctx, const char *dir)
{
    char **fresh;
    size_t n_fresh = s_list(dir, &fresh), n_good = 0;
    for (size_t i = 0; i < n_fresh; i++)
        if (s_check_export(ctx, dir, fresh[i]) == 0)
            fresh[n_good++] = fresh[i];
        else
            free(fresh[i]);
    int rc = LNOB_OK;
    if (n_good) {
        char **paths;
        size_t n = s_round_set(dir, fresh, n_good, &paths);
        lnob_plan_t *plan = lnob_calloc(1, sizeof *plan);
        lnob_ingest_plan_mis(plan, (const char *const *) paths, n);
        rc = lnob_ingest_plan_run(ctx, plan);
        for (size_t i = 0; i < n_good && rc == LNOB_OK; i++) {
            char map[NAME_MAX + 8], sub[PATH_MAX + NAME_MAX + 16];
            snprintf(map, sizeof map, "%.*s%s", NAME_MAX, fresh[i], LNOB_MIS_MAP_SUFFIX);
            snprintf(sub, sizeof sub, "%.*s/%s", PATH_MAX, dir, map);
            s_move(dir, fresh[i], "done");
            if (access(sub, F_OK) == 0) /* its mapping file goes with it */
                s_move(dir, map, "done");
        }
        if (rc == LNOB_OK)
            lnob_info("%s: %zu new export(s) taken; %zu in all", dir, n_good, n);
        free(plan->mis_files);
        free(plan);
        s_free_list(paths, n);
    }
    s_free_list(fresh, n_good);
    return rc;
}

int lnob_watch(lnob_ingest_ctx_t *ctx, const char *dir)
{
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/done", dir);
    if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
        lnob_error("%s: %s", sub, strerror(errno));
        return LNOB_ERR;
    }
    lnob_info("watching %s for MIS exports (every %ld ms)", dir, ctx->cfg->watch_ms);
    int rc = LNOB_OK;
    while (!zsys_interrupted && rc == LNOB_OK) {
        rc = s_watch_round(ctx, dir);
        if (rc == LNOB_OK)
            zclock_sleep((int) ctx->cfg->watch_ms);
    }
    return zsys_interrupted ? LNOB_CLOSED : rc;
}

