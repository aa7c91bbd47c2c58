/* export.c - `lnob export --extract ID --format sdmx-csv|json|csv` (export.h). */
#include "export.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lnob/config.h"
#include "lnob/redis.h"
#include "report.h"

#define PROG "lnob export"

typedef struct {
    const char *extract;
    const char *format;
    const char *redis;
    const char *redis_password_file;
    const char *out;
} cfg_t;

static const lnob_opt_t s_opts[] = {
    {"extract", NULL, LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, extract),
     "the extract id (`lnob quarantine list` shows them)"},
    {"format", NULL, LNOB_OPT_STR, "sdmx-csv", 0, 0, "sdmx-csv|json|csv", offsetof(cfg_t, format),
     "output format"},
    {"redis", "LNOB_REDIS_URL", LNOB_OPT_STR, "redis://127.0.0.1:6379/0", 0, 0, NULL,
     offsetof(cfg_t, redis),
     "Redis holding the extracts (redis://[user:password@]host:port/db, unix:///path?db=N&user=NAME)"},
    {"redis-password-file", "LNOB_REDIS_PASSWORD_FILE", LNOB_OPT_STR, NULL, 0, 0, NULL,
     offsetof(cfg_t, redis_password_file), LNOB_REDIS_PASSWORD_FILE_HELP},
    {"out", NULL, LNOB_OPT_STR, "-", 0, 0, NULL, offsetof(cfg_t, out), "file to write, - for stdout"},
    LNOB_OPT_END};

static const char s_usage[] =
    "usage: lnob export --extract ID [--format sdmx-csv|json|csv] [--out FILE] [--redis URL]";

static int s_write(const cfg_t *cfg, redisContext *c, FILE *out)
{
    char err[256];
    lnob_report_t rep = {out, stderr, lnob_report_parse_format(cfg->format), 0, 1, 0, 0};
    lnob_report_begin(&rep);
    int rc = lnob_report_extract(&rep, c, cfg->extract, err, sizeof err);
    lnob_report_end(&rep);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", PROG, err);
    return rc;
}

int lnob_cli_export(int argc, char **argv, int first)
{
    cfg_t cfg = {0};
    char err[256];
    int rc = lnob_config_parse(s_opts, &cfg, argc, argv, first, PROG, s_usage, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK || !cfg.extract) {
        fprintf(stderr, "%s: %s\n%s\n", PROG, rc != LNOB_OK ? err : "say which extract: --extract ID",
                s_usage);
        return 2;
    }
    redisContext *c = NULL;
    if (lnob_redis_connect(cfg.redis, cfg.redis_password_file, &c, err, sizeof err) != LNOB_OK) {
        fprintf(stderr, "%s: %s\n", PROG, err);
        return 1;
    }
    int to_stdout = !strcmp(cfg.out, "-");
    FILE *out = to_stdout ? stdout : fopen(cfg.out, "w");
    if (!out) {
        fprintf(stderr, "%s: cannot write %s\n", PROG, cfg.out);
        redisFree(c);
        return 1;
    }
    rc = s_write(&cfg, c, out);
    if ((to_stdout ? fflush(out) : fclose(out)) != 0) {
        fprintf(stderr, "%s: write failed: %s\n", PROG, cfg.out);
        rc = 1;
    }
    redisFree(c);
    return rc == 0 ? 0 : 1;
}
