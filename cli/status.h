/* status.h - `lnob status`: the workers' health and the last stored extract.
 *
 * Asks each worker's metrics endpoint (lnob/httpd.h; the endpoints given on
 * the command line, else --workers / LNOB_STATUS_WORKERS, else the default
 * ports of one host) for /healthz, /readyz and /metrics, and prints one line
 * per worker: its kind, health, readiness (the failing checks), and for the
 * aggregator the extracts in flight. Then the newest extract in Redis
 * (lnob:extracts, its metadata hash lnob:extract:<id>). Exits 0 when every
 * worker answers healthy and ready and Redis was read; 1 otherwise; 2 on bad
 * options. Not for: changing anything (it only reads). */
#ifndef LNOB_CLI_STATUS_H
#define LNOB_CLI_STATUS_H

/* argv[first..] are status's words. Returns the exit code. */
int lnob_cli_status(int argc, char **argv, int first);

#endif
