/* main.c - lnob-ingest: reads extracts and pushes validated batches.
 *
 * Reads the options, starts the sockets and the person-key secret, then
 * groups the input files into extracts (plans): the MIS exports of a run
 * are one; a merged SILC file is one; the D, H, R and P UDB files of a year
 * are one. Each plan is sent and then waited for until the sink has stored
 * it (extract.h; the kinds: silc_extract.h, mis_extract.h), so a restarted
 * ingester resumes (docs/delivery.md). With --watch it then serves a drop
 * folder of MIS exports (watch.h). Exits 0 when every extract is stored,
 * LNOB_EXIT_STOPPED (3) when SIGTERM/SIGINT stopped it before (lnob/exit.h;
 * with --watch a signal is the normal end: 0). */
#include <czmq.h>
#include <sodium.h>
#include <stddef.h>
#include <unistd.h>

#include "extract.h"
#include "ingest_config.h"
#include "input.h"
#include "lnob/runid.h"
#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/exit.h"
#include "lnob/httpd.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/mis_codes.h"
#include "lnob/num.h"
#include "lnob/sock.h"
#include "watch.h"

#define SEND_WAIT_MS 500 /* longest a send waits on a full queue before trying again */

/* ---- planning: which files make which extract ------------------------------ */

typedef struct {
    int kind, year, header_done;
    lnob_csv_row_t *header;   /* copy kept until the first data row */
    char **names;
} probe_t;

static int s_probe_row(void *arg, const lnob_csv_row_t *row)
{
    probe_t *p = arg;
    if (!p->header_done) {
        p->header_done = 1;
        p->kind = lnob_udb4_kind(row);
        p->names = lnob_calloc(row->nfields ? row->nfields : 1, sizeof *p->names);
        p->header = lnob_calloc(1, sizeof *p->header);
        p->header->nfields = row->nfields;
        size_t *lens = lnob_calloc(row->nfields ? row->nfields : 1, sizeof *lens);
        for (size_t i = 0; i < row->nfields; i++)
            p->names[i] = lnob_strndup(row->fields[i], row->lens[i]), lens[i] = row->lens[i];
        p->header->fields = (const char **) p->names;
        p->header->lens = lens;
        return LNOB_OK;
    }
    p->year = lnob_udb4_row_year(p->header, row);
    return LNOB_CLOSED;
}

/* Which file of the UDB (or merged, or unknown) path is, and the year of
 * its first data row (-1 if none). */
static void s_probe(const char *path, int *kind, int *year)
{
    probe_t p = {LNOB_UDB4_UNKNOWN, -1, 0, NULL, NULL};
    char err[LNOB_ERRSTR_MAX];
    const char *reason;
    lnob_input_rows(path, s_probe_row, &p, NULL, &reason, err, sizeof err);
    *kind = p.kind;
    *year = p.year;
    for (size_t i = 0; p.header && i < p.header->nfields; i++)
        free(p.names[i]);
    free(p.names);
    if (p.header)
        free((void *) p.header->lens);
    free(p.header);
}

static void s_plan_text(lnob_plan_t *plan)
{
    size_t s = 0, i = 0;
    plan->source[0] = plan->inputs[0] = '\0';
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        if (plan->udb[f]) {
            s += (size_t) snprintf(plan->source + s, s < INPUTS_MAX ? INPUTS_MAX - s : 0, "%s%s",
                                   s ? " + " : "", plan->udb[f]);
            i += (size_t) snprintf(plan->inputs + i, i < INPUTS_MAX ? INPUTS_MAX - i : 0, "%s%s=%s",
                                   i ? "\n" : "", lnob_udb4_names[f], plan->udb[f]);
        }
}


/* Groups the input files into extracts: the MIS exports are one; a
 * merged (or unusable) SILC file is one; UDB D/H/R/P files join the set of
 * their year, a second file of the same kind and year starting another
 * set. Returns an owned array of *n plans. */
/* With --combine: adds the merged file path of year to that year's plan of
 * merged files, if there is one. Returns 1 when it did. */
