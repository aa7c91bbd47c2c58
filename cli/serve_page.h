/* serve_page.h - the web page of `lnob serve`: its files, served from the
 * binary.
 *
 * GET / is web/index.html; /app.js, /app.css and /favicon.svg are its
 * script, style sheet and icon; /data/municipalities.csv,
 * /data/lnb_targets.csv and /data/silc_published.csv are the reference
 * tables the page joins the figures with (data/reference/). All are
 * embedded at build time (cmake/embed.cmake), so the page needs nothing
 * but the binary and fetches nothing but its own /api/v1 answers. Each
 * answer carries an ETag of its bytes and Cache-Control: no-cache, and a
 * request that sends the ETag back in If-None-Match gets 304. The page
 * states its Content-Security-Policy ('self' only) in a <meta> element:
 * an answer can set no header of its own through lnob/httpd.h. Not for:
 * the figures (serve.c) or the page's logic (web/app.js). */
#ifndef LNOB_CLI_SERVE_PAGE_H
#define LNOB_CLI_SERVE_PAGE_H

#include "lnob/httpd.h"

/* Answers a GET of path when it is one of the page's files and returns 1;
 * returns 0, a untouched, for any other path. Thread-safe: it reads only
 * constant data. */
int lnob_serve_page(const char *path, const lnob_httpd_request_t *req, lnob_httpd_answer_t *a);

#endif
