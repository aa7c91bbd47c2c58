/* ingest_config.h - lnob-ingest's options, as a table (lnob/config.h).
 *
 * Its flags, environment variables, defaults and bounds, and its section
 * [ingest] of the configuration file: for lnob-ingest itself and for
 * lnob config check and lnob run, which read the same file.
 * Not for: what the options do (main.c, extract.h). */
#ifndef LNOB_INGEST_CONFIG_H
#define LNOB_INGEST_CONFIG_H
#include "lnob/config.h"

/* lnob-ingest: fills a lnob_ingest_cfg_t (extract.h). */
extern const lnob_config_prog_t lnob_ingest_config;

#endif
