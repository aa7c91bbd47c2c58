/* replay.c - the one-file replay and what every kind's replay uses (replay.h). */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PROG LNOB_REPLAY_PROG
#define EXIT_FAILED LNOB_REPLAY_FAILED
/* The ingester keeps 16 KiB of a rejected row (1 KiB before 2026-11-29):
 * a cut row is RAW_CUT_LEN (or RAW_CUT_LEN_OLD) bytes ending in "..."
 * (docs/redis-keys.md) and cannot be replayed. */
#define RAW_CUT_LEN 16383
#define RAW_CUT_LEN_OLD 1023
#define CUT_MARK "..."
#define CUT_MARK_LEN 3
#define LINES_NAMED LNOB_REPLAY_LINES_NAMED

/* ---- what every kind's replay uses ------------------------------------------ */

void lnob_replay_shell_word(FILE *out, const char *s)
{
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:@%+=,-";
    if (*s && strspn(s, safe) == strlen(s)) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (; *s; s++)
        fputs(*s == '\'' ? "'\\''" : (char[]){*s, 0}, out);
    fputc('\'', out);
}

int lnob_replay_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return *b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int lnob_replay_is_cut(const char *raw)
{
    size_t n = strlen(raw);
    return (n == RAW_CUT_LEN || n == RAW_CUT_LEN_OLD) &&
           !memcmp(raw + n - CUT_MARK_LEN, CUT_MARK, CUT_MARK_LEN);
}

/* ---- one file --------------------------------------------------------------- */

/* What replay left out, to tell the engineer. */
typedef struct {
    size_t written, cut, no_raw, duplicate;
    uint64_t cut_lines[LINES_NAMED];
    uint64_t first, last; /* lines written */
} replayed_t;

/* Writes the header and the replayable rows (sorted). Returns 0, or -1 on
 * a write error (the caller removes the file). */
static int s_write_rows(FILE *out, const char *header, const lnob_replay_row_t *rows, size_t n,
                        replayed_t *rp)
{
    fprintf(out, "%s\n", header);
    for (size_t i = 0; i < n; i++) {
        const lnob_replay_row_t *en = &rows[i];
        if (i && en->line && en->line == rows[i - 1].line) {
            rp->duplicate++; /* the same row stored twice (a redelivered part) */
            continue;
        }
        if (!en->raw) {
            rp->no_raw++;
            continue;
        }
        if (lnob_replay_is_cut(en->raw)) {
            if (rp->cut < LINES_NAMED)
                rp->cut_lines[rp->cut] = en->line;
            rp->cut++;
            continue;
        }
        fprintf(out, "%s\n", en->raw);
        rp->first = rp->written ? rp->first : en->line;
        rp->last = en->line;
        rp->written++;
    }
    return ferror(out) ? -1 : 0;
}

static void s_say_replayed(const lnob_replay_t *r, const replayed_t *rp)
{
    fprintf(stderr, "%s: wrote the header row and %zu row%s", PROG, rp->written,
            rp->written == 1 ? "" : "s");
    if (rp->written == 1)
        fprintf(stderr, " (input line %llu)", (unsigned long long) rp->first);
    else if (rp->written)
        fprintf(stderr, " (input lines %llu-%llu)", (unsigned long long) rp->first,
                (unsigned long long) rp->last);
    fprintf(stderr, " of %s%s%s to %s\n", r->id, r->reason ? ", reason " : "",
            r->reason ? r->reason : "", r->out);
    if (rp->duplicate)
        fprintf(stderr, "%s: %zu entries repeated a line already written; written once\n", PROG,
                rp->duplicate);
    if (rp->cut) {
        fprintf(stderr, "%s: left out %zu row%s cut short in Redis (input line%s", PROG, rp->cut,
                rp->cut == 1 ? "" : "s", rp->cut == 1 ? "" : "s");
        for (size_t i = 0; i < rp->cut && i < LINES_NAMED; i++)
            fprintf(stderr, "%s %llu", i ? "," : "", (unsigned long long) rp->cut_lines[i]);
        fprintf(stderr, "%s): copy %s from the source file\n", rp->cut > LINES_NAMED ? ", ..." : "",
                rp->cut == 1 ? "it" : "them");
    }
    if (rp->no_raw)
        fprintf(stderr, "%s: left out %zu entries that hold no raw row\n", PROG, rp->no_raw);
    /* A private Redis, not --redis: there the rows would be an extract of
     * their own, announced to dashboards as the period's newest. */
    fprintf(stderr, "%s: correct %s, then check: lnob run %s ", PROG, rp->written == 1 ? "it" : "them",
            r->run);
    lnob_replay_shell_word(stderr, strcmp(r->out, "-") ? r->out : "FILE");
    fprintf(stderr, "\n%s: (a private Redis, nothing published; the rows count in the "
                    "indicators once they are back in %s and it is run again)\n",
            PROG, *r->source ? r->source : "the source file");
}

int lnob_replay_file(const lnob_replay_t *r, const char *header, const lnob_replay_row_t *rows,
                     size_t n)
{
    int to_stdout = !strcmp(r->out, "-");
    if (!to_stdout && lnob_replay_same_file(r->out, r->source)) {
        fprintf(stderr, "%s: %s is the source file of %s; write the replay elsewhere\n", PROG,
                r->out, r->id);
        return EXIT_FAILED;
    }
    FILE *out = to_stdout ? stdout : fopen(r->out, "w");
    if (!out) {
        perror(r->out);
        return EXIT_FAILED;
    }
    replayed_t rp = {0};
    int rc = s_write_rows(out, header, rows, n, &rp);
    if (to_stdout ? fflush(out) != 0 : fclose(out) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "%s: writing %s failed\n", PROG, r->out);
        if (!to_stdout)
            remove(r->out);
        return EXIT_FAILED;
    }
    s_say_replayed(r, &rp);
    /* A file that lacks rows must not look like a complete replay. */
    return rp.cut || rp.no_raw ? EXIT_FAILED : 0;
}

