/* silc_replay.c - `lnob quarantine replay` of a SILC extract (silc_replay.h). */
#include "silc_replay.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lnob/csv.h"
#include "lnob/mem.h"
#include "lnob/num.h"
#include "lnob/rc.h"

#define PROG LNOB_REPLAY_PROG
#define EXIT_FAILED LNOB_REPLAY_FAILED
#define LINES_NAMED LNOB_REPLAY_LINES_NAMED

/* ---- four UDB files ----------------------------------------------------------- */

enum { UDB_D, UDB_H, UDB_R, UDB_P, UDB_FILES };
static const char s_udb_letter[UDB_FILES + 1] = "DHRP";

/* One file of the set: the input it replays, and the replay file. */
typedef struct {
    char *input;    /* owned: the file ingested (metadata `inputs`); NULL if none */
    char *header;   /* owned: its header row as CSV (metadata `headers`) */
    size_t ncol;    /* its columns: a joined row holds D's, H's, R's, P's in turn */
    char *out;      /* owned: DIR/<letter>.csv */
    FILE *f;
    size_t rows;    /* written */
    zhashx_t *seen; /* rows written from joined rows, each written once */
} udb_file_t;

/* A household whose H row came with joined rows: does the set hold all the
 * members its HX040 counts? */
typedef struct {
    char *key;       /* owned: its HB030 */
    int64_t size;    /* HX040; -1 when not a number */
    int64_t members; /* current members (RB110 1-4, or any without RB110) written */
} udb_household_t;

/* A row to replay and the file of the set it is from (-1: none). */
typedef struct {
    const lnob_replay_row_t *row;
    int file;
    size_t seq;
    int joined;     /* a joined person row, split after the files' own rows */
} udb_item_t;

typedef struct {
    const lnob_replay_t *r;
    const char *dir;
    udb_file_t file[UDB_FILES];
    size_t joined_cols;   /* every file's columns */
    int hb030, hx040, rb110; /* their columns in H and R, -1 when absent */
    udb_household_t *hh;  /* index + 1: the item of its H row in file[UDB_H].seen */
    size_t n_hh, cap_hh;
    size_t width;         /* fields of the raw row just parsed */
    size_t alone;         /* rows the join rejected: written without the rows they join */
    size_t joined, cut, no_raw, duplicate, stray;
    int cut_file[LINES_NAMED];
    uint64_t cut_line[LINES_NAMED];
} udb_set_t;

/* row as one CSV line, owned. */
static char *s_format(const lnob_csv_row_t *row)
{
    size_t cap = 2;
    for (size_t i = 0; i < row->nfields; i++)
        cap += 2 * row->lens[i] + 3; /* room for the field quoted */
    char *text = lnob_malloc(cap);
    lnob_csv_format_row(row, ',', text, cap);
    return text;
}

/* Calls fn for each CSV row of text; returns its rc (LNOB_OK at the end). */
static int s_parse_csv(const char *text, lnob_csv_row_fn fn, void *arg)
{
    lnob_csv_t *csv = lnob_csv_new(',', fn, arg);
    int rc = lnob_csv_feed(csv, text, strlen(text));
    if (rc == LNOB_OK)
        rc = lnob_csv_finish(csv);
    lnob_csv_destroy(&csv);
    return rc;
}

static int s_udb_index(char letter)
{
    const char *at = letter ? strchr(s_udb_letter, letter) : NULL;
    return at ? (int) (at - s_udb_letter) : -1;
}

/* Each file's input from `inputs` ("D=path" lines). Returns 0, or -1 if a
 * line is not of that form. */
static int s_udb_inputs(udb_set_t *s, const char *inputs)
{
    for (const char *p = inputs; *p;) {
        size_t len = strcspn(p, "\n");
        int f = s_udb_index(p[0]);
        if (len < 3 || p[1] != '=' || f < 0 || s->file[f].input)
            return -1;
        s->file[f].input = lnob_strndup(p + 2, len - 2);
        p += len + (p[len] == '\n');
    }
    return 0;
}

/* The column of a header row named name (any case), or -1. */
static int s_col(const lnob_csv_row_t *names, const char *name)
{
    for (size_t i = 0; i < names->nfields; i++)
        if (names->lens[i] == strlen(name) && !strncasecmp(names->fields[i], name, names->lens[i]))
            return (int) i;
    return -1;
}

