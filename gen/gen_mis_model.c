/* gen_mis_model.c - what the MIS writer and its answers share: the
 * service codes and the day arithmetic (gen_mis_model.h). */
#include "gen_mis_model.h"

const char *const lnob_gen_mis_service_code[LNOB_GEN_MIS_NSERVICES] = {
    "HOME_CARE",    "DAY_CENTRE",       "COMMUNITY_CENTRE", "RESIDENTIAL",
    "FOSTER_CARE",  "SHELTER",          "PSYCHOSOCIAL",     "CHILD_PROTECTION",
    "SOCIAL_HOUSING", "ECONOMIC_AID",   "DISABILITY_PAYMENT"};

/* Days since 1970-01-01 of a proleptic Gregorian date, and back
 * (H. Hinnant's algorithms). */
int32_t lnob_gen_mis_days(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t) (era * 146097 + doe - 719468);
}

void lnob_gen_mis_civil(int32_t days, int *y, int *m, int *d)
{
    const int32_t z = days + 719468;
    const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int32_t doe = z - era * 146097;
    const int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int32_t mp = (5 * doy + 2) / 153;
    *d = (int) (doy - (153 * mp + 2) / 5 + 1);
    *m = (int) (mp < 10 ? mp + 3 : mp - 9);
    *y = (int) (yoe + era * 400 + (*m <= 2));
}
