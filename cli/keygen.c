/* keygen.c - `lnob keygen` (keygen.h). */
#include "keygen.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lnob/config.h"
#include "lnob/curve.h"
#include "lnob/rc.h"

typedef struct {
    const char *role;
    const char *name;
} keygen_cfg_t;

static const lnob_opt_t s_opts[] = {
    {"role", NULL, LNOB_OPT_STR, NULL, 0, 0, LNOB_ROLES, offsetof(keygen_cfg_t, role),
     "the worker's role: which sockets accept it and which messages it may send"},
    {"name", NULL, LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(keygen_cfg_t, name),
     "file name without .cert (default: the role)"},
    LNOB_OPT_END};

#define USAGE "usage: lnob keygen DIR --role " LNOB_ROLES " [--name NAME]"

int lnob_cli_keygen(int argc, char **argv, int first)
{
    keygen_cfg_t cfg = {0};
    char err[512];
    const char *dir = argc > first && argv[first][0] != '-' ? argv[first] : NULL;
    int rc = lnob_config_parse(s_opts, &cfg, argc, argv, dir ? first + 1 : first, "lnob keygen",
                               USAGE, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK || !dir || !cfg.role) {
        fprintf(stderr, "lnob keygen: %s\n", rc != LNOB_OK ? err : USAGE);
        return 2;
    }
    const char *name = cfg.name ? cfg.name : cfg.role;
    if (!*name || strchr(name, '/')) {
        fprintf(stderr, "lnob keygen: --name '%s' must be a plain file name\n", name);
        return 2;
    }
    if (lnob_curve_keygen(dir, name, cfg.role, err, sizeof err) != 0) {
        fprintf(stderr, "lnob keygen: %s\n", err);
        return 1;
    }
    printf("%s/%s.cert (public: copy it into the --allow directory of each peer)\n"
           "%s/%s.cert_secret (mode 0600: this worker's --cert %s/%s.cert)\n",
           dir, name, dir, name, dir, name);
    return 0;
}