static int s_combine(lnob_plan_t *plans, size_t n, const char *path, int year)
{
    for (size_t k = 0; k < n; k++) {
        lnob_plan_t *p = &plans[k];
        if (p->year != year || (!p->file && !p->merged))
            continue;
        if (!p->merged) { /* the year's first file becomes the first of several */
            p->merged = lnob_calloc(LNOB_STRLIST_MAX, sizeof *p->merged);
            p->merged[p->n_merged++] = p->file;
            p->file = NULL;
        }
        p->merged[p->n_merged++] = path;
        size_t s = strlen(p->source), i = strlen(p->inputs);
        if (i == 0)
            i = (size_t) snprintf(p->inputs, INPUTS_MAX, "%s", p->merged[0]);
        snprintf(p->source + s, s < INPUTS_MAX ? INPUTS_MAX - s : 0, " + %s", path);
        snprintf(p->inputs + i, i < INPUTS_MAX ? INPUTS_MAX - i : 0, "\n%s", path);
        return 1;
    }
    return 0;
}

static lnob_plan_t *s_plan(const lnob_strlist_t *files, const lnob_strlist_t *mis, int combine, size_t *n)
{
    lnob_plan_t *plans = lnob_calloc(files->n + 1, sizeof *plans);
    *n = 0;
    if (mis->n) /* the MIS exports of a run: one extract (mapping files go with theirs) */
        lnob_ingest_plan_mis(&plans[(*n)++], mis->items, mis->n);
    for (size_t i = 0; i < files->n; i++) {
        int kind, year;
        s_probe(files->items[i], &kind, &year);
        if (kind < 0 && combine && year >= 0 && s_combine(plans, *n, files->items[i], year))
            continue;
        lnob_plan_t *p = NULL;
        for (size_t k = 0; k < *n && kind >= 0 && !p; k++)
            if (!plans[k].file && !plans[k].merged && !plans[k].mis && plans[k].year == year &&
                !plans[k].udb[kind])
                p = &plans[k];
        if (!p) {
            p = &plans[(*n)++];
            p->year = year;
        }
        if (kind < 0) {
            p->file = files->items[i];
            snprintf(p->source, sizeof p->source, "%s", p->file);
            continue;
        }
        p->udb[kind] = files->items[i];
        s_plan_text(p);
    }
    return plans;
}

/* Several merged files of one year are several national extracts of that
 * year, each published on its own: a user who meant them as parts of one
 * survey is told so (once per year). */
static void s_warn_same_year(const lnob_plan_t *plans, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!plans[i].file || plans[i].year < 0)
            continue;
        size_t first = i, others = 0;
        for (size_t k = 0; k < n; k++)
            if (k != i && plans[k].file && plans[k].year == plans[i].year) {
                others++;
                first = k < first ? k : first;
            }
        if (others && first == i)
            lnob_warn("%zu merged SILC files are of %d (%s, ...): each becomes its own national "
                      "extract of %d, published on its own; to read them as one extract, give "
                      "--combine", others + 1, plans[i].year, plans[i].file, plans[i].year);
    }
}

/* SERVICE_SET and VULN_GROUPS name known codes: checked at start-up. */
static int s_mis_settings_ok(const lnob_ingest_cfg_t *cfg)
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
static lnob_pseudonym_t *s_pseudonym(const lnob_ingest_cfg_t *cfg)
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
static lnob_mis_sources_t *s_sources(const lnob_ingest_cfg_t *cfg, int *ok)
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

/* 128 random bits unless --run-id names the session (lnob/runid.h). */
static int s_default_run_id(lnob_ingest_cfg_t *cfg, char *buf, size_t cap)
{
    if (cfg->run_id)
        return 0;
    cfg->run_id = buf;
    return lnob_run_id_new(buf, cap);
}

/* Without acknowledgements: linger only covers handing messages to the
 * kernel, and a peer whose queue is full when this process exits loses
 * what is still in the socket buffer. So stay connected a while. */
static void s_drain(const lnob_ingest_cfg_t *cfg)
{
    int64_t until = lnob_mono_us() + cfg->drain_ms * 1000;
    while (!zsys_interrupted && lnob_mono_us() < until)
        zclock_sleep(50);
}

/* Keeps serving metrics --metrics-linger-ms once every extract is stored
 * (beating: /healthz stays 200), or until a signal. */
