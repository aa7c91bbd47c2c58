/* replay.h - the files `lnob quarantine replay` writes.
 *
 * Given the rejected rows of an extract (read from its quarantine stream by
 * quarantine.c) and the header row(s) they need, writes them as input an
 * engineer can correct and check with `lnob run --silc`: one CSV under the
 * extract's header row; or, for an extract joined from the four UDB files,
 * D.csv, H.csv, R.csv and P.csv in a directory, each under its own header
 * row, the joined person rows split back into their files. Rows the
 * ingester cut at 16 KiB, and entries without a raw row, cannot be rebuilt:
 * they are left out, named on stderr, and make the exit code 1. Never
 * writes over the extract's input files.
 * Not for: reading Redis (quarantine.c does), or running the pipeline. */
#ifndef LNOB_CLI_REPLAY_H
#define LNOB_CLI_REPLAY_H
#include <stddef.h>
#include <stdint.h>

/* One rejected row, borrowed from the quarantine stream. */
typedef struct {
    uint64_t line;       /* input line where the row starts; 0 if unknown */
    const char *source;  /* the file it is from ("" when not recorded) */
    const char *reason;  /* its reason code */
    const char *raw;     /* the row as stored; NULL when the entry holds none */
} lnob_replay_row_t;

/* What to write, and what to say about it. */
typedef struct {
    const char *id;      /* the extract */
    const char *out;     /* --out: a file, or "-" for stdout */
    const char *reason;  /* --reason, NULL for every reason (named in messages) */
    const char *source;  /* the extract's metadata `source` */
} lnob_replay_t;

/* 1 when a and b name one existing file (b "" never does). */
int lnob_replay_same_file(const char *a, const char *b);

/* Writes header, then rows[0..n) (in line order; a line repeated is
 * written once) to r->out, and says on stderr what it wrote and left out.
 * Returns the process exit code: 0, or 1 when it wrote nothing (out is the
 * source, cannot be written) or left rows out. */
int lnob_replay_file(const lnob_replay_t *r, const char *header, const lnob_replay_row_t *rows,
                     size_t n);

/* For an extract joined from the UDB files: inputs and headers are its
 * metadata fields `inputs` ("D=path" lines) and `headers` (a CSV row per
 * file: its letter, then its column names). Writes r->out/D.csv, H.csv,
 * R.csv and P.csv (those the set had; the directory is made if missing),
 * each under its header row: a file's own rejected rows (rejected by the
 * join: orphans, duplicate keys, other years ...) in line order, then the
 * D, H, R and P rows of the joined person rows rejected after the join, in
 * R line order, a household's D and H rows once. Returns the exit code: 0,
 * or 1 when it wrote nothing (a replay file would be one of the inputs, the
 * metadata lacks `headers`, out is "-") or left rows out. */
int lnob_replay_udb4(const lnob_replay_t *r, const char *inputs, const char *headers,
                     const lnob_replay_row_t *rows, size_t n);

#endif
