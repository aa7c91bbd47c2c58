/* watch.h - `lnob watch`: a terminal view that follows the publications.
 *
 * Prints the current extract of each kind in a channel with its headline
 * cell (the kind's `headline` op: national AROP, persons served), then one
 * line per entry of lnob:stream:extracts of that channel as it arrives:
 * published (with the extract's headline) or removed. Reads Redis only
 * (lnob_reader is enough). Ctrl-C stops it; --count N after N entries (for
 * scripts and tests). Not for: HTTP (serve.h). */
#ifndef LNOB_CLI_WATCH_H
#define LNOB_CLI_WATCH_H

int lnob_cli_watch(int argc, char **argv, int first);

#endif
