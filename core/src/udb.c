/* udb.c - the table of UDB variables (lnob/udb.h). */
#include "lnob/udb.h"

#include <strings.h>

#define CODE(n, lo, hi) {n, LNOB_UDB_CODE, lo, hi}
#define AMOUNT(n) {n, LNOB_UDB_AMOUNT, 0, 0}

const lnob_udb_def_t lnob_udb_defs[LNOB_UDB_VARS] = {
    [LNOB_V_HY010] = AMOUNT("HY010"),      [LNOB_V_HY025] = AMOUNT("HY025"),
    [LNOB_V_HS060] = CODE("HS060", 1, 2),  [LNOB_V_HS040] = CODE("HS040", 1, 2),
    [LNOB_V_HS050] = CODE("HS050", 1, 2),  [LNOB_V_HH050] = CODE("HH050", 1, 2),
    [LNOB_V_HS011] = CODE("HS011", 1, 3),  [LNOB_V_HS021] = CODE("HS021", 1, 3),
    [LNOB_V_HS031] = CODE("HS031", 1, 3),  [LNOB_V_HS110] = CODE("HS110", 1, 3),
    [LNOB_V_HD080] = CODE("HD080", 1, 3),  [LNOB_V_HS070] = CODE("HS070", 1, 3),
    [LNOB_V_HS080] = CODE("HS080", 1, 3),  [LNOB_V_HS100] = CODE("HS100", 1, 3),
    [LNOB_V_HX060] = CODE("HX060", 5, 16), [LNOB_V_DB100] = CODE("DB100", 1, 3),
    [LNOB_V_RB220] = AMOUNT("RB220"),      [LNOB_V_RB230] = AMOUNT("RB230"), /* person ids */
    [LNOB_V_RX020] = CODE("RX020", -1, 130), [LNOB_V_RB081] = CODE("RB081", -1, 130),
    [LNOB_V_PB040] = AMOUNT("PB040"),
    [LNOB_V_PD020] = CODE("PD020", 1, 3),  [LNOB_V_PD030] = CODE("PD030", 1, 3),
    [LNOB_V_PD050] = CODE("PD050", 1, 3),  [LNOB_V_PD060] = CODE("PD060", 1, 3),
    [LNOB_V_PD070] = CODE("PD070", 1, 3),  [LNOB_V_PD080] = CODE("PD080", 1, 3),
    [LNOB_V_PL032] = CODE("PL032", 1, 8),  [LNOB_V_PL145] = CODE("PL145", 1, 2),
    [LNOB_V_PL060] = CODE("PL060", 0, 99), [LNOB_V_PL100] = CODE("PL100", 0, 99),
    [LNOB_V_PL073] = CODE("PL073", 0, 12), [LNOB_V_PL074] = CODE("PL074", 0, 12),
    [LNOB_V_PL075] = CODE("PL075", 0, 12), [LNOB_V_PL076] = CODE("PL076", 0, 12),
    [LNOB_V_PY100G] = AMOUNT("PY100G"),    [LNOB_V_PY110G] = AMOUNT("PY110G"),
    [LNOB_V_PY130G] = AMOUNT("PY130G"),    [LNOB_V_PY080G] = AMOUNT("PY080G"),
    [LNOB_V_PH030] = CODE("PH030", 1, 3),
};

int lnob_udb_find(const char *name)
{
    for (int v = 0; v < LNOB_UDB_VARS; v++)
        if (strcasecmp(name, lnob_udb_defs[v].name) == 0)
            return v;
    return -1;
}

int lnob_udb_is_flag(long long code)
{
    return code == -1 || code == -2 || code == -3 || code == -7;
}
