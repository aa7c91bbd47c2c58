/* cell.h - one output cell of an extract, whatever its source kind.
 *
 * What a kind's cells computation yields and the aggregator puts into a
 * Result (spec §0.6): an indicator of one group of one breakdown, its value
 * (or none), its unweighted and weighted denominators, and its reliability
 * flag (spec §5.3). Not for: computing cells (the kinds do) or their wire
 * form (result.h). */
#ifndef LNOB_KIT_CELL_H
#define LNOB_KIT_CELL_H
#include <stdint.h>

/* Reliability flags of spec §5.3. */
typedef enum { LNOB_FLAG_OK = 0, LNOB_FLAG_U = 1, LNOB_FLAG_SUPPRESS = 2 } lnob_flag;

#define LNOB_GROUP_MAX 64

/* One output cell (spec §0.6). */
typedef struct {
    const char *indicator;  /* median | mean | arpt | arpr40 | ... (docs/redis-keys.md) */
    const char *breakdown;  /* "" national | region | sex | age_group | ... (docs/redis-keys.md) */
    char group[LNOB_GROUP_MAX]; /* breakdown value, "" national */
    int has_value;          /* 0: undefined */
    double value;
    uint64_t n;             /* unweighted persons in the denominator */
    double weight;          /* weighted persons in the denominator (RB050 units) */
    lnob_flag flag;
    const char *diagnostic; /* "" or e.g. QSR_BOT_NONPOS */
    const char *suppressed; /* NULL, or why flag is SUPPRESS for disclosure control:
                               SMALL_COUNT, COMPLEMENT (docs/disclosure.md) */
} lnob_cell_t;

/* "OK", "U" or "SUPPRESS". */
const char *lnob_flag_name(lnob_flag flag);

#endif
