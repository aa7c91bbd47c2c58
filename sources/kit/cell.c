/* cell.c - the names of the reliability flags (cell.h). */
#include "cell.h"

const char *lnob_flag_name(lnob_flag flag)
{
    switch (flag) {
    case LNOB_FLAG_OK:
        return "OK";
    case LNOB_FLAG_U:
        return "U";
    case LNOB_FLAG_SUPPRESS:
        return "SUPPRESS";
    }
    return "?";
}