static void s_linger(const lnob_ingest_cfg_t *cfg, lnob_beat_t *beat)
{
    int64_t until = lnob_mono_us() + cfg->metrics_linger_ms * 1000;
    while (!zsys_interrupted && lnob_mono_us() < until) {
        lnob_beat_tick(beat);
        zclock_sleep(lnob_beat_wait_ms(cfg->heartbeat_ms, SEND_WAIT_MS));
    }
}

/* What the ingester opens: its sockets, beat and metrics endpoint. */
typedef struct {
    zsock_t *push, *control; /* control: NULL with --control none */
    lnob_beat_t *beat;
    lnob_metrics_t *reg;
    lnob_links_t *links;
    lnob_httpd_t *http;      /* NULL with --metrics none */
    lnob_ingest_obs_t obs;
} workers_t;

static void s_obs_new(workers_t *w, const lnob_curve_t *curve, const lnob_wire_stats_t *wire)
{
    w->reg = lnob_metrics_new("ingest");
    w->links = lnob_links_new(w->reg, curve);
    lnob_wire_metrics(w->reg, wire);
    lnob_ingest_obs_t *o = &w->obs;
    o->rows_read = lnob_metrics_counter(w->reg, "lnob_ingest_rows_read_total", "",
                                        "Rows read from the input files (each extract's first delivery).");
    o->rows_accepted = lnob_metrics_counter(w->reg, "lnob_ingest_rows_accepted_total", "",
                                            "Rows accepted into batches (flagged fields included).");
    o->rows_quarantined = lnob_metrics_counter(w->reg, "lnob_ingest_rows_quarantined_total", "",
                                               "Rows quarantined whole: in no cell (docs/redis-keys.md).");
    o->send = lnob_metrics_stage(w->reg, "ingest_send");
}

/* Opens the metrics, the sockets (watched), the beat and the HTTP
 * endpoint. LNOB_OK, or LNOB_ERR with the reason in err. */
static int s_open(workers_t *w, const lnob_ingest_cfg_t *cfg, int acked, const lnob_curve_t *curve,
                  const lnob_wire_stats_t *wire, char *err, size_t cap)
{
    s_obs_new(w, curve, wire);
    lnob_sock_opts_t so = {(int) cfg->hwm, (int) cfg->linger_ms, -1, curve, "transform", w->links, "push"};
    lnob_sock_opts_t co = {64, 0, -1, curve, "aggregate", w->links, "control"};
    if (!(w->push = lnob_sock_new(ZMQ_PUSH, cfg->push, true, &so, err, cap)))
        return LNOB_ERR;
    if (acked && !(w->control = lnob_sock_new(ZMQ_DEALER, cfg->control, false, &co, err, cap)))
        return LNOB_ERR;
    /* a full queue returns, so the loop can beat */
    zsock_set_sndtimeo(w->push, lnob_beat_wait_ms(cfg->heartbeat_ms, SEND_WAIT_MS));
    if (!(w->beat = lnob_beat_new(cfg->heartbeat, "ingest", cfg->heartbeat_ms, w->reg, err, cap)))
        return LNOB_ERR;
    w->http = lnob_httpd_new(&cfg->metrics, w->reg, err, cap);
    return w->http || !*err ? LNOB_OK : LNOB_ERR;
}

static void s_close(workers_t *w)
{
    lnob_beat_destroy(&w->beat);
    lnob_httpd_destroy(&w->http);
    lnob_links_destroy(&w->links); /* before the sockets it watches */
    zsock_destroy(&w->control);
    zsock_destroy(&w->push); /* lingers up to linger-ms to deliver */
    lnob_metrics_destroy(&w->reg);
}