/* One row of `headers`: a file's letter, then its column names. */
static int s_udb_header(void *arg, const lnob_csv_row_t *row)
{
    udb_set_t *s = arg;
    int f = row->nfields > 1 && row->lens[0] == 1 ? s_udb_index(row->fields[0][0]) : -1;
    if (f < 0 || s->file[f].header)
        return LNOB_ERR;
    lnob_csv_row_t names = {row->nfields - 1, row->fields + 1, row->lens + 1, row->line, 0, 0, NULL, NULL};
    if (f == UDB_H)
        s->hb030 = s_col(&names, "HB030"), s->hx040 = s_col(&names, "HX040");
    if (f == UDB_R)
        s->rb110 = s_col(&names, "RB110");
    s->file[f].header = s_format(&names);
    s->file[f].ncol = names.nfields;
    s->joined_cols += names.nfields;
    return LNOB_OK;
}

/* Reads the set from the metadata. Returns 0, or -1 after saying why. */
static int s_udb_load(udb_set_t *s, const char *inputs, const char *headers)
{
    if (!*headers) {
        fprintf(stderr, "%s: extract %s was stored without each UDB file's header row (no "
                        "`headers` field: an older lnob), so its joined rows cannot be split into "
                        "their files; run its files again into this Redis (same files, same "
                        "extract id) and replay it then\n",
                PROG, s->r->id);
        return -1;
    }
    int ok = s_udb_inputs(s, inputs) == 0 && s_parse_csv(headers, s_udb_header, s) == LNOB_OK;
    for (int f = 0; f < UDB_FILES && ok; f++)
        ok = !s->file[f].input == !s->file[f].header && (f == UDB_P || s->file[f].input);
    if (!ok)
        fprintf(stderr, "%s: the metadata of %s does not name a D, H and R file with a header "
                        "row each (`inputs`, `headers`); nothing written\n",
                PROG, s->r->id);
    return ok ? 0 : -1;
}

/* Makes dir and any missing parent. Returns 0, or -1 after saying why. */
static int s_make_dir(const char *dir)
{
    char *p = lnob_strdup(dir);
    int rc = 0;
    for (char *slash = *p ? p + 1 : NULL; rc == 0 && slash;) {
        slash = strchr(slash, '/');
        if (slash)
            *slash = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = -1;
        if (slash)
            *slash++ = '/';
    }
    struct stat st;
    if (rc != 0 || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: cannot make the directory %s (%s)\n", PROG, dir,
                rc != 0 ? "cannot create it" : "a file of that name is in the way");
        rc = -1;
    }
    free(p);
    return rc;
}

/* Names each replay file and refuses any that is one of the set's inputs
 * (opening it for writing would empty it). Returns 0, or -1 after saying why. */
static int s_udb_name(udb_set_t *s)
{
    for (int f = 0; f < UDB_FILES; f++) {
        udb_file_t *uf = &s->file[f];
        if (!uf->input)
            continue;
        uf->out = lnob_malloc(strlen(s->dir) + sizeof "/D.csv");
        sprintf(uf->out, "%s/%c.csv", s->dir, s_udb_letter[f]);
        for (int g = 0; g < UDB_FILES; g++)
            if (s->file[g].input && lnob_replay_same_file(uf->out, s->file[g].input)) {
                fprintf(stderr, "%s: %s is the %c file of %s; write the replay elsewhere\n", PROG,
                        uf->out, s_udb_letter[g], s->r->id);
                return -1;
            }
    }
    return 0;
}

/* Opens the replay files with their header rows. Returns 0, or -1 after
 * saying why. */
static int s_udb_open(udb_set_t *s)
{
    if (s_udb_name(s) != 0 || s_make_dir(s->dir) != 0)
        return -1;
    for (int f = 0; f < UDB_FILES; f++) {
        udb_file_t *uf = &s->file[f];
        if (!uf->input)
            continue;
        uf->seen = zhashx_new();
        uf->f = fopen(uf->out, "w");
        if (!uf->f) {
            perror(uf->out);
            return -1;
        }
        fprintf(uf->f, "%s\n", uf->header);
    }
    return 0;
}

