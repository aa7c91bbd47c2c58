/* mis_records.h - an MIS extract's batches as the records and dimensions
 * of mis_cells.h.
 *
 * Each MisBatch names municipalities and services through its own
 * dictionaries; this module maps them onto one national frame: the 61
 * municipalities of the reference tables (with their Census 2023
 * population and LNB target flag) and the services present, in name order,
 * so the cells do not depend on how the records were batched.
 * Not for: the indicators (mis_cells.h) or the wire (proto/). */
#ifndef LNOB_MIS_MIS_RECORDS_H
#define LNOB_MIS_MIS_RECORDS_H
#include <stddef.h>

#include "lnob/geo.h"
#include "mis_cells.h"
#include "wire.h"

typedef struct {
    lnob_mis_record_t *records; /* borrows strings from the batches */
    size_t n;
    lnob_mis_dims_t dims;
    /* storage behind dims */
    const char **municipalities, **services;
    long *population;
    int *target;
    char service_set[512];       /* the services present, comma-separated (§6.5 SERVICE_SET) */
    /* the batches in the frame's order (by file name, then first line, then
     * seq: not the order they came in), records of batches[i] at
     * records[batch_start[i] .. batch_start[i + 1]) */
    const Lnob__V1__MisBatch **batches;
    size_t *batch_start;
    size_t n_batches;
    int user_population;         /* municipalities whose residents came from the user */
} lnob_mis_frame_t;

/* Builds the frame of batches[0..nb): the records of the services that
 * count (the others are left out), batch by batch in an order that does
 * not depend on the order the exports were read in (a person's attributes
 * take the first of records that tie, spec §6.3), the user's residents over the Census
 * 2023 figures of the municipalities they name, the vulnerable groups.
 * Returns 0, or -1 when a batch names a municipality the tables do not
 * know, the population, service set or group text is malformed, or there
 * are more services than one period can hold (err says which). */
typedef struct {
    int year;
    const char *population;  /* the user's residents, "AL153=10000;AL346=4000", or "" */
    const char *service_set; /* SERVICE_SET: the services that count, "HOME_CARE,..."; "" all present */
    const char *vuln_groups; /* VULN_GROUPS (lnob_mis_vuln_mask), "" all */
} lnob_mis_frame_opts_t;

int lnob_mis_frame_init(lnob_mis_frame_t *f, const Lnob__V1__MisBatch *const *batches, size_t nb,
                        const lnob_geo_t *geo, const lnob_mis_frame_opts_t *o, char *err,
                        size_t cap);
void lnob_mis_frame_free(lnob_mis_frame_t *f);

#endif