int main(int argc, char **argv)
{
    lnob_ingest_cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX], run_id[128];
    const lnob_config_args_t args = {
        .argc = argc, .argv = argv, .first = 1,
        .usage = "usage: lnob-ingest [--silc FILE...] [--mis FILE...] [--watch DIR] [--push ENDPOINT] [options]"};
    int rc = lnob_config_load(&lnob_ingest_config, &cfg, &args, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK || (cfg.silc.n + cfg.mis.n == 0 && !cfg.watch)) {
        fprintf(stderr, "lnob-ingest: %s\n",
                rc != LNOB_OK ? err : "give at least one --silc or --mis FILE, or --watch DIR");
        return 2;
    }
    lnob_log_start("ingest", cfg.instance, cfg.log_level, cfg.log_format);
    if (lnob_num_percent(cfg.max_reject_share, &cfg.max_reject_pct) != 0) {
        lnob_error("--max-reject-share: '%s' is not a percent from 0 to 100", cfg.max_reject_share);
        return 2;
    }
    if (s_default_run_id(&cfg, run_id, sizeof run_id) != 0 || sodium_init() < 0) {
        lnob_error("libsodium failed to initialise");
        return 1;
    }
    lnob_pseudonym_t *pseudonym = NULL;
    if ((cfg.mis.n || cfg.watch) && (!s_mis_settings_ok(&cfg) || !(pseudonym = s_pseudonym(&cfg))))
        return 2;
    int sources_ok;
    lnob_mis_sources_t *sources = s_sources(&cfg, &sources_ok);
    if (!sources_ok) {
        lnob_pseudonym_destroy(&pseudonym);
        return 2;
    }
    lnob_curve_t *curve = lnob_curve_new(&cfg.curve, err, sizeof err);
    int acked = strcmp(cfg.control, "none") != 0;
    lnob_wire_stats_t wire = {0};
    workers_t w = {0};
    if (!curve || s_open(&w, &cfg, acked, curve, &wire, err, sizeof err) != LNOB_OK) {
        int stopped = lnob_sock_open_failed(err);
        s_close(&w);
        lnob_curve_destroy(&curve);
        lnob_pseudonym_destroy(&pseudonym);
        lnob_mis_sources_destroy(&sources);
        return stopped ? LNOB_EXIT_STOPPED : 1;
    }
    lnob_geo_t *geo = lnob_geo_new();
    lnob_ingest_ctx_t ctx = {.sock = zsock_resolve(w.push), .cfg = &cfg, .geo = geo, .pseudonym = pseudonym,
                             .sources = sources, .beat = w.beat, .wire = &wire, .obs = w.obs};
    ctx.ack = acked ? lnob_ack_new(zsock_resolve(w.control), cfg.run_id, &wire) : NULL;
    rc = LNOB_OK;
    size_t n_plans;
    lnob_plan_t *plans = s_plan(&cfg.silc, &cfg.mis, cfg.combine, &n_plans);
    s_warn_same_year(plans, n_plans);
    for (size_t i = 0; i < n_plans && rc == LNOB_OK; i++)
        rc = lnob_ingest_plan_run(&ctx, &plans[i]);
    for (size_t i = 0; i < n_plans; i++) {
        free(plans[i].mis_files);
        free(plans[i].merged);
    }
    free(plans);
    if (rc == LNOB_OK && cfg.watch)
        rc = acked ? lnob_watch(&ctx, cfg.watch) : LNOB_ERR;
    if (cfg.watch && !acked)
        lnob_error("--watch needs the aggregator's --control endpoint: a file moves to done/ only when stored");
    lnob_geo_destroy(&geo);
    lnob_pseudonym_destroy(&pseudonym);
    lnob_mis_sources_destroy(&sources);
    if (rc == LNOB_OK && !acked)
        s_drain(&cfg);
    int stopped = rc == LNOB_CLOSED || zsys_interrupted;
    if (rc == LNOB_OK && !stopped && w.http)
        s_linger(&cfg, w.beat);
    lnob_ack_destroy(&ctx.ack);
    s_close(&w); /* the push socket lingers up to linger-ms to deliver */
    lnob_curve_report(curve);
    lnob_curve_destroy(&curve);
    if (stopped && cfg.watch) {
        lnob_info("stopped by a signal; files not yet stored stay in the drop folder");
        return LNOB_EXIT_OK; /* a folder server's normal end */
    }
    if (stopped) {
        /* not done: whoever started it must not take this for "stored" */
        lnob_warn("stopped by a signal before every file was stored; a restart resumes where this one was");
        return LNOB_EXIT_STOPPED;
    }
    if (rc != LNOB_OK)
        lnob_error("stopped before every file was stored");
    return rc == LNOB_OK ? LNOB_EXIT_OK : LNOB_EXIT_ERR;
}