static void s_udb_put(udb_set_t *s, int f, const char *text)
{
    fprintf(s->file[f].f, "%s\n", text);
    s->file[f].rows++;
}

static int s_all_empty(const lnob_csv_row_t *row)
{
    for (size_t i = 0; i < row->nfields; i++)
        if (row->lens[i])
            return 0;
    return 1;
}

/* A field as a whole number, or -1 (absent column, empty, not a number). */
static int64_t s_int(const lnob_csv_row_t *row, int col)
{
    int64_t v;
    size_t len;
    const char *s = lnob_csv_field(row, col, &len);
    return col >= 0 && lnob_num_int(s, len, &v) == 0 ? v : -1;
}

/* The household of an H row from a joined row (text: the row as written):
 * its index in s->hh into *hh. Returns 1 the first time (write the row). */
static int s_udb_household(udb_set_t *s, const lnob_csv_row_t *h, const char *text, size_t *hh)
{
    zhashx_t *seen = s->file[UDB_H].seen;
    void *known = zhashx_lookup(seen, text);
    if (known) {
        *hh = (size_t) (uintptr_t) known - 1;
        return 0;
    }
    lnob_grow((void **) &s->hh, &s->cap_hh, s->n_hh + 1, sizeof *s->hh);
    size_t len;
    const char *key = lnob_csv_field(h, s->hb030, &len);
    s->hh[s->n_hh] = (udb_household_t){lnob_strndup(key, len), s_int(h, s->hx040), 0};
    zhashx_insert(seen, text, (void *) (uintptr_t) (s->n_hh + 1));
    *hh = s->n_hh++;
    return 1;
}

/* A joined row back into its files' rows. A household's D and H rows come
 * with each of its rejected persons, a P row with each R row of its PB030
 * (a DUPLICATE_ID): each is written once. Empty P fields are a person
 * without a P row. */
static void s_udb_split(udb_set_t *s, const lnob_csv_row_t *row)
{
    size_t base = 0, hh = 0;
    for (int f = 0; f < UDB_FILES; f++) {
        udb_file_t *uf = &s->file[f];
        lnob_csv_row_t part = {uf->ncol, row->fields + base, row->lens + base, row->line, 0, 0, NULL, NULL};
        base += uf->ncol;
        if (!uf->input || (f == UDB_P && s_all_empty(&part)))
            continue;
        char *text = s_format(&part);
        int new = f == UDB_H ? s_udb_household(s, &part, text, &hh)
                             : f == UDB_R || zhashx_insert(uf->seen, text, uf) == 0;
        if (new)
            s_udb_put(s, f, text);
        int64_t status = f == UDB_R ? s_int(&part, s->rb110) : 0;
        if (f == UDB_R && (s->rb110 < 0 || (status >= 1 && status <= 4)))
            s->hh[hh].members++; /* a current member, as HX040 counts them */
        free(text);
    }
}

static int s_udb_split_row(void *arg, const lnob_csv_row_t *row)
{
    s_udb_split(arg, row);
    return LNOB_CLOSED; /* a raw value is one row */
}

static int s_udb_width(void *arg, const lnob_csv_row_t *row)
{
    ((udb_set_t *) arg)->width = row->nfields;
    return LNOB_CLOSED;
}

/* Whether the raw row of an R entry is a joined person row (rejected after
 * the join: as wide as every file's columns together), not R's own row
 * (rejected by the join itself). */
static int s_udb_is_joined(udb_set_t *s, const lnob_replay_row_t *en)
{
    s->width = 0;
    s_parse_csv(en->raw, s_udb_width, s);
    return s->width == s->joined_cols && strcmp(en->reason, "ROW_WIDTH") != 0;
}

/* Writes one entry (entries in file, then line order), or marks it as a
 * joined row to split later. */
