/* main.c - the lnob command: `lnob run`, `lnob quarantine`, `lnob export`,
 * `lnob prune`, `lnob delete`, `lnob gen silc`, `lnob gen mis`, `lnob status` and `lnob serve`.
 *
 * `run` executes the whole pipeline on this machine (run.h); `quarantine`
 * lists, shows and replays the rows an extract rejected (quarantine.h);
 * `prune` and `delete` remove stored extracts (prune.h);
 * `gen silc` writes a deterministic synthetic SILC extract (gen_silc.h);
 * `gen mis` writes deterministic synthetic municipal MIS exports with their
 * known answers (gen_mis.h); `status` shows the workers' health and the
 * last stored extract (status.h); `serve` answers dashboards over HTTP
 * (serve.h); `watch` follows the publications in a terminal (watch.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "confcheck.h"
#include "export.h"
#include "gen_mis.h"
#include "gen_silc.h"
#include "keygen.h"
#include "lnob/statfile.h"
#include "lnob/config.h"
#include "lnob/version.h"
#include "prune.h"
#include "quarantine.h"
#include "run.h"
#include "serve.h"
#include "watch.h"
#include "status.h"

static const char s_usage[] =
    "usage: lnob COMMAND [options]\n\n"
    "commands:\n"
    "  run --silc FILE...   run the pipeline locally and print the indicators\n"
    "  quarantine list|show|replay\n"
    "                       find an extract's rejected rows, read them, write them\n"
    "                       out as a CSV to correct and run again\n"
    "  export --extract ID  write an extract's published cells as SDMX-CSV (or json, csv)\n"
    "  config check FILE    check a configuration file for every program of the pipeline\n"
    "                       and print each one's effective configuration\n"
    "  prune --keep-last N|--older-than DAYS\n"
    "                       remove old extracts from Redis (the newest of each kind and\n"
    "                       period stays unless --all; --dry-run lists them)\n"
    "  delete EXTRACT       remove one extract from Redis\n"
    "  gen silc --out FILE  write a synthetic SILC extract (--format basic|full: one\n"
    "                       merged CSV; --format udb4|sav|dta --out DIR: DIR/D.csv\n"
    "                       H.csv R.csv P.csv, or .sav, or .dta)\n"
    "  gen mis --out DIR    write synthetic municipal MIS exports (DIR/exports/) and\n"
    "                       their known answers (DIR/answers.csv)\n"
    "  keygen DIR --role R  write a worker's CURVE certificate for tcp:// links\n"
    "  status [ADDR:PORT...]\n"
    "                       the workers' health and readiness (their metrics\n"
    "                       endpoints) and the last extract stored in Redis\n"
    "  serve                the current figures over HTTP for dashboards (read-only:\n"
    "                       /api/v1/current, /api/v1/extracts; docs/dashboards.md)\n"
    "  watch                follow the publications in a terminal, with headline cells\n\n"
    "`lnob COMMAND --help` lists a command's options.";

typedef struct {
    long households;
    long seed;
    long year;
    const char *format;
    const char *out;
} gen_cfg_t;

static const char *const s_gen_formats[] = {[LNOB_GEN_BASIC] = "basic", [LNOB_GEN_FULL] = "full",
                                            [LNOB_GEN_UDB4] = "udb4"};

static const lnob_opt_t s_gen_opts[] = {
    {"households", NULL, LNOB_OPT_INT, "2000", 1, 100000000, NULL, offsetof(gen_cfg_t, households),
     "households to generate (about 3.5 persons each)"},
    {"seed", NULL, LNOB_OPT_INT, "1", 0, 2147483647, NULL, offsetof(gen_cfg_t, seed),
     "random seed; the same seed gives the same bytes"},
    {"year", NULL, LNOB_OPT_INT, "2023", 2000, 2100, NULL, offsetof(gen_cfg_t, year),
     "survey year (DB010, RB010)"},
    {"format", NULL, LNOB_OPT_STR, "basic", 0, 0, "basic|full|udb4|sav|dta", offsetof(gen_cfg_t, format),
     "basic: core columns; full: also items, work, pensions, GALI, DB100; udb4: full as "
     "D/H/R/P CSV files; sav, dta: those four as SPSS or Stata files"},
    {"out", NULL, LNOB_OPT_STR, "-", 0, 0, NULL, offsetof(gen_cfg_t, out),
     "output file, - for stdout; with --format udb4 a directory (created if needed)"},
    LNOB_OPT_END};

/* mkdir -p: creates dir and its missing parents. Returns 0 or -1 (errno). */
static int s_mkdirs(const char *dir)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int) sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* The four UDB files in dir. Returns the exit code: 0; 2 without a DIR;
 * 1 when a file cannot be made or written. */
