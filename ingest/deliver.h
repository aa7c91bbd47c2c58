/* deliver.h - what a source kind calls to deliver an extract.
 *
 * The ingester's options, the context every kind sends through, and the
 * plan (which files make one extract). Delivery is common to every kind:
 * send a message waiting through backpressure, skip the batches the
 * aggregator already holds (asked once per extract, so a restarted
 * ingester resumes), announce a failed extract; and the extract ids every
 * kind uses. The kinds themselves live in sources/; the loop that sends a
 * plan and waits until it is stored is extract.h.
 * Not for: parsing (sources/), options (ingest_config.h). */
#ifndef LNOB_INGEST_DELIVER_H
#define LNOB_INGEST_DELIVER_H
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "ack.h"
#include "beat.h"
#include "input.h"
#include "lnob/curve.h"
#include "lnob/config.h"
#include "lnob/geo.h"
#include "lnob/httpd.h"
#include "lnob/metrics.h"
#include "wire.h"

#define EXTRACT_ID_CAP 128
#define INPUTS_MAX 65536       /* bytes of an extract's input list */

#define LNOB_PLAN_SET 4        /* files of a set read side by side (the UDB D, H, R, P) */

/* What one extract is made of, as its source kind groups its files (one
 * SILC file, merged files read as one, the UDB files of one year, the MIS
 * exports of a run). */
typedef struct {
    const char *kind;        /* its source kind (sources/registry.h) */
    int form;                /* the kind's: how its files go together */
    const char **files;      /* owned array (free()), n_files; a set's slots may be NULL */
    size_t n_files;
    int year;                /* the kind's period, -1 unknown */
    char source[INPUTS_MAX]; /* "D.csv + H.csv + R.csv + P.csv" */
    char inputs[INPUTS_MAX]; /* "D=D.csv\nH=H.csv..." ("" for one file) */
    const void *kind_cfg;    /* the kind's own options (its ops' ingest_opts), set by the engine */
    void *kind_state;        /* what the kind started with (its ops' start) */
} lnob_plan_t;

typedef struct {
    const char *push;       /* endpoint(s) for batches */
    long batch_size;        /* accepted rows per batch */
    long hwm;               /* queue bound, messages */
    long linger_ms;         /* delivery time allowed at close */
    long drain_ms;          /* without control: time connected after the last send */
    const char *control;    /* the aggregator's control endpoint, or "none" */
    long poll_ms;           /* how often to ask for progress */
    long in_flight;         /* extracts sent and not yet stored at once; 0: one per aggregator */
    long redeliver_ms;      /* no progress this long: send the missing batches */
    long ack_timeout_s;     /* no answer this long: give up */
    const char *run_id;     /* tag for this session */
    const char *channel;    /* where the extracts are published (lnob/keys.h) */
    const char *log_level;  /* error|warn|info|debug */
    const char *log_format; /* text|json */
    const char *instance;   /* name in log lines */
    const char *max_reject_share; /* the reject ceiling as given ("5", "0.5%", "100") */
    double max_reject_pct;  /* ... as a percent of the rows read, checked at start-up */
    const char *heartbeat;  /* lnob run's liveness endpoint, or "none" */
    long heartbeat_ms;      /* how often to beat */
    lnob_curve_cfg_t curve; /* keys for tcp:// links */
    lnob_httpd_cfg_t metrics; /* the HTTP endpoint */
    long metrics_linger_ms; /* the endpoint stays up this long once every extract is stored */
    /* each source kind's own options (source.h ingest_opts), one part per
     * kind in registry order (ingest_config.h) */
    _Alignas(LNOB_CONFIG_PART_ALIGN) unsigned char kinds[LNOB_CONFIG_PARTS_BYTES];
} lnob_ingest_cfg_t;

/* The ingester's series (docs/operations.md); counted on an extract's first
 * delivery only, so a redelivery does not count its rows twice. */
typedef struct {
    lnob_metric_t *rows_read, *rows_accepted, *rows_quarantined;
    lnob_metric_t *send;   /* per message: the time a send waited (backpressure) */
} lnob_ingest_obs_t;

typedef struct lnob_ingest_ctx lnob_ingest_ctx_t;
struct lnob_ingest_ctx {
    void *sock;           /* libzmq handle of the PUSH socket */
    const lnob_ingest_cfg_t *cfg;
    const lnob_geo_t *geo;
    lnob_ack_t *ack;      /* NULL without a control endpoint */
    int asked;            /* the aggregator was asked about this extract */
    uint64_t sent, skipped; /* batches */
    int redelivery;       /* the extract is being sent again */
    char first_id[EXTRACT_ID_CAP];      /* the extract as first sent */
    char first_checksum[HEX_SHA256];    /* its content's checksum */
    char changed[LNOB_ERRSTR_MAX];      /* why a redelivery found other content */
    lnob_beat_t *beat;    /* the heartbeat and liveness tick */
    lnob_wire_stats_t *wire;  /* messages sent and received */
    lnob_ingest_obs_t obs;
    /* the engine's: sends a plan's extract and waits until it is stored
     * (a kind's drop folder, source.h watch) */
    int (*plan_run)(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan);
};

/* Sends env, waiting through backpressure (beating meanwhile). LNOB_CLOSED
 * when a signal stops us, LNOB_ERR when the socket fails. */
int lnob_ingest_send(lnob_ingest_ctx_t *ctx, lnob_env_t *env);
/* Sends batch seq of an extract unless the aggregator holds it already. */
int lnob_ingest_send_batch(lnob_ingest_ctx_t *ctx, const char *extract_id, uint32_t seq, lnob_env_t *env);
/* 1 when extracts a and b go to one aggregator (0 without a control
 * endpoint: no aggregator to ask). An extract can carry batches only from
 * one that went where it goes. */
int lnob_ingest_same_aggregator(const lnob_ingest_ctx_t *ctx, const char *a, const char *b);
/* Counts a batch the end carries from an extract sent before instead of
 * sending it (ExtractEnd.carry), as lnob_ingest_send_batch counts one sent. */
void lnob_ingest_carried(lnob_ingest_ctx_t *ctx, const lnob_env_t *env);
/* Whether the content about to be sent (its checksum) is the extract's:
 * LNOB_OK on its first delivery (checksum remembered) and on a redelivery
 * of the same content; LNOB_ERR when a redelivery found other content,
 * with ctx->changed saying so, naming the plan's source: the caller fails
 * the extract as FILE_CHANGED and sends none of it. */
int lnob_ingest_same_content(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, const char *checksum);
/* Announces that an extract cannot be used at all (on a redelivery, the
 * extract as first sent, whatever id the caller worked out this time);
 * after a signal it announces nothing (LNOB_CLOSED): a parse cut short is
 * no verdict. */
int lnob_ingest_send_failed(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, const char *extract_id,
                            const char *reason, const char *detail, const char *checksum,
                            const char *period);
/* Puts the reject ceiling (--max-reject-share) into an ExtractEnd. */
void lnob_ingest_end_ceiling(const lnob_ingest_cfg_t *cfg, Lnob__V1__ExtractEnd *end);

/* sha256 of a NUL-terminated text as hex (HEX_SHA256 bytes). */
void lnob_ingest_checksum_text(const char *text, char *hex);
/* "kind-period-<16 hex digits of checksum>". */
void lnob_ingest_extract_id(const lnob_ingest_ctx_t *ctx, char *id, size_t cap, const char *kind, const char *period,
                            const char *checksum);

#endif
