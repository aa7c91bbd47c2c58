/* http_get.h - one blocking HTTP/1.0 GET to a worker's metrics endpoint.
 *
 * lnob status (and the tests) read /metrics, /healthz and /readyz of
 * workers: a plain GET over TCP with a deadline, the whole answer read until
 * the server closes (HTTP/1.0), the status code and body handed back.
 * Written by hand because libmicrohttpd is a server only and a GET of a few
 * kilobytes does not justify libcurl (README, "Written by hand"). Not for:
 * HTTPS, redirects, chunked answers or anything but our own endpoints. */
#ifndef LNOB_CLI_HTTP_GET_H
#define LNOB_CLI_HTTP_GET_H
#include <stddef.h>

/* The largest answer read (the metrics of a worker are a few KiB). */
#define LNOB_HTTP_GET_MAX (1024 * 1024)

/* GETs path from addr ("127.0.0.1:9101", "[::1]:9101") within timeout_ms
 * in all. Returns the HTTP status (200, 503, ...) with *body the owned,
 * NUL-terminated body (free()), or -1 with the reason in err (refused,
 * timed out, not HTTP) and *body NULL. */
int lnob_http_get(const char *addr, const char *path, int timeout_ms, char **body, char *err, size_t cap);

#endif
