/* pipeconf.c - one configuration file, every program of the pipeline (pipeconf.h). */
#include "pipeconf.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_config.h"
#include "lnob/mem.h"
#include "run.h"
#include "sink_config.h"
#include "aggregate_config.h"
#include "transform_config.h"

#define PROBLEM_MAX 1024
#define VALUE_MAX 4096
#define WHERE_MAX 512
#define EP_MAX 512      /* one endpoint */
#define KEY_WIDTH 18    /* columns of the printed configuration */
#define VALUE_WIDTH 40

struct lnob_pipeconf {
    lnob_conffile_t *file;
    void *cfg[LNOB_PIPE_PROGS];
    lnob_config_origin_t origin[LNOB_PIPE_PROGS];
    char **problems; /* NULL-terminated */
    size_t n_problems, cap_problems;
};

/* The programs, in lnob_pipe_prog order. */
static const lnob_config_prog_t *s_prog(size_t p)
{
    const lnob_config_prog_t *progs[LNOB_PIPE_PROGS] = {lnob_ingest_config(), lnob_transform_config(),
                                                        &lnob_aggregate_config, &lnob_sink_config,
                                                        lnob_run_config()};
    return progs[p];
}

/* Keeps a problem once: programs that share a [common] key find the same. */
static void s_add(void *arg, const char *problem)
{
    lnob_pipeconf_t *self = arg;
    for (size_t i = 0; i < self->n_problems; i++)
        if (!strcmp(self->problems[i], problem))
            return;
    lnob_grow((void **) &self->problems, &self->cap_problems, self->n_problems + 2, sizeof *self->problems);
    self->problems[self->n_problems++] = lnob_strdup(problem);
    self->problems[self->n_problems] = NULL;
}

