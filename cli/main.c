/* main.c - the lnob command: `lnob run`, `lnob quarantine`, `lnob export` and
 * `lnob gen silc`.
 *
 * `run` executes the whole pipeline on this machine (run.h); `quarantine`
 * lists, shows and replays the rows an extract rejected (quarantine.h);
 * `gen silc` writes a deterministic synthetic SILC extract (gen_silc.h). */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "export.h"
#include "gen_silc.h"
#include "lnob/config.h"
#include "lnob/version.h"
#include "quarantine.h"
#include "run.h"

static const char s_usage[] =
    "usage: lnob COMMAND [options]\n\n"
    "commands:\n"
    "  run --silc FILE...   run the pipeline locally and print the indicators\n"
    "  quarantine list|show|replay\n"
    "                       find an extract's rejected rows, read them, write them\n"
    "                       out as a CSV to correct and run again\n"
    "  export --extract ID  write an extract's published cells as SDMX-CSV (or json, csv)\n"
    "  gen silc --out FILE  write a synthetic SILC extract\n\n"
    "`lnob COMMAND --help` lists a command's options.";

typedef struct {
    long households;
    long seed;
    long year;
    const char *out;
} gen_cfg_t;

static const lnob_opt_t s_gen_opts[] = {
    {"households", NULL, LNOB_OPT_INT, "2000", 1, 100000000, NULL, offsetof(gen_cfg_t, households),
     "households to generate (about 3.5 persons each)"},
    {"seed", NULL, LNOB_OPT_INT, "1", 0, 2147483647, NULL, offsetof(gen_cfg_t, seed),
     "random seed; the same seed gives the same bytes"},
    {"year", NULL, LNOB_OPT_INT, "2023", 2000, 2100, NULL, offsetof(gen_cfg_t, year),
     "survey year (DB010, RB010)"},
    {"out", NULL, LNOB_OPT_STR, "-", 0, 0, NULL, offsetof(gen_cfg_t, out),
     "output file, - for stdout"},
    LNOB_OPT_END};

static int s_gen(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[2], "silc") != 0) {
        fprintf(stderr, "lnob gen: say what to generate: `lnob gen silc --out FILE`\n");
        return 2;
    }
    gen_cfg_t cfg = {0};
    char err[256];
    int rc = lnob_config_parse(s_gen_opts, &cfg, argc, argv, 3, "lnob gen silc",
                               "usage: lnob gen silc [--households N] [--seed S] [--out FILE]",
                               err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK) {
        fprintf(stderr, "lnob gen silc: %s\n", err);
        return 2;
    }
    FILE *out = strcmp(cfg.out, "-") == 0 ? stdout : fopen(cfg.out, "w");
    if (!out) {
        perror(cfg.out);
        return 1;
    }
    lnob_geo_t *geo = lnob_geo_new();
    lnob_gen_silc_opts_t o = {(uint64_t) cfg.households, (uint64_t) cfg.seed, (int) cfg.year};
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
    if (!strcmp(argv[1], "gen"))
        return s_gen(argc, argv);
    fprintf(stderr, "lnob: unknown command '%s'\n%s\n", argv[1], s_usage);
    return 2;
}