/* Closes a temporary CSV after writing it as path (.sav or .dta). */
static int s_to_statfile(FILE *csv, const char *path)
{
    char err[256];
    rewind(csv);
    int rc = lnob_statfile_write_csv(csv, path, 0, err, sizeof err); /* stamp 0: same bytes */
    if (rc != LNOB_OK)
        fprintf(stderr, "lnob gen silc: %s\n", err);
    fclose(csv);
    return rc == LNOB_OK ? 0 : -1;
}

/* The four UDB files into dir as ext files: csv directly, sav or dta
 * through a temporary CSV each and ReadStat's writer. */
static int s_gen_udb4(const char *dir, const char *ext, const lnob_gen_silc_opts_t *o,
                      const lnob_geo_t *geo)
{
    int csv = !strcmp(ext, "csv");
    if (!strcmp(dir, "-")) {
        fprintf(stderr, "lnob gen silc: --format %s writes four files: give --out DIR\n", ext);
        return 2;
    }
    if (s_mkdirs(dir) != 0) {
        perror(dir);
        return 1;
    }
    FILE *out[LNOB_GEN_UDB4_FILES] = {0};
    char path[LNOB_GEN_UDB4_FILES][PATH_MAX];
    int rc = 0;
    for (int k = 0; k < LNOB_GEN_UDB4_FILES && rc == 0; k++) {
        snprintf(path[k], sizeof path[k], "%s/%c.%s", dir, LNOB_GEN_UDB4_LETTERS[k], ext);
        if (!(out[k] = csv ? fopen(path[k], "w") : tmpfile())) {
            perror(path[k]);
            rc = 1;
        }
    }
    if (rc == 0 && lnob_gen_silc_udb4(out, o, geo) != 0)
        rc = -1;
    for (int k = 0; k < LNOB_GEN_UDB4_FILES; k++)
        if (out[k] && (csv || rc != 0 ? fclose(out[k]) : s_to_statfile(out[k], path[k])) != 0)
            rc = -1;
    if (rc < 0)
        fprintf(stderr, "lnob gen silc: write failed\n");
    return rc == 0 ? 0 : 1;
}

typedef struct {
    long seed;
    long year;
    long municipalities;
    long persons;
    long registers;
    const char *out;
} gen_mis_cfg_t;

static const lnob_opt_t s_gen_mis_opts[] = {
    {"seed", NULL, LNOB_OPT_INT, "1", 0, 2147483647, NULL, offsetof(gen_mis_cfg_t, seed),
     "random seed; the same options give the same bytes"},
    {"year", NULL, LNOB_OPT_INT, "2024", 2000, 2100, NULL, offsetof(gen_mis_cfg_t, year),
     "reference year of the answers (records start and end around it)"},
    {"municipalities", NULL, LNOB_OPT_INT, "61", 1, LNOB_GEO_MUNICIPALITIES, NULL,
     offsetof(gen_mis_cfg_t, municipalities), "municipalities exporting, drawn by the seed"},
    {"persons", NULL, LNOB_OPT_INT, "4000", 1, LNOB_GEN_MIS_PERSONS_MAX, NULL,
     offsetof(gen_mis_cfg_t, persons), "persons receiving services (about 2.2 rows each)"},
    {"registers", NULL, LNOB_OPT_INT, "0", 0, LNOB_GEO_MUNICIPALITIES, NULL,
     offsetof(gen_mis_cfg_t, registers),
     "the first N municipalities also export a needs-assessment register (at most "
     "--municipalities)"},
    {"out", NULL, LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(gen_mis_cfg_t, out),
     "directory (created if needed; DIR/exports must be new or empty)"},
    LNOB_OPT_END};

/* 1 if dir exists and holds anything but . and .. */
static int s_dir_has_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int any = 0;
    for (struct dirent *e; !any && (e = readdir(d));)
        any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return any;
}

/* `lnob gen mis`: exit code 0; 2 for bad options; 1 when writing fails. */
/* What lnob gen mis wrote: exports, registers' mapping files, answers. */
static void s_say_written(const lnob_gen_mis_t *g, const char *dir)
{
    size_t maps = 0, n = lnob_gen_mis_count(g) - 1; /* the last is the answers */
    for (size_t i = 0; i < n; i++) {
        const char *name = lnob_gen_mis_name(g, i);
        size_t len = strlen(name);
        maps += len > 4 && !strcmp(name + len - 4, ".map");
    }
    fprintf(stderr, "lnob gen mis: %zu export files, %zu mapping file%s and %s in %s\n", n - maps,
            maps, maps == 1 ? "" : "s", LNOB_GEN_MIS_ANSWERS, dir);
}