__attribute__((format(printf, 2, 3)))
static void s_problem(lnob_pipeconf_t *self, const char *fmt, ...)
{
    char msg[PROBLEM_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s_add(self, msg);
}

/* ---- what no single program sees --------------------------------------------- */

static int s_known_section(const char *section)
{
    if (!strcmp(section, LNOB_CONFIG_COMMON) || !*section) /* "": the loaders say it */
        return 1;
    for (int p = 0; p < LNOB_PIPE_PROGS; p++)
        if (!strcmp(section, s_prog(p)->section))
            return 1;
    return 0;
}

/* 1 when entry k is the first of its section. */
static int s_first_of_section(const lnob_conffile_t *f, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (!strcmp(lnob_conffile_entry(f, j)->section, lnob_conffile_entry(f, k)->section))
            return 0;
    return 1;
}

static int s_known_key(const char *key)
{
    for (int p = 0; p < LNOB_PIPE_PROGS; p++)
        if (lnob_config_find(s_prog(p)->table, key) >= 0)
            return 1;
    return 0;
}

/* Sections no program reads (each said once) and [common] keys no program has. */
static void s_check_sections(lnob_pipeconf_t *self)
{
    const lnob_conffile_t *f = self->file;
    for (size_t k = 0; k < lnob_conffile_count(f); k++) {
        const lnob_conffile_entry_t *e = lnob_conffile_entry(f, k);
        if (!s_known_section(e->section) && s_first_of_section(f, k))
            s_problem(self, "%s:%u: [%s]: unknown section (sections: common, ingest, transform, aggregate, "
                            "sink, run)", lnob_conffile_path(f), e->line, e->section);
        else if (!strcmp(e->section, LNOB_CONFIG_COMMON) && !s_known_key(e->key))
            s_problem(self, "%s:%u: [common] %s: no program has this key", lnob_conffile_path(f), e->line,
                      e->key);
    }
}

lnob_pipeconf_t *lnob_pipeconf_new(const char *path, int no_env)
{
    lnob_pipeconf_t *self = lnob_calloc(1, sizeof *self);
    char err[PROBLEM_MAX];
    self->file = lnob_conffile_load(path, err, sizeof err);
    if (!self->file) {
        s_problem(self, "configuration file %s", err);
        return self;
    }
    for (int p = 0; p < LNOB_PIPE_PROGS; p++) {
        self->cfg[p] = lnob_calloc(1, s_prog(p)->cfg_size);
        const lnob_config_args_t a = {.file = self->file, .no_env = no_env, .problem = s_add,
                                      .problem_arg = self, .origin = &self->origin[p]};
        lnob_config_load(s_prog(p), self->cfg[p], &a, err, sizeof err);
    }
    s_check_sections(self);
    return self;
}

void lnob_pipeconf_destroy(lnob_pipeconf_t **self_p)
{
    lnob_pipeconf_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    for (int p = 0; p < LNOB_PIPE_PROGS; p++)
        free(self->cfg[p]);
    for (size_t i = 0; i < self->n_problems; i++)
        free(self->problems[i]);
    free(self->problems);
    lnob_conffile_destroy(&self->file);
    free(self);
    *self_p = NULL;
}

/* ---- endpoints ------------------------------------------------------------------- */

/* One link of the pipeline: a's option sends to b's (or asks it). A bare
 * endpoint binds on the side whose socket binds by default (lnob/sock.h). */
typedef struct {
    lnob_pipe_prog a;
    const char *opt_a;
    int bare_binds_a;
    lnob_pipe_prog b;
    const char *opt_b;
    int bare_binds_b;
    const char *what;
} link_t;

static const link_t s_links[] = {
    {LNOB_PIPE_INGEST, "push", 1, LNOB_PIPE_TRANSFORM, "pull", 0, "batches"},
    {LNOB_PIPE_TRANSFORM, "push", 0, LNOB_PIPE_AGGREGATE, "pull", 1, "runs"},
    {LNOB_PIPE_AGGREGATE, "push", 0, LNOB_PIPE_SINK, "pull", 1, "results"},
    {LNOB_PIPE_INGEST, "control", 0, LNOB_PIPE_AGGREGATE, "control", 1, "progress questions"},
    {LNOB_PIPE_SINK, "control", 0, LNOB_PIPE_AGGREGATE, "control", 1, "stored confirmations"},
};

/* One endpoint: "@tcp://host:port" and the like. */
typedef struct {
    int binds;
    char transport[EP_MAX];
    char host[EP_MAX]; /* tcp: the host; else the whole address */
    char port[EP_MAX];  /* tcp only */
} ep_t;

static void s_endpoint(const char *text, size_t len, int bare_binds, ep_t *ep)
{
    memset(ep, 0, sizeof *ep);
    ep->binds = bare_binds;
    if (len && (*text == '@' || *text == '>')) {
        ep->binds = *text == '@';
        text++, len--;
    }
    char buf[EP_MAX];
    snprintf(buf, sizeof buf, "%.*s", (int) len, text);
    char *sep = strstr(buf, "://");
    if (sep) {
        *sep = '\0';
        snprintf(ep->transport, sizeof ep->transport, "%s", buf);
    }
    const char *addr = sep ? sep + 3 : buf;
    const char *colon = strcmp(ep->transport, "tcp") == 0 ? strrchr(addr, ':') : NULL;
    snprintf(ep->host, sizeof ep->host, "%.*s", colon ? (int) (colon - addr) : (int) strlen(addr), addr);
    if (colon)
        snprintf(ep->port, sizeof ep->port, "%s", colon + 1);
}

static int s_wildcard(const char *host)
{
    return !strcmp(host, "*") || !strcmp(host, "0.0.0.0") || !strcmp(host, "[::]") || !strcmp(host, "::");
}

static int s_loopback(const char *host)
{
    return !strcmp(host, "localhost") || !strcmp(host, "127.0.0.1") || !strcmp(host, "[::1]");
}

/* 1 for a literal IPv4 address: only two of those can be told apart. */
static int s_ipv4(const char *host)
{
    return *host && strspn(host, "0123456789.") == strlen(host);
}

__attribute__((format(printf, 3, 4)))
static const char *s_why(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return why;
}

/* NULL when a and b meet, else why not (into why). */
static const char *s_meet(const ep_t *a, const ep_t *b, char *why, size_t cap)
{
    if (a->binds == b->binds)
        return s_why(why, cap, "both %s", a->binds ? "bind (@)" : "connect (>)");
    if (strcmp(a->transport, b->transport) != 0)
        return s_why(why, cap, "transports differ (%s, %s)", a->transport, b->transport);
    if (strcmp(a->transport, "tcp") != 0)
        return strcmp(a->host, b->host) ? s_why(why, cap, "addresses differ") : NULL;
    if (strcmp(a->port, b->port) != 0)
        return s_why(why, cap, "ports differ (%s, %s)", a->port, b->port);
    const ep_t *bind = a->binds ? a : b, *conn = a->binds ? b : a;
    int same = s_wildcard(bind->host) || !strcmp(bind->host, conn->host) ||
               (s_loopback(bind->host) && s_loopback(conn->host)) || !s_ipv4(bind->host) ||
               !s_ipv4(conn->host); /* a name may be that address: cannot tell */
    return same ? NULL : s_why(why, cap, "hosts differ (%s, %s)", bind->host, conn->host);
}

/* The endpoint after the one at p in a list: commas within one socket's
 * endpoints, '|' between the aggregators of a route (lnob/route.h). */
static const char *s_next(const char *p)
{
    p += strcspn(p, ",|");
    return *p ? p + 1 : p;
}

/* NULL when some endpoint of list a meets some endpoint of list b, else
 * why the first pair does not. */
static const char *s_lists_meet(const char *a, int binds_a, const char *b, int binds_b, char *why,
                                size_t cap)
{
    int tried = 0;
    for (const char *p = a; *p; p = s_next(p))
        for (const char *q = b; *q; q = s_next(q)) {
            ep_t ea, eb;
            char reason[PROBLEM_MAX];
            s_endpoint(p, strcspn(p, ",|"), binds_a, &ea);
            s_endpoint(q, strcspn(q, ",|"), binds_b, &eb);
            if (!s_meet(&ea, &eb, reason, sizeof reason))
                return NULL;
            if (!tried++)
                snprintf(why, cap, "%s", reason);
        }
    return tried ? why : s_why(why, cap, "no endpoint");
}

/* Program p's option name: its value (NULL when unset) and origin. */
static const char *s_option(const lnob_pipeconf_t *self, lnob_pipe_prog p, const char *name,
                            char *where, size_t cap)
{
    int i = lnob_config_find(s_prog(p)->table, name);
    lnob_config_where(s_prog(p)->table, &self->origin[p], i, where, cap);
    return *(const char *const *) ((const char *) self->cfg[p] + s_prog(p)->table[i].offset);
}

/* Each worker's endpoint options: on tcp:// they need CURVE keys. */
static const struct {
    lnob_pipe_prog prog;
    const char *opts[5];
} s_endpoints[] = {
    {LNOB_PIPE_INGEST, {"push", "control", NULL}},
    {LNOB_PIPE_TRANSFORM, {"pull", "push", NULL}},
    {LNOB_PIPE_AGGREGATE, {"pull", "push", "control", NULL}},
    {LNOB_PIPE_SINK, {"pull", "pub", "snapshot", "control", NULL}},
};

/* A worker with a tcp:// endpoint and no certificate would refuse to
 * start (lnob/curve.h), unless it runs --insecure-plaintext. */
static void s_check_keys(lnob_pipeconf_t *self)
{
    for (size_t k = 0; k < sizeof s_endpoints / sizeof s_endpoints[0]; k++) {
        lnob_pipe_prog p = s_endpoints[k].prog;
        char where[WHERE_MAX];
        int i = lnob_config_find(s_prog(p)->table, "insecure-plaintext");
        int insecure = *(const int *) ((const char *) self->cfg[p] + s_prog(p)->table[i].offset);
        if (s_option(self, p, "cert", where, sizeof where) || insecure)
            continue;
        for (size_t o = 0; s_endpoints[k].opts[o]; o++) {
            const char *ep = s_option(self, p, s_endpoints[k].opts[o], where, sizeof where);
            if (ep && strstr(ep, "tcp://"))
                s_problem(self, "[%s] %s %s (%s) is tcp:// but [%s] has no cert: CURVE needs cert and "
                          "allow (lnob keygen, docs/security.md), or insecure-plaintext for development",
                          s_prog(p)->section, s_endpoints[k].opts[o], ep, where, s_prog(p)->section);
        }
    }
}

void lnob_pipeconf_check_links(lnob_pipeconf_t *self)
{
    if (self->file)
        s_check_keys(self);
    for (size_t k = 0; self->file && k < sizeof s_links / sizeof s_links[0]; k++) {
        const link_t *l = &s_links[k];
        char wa[WHERE_MAX], wb[WHERE_MAX], why[PROBLEM_MAX];
        const char *a = s_option(self, l->a, l->opt_a, wa, sizeof wa);
        const char *b = s_option(self, l->b, l->opt_b, wb, sizeof wb);
        if (!a || !b || !strcmp(a, "none") || !strcmp(b, "none"))
            continue; /* a link switched off (the ingester's --control none) */
        if (s_lists_meet(a, l->bare_binds_a, b, l->bare_binds_b, why, sizeof why))
            s_problem(self, "endpoints do not meet (%s): [%s] %s %s (%s) and [%s] %s %s (%s): %s", l->what,
                      s_prog(l->a)->section, l->opt_a, a, wa, s_prog(l->b)->section, l->opt_b, b, wb, why);
    }
}

/* ---- reading back ------------------------------------------------------------------ */

const char *lnob_pipeconf_problem(const lnob_pipeconf_t *self, size_t i)
{
    return i < self->n_problems ? self->problems[i] : NULL;
}

lnob_conffile_t *lnob_pipeconf_file(const lnob_pipeconf_t *self)
{
    return self->file;
}

lnob_opt_src lnob_pipeconf_src(const lnob_pipeconf_t *self, lnob_pipe_prog prog, const char *name)
{
    int i = self->file ? lnob_config_find(s_prog(prog)->table, name) : -1;
    return i < 0 ? LNOB_SRC_NONE : self->origin[prog].src[i];
}

int lnob_pipeconf_forward(const lnob_pipeconf_t *self, const lnob_config_origin_t *run_origin,
                          lnob_pipe_prog prog, const char *name)
{
    int i = lnob_config_find(lnob_run_config()->table, name);
    assert(i >= 0); /* a name of lnob run's table */
    lnob_opt_src own = run_origin->src[i];
    if (!self || own == LNOB_SRC_FLAG || own == LNOB_SRC_ENV)
        return 1;
    if (own == LNOB_SRC_FILE && !strcmp(run_origin->section[i], lnob_run_config()->section))
        return 1;
    lnob_opt_src theirs = lnob_pipeconf_src(self, prog, name);
    return theirs == LNOB_SRC_NONE || theirs == LNOB_SRC_DEFAULT;
}

void lnob_pipeconf_print(const lnob_pipeconf_t *self, FILE *out)
{
    for (int p = 0; self->file && p < LNOB_PIPE_PROGS; p++) {
        const lnob_opt_t *t = s_prog(p)->table;
        fprintf(out, "%s[%s] ; %s\n", p ? "\n" : "", s_prog(p)->section, s_prog(p)->prog);
        for (int i = 0; t[i].name; i++) {
            char value[VALUE_MAX], where[WHERE_MAX];
            lnob_config_value(t, self->cfg[p], i, value, sizeof value);
            lnob_config_where(t, &self->origin[p], i, where, sizeof where);
            fprintf(out, "%-*s = %-*s ; %s\n", KEY_WIDTH, t[i].name, VALUE_WIDTH, value, where);
        }
    }
}