static void s_udb_entry(udb_set_t *s, udb_item_t *it, const udb_item_t *prev)
{
    const lnob_replay_row_t *en = it->row;
    if (it->file < 0)
        s->stray++;
    else if (prev && prev->file == it->file && en->line && en->line == prev->row->line)
        s->duplicate++; /* the same row stored twice (a redelivered part) */
    else if (!en->raw)
        s->no_raw++;
    else if (lnob_replay_is_cut(en->raw)) {
        if (s->cut < LINES_NAMED)
            s->cut_file[s->cut] = it->file, s->cut_line[s->cut] = en->line;
        s->cut++;
    } else if (it->file == UDB_R && s_udb_is_joined(s, en))
        it->joined = 1;
    else {
        s_udb_put(s, it->file, en->raw);
        s->alone++;
    }
}

static int s_by_file_line(const void *a, const void *b)
{
    const udb_item_t *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->row->line != y->row->line)
        return x->row->line < y->row->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes every entry; returns 0, or -1 when a file could not be written. */
static int s_udb_write(udb_set_t *s, const lnob_replay_row_t *rows, size_t n)
{
    udb_item_t *items = lnob_calloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        items[i] = (udb_item_t){&rows[i], -1, i, 0};
        for (int f = 0; f < UDB_FILES; f++)
            if (s->file[f].input && !strcmp(rows[i].source, s->file[f].input))
                items[i].file = f;
    }
    qsort(items, n, sizeof *items, s_by_file_line);
    for (size_t i = 0; i < n; i++)
        s_udb_entry(s, &items[i], i ? &items[i - 1] : NULL);
    for (size_t i = 0; i < n; i++)
        if (items[i].joined) {
            s->joined++;
            s_parse_csv(items[i].row->raw, s_udb_split_row, s);
        }
    free(items);
    int rc = 0;
    for (int f = 0; f < UDB_FILES; f++)
        if (s->file[f].f) {
            if ((ferror(s->file[f].f) | fclose(s->file[f].f)) != 0)
                rc = -1;
            s->file[f].f = NULL;
        }
    return rc;
}

static void s_udb_say_left_out(const udb_set_t *s)
{
    if (s->duplicate)
        fprintf(stderr, "%s: %zu entries repeated a line already written; written once\n", PROG,
                s->duplicate);
    if (s->cut) {
        fprintf(stderr, "%s: left out %zu row%s cut short in Redis (", PROG, s->cut,
                s->cut == 1 ? "" : "s");
        for (size_t i = 0; i < s->cut && i < LINES_NAMED; i++)
            fprintf(stderr, "%s%s line %llu", i ? ", " : "", s->file[s->cut_file[i]].input,
                    (unsigned long long) s->cut_line[i]);
        fprintf(stderr, "%s): copy %s from %s (for a person's row of the R file: its D, H and P "
                        "rows too)\n",
                s->cut > LINES_NAMED ? ", ..." : "", s->cut == 1 ? "it" : "them",
                s->cut == 1 ? "its file" : "their files");
    }
    if (s->no_raw)
        fprintf(stderr, "%s: left out %zu entries that hold no raw row\n", PROG, s->no_raw);
    if (s->stray)
        fprintf(stderr, "%s: left out %zu entries whose source is none of the extract's "
                        "files (`inputs`)\n",
                PROG, s->stray);
}

/* What the check will say again unless rows are added: the set holds only
 * rejected rows. */
static void s_udb_say_alone(const udb_set_t *s)
{
    size_t short_hh = 0;
    for (size_t i = 0; i < s->n_hh; i++)
        short_hh += s->hh[i].size >= 0 && s->hh[i].members != s->hh[i].size;
    if (short_hh) {
        fprintf(stderr, "%s: %zu household%s here lack%s members the join accepted (", PROG,
                short_hh, short_hh == 1 ? "" : "s", short_hh == 1 ? "s" : "");
        for (size_t i = 0, named = 0; i < s->n_hh && named < LINES_NAMED; i++)
            if (s->hh[i].size >= 0 && s->hh[i].members != s->hh[i].size)
                fprintf(stderr, "%sHB030 %s: %lld of its %lld", named++ ? ", " : "", s->hh[i].key,
                        (long long) s->hh[i].members, (long long) s->hh[i].size);
        fprintf(stderr, "%s): the check quarantines them as HOUSEHOLD_SIZE unless their other "
                        "members' R and P rows are added from the input files\n",
                short_hh > LINES_NAMED ? ", ..." : "");
    }
    if (s->alone)
        fprintf(stderr, "%s: %zu row%s rejected by the join itself (orphans, duplicate keys, "
                        "household sizes, other years); Redis holds only rejected rows, so the "
                        "rows they join with are here only if they were rejected too: the check "
                        "rejects them again unless those rows are added from the input files or "
                        "their keys corrected\n",
                PROG, s->alone, s->alone == 1 ? " was" : "s were");
}

