/* serve.h - `lnob serve`: the stored figures over HTTP, read-only.
 *
 * A JSON read API for dashboards (docs/dashboards.md, "HTTP"):
 *   GET /api/v1/current?kind=silc|mis[&period=YYYY][&channel=NAME]
 *   GET /api/v1/extracts[?kind=...][&channel=...]
 *   GET /api/v1/extracts/{id}
 *   GET /api/v1/series?indicator=ID[&breakdown=...][&kind=...][&channel=...]
 *   GET /api/v1/events[?channel=...]  (serve_events.h)
 * and, at GET /, a web page that shows them (serve_page.h, web/).
 * The cells are the published ones (SUPPRESS withheld), as `lnob run
 * --format json` prints them; every answer names its extract and
 * publication in its ETag, and a request that sends it back in
 * If-None-Match gets 304. Parameters are checked: anything else is 400
 * with a message. It reads Redis as a user that may only read
 * (lnob_reader), listens on loopback unless --public, and sends no CORS
 * header unless --cors ORIGIN. Each request has a thread and a Redis
 * connection of its own (lnob/httpd.h). Not for: writing (sink/store.h). */
#ifndef LNOB_CLI_SERVE_H
#define LNOB_CLI_SERVE_H

int lnob_cli_serve(int argc, char **argv, int first);

#endif
