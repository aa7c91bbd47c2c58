/* replay.h - what `lnob quarantine replay` hands a source kind, and the
 * one-file replay most kinds need.
 *
 * Given the rejected rows of an extract (read from its quarantine stream by
 * cli/quarantine.c), a kind writes them as input an engineer can correct
 * and check with `lnob run` (its ops' replay, source.h): SILC the four UDB
 * files of a joined extract (silc_replay.h), MIS the rows read again from
 * the exports (mis_replay.h). The rest go to one CSV under the extract's
 * header row (lnob_replay_file). Rows the ingester cut at 16 KiB, and
 * entries without a raw row, cannot be rebuilt: they are left out, named
 * on stderr, and make the exit code 1. Never writes over the extract's
 * input files.
 * Not for: reading Redis (cli/quarantine.c does), or running the pipeline. */
#ifndef LNOB_KIT_REPLAY_H
#define LNOB_KIT_REPLAY_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
    const char *run;     /* how lnob run reads the kind's files again: "--silc" */
} lnob_replay_t;

#define LNOB_REPLAY_PROG "lnob quarantine" /* what messages start with */
#define LNOB_REPLAY_FAILED 1               /* the exit code of a replay that left rows out */
#define LNOB_REPLAY_FILE (-1)              /* a kind's answer: one file under the extract's header */
#define LNOB_REPLAY_LINES_NAMED 10         /* line numbers named in a message, at most */

/* 1 when a and b name one existing file (b "" never does). */
int lnob_replay_same_file(const char *a, const char *b);
/* Writes s as one shell word, quoted only when it needs to be. */
void lnob_replay_shell_word(FILE *out, const char *s);
/* 1 when a stored raw row is one the ingester cut short. */
int lnob_replay_is_cut(const char *raw);

/* Writes header, then rows[0..n) (in line order; a line repeated is
 * written once) to r->out, and says on stderr what it wrote and left out.
 * Returns the process exit code: 0, or 1 when it wrote nothing (out is the
 * source, cannot be written) or left rows out. */
int lnob_replay_file(const lnob_replay_t *r, const char *header, const lnob_replay_row_t *rows,
                     size_t n);

#endif
