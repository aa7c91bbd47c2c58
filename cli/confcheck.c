/* confcheck.c - `lnob config check FILE` (confcheck.h). */
#include "confcheck.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lnob/config.h"
#include "pipeconf.h"

#define USAGE "usage: lnob config check FILE [--no-env]"

typedef struct {
    int no_env;
} cfg_t;

static const lnob_opt_t s_opts[] = {
    {"no-env", NULL, LNOB_OPT_FLAG, "0", 0, 0, NULL, offsetof(cfg_t, no_env),
     "leave the LNOB_* environment out: the file and the defaults alone"},
    LNOB_OPT_END};

int lnob_cli_config(int argc, char **argv, int first)
{
    if (first >= argc || strcmp(argv[first], "check") != 0 || first + 1 >= argc ||
        !strncmp(argv[first + 1], "--", 2)) {
        fprintf(stderr, "lnob config: %s\n", USAGE);
        return first + 1 < argc && !strcmp(argv[first + 1], "--help") ? 0 : 2;
    }
    const char *path = argv[first + 1];
    cfg_t cfg = {0};
    char err[256];
    int rc = lnob_config_parse(s_opts, &cfg, argc, argv, first + 2, "lnob config check", USAGE, err,
                               sizeof err);
    if (rc != LNOB_OK) {
        if (rc == LNOB_ERR)
            fprintf(stderr, "lnob config check: %s\n", err);
        return rc == LNOB_CLOSED ? 0 : 2;
    }
    lnob_pipeconf_t *pc = lnob_pipeconf_new(path, cfg.no_env);
    lnob_pipeconf_check_links(pc);
    lnob_pipeconf_print(pc, stdout);
    fflush(stdout);
    size_t n = 0;
    for (const char *p; (p = lnob_pipeconf_problem(pc, n)); n++)
        fprintf(stderr, "%s\n", p);
    if (n)
        fprintf(stderr, "lnob config check: %s: %zu problem%s\n", path, n, n == 1 ? "" : "s");
    else
        fprintf(stderr, "lnob config check: %s: valid\n", path);
    lnob_pipeconf_destroy(&pc);
    return n ? 1 : 0;
}