static void s_udb_say(const udb_set_t *s)
{
    const lnob_replay_t *r = s->r;
    fprintf(stderr, "%s: wrote the rejected rows of %s%s%s to %s:", PROG, r->id,
            r->reason ? ", reason " : "", r->reason ? r->reason : "", s->dir);
    for (int f = 0; f < UDB_FILES; f++)
        if (s->file[f].input)
            fprintf(stderr, "%s %c.csv %zu row%s", f ? "," : "", s_udb_letter[f], s->file[f].rows,
                    s->file[f].rows == 1 ? "" : "s");
    fprintf(stderr, " (under each file's header row)\n");
    if (s->joined)
        fprintf(stderr, "%s: %zu of them %s joined person row%s, split back into D, H, R and P "
                        "rows (a household's D and H rows once)\n",
                PROG, s->joined, s->joined == 1 ? "was a" : "were", s->joined == 1 ? "" : "s");
    s_udb_say_left_out(s);
    s_udb_say_alone(s);
    fprintf(stderr, "%s: correct them, then check: lnob run --silc", PROG);
    for (int f = 0; f < UDB_FILES; f++)
        if (s->file[f].input) {
            fputc(' ', stderr);
            lnob_replay_shell_word(stderr, s->file[f].out);
        }
    fprintf(stderr, "\n%s: (a private Redis, nothing published; the rows count in the "
                    "indicators once they are back in %s and those files are run again)\n",
            PROG, r->source);
}

static void s_udb_free(udb_set_t *s, int remove_out)
{
    for (int f = 0; f < UDB_FILES; f++) {
        udb_file_t *uf = &s->file[f];
        if (uf->f)
            fclose(uf->f);
        if (remove_out && uf->f)
            remove(uf->out);
        free(uf->input);
        free(uf->header);
        free(uf->out);
        zhashx_destroy(&uf->seen);
    }
    for (size_t i = 0; i < s->n_hh; i++)
        free(s->hh[i].key);
    free(s->hh);
}

/* The four UDB files of an extract joined from them: inputs and headers
 * are its metadata fields `inputs` ("D=path" lines) and `headers` (a CSV
 * row per file: its letter, then its column names). */
static int s_replay_udb4(const lnob_replay_t *r, const char *inputs, const char *headers,
                         const lnob_replay_row_t *rows, size_t n)
{
    if (!strcmp(r->out, "-")) {
        fprintf(stderr, "%s: %s was joined from the UDB files %s: its replay is a file of each, "
                        "so --out names a directory\n",
                PROG, r->id, r->source);
        return EXIT_FAILED;
    }
    udb_set_t s = {.r = r, .dir = r->out, .hb030 = -1, .hx040 = -1, .rb110 = -1};
    int rc = s_udb_load(&s, inputs, headers);
    if (rc == 0)
        rc = s_udb_open(&s);
    if (rc == 0 && s_udb_write(&s, rows, n) != 0) {
        fprintf(stderr, "%s: writing the replay files in %s failed\n", PROG, s.dir);
        for (int f = 0; f < UDB_FILES; f++)
            if (s.file[f].out)
                remove(s.file[f].out);
        rc = -1;
    } else if (rc == 0)
        s_udb_say(&s);
    int left_out = s.cut || s.no_raw || s.stray;
    s_udb_free(&s, rc != 0);
    /* A set that lacks rows must not look like a complete replay. */
    return rc != 0 || left_out ? EXIT_FAILED : 0;
}

int lnob_silc_replay(const lnob_replay_t *r, lnob_meta_get_fn get, const void *meta, const lnob_replay_row_t *rows,
                     size_t n)
{
    const char *inputs = get(meta, "inputs");
    if (inputs[0] && inputs[1] == '=') /* joined from the UDB files ("D=path" lines): no one header */
        return s_replay_udb4(r, inputs, get(meta, "headers"), rows, n);
    return LNOB_REPLAY_FILE;
}