static int s_gen_mis(int argc, char **argv)
{
    gen_mis_cfg_t cfg = {0};
    char err[PATH_MAX + 64];
    int rc = lnob_config_parse(s_gen_mis_opts, &cfg, argc, argv, 3, "lnob gen mis",
                               "usage: lnob gen mis --out DIR [--seed S] [--year Y]\n"
                               "                    [--municipalities N] [--persons N]\n"
                               "                    [--registers N]",
                               err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc == LNOB_OK && !cfg.out) {
        snprintf(err, sizeof err, "--out DIR is required");
        rc = LNOB_ERR;
    }
    if (rc == LNOB_OK && cfg.registers > cfg.municipalities) {
        snprintf(err, sizeof err, "--registers %ld: more than the %ld municipalities exporting",
                 cfg.registers, cfg.municipalities);
        rc = LNOB_ERR;
    }
    if (rc != LNOB_OK) {
        fprintf(stderr, "lnob gen mis: %s\n", err);
        return 2;
    }
    char exports[PATH_MAX];
    snprintf(exports, sizeof exports, "%s/%s", cfg.out, LNOB_GEN_MIS_EXPORTS);
    if (s_dir_has_files(exports)) {
        fprintf(stderr, "lnob gen mis: %s is not empty: give a new or empty directory\n",
                exports);
        return 1;
    }
    if (s_mkdirs(cfg.out) != 0) {
        perror(cfg.out);
        return 1;
    }
    const lnob_gen_mis_opts_t o = {(uint64_t) cfg.seed, (int) cfg.year, (int) cfg.municipalities,
                                   (int) cfg.persons, (int) cfg.registers};
    lnob_geo_t *geo = lnob_geo_new();
    lnob_gen_mis_t *g = lnob_gen_mis_new(&o, geo);
    rc = g ? lnob_gen_mis_write(g, cfg.out, err, sizeof err) : -1;
    if (rc != 0)
        fprintf(stderr, "lnob gen mis: %s\n", g ? err : "generation failed");
    else
        s_say_written(g, cfg.out);
    lnob_gen_mis_destroy(&g);
    lnob_geo_destroy(&geo);
    return rc == 0 ? 0 : 1;
}

static int s_gen(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[2], "mis"))
        return s_gen_mis(argc, argv);
    if (argc < 3 || strcmp(argv[2], "silc") != 0) {
        fprintf(stderr, "lnob gen: say what to generate: `lnob gen silc --out FILE` or "
                        "`lnob gen mis --out DIR`\n");
        return 2;
    }
    gen_cfg_t cfg = {0};
    char err[256];
    int rc = lnob_config_parse(s_gen_opts, &cfg, argc, argv, 3, "lnob gen silc",
                               "usage: lnob gen silc [--households N] [--seed S] [--year Y]\n"
                               "                     [--format basic|full|udb4|sav|dta] [--out FILE|DIR]",
                               err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK) {
        fprintf(stderr, "lnob gen silc: %s\n", err);
        return 2;
    }
    lnob_gen_silc_opts_t o = {(uint64_t) cfg.households, (uint64_t) cfg.seed, (int) cfg.year,
                              LNOB_GEN_BASIC};
    int stat = !strcmp(cfg.format, "sav") || !strcmp(cfg.format, "dta");
    while (!stat && strcmp(cfg.format, s_gen_formats[o.format]) != 0)
        o.format++; /* the option table admits only these names */
    lnob_geo_t *geo = lnob_geo_new();
    if (stat || o.format == LNOB_GEN_UDB4) {
        o.format = LNOB_GEN_UDB4;
        rc = s_gen_udb4(cfg.out, stat ? cfg.format : "csv", &o, geo);
        lnob_geo_destroy(&geo);
        return rc;
    }
    FILE *out = strcmp(cfg.out, "-") == 0 ? stdout : fopen(cfg.out, "w");
    if (!out) {
        perror(cfg.out);
        lnob_geo_destroy(&geo);
        return 1;
    }
    rc = lnob_gen_silc(out, &o, geo);
    lnob_geo_destroy(&geo);
    if (out != stdout && fclose(out) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "lnob gen silc: write failed\n");
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* a dead Redis is an error reply, not our death */
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        puts(s_usage);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("lnob %s\n", LNOB_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "run"))
        return lnob_cli_run(argc, argv, 2);
    if (!strcmp(argv[1], "quarantine"))
        return lnob_cli_quarantine(argc, argv, 2);
    if (!strcmp(argv[1], "export"))
        return lnob_cli_export(argc, argv, 2);
    if (!strcmp(argv[1], "config"))
        return lnob_cli_config(argc, argv, 2);
    if (!strcmp(argv[1], "prune"))
        return lnob_cli_prune(argc, argv, 2);
    if (!strcmp(argv[1], "delete"))
        return lnob_cli_delete(argc, argv, 2);
    if (!strcmp(argv[1], "gen"))
        return s_gen(argc, argv);
    if (!strcmp(argv[1], "keygen"))
        return lnob_cli_keygen(argc, argv, 2);
    if (!strcmp(argv[1], "status"))
        return lnob_cli_status(argc, argv, 2);
    if (!strcmp(argv[1], "serve"))
        return lnob_cli_serve(argc, argv, 2);
    if (!strcmp(argv[1], "watch"))
        return lnob_cli_watch(argc, argv, 2);
    fprintf(stderr, "lnob: unknown command '%s'\n%s\n", argv[1], s_usage);
    return 2;
}
