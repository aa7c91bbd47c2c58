/* ingest_config.h - lnob-ingest's options, as a table (lnob/config.h).
 *
 * Its flags, environment variables, defaults and bounds (the source
 * kinds' options among them), and its section
 * [ingest] of the configuration file: for lnob-ingest itself and for
 * lnob config check and lnob run, which read the same file.
 * Not for: what the options do (main.c, extract.h). */
#ifndef LNOB_INGEST_CONFIG_H
#define LNOB_INGEST_CONFIG_H
#include <stddef.h>

#include "deliver.h"
#include "lnob/config.h"

/* lnob-ingest: fills a lnob_ingest_cfg_t (deliver.h): the engine's
 * options, then each source kind's own (source.h ingest_opts), in registry
 * order. The table is made at the first call (from the main thread). */
const lnob_config_prog_t *lnob_ingest_config(void);
/* The part of cfg that holds the options of kind k (registry order). */
const void *lnob_ingest_kind_cfg(const lnob_ingest_cfg_t *cfg, size_t k);

#endif
