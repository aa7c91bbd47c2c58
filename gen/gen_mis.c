/* gen_mis.c - deterministic synthetic MIS exports (see gen_mis.h): draws the
 * municipalities and their file shapes, the persons, their service records
 * and the deliberate faults, lays the records out in files and writes the
 * bytes; gen_mis_answers.c computes the answers from the same records.
 *
 * Seven xoshiro256** streams (gen_rng.h), all from opts->seed: "shape"
 * draws the municipalities and each file's shape, "person" the persons,
 * "record" their services and dates, "extra" the duplicates, unkeyed and
 * bad rows, "rows" the row order, record IDs, spellings and notes;
 * "register" the needs-assessment registers' entries (and the persons
 * only they list), "register rows" their rows as "rows" does for the
 * exports. The registers use only their own two streams and are written
 * after every other file, so --registers changes no other byte. Each
 * shape dimension (delimiter, encoding, ...) takes its n values in a fresh
 * random order in every run of n municipalities, so every value occurs
 * once there are n of them and the dimensions vary independently;
 * Windows-1252 files always have Albanian headers and labels (as the old
 * Windows systems that write them do), and header language and labels
 * count only the other files. Every name the files
 * spell a municipality with is checked against the reference tables
 * (lnob_geo_by_name) and replaced by the official name when they do not
 * resolve it to that municipality; only the bad rows carry names that
 * resolve to nothing. */
#include "gen_mis.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen_mis_model.h"
#include "gen_rng.h"
#include "lnob/mem.h"

/* ---- Vocabulary: labels, headers, names. ---- */

static const char *const s_service_sq[LNOB_GEN_MIS_NSERVICES] = {
    "Kujdes në shtëpi",      "Qendër ditore",          "Qendër komunitare",
    "Qendër rezidenciale",   "Kujdestari familjare",   "Strehëz",
    "Këshillim psiko-social", "Mbrojtje e fëmijëve",   "Strehim social",
    "Ndihmë ekonomike",      "Pagesë për aftësi të kufizuara"};
static const char *const s_service_en[LNOB_GEN_MIS_NSERVICES] = {
    "Home care",        "Day centre",     "Community centre", "Residential centre",
    "Foster care",      "Shelter",        "Psycho-social counselling", "Child protection",
    "Social housing",   "Economic aid",   "Disability payment"};
static const char *const s_group_sq[LNOB_GEN_MIS_NCATEGORIES] = {
    "Person me aftësi të kufizuara", "Rom", "Egjiptian", "Viktimë e dhunës në familje",
    "I moshuar", "Fëmijë", "Tjetër"};
static const char *const s_group_en[LNOB_GEN_MIS_NCATEGORIES] = {
    "Person with disability", "Roma", "Egyptian", "Victim of domestic violence",
    "Elderly", "Child", "Other"};
#define S_GROUP_DIS_SHORT "PAK"
static const char *const s_status_sq[] = {"Aktiv", "Mbyllur", "Anuluar"};
static const char *const s_status_en[] = {"Active", "Closed", "Cancelled"};

/* Labels in no catalogue (bad rows), and municipality names matching none. */
static const char *const s_bad_service_sq[] = {"Transport falas", "Kurs profesional",
                                               "Dërgesë ushqimi"};
static const char *const s_bad_service_en[] = {"Free transport", "Vocational course",
                                               "Food delivery"};
#define S_NBAD_SERVICES (sizeof s_bad_service_sq / sizeof *s_bad_service_sq)
const char *const lnob_gen_mis_bad_municipality[] = {"Bashkia e Panjohur", "Elbsan", "Shkodrr",
                                                     "Tiranaa", "Durrsi", "Vlloraa", NULL};

/* Pre-2015 units (administrative units today) written on some rows instead
 * of their municipality; each resolves to that municipality alone. */
const lnob_gen_mis_unit_t lnob_gen_mis_units[] = {
    {"AL154", "Velipojë"},   {"AL154", "Postribë"},    {"AL315", "Ura Vajgurore"},
    {"AL112", "Peshkopi"},   {"AL141", "Laç"},         {"AL142", "Shëngjin"},
    {"AL355", "Ksamil"},     {"AL224", "Kashar"},      {"AL224", "Zall Herr"},
    {"AL121", "Sukth"},      {"AL155", "Bushat"},      {"AL357", "Orikum"},
    {"AL344", "Libonik"},    {"AL152", "Koplik"},      {"AL213", "Bradashesh"},
    {"AL343", "Drenovë"},    {"AL345", "Buçimas"},     {"AL221", "Paskuqan"},
    {"AL225", "Prezë"},      {"AL222", "Synej"},       {"AL311", "Otllak"},
    {"AL312", "Perondi"},    {"AL122", "Fushë Krujë"}, {"AL123", "Maminas"},
    {"AL332", "Lazarat"},    {"AL143", "Rrëshen"},     {"AL114", "Burrel"},
    {"AL133", "Bajram Curri"}, {"AL341", "Bilisht"},   {"AL342", "Ersekë"},
    {"AL314", "Çorovodë"},   {"AL324", "Ballsh"},      {"AL322", "Levan"},
    {"AL323", "Karbunarë"},  {"AL326", "Zharrës"},     {"AL216", "Shezë"},
    {"AL211", "Rrasë"},      {"AL212", "Gostimë"},     {"AL215", "Hotolisht"},
    {"AL153", "Qerret"},     {"AL132", "Bicaj"},       {"AL131", "Krumë"},
    {"AL113", "Suç"},        {"AL111", "Martanesh"},   {"AL351", "Vergo"},
    {"AL352", "Lukovë"},     {"AL353", "Markat"},      {"AL354", "Aliko"},
    {"AL356", "Brataj"},     {NULL, NULL}};

const char *const lnob_gen_mis_first_male[] = {
    "Arben",  "Besnik", "Dritan",   "Ermal",  "Fatmir", "Gëzim",   "Ilirian", "Kreshnik",
    "Lulzim", "Nderim", "Petrit",   "Skënder", "Valmir", "Xhevdet", "Agron",  "Bujar",
    "Erion",  "Edmond", "Florian",  "Ledion", "Mentor", "Taulant", NULL};
const char *const lnob_gen_mis_first_female[] = {
    "Anila",  "Blerina", "Elona",   "Fatjona", "Gentiana", "Ilirjana", "Jonida", "Klodiana",
    "Lindita", "Mimoza", "Nertila", "Orjeta",  "Rudina",   "Shpresa", "Ermira", "Xhensila",
    "Zamira", "Fjoralba", "Dhurata", "Mirela", "Lumturi",  "Flutura", NULL};
const char *const lnob_gen_mis_last[] = {
    "Hoxhaj", "Gjokaj", "Markaj",  "Çelaj",  "Dervishi", "Kolaj",  "Prifti", "Bashaj",
    "Krasniqi", "Berisha", "Memaj", "Dukaj", "Xhafaj",   "Zeneli", "Koçiu",  "Bregaj",
    "Hysaj",  "Canaj",  "Muçaj",   "Sulaj",  "Toskaj",   "Vataj",  "Zhupaj", "Ndreca",
    "Lleshi", "Shkurti", "Rexhepi", "Tafaj", "Ymeraj",   "Bejko",  NULL};

/* Free text of the notes column; S_NOTE_DELIM's place takes the file's
 * delimiter, so the field must be quoted. */
#define S_NOTE_DELIM '|'
static const char *const s_notes_sq[] = {"Rivlerësim në mars", "Vizitë në shtëpi| rivlerësim",
                                         "Referuar nga \"Qendra Sociale\"",
                                         "Rivlerësim\nnë qershor"};
static const char *const s_notes_en[] = {"Reassessed in March", "Home visit| reassessment",
                                         "Referred by \"Social Centre\"", "Reassessed\nin June"};
#define S_NNOTES (sizeof s_notes_sq / sizeof *s_notes_sq)

/* Columns and their headers (a register's start is the assessment date,
 * its end the exit date). */
enum {
    H_ID, H_MUN, H_PN, H_FIRST, H_LAST, H_SEX, H_BIRTH, H_SERVICE, H_GROUP, H_START, H_END,
    H_STATUS, H_NOTES, H_NCOLS
};
static const char *const s_header_sq[H_NCOLS] = {
    "ID", "Bashkia", "Nr. personal", "Emri", "Mbiemri", "Gjinia", "Datëlindja",
    "Lloji i shërbimit", "Kategoria", "Data e fillimit", "Data e mbarimit", "Statusi", "Shënime"};
static const char *const s_header_en[H_NCOLS] = {
    "ID", "Municipality", "Personal number", "First name", "Last name", "Sex", "Date of birth",
    "Service type", "Group", "Start date", "End date", "Status", "Notes"};
#define S_END_OF_LAYOUT (-1)
/* Three column orders: A with ID, B without ID and with notes, C both. */
static const int s_layouts[][H_NCOLS + 1] = {
    {H_ID, H_MUN, H_PN, H_FIRST, H_LAST, H_SEX, H_BIRTH, H_SERVICE, H_GROUP, H_START, H_END,
     H_STATUS, S_END_OF_LAYOUT},
    {H_PN, H_LAST, H_FIRST, H_BIRTH, H_SEX, H_MUN, H_GROUP, H_SERVICE, H_START, H_END, H_STATUS,
     H_NOTES, S_END_OF_LAYOUT},
    {H_MUN, H_SERVICE, H_ID, H_FIRST, H_LAST, H_PN, H_SEX, H_BIRTH, H_START, H_END, H_GROUP,
     H_STATUS, H_NOTES, S_END_OF_LAYOUT}};
static const char s_layout_names[] = "ABC";
/* The register headers the ingester recognises a register by. */
static const char *const s_assessed_header[] = {"Data e vlerësimit", "Assessment date"};
static const char *const s_exit_header[] = {"Data e daljes", "Exit date"};
#define S_MAP_SUFFIX ".map"
#define S_REGISTER_MAP "# No assessment-date column: the start date is the assessment.\n" \
                       "[source]\nkind = register\n"

/* ---- Shapes. ---- */

enum { DELIM_COMMA, DELIM_SEMICOLON, DELIM_TAB, NDELIMS };
static const char s_delims[NDELIMS] = {',', ';', '\t'};
static const char *const s_delim_names[NDELIMS] = {"comma", "semicolon", "tab"};
enum { ENC_UTF8, ENC_UTF8_BOM, ENC_CP1252, NENCS };
static const char *const s_enc_names[NENCS] = {"utf-8", "utf-8-bom", "windows-1252"};
enum { LANG_SQ, LANG_EN, NLANGS };
static const char *const s_lang_names[NLANGS] = {"sq", "en"};
enum { DATE_DOT, DATE_SLASH, DATE_ISO, NDATES };
static const char *const s_date_names[NDATES] = {"dd.mm.yyyy", "dd/mm/yyyy", "yyyy-mm-dd"};
enum { SEX_LETTER, SEX_WORD, SEX_DIGIT, NSEXES };
static const char *const s_sex_names[NSEXES] = {"M/F", "Mashkull/Femër", "1/2"};
static const char *const s_sex_text[NSEXES][2] = {{"M", "F"}, {"Mashkull", "Femër"}, {"1", "2"}};
enum { LABELS_SQ, LABELS_SQ_ASCII, LABELS_EN, NLABELS };
static const char *const s_label_names[NLABELS] = {"sq", "sq-ascii", "en"};
enum { NAME_OFFICIAL, NAME_DEFINITE, NAME_ASCII, NAME_UPPER, NNAMES };
static const char *const s_name_names[NNAMES] = {"official", "definite", "ascii", "upper"};
#define NLAYOUTS (sizeof s_layouts / sizeof *s_layouts)
#define S_SPLIT_MAX 15 /* one municipality in 15 exports a file per service */
#define S_PN_LOWER_EVERY 3 /* one in 3 writes personal numbers in lower case */
#define S_BINARY 2     /* CRLF or LF, all or minimal quoting, PAK or long, ID prefix */

typedef struct {
    int delim, enc, lang, date, sex, labels, names, layout;
    int crlf, quote_all, pn_lower, pak, id_prefix, split;
} shape_t;

typedef struct {
    const lnob_municipality_t *m;
    int geo;              /* index in the geo tables */
    double weight;        /* share of the persons */
    double p3;            /* chance a vulnerable person gets 3+ services */
    shape_t shape;
    char spelled[128];    /* the name in the file's style */
    const char *unit[8];  /* former units that resolve to it */
    int nunits;
    char ascii[64];       /* folded, for file names */
} slot_t;

/* ---- Model parameters. ---- */

#define S_PERMILLE LNOB_GEN_PERMILLE
#define S_FALLBACK_POPULATION 15000.0 /* weight of a municipality without a census figure */
#define S_P3_MIN 0.25                 /* 3+ services: uniform in [min, min + span) per m */
#define S_P3_SPAN 0.35
#define S_P3_NOT_VULNERABLE 0.35      /* factor for persons in no group */
#define S_FOUR_OF_3PLUS 0.38          /* of 3+, share with 4 */
#define S_TWO_OF_1OR2 0.45            /* of 1-2, share with 2 */
#define S_MOVER_PERMILLE 50
#define S_BOTH_PERMILLE 500           /* mover keeps one service in both places */
/* Ages: children 0-17, adults 18-64, elderly 65-94. */
#define S_CHILD_PERMILLE 240
#define S_ADULT_PERMILLE 500
#define S_AGE_CHILD_MAX 17
#define S_AGE_ADULT_MIN 18
#define S_AGE_ELDERLY 65
#define S_AGE_MAX 94
#define S_MALE_CHILD 515
#define S_MALE_ADULT 480
#define S_MALE_ELDERLY 420
#define S_DIS_CHILD 60
#define S_DIS_ADULT 220
#define S_DIS_ELDERLY 400
#define S_ROMA 70
#define S_EGY 35
#define S_VAW_WOMAN 70
#define S_VAW_MAN 7
#define S_VAW_ELDERLY_WOMAN 20
/* Episodes of one person's service (per mille; the rest: current). */
#define S_EP_PRIOR 70     /* a closed episode years before, then a current one */
#define S_EP_PAST 60      /* ended before the year */
#define S_EP_FUTURE 25    /* starts in the first quarter after it */
#define S_EP_CANCELLED 25 /* would be current, but cancelled */
#define S_EP_BOUNDARY 20  /* ends on 1 Jan or 31 Dec before, or starts on 31 Dec or after */
#define S_START_IN_YEAR 600  /* current: starts within the year (else 1-4 years before) */
#define S_ONGOING 500        /* current: no end date */
#define S_YEARS_BACK 4
#define S_PRIOR_YEARS_BACK 5
#define S_EXPORT_MONTH 3     /* exports made at the end of March after the year */
#define S_EXPORT_DAY 31
#define S_PLANNED_END_MONTH 6 /* current records end by 30 June after the year */
#define S_PLANNED_END_DAY 30
#define S_MID_MONTH 6         /* movers leave by 30 June and arrive from 1 July; */
#define S_MID_DAY 30          /* past episodes start by 30 June the year before */
/* Faults per municipality: about one in S_DUP_EVERY records duplicated, ... */
#define S_DUP_EVERY 200
#define S_UNKEYED_EVERY 250
#define S_BAD_EVERY 600
#define S_BAD_EXTRA_PERMILLE 300 /* and one more in this many municipalities */
#define S_BAD_KINDS 3
#define S_MALFORMED_PERMILLE 250   /* of unkeyed rows */
#define S_SAME_ID_PERMILLE 500     /* of duplicates */
/* Rows. */
#define S_UNIT_PERMILLE 120        /* a former unit's name instead of the municipality */
#define S_NOTE_PERMILLE 120
#define S_PN_SPACED_PERMILLE 30    /* a space inside the personal number */
#define S_PN_SERIAL_DIGITS 7
#define S_LETTERS 26
#define S_ID_BASE_MIN 100
#define S_ID_BASE_MAX 9000
#define S_ID_GAP_MAX 3

#define S_STREAM_SHAPE UINT64_C(0x4d49535f53484150)  /* "MIS_SHAP" */
#define S_STREAM_PERSON UINT64_C(0x4d49535f50455253) /* "MIS_PERS" */
#define S_STREAM_RECORD UINT64_C(0x4d49535f52454353) /* "MIS_RECS" */
#define S_STREAM_EXTRA UINT64_C(0x4d49535f58545241)  /* "MIS_XTRA" */
#define S_STREAM_ROWS UINT64_C(0x4d49535f524f5753)   /* "MIS_ROWS" */
#define S_STREAM_REGISTER UINT64_C(0x4d49535f52454749) /* "MIS_REGI" */
#define S_STREAM_REG_ROWS UINT64_C(0x4d49535f52524f57) /* "MIS_RROW" */

/* Registers: who is on them, and their entries' dates. */
#define S_REG_VULNERABLE_PERMILLE 900 /* a vulnerable person of m is on m's register */
#define S_REG_OTHERS_PERMILLE 200     /* a person of m in no vulnerable group is */
#define S_REG_NEW_EVERY 8             /* persons with no service: one per 8 persons of m */
#define S_REG_NEW_MIN 2               /* and at least one vulnerable, one not */
#define S_REG_DRAWS_MAX 64            /* draws to find a new person of the kind wanted */
#define S_REG_YEARS_BACK 3            /* current entries: assessed from 1 January Y-3 */
#define S_REG_EXIT_PERMILLE 100       /* current entries with an exit date (in Y or after) */
#define S_REG_GONE_YEARS_BACK 5       /* the entry that left: assessed from 1 January Y-5 */
#define S_NO_SERVICE (-1)
#define S_SHARE3_SERVICES 3           /* MIS_SHARE3's numerator: 3 or more services */

/* A growable byte buffer. */
typedef struct {
    char *p;
    size_t n, cap;
} buf_t;

/* What a file is: a service export, or a register recognised by its
 * assessment-date header or by the mapping file beside it. */
enum { REG_NONE, REG_HEADER, REG_MAP };

typedef struct {
    size_t slot, rows;
    char path[PATH_MAX];
    char shape[512];
    int service; /* per-service file: its service; else -1 */
    int reg;     /* REG_* */
    buf_t bytes;
} file_t;

struct truth;

struct lnob_gen_mis {
    lnob_gen_mis_opts_t o;
    const lnob_geo_t *geo;
    slot_t *slots;
    size_t nslots;
    lnob_gen_mis_person_t *persons;
    struct truth *truth; /* per person, its true groups */
    size_t npersons, persons_cap, truth_cap;
    lnob_gen_mis_rec_t *recs;
    size_t nrecs, recs_cap;
    lnob_gen_mis_rec_t *entries; /* register entries */
    size_t nentries, entries_cap;
    file_t *files; /* the exports; registers last */
    size_t nfiles;
    file_t *maps;  /* the registers' mapping files */
    size_t nmaps;
    buf_t answers;
    int32_t ps, pe; /* the year, in days */
};

/* ---- Dates. ---- */

/* Howard Hinnant's days_from_civil / civil_from_days. */
/* Uniform day in [lo, hi]; lo when hi < lo. */
static int32_t s_day(lnob_gen_rng_t *r, int32_t lo, int32_t hi)
{
    return hi <= lo ? lo : lo + (int32_t) lnob_gen_int(r, 0, (int) (hi - lo));
}

static void s_put_dmy(char *out, size_t cap, int style, int y, int m, int d)
{
    if (style == DATE_ISO)
        snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
    else
        snprintf(out, cap, "%02d%c%02d%c%04d", d, style == DATE_DOT ? '.' : '/', m,
                 style == DATE_DOT ? '.' : '/', y);
}

static void s_put_date(char *out, size_t cap, int style, int32_t days)
{
    int y, m, d;
    lnob_gen_mis_civil(days, &y, &m, &d);
    s_put_dmy(out, cap, style, y, m, d);
}

/* ---- Text. ---- */

static void s_add(buf_t *b, const char *s, size_t len)
{
    lnob_grow((void **) &b->p, &b->cap, b->n + len + 1, 1);
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void s_adds(buf_t *b, const char *s)
{
    s_add(b, s, strlen(s));
}

/* UTF-8 of the Albanian letters with diacritics, and their other forms. */
static const struct {
    const char *utf8, *upper, *ascii;
    unsigned char cp1252;
} s_letters[] = {{"ë", "Ë", "e", 0xEB}, {"Ë", "Ë", "E", 0xCB}, {"ç", "Ç", "c", 0xE7},
                 {"Ç", "Ç", "C", 0xC7}};
#define S_NLETTERS (sizeof s_letters / sizeof *s_letters)
#define S_UTF8_LETTER_LEN 2

/* Index of the Albanian letter at s, or -1. */
static int s_letter_at(const char *s)
{
    for (size_t k = 0; k < S_NLETTERS; k++)
        if (!strncmp(s, s_letters[k].utf8, S_UTF8_LETTER_LEN))
            return (int) k;
    return -1;
}

/* Copies in into out (cap bytes) without diacritics, or in upper case. */
static void s_respell(const char *in, char *out, size_t cap, int upper)
{
    size_t n = 0;
    for (const char *p = in; *p && n + S_UTF8_LETTER_LEN < cap;) {
        const int k = s_letter_at(p);
        const char *t = k < 0 ? NULL : upper ? s_letters[k].upper : s_letters[k].ascii;
        if (t) {
            memcpy(out + n, t, strlen(t));
            n += strlen(t);
            p += S_UTF8_LETTER_LEN;
        } else {
            out[n++] = upper && *p >= 'a' && *p <= 'z' ? (char) (*p - 'a' + 'A') : *p;
            p++;
        }
    }
    out[n] = '\0';
}

/* The definite form by the common rules (Shkodër -> Shkodra, Korçë ->
 * Korça, Berat -> Berati, Shijak -> Shijaku); the caller checks it. */
static void s_definite(const char *name, char *out, size_t cap)
{
    const size_t len = strlen(name);
    const size_t e = strlen("ë");
    if (len > e + 1 && !strcmp(name + len - e - 1, "ër"))
        snprintf(out, cap, "%.*sra", (int) (len - e - 1), name);
    else if (len > e && !strcmp(name + len - e, "ë"))
        snprintf(out, cap, "%.*sa", (int) (len - e), name);
    else if (len > 0 && strchr("kgh", name[len - 1]))
        snprintf(out, cap, "%su", name);
    else
        snprintf(out, cap, "%si", name);
}

/* UTF-8 to Windows-1252; only ASCII and the letters of s_letters occur. */
static void s_to_cp1252(buf_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n;) {
        const int k = (unsigned char) b->p[i] >= 0x80 ? s_letter_at(b->p + i) : -1;
        if (k >= 0) {
            b->p[n++] = (char) s_letters[k].cp1252;
            i += S_UTF8_LETTER_LEN;
        } else {
            b->p[n++] = b->p[i++];
        }
    }
    b->n = n;
    b->p[n] = '\0';
}

/* ---- Municipalities and their shapes. ---- */

static int s_resolves(const lnob_geo_t *geo, const char *name, int geo_idx)
{
    return lnob_geo_by_name(geo, name, strlen(name)) == geo_idx;
}

static void s_spell(const lnob_geo_t *geo, slot_t *u)
{
    const char *name = u->m->name;
    switch (u->shape.names) {
    case NAME_DEFINITE: s_definite(name, u->spelled, sizeof u->spelled); break;
    case NAME_ASCII: s_respell(name, u->spelled, sizeof u->spelled, 0); break;
    case NAME_UPPER: s_respell(name, u->spelled, sizeof u->spelled, 1); break;
    default: snprintf(u->spelled, sizeof u->spelled, "%s", name);
    }
    if (!s_resolves(geo, u->spelled, u->geo))
        snprintf(u->spelled, sizeof u->spelled, "%s", name);
    for (const lnob_gen_mis_unit_t *x = lnob_gen_mis_units; x->code; x++)
        if (!strcmp(x->code, u->m->code) && u->nunits < (int) (sizeof u->unit / sizeof *u->unit) &&
            s_resolves(geo, x->name, u->geo))
            u->unit[u->nunits++] = x->name;
    lnob_geo_fold(name, strlen(name), u->ascii, sizeof u->ascii);
    for (char *p = u->ascii; *p; p++)
        if (*p == ' ')
            *p = '-';
}

/* A shape dimension with n values over count files: each run of n files
 * takes the values in a fresh random order, so every value occurs once
 * there are n files, and dimensions do not move in step. */
static void s_dimension(lnob_gen_rng_t *r, int n, size_t count, int *out)
{
    int perm[NNAMES > S_SPLIT_MAX ? NNAMES : S_SPLIT_MAX];
    for (size_t k = 0; k < count; k++) {
        if (k % (size_t) n == 0) {
            for (int i = 0; i < n; i++)
                perm[i] = i;
            for (int i = n - 1; i > 0; i--) {
                const int j = lnob_gen_int(r, 0, i), t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
        }
        out[k] = perm[k % (size_t) n];
    }
}

static void s_shapes(lnob_gen_mis_t *g, lnob_gen_rng_t *r)
{
    enum { O_DELIM, O_ENC, O_DATE, O_SEX, O_NAMES, O_LAYOUT, O_EOL, O_QUOTE, O_PN, O_PAK, O_ID,
           O_SPLIT, O_LANG, O_LABELS, O_N };
    static const int values[O_N] = {NDELIMS, NENCS, NDATES, NSEXES, NNAMES, (int) NLAYOUTS,
                                    S_BINARY, S_BINARY, S_PN_LOWER_EVERY, S_BINARY, S_BINARY,
                                    S_SPLIT_MAX, NLANGS, NLABELS};
    const size_t n = g->nslots;
    int *v[O_N];
    for (int d = 0; d < O_N; d++) {
        v[d] = lnob_calloc(n, sizeof *v[d]);
        /* One municipality in S_SPLIT_MAX (one at least) exports per service. */
        const int nv = d == O_SPLIT && n < S_SPLIT_MAX ? (int) n : values[d];
        s_dimension(r, nv, n, v[d]);
    }
    size_t utf8 = 0; /* language and labels count the files not in Windows-1252 */
    for (size_t k = 0; k < n; k++) {
        shape_t *s = &g->slots[k].shape;
        s->delim = v[O_DELIM][k];
        s->enc = v[O_ENC][k];
        s->date = v[O_DATE][k];
        s->sex = v[O_SEX][k];
        s->names = v[O_NAMES][k];
        s->layout = v[O_LAYOUT][k];
        s->crlf = v[O_EOL][k];
        s->quote_all = v[O_QUOTE][k];
        s->pn_lower = v[O_PN][k] == 0;
        s->pak = v[O_PAK][k];
        s->id_prefix = v[O_ID][k];
        s->split = v[O_SPLIT][k] == 0;
        if (s->enc == ENC_CP1252) {
            s->lang = LANG_SQ;
            s->labels = LABELS_SQ;
        } else {
            s->lang = v[O_LANG][utf8];
            s->labels = v[O_LABELS][utf8];
            utf8++;
        }
        s_spell(g->geo, &g->slots[k]);
    }
    for (int d = 0; d < O_N; d++)
        free(v[d]);
}

static double s_weight(const lnob_municipality_t *m)
{
    return m->population_2023 > 0 ? (double) m->population_2023 : S_FALLBACK_POPULATION;
}

/* Draws opts.municipalities of the 61 (a partial Fisher-Yates shuffle),
 * kept in LAU code order. */
static void s_draw_municipalities(lnob_gen_mis_t *g, lnob_gen_rng_t *r)
{
    const size_t all = lnob_geo_count(g->geo);
    int *order = lnob_calloc(all, sizeof *order);
    for (size_t i = 0; i < all; i++)
        order[i] = (int) i;
    g->nslots = (size_t) g->o.municipalities < all ? (size_t) g->o.municipalities : all;
    for (size_t i = 0; i < g->nslots; i++) {
        const size_t j = i + (size_t) lnob_gen_int(r, 0, (int) (all - i - 1));
        const int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 1; i < g->nslots; i++) /* insertion sort of the drawn */
        for (size_t j = i; j > 0 && order[j - 1] > order[j]; j--) {
            const int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    g->slots = lnob_calloc(g->nslots, sizeof *g->slots);
    for (size_t k = 0; k < g->nslots; k++) {
        slot_t *u = &g->slots[k];
        u->geo = order[k];
        u->m = lnob_geo_at(g->geo, (size_t) order[k]);
        u->weight = s_weight(u->m);
        u->p3 = S_P3_MIN + S_P3_SPAN * lnob_gen_uniform(r);
    }
    free(order);
    s_shapes(g, r);
}

/* ---- Persons. ---- */

static size_t s_list_len(const char *const *list)
{
    size_t n = 0;
    while (list[n])
        n++;
    return n;
}

/* Person p's true groups, before any record shows them. */
typedef struct truth {
    unsigned dis : 1, roma : 1, egy : 1, vaw : 1;
    int age;
    size_t home, away; /* slots; away == home unless the person moved */
} truth_t;

static size_t s_draw_slot(const lnob_gen_mis_t *g, lnob_gen_rng_t *r, double total)
{
    double x = lnob_gen_uniform(r) * total;
    for (size_t k = 0; k + 1 < g->nslots; k++) {
        if (x < g->slots[k].weight)
            return k;
        x -= g->slots[k].weight;
    }
    return g->nslots - 1;
}

static void s_draw_person(const lnob_gen_mis_t *g, lnob_gen_rng_t *r, double total,
                          lnob_gen_mis_person_t *p, truth_t *t)
{
    const int x = lnob_gen_int(r, 0, S_PERMILLE - 1);
    int male, dis;
    memset(t, 0, sizeof *t);
    if (x < S_CHILD_PERMILLE) {
        t->age = lnob_gen_int(r, 0, S_AGE_CHILD_MAX);
        male = S_MALE_CHILD;
        dis = S_DIS_CHILD;
    } else if (x < S_CHILD_PERMILLE + S_ADULT_PERMILLE) {
        t->age = lnob_gen_int(r, S_AGE_ADULT_MIN, S_AGE_ELDERLY - 1);
        male = S_MALE_ADULT;
        dis = S_DIS_ADULT;
    } else {
        t->age = lnob_gen_int(r, S_AGE_ELDERLY, S_AGE_MAX);
        male = S_MALE_ELDERLY;
        dis = S_DIS_ELDERLY;
    }
    p->sex = lnob_gen_chance(r, male) ? 1 : 2;
    const int by = g->o.year - t->age;
    const int32_t jan1 = lnob_gen_mis_days(by, 1, 1);
    p->birth = s_day(r, jan1, lnob_gen_mis_days(by, 12, 31));
    t->dis = (unsigned) lnob_gen_chance(r, dis);
    const int ethnic = lnob_gen_int(r, 0, S_PERMILLE - 1);
    t->roma = ethnic < S_ROMA;
    t->egy = ethnic >= S_ROMA && ethnic < S_ROMA + S_EGY;
    const int vaw = t->age <= S_AGE_CHILD_MAX ? 0
                    : p->sex == 1             ? S_VAW_MAN
                    : t->age >= S_AGE_ELDERLY ? S_VAW_ELDERLY_WOMAN
                                              : S_VAW_WOMAN;
    t->vaw = (unsigned) lnob_gen_chance(r, vaw);
    const size_t nfirst = s_list_len(p->sex == 1 ? lnob_gen_mis_first_male
                                                 : lnob_gen_mis_first_female);
    p->first = (uint8_t) lnob_gen_int(r, 0, (int) nfirst - 1);
    p->last = (uint8_t) lnob_gen_int(r, 0, (int) s_list_len(lnob_gen_mis_last) - 1);
    t->home = t->away = s_draw_slot(g, r, total);
    if (g->nslots > 1 && lnob_gen_chance(r, S_MOVER_PERMILLE))
        while (t->away == t->home)
            t->away = s_draw_slot(g, r, total);
}

/* ---- Service records. ---- */

/* Service weights by group: who gets what (order of lnob_gen_mis_service_code). */
static const int s_w_base[LNOB_GEN_MIS_NSERVICES] = {1, 1, 3, 0, 0, 0, 2, 0, 2, 6, 0};
static const int s_w_dis[LNOB_GEN_MIS_NSERVICES] = {4, 5, 2, 1, 0, 0, 2, 0, 1, 2, 12};
static const int s_w_eld[LNOB_GEN_MIS_NSERVICES] = {8, 4, 2, 3, 0, 0, 1, 0, 1, 3, 0};
static const int s_w_chi[LNOB_GEN_MIS_NSERVICES] = {0, 2, 5, 1, 2, 0, 3, 8, 0, 2, 0};
static const int s_w_re[LNOB_GEN_MIS_NSERVICES] = {0, 1, 6, 0, 0, 0, 1, 2, 5, 6, 0};
static const int s_w_vaw[LNOB_GEN_MIS_NSERVICES] = {0, 0, 2, 0, 0, 10, 8, 1, 4, 3, 0};

static int s_vulnerable(const lnob_gen_mis_person_t *p, const truth_t *t)
{
    return t->dis || t->roma || t->egy || (t->vaw && p->sex == 2) ||
           t->age <= S_AGE_CHILD_MAX || t->age >= S_AGE_ELDERLY;
}

/* Draws the person's distinct services into out; returns how many. */
static int s_draw_services(const slot_t *u, lnob_gen_rng_t *r, const lnob_gen_mis_person_t *p,
                           const truth_t *t, int out[LNOB_GEN_MIS_NSERVICES])
{
    int w[LNOB_GEN_MIS_NSERVICES];
    for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++)
        w[s] = s_w_base[s] + (t->dis ? s_w_dis[s] : 0) +
               (t->age >= S_AGE_ELDERLY ? s_w_eld[s] : 0) +
               (t->age <= S_AGE_CHILD_MAX ? s_w_chi[s] : 0) +
               (t->roma || t->egy ? s_w_re[s] : 0) + (t->vaw ? s_w_vaw[s] : 0);
    const double p3 = s_vulnerable(p, t) ? u->p3 : u->p3 * S_P3_NOT_VULNERABLE;
    int want;
    if (lnob_gen_uniform(r) < p3)
        want = lnob_gen_uniform(r) < S_FOUR_OF_3PLUS ? 4 : 3;
    else
        want = lnob_gen_uniform(r) < S_TWO_OF_1OR2 ? 2 : 1;
    int n = 0;
    for (; n < want; n++) {
        int total = 0;
        for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++)
            total += w[s];
        if (total == 0)
            break;
        int x = lnob_gen_int(r, 0, total - 1), s = 0;
        while (x >= w[s])
            x -= w[s++];
        out[n] = s;
        w[s] = 0;
    }
    return n;
}

/* The group a record shows: the one its service is for, else the person's
 * groups in turn (k counts the person's records), else OTHER. */
static int s_category(const truth_t *t, int service, int k)
{
    if (service == LNOB_GEN_MIS_DISABILITY_PAYMENT && t->dis)
        return LNOB_GEN_MIS_DIS;
    if (service == LNOB_GEN_MIS_SHELTER && t->vaw)
        return LNOB_GEN_MIS_VAW;
    if (service == LNOB_GEN_MIS_CHILD_PROTECTION && t->age <= S_AGE_CHILD_MAX)
        return LNOB_GEN_MIS_CHI;
    int g[LNOB_GEN_MIS_NCATEGORIES], n = 0;
    if (t->dis)
        g[n++] = LNOB_GEN_MIS_DIS;
    if (t->roma)
        g[n++] = LNOB_GEN_MIS_ROMA;
    if (t->egy)
        g[n++] = LNOB_GEN_MIS_EGY;
    if (t->vaw)
        g[n++] = LNOB_GEN_MIS_VAW;
    if (t->age >= S_AGE_ELDERLY)
        g[n++] = LNOB_GEN_MIS_ELD;
    if (t->age <= S_AGE_CHILD_MAX)
        g[n++] = LNOB_GEN_MIS_CHI;
    return n == 0 ? LNOB_GEN_MIS_OTHER : g[k % n];
}

static lnob_gen_mis_rec_t *s_new_rec(lnob_gen_mis_t *g)
{
    lnob_grow((void **) &g->recs, &g->recs_cap, g->nrecs + 1, sizeof *g->recs);
    lnob_gen_mis_rec_t *x = &g->recs[g->nrecs++];
    memset(x, 0, sizeof *x);
    x->orig = -1;
    return x;
}

/* Status as of the export date: ended records are closed. */
static uint8_t s_status(const lnob_gen_mis_t *g, int32_t end)
{
    const int32_t exported = lnob_gen_mis_days(g->o.year + 1, S_EXPORT_MONTH, S_EXPORT_DAY);
    return end != LNOB_GEN_MIS_ONGOING && end <= exported ? LNOB_GEN_MIS_CLOSED
                                                          : LNOB_GEN_MIS_ACTIVE;
}

/* Adds a record of person `person`, moving its start a day on while the
 * person has a record of that service starting that day (so only the
 * deliberate duplicates share person, service and start). */
static void s_add_record(lnob_gen_mis_t *g, size_t first, int32_t person, size_t slot,
                         int service, int category, int32_t start, int32_t end, int status)
{
    int moved;
    do {
        moved = 0;
        for (size_t i = first; i < g->nrecs; i++)
            if (g->recs[i].service == service && g->recs[i].start == start) {
                start++;
                moved = 1;
            }
    } while (moved);
    if (end != LNOB_GEN_MIS_ONGOING && end < start)
        end = start;
    lnob_gen_mis_rec_t *x = s_new_rec(g);
    x->person = person;
    x->slot = (uint8_t) slot;
    x->service = (uint8_t) service;
    x->category = (uint8_t) category;
    x->start = start;
    x->end = end;
    x->status = (uint8_t) (status >= 0 ? status : s_status(g, end));
    x->kind = LNOB_GEN_MIS_GOOD;
}

/* The episodes of one service of a person who stays in one municipality. */
static void s_episodes(lnob_gen_mis_t *g, lnob_gen_rng_t *r, size_t first, int32_t person,
                       size_t slot, int service, int category, int32_t birth)
{
    const int y = g->o.year;
    const int32_t back = lnob_gen_mis_days(y - S_YEARS_BACK, 1, 1);
    const int32_t prior = lnob_gen_mis_days(y - S_PRIOR_YEARS_BACK, 1, 1);
    const int32_t before = g->ps - 1;
    const int32_t planned = lnob_gen_mis_days(y + 1, S_PLANNED_END_MONTH, S_PLANNED_END_DAY);
    int x = lnob_gen_int(r, 0, S_PERMILLE - 1);
    /* Someone born after the earliest start has only current episodes. */
    if (birth > prior)
        x = S_PERMILLE - 1;
    if ((x -= S_EP_PAST) < 0) {
        const int32_t s = s_day(r, prior, lnob_gen_mis_days(y - 1, S_MID_MONTH, S_MID_DAY));
        s_add_record(g, first, person, slot, service, category, s, s_day(r, s, before), -1);
        return;
    }
    if ((x -= S_EP_FUTURE) < 0) {
        const int32_t s = s_day(r, g->pe + 1, lnob_gen_mis_days(y + 1, S_EXPORT_MONTH, 1));
        s_add_record(g, first, person, slot, service, category, s, LNOB_GEN_MIS_ONGOING, -1);
        return;
    }
    if ((x -= S_EP_BOUNDARY) < 0) {
        const int32_t s = s_day(r, lnob_gen_mis_days(y - 2, 1, 1),
                                lnob_gen_mis_days(y - 1, S_MID_MONTH, S_MID_DAY));
        switch (lnob_gen_int(r, 0, 3)) {
        case 0: s_add_record(g, first, person, slot, service, category, s, g->ps, -1); break;
        case 1: s_add_record(g, first, person, slot, service, category, s, before, -1); break;
        case 2:
            s_add_record(g, first, person, slot, service, category, g->pe, LNOB_GEN_MIS_ONGOING, -1);
            break;
        default:
            s_add_record(g, first, person, slot, service, category, g->pe + 1,
                         LNOB_GEN_MIS_ONGOING, -1);
        }
        return;
    }
    /* A current episode, perhaps cancelled, perhaps after a prior one. */
    const int cancelled = (x -= S_EP_CANCELLED) < 0;
    const int with_prior = !cancelled && (x -= S_EP_PRIOR) < 0;
    int32_t lo = lnob_gen_chance(r, S_START_IN_YEAR) ? g->ps : back;
    if (lo < birth)
        lo = birth;
    const int32_t s = s_day(r, lo, lo >= g->ps ? g->pe : before);
    const int32_t e = lnob_gen_chance(r, S_ONGOING) ? LNOB_GEN_MIS_ONGOING
                                                    : s_day(r, s > g->ps ? s : g->ps, planned);
    if (with_prior) { /* s >= back > prior: the prior episode fits before it */
        const int32_t last = lnob_gen_mis_days(y - 2, 12, 31);
        const int32_t p_start = s_day(r, prior, s - 1 < last ? s - 1 : last);
        const int32_t p_end = s_day(r, p_start, s - 1 < before ? s - 1 : before);
        s_add_record(g, first, person, slot, service, category, p_start, p_end, -1);
    }
    s_add_record(g, first, person, slot, service, category, s, e,
                 cancelled ? LNOB_GEN_MIS_CANCELLED : -1);
}

/* A mover: the services before the move end by 30 June, those after start
 * from 1 July; one service may continue in the new place. */
static void s_mover(lnob_gen_mis_t *g, lnob_gen_rng_t *r, size_t first, int32_t person,
                    const truth_t *t, const int *svc, int n, const int *cat)
{
    const int y = g->o.year;
    const int32_t back = lnob_gen_mis_days(y - S_YEARS_BACK, 1, 1);
    const int32_t leave = lnob_gen_mis_days(y, S_MID_MONTH, S_MID_DAY);
    const int32_t arrive = leave + 1;
    const int32_t birth = g->persons[person].birth;
    const int both = lnob_gen_chance(r, S_BOTH_PERMILLE);
    const int flip = lnob_gen_int(r, 0, 1);
    for (int k = 0; k < n; k++) {
        const int away = (k + flip) % 2;
        if (!away || (both && k == 0)) {
            const int32_t s = s_day(r, back > birth ? back : birth, leave - 1);
            s_add_record(g, first, person, t->home, svc[k], cat[k], s,
                         s_day(r, s > g->ps ? s : g->ps, leave), -1);
        }
        if (away || (both && k == 0))
            s_add_record(g, first, person, t->away, svc[k], cat[k],
                         s_day(r, arrive > birth ? arrive : birth, g->pe), LNOB_GEN_MIS_ONGOING, -1);
    }
}

static void s_draw_records(lnob_gen_mis_t *g)
{
    lnob_gen_rng_t rp = lnob_gen_rng(g->o.seed, S_STREAM_PERSON);
    lnob_gen_rng_t rr = lnob_gen_rng(g->o.seed, S_STREAM_RECORD);
    double total = 0.0;
    for (size_t k = 0; k < g->nslots; k++)
        total += g->slots[k].weight;
    g->npersons = g->persons_cap = g->truth_cap = (size_t) g->o.persons;
    g->persons = lnob_calloc(g->npersons, sizeof *g->persons);
    g->truth = lnob_calloc(g->npersons, sizeof *g->truth);
    for (int32_t i = 0; i < g->o.persons; i++) {
        lnob_gen_mis_person_t *p = &g->persons[i];
        truth_t t;
        s_draw_person(g, &rp, total, p, &t);
        g->truth[i] = t;
        int svc[LNOB_GEN_MIS_NSERVICES], cat[LNOB_GEN_MIS_NSERVICES];
        const int n = s_draw_services(&g->slots[t.home], &rr, p, &t, svc);
        for (int k = 0; k < n; k++)
            cat[k] = s_category(&t, svc[k], k);
        const size_t first = g->nrecs;
        if (t.away != t.home) {
            s_mover(g, &rr, first, i, &t, svc, n, cat);
            continue;
        }
        for (int k = 0; k < n; k++)
            s_episodes(g, &rr, first, i, t.home, svc[k], cat[k], p->birth);
    }
}

/* ---- Faults: duplicates, unkeyed rows, bad rows. ---- */

static int s_in_year(const lnob_gen_mis_t *g, const lnob_gen_mis_rec_t *x)
{
    return x->status != LNOB_GEN_MIS_CANCELLED && x->start <= g->pe &&
           (x->end == LNOB_GEN_MIS_ONGOING || x->end >= g->ps);
}

/* Good records of the slot active in the year (the faults' templates). */
static size_t s_templates(const lnob_gen_mis_t *g, size_t slot, size_t n, uint32_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (g->recs[i].slot == slot && g->recs[i].kind == LNOB_GEN_MIS_GOOD &&
            s_in_year(g, &g->recs[i]))
            out[k++] = (uint32_t) i;
    return k;
}

/* A copy of template i (re-fetched: s_new_rec may move the array). */
static lnob_gen_mis_rec_t *s_copy(lnob_gen_mis_t *g, uint32_t i, int kind)
{
    lnob_gen_mis_rec_t *x = s_new_rec(g);
    *x = g->recs[i];
    x->kind = (uint8_t) kind;
    x->orig = -1;
    return x;
}

static void s_faults_of(lnob_gen_mis_t *g, lnob_gen_rng_t *r, size_t slot, const int want[3],
                        size_t ngood, uint32_t *tmpl, int *bad_kind)
{
    const size_t nt = s_templates(g, slot, ngood, tmpl);
    if (nt == 0)
        return;
    for (int k = 0; k < want[0]; k++) {
        const uint32_t i = tmpl[lnob_gen_int(r, 0, (int) nt - 1)];
        lnob_gen_mis_rec_t *x = s_copy(g, i, lnob_gen_chance(r, S_SAME_ID_PERMILLE)
                                                 ? LNOB_GEN_MIS_DUP_SAME_ID
                                                 : LNOB_GEN_MIS_DUP_NEW_ID);
        x->orig = (int32_t) i;
    }
    for (int k = 0; k < want[1]; k++) {
        lnob_gen_mis_rec_t *x = s_copy(g, tmpl[lnob_gen_int(r, 0, (int) nt - 1)],
                                       lnob_gen_chance(r, S_MALFORMED_PERMILLE)
                                           ? LNOB_GEN_MIS_UNKEYED_MALFORMED
                                           : LNOB_GEN_MIS_UNKEYED_EMPTY);
        x->start = s_day(r, g->ps, g->pe);
        x->end = LNOB_GEN_MIS_ONGOING;
        x->status = LNOB_GEN_MIS_ACTIVE;
    }
    static const int bad[S_BAD_KINDS] = {LNOB_GEN_MIS_BAD_DATE, LNOB_GEN_MIS_BAD_SERVICE,
                                         LNOB_GEN_MIS_BAD_MUN};
    for (int k = 0; k < want[2]; k++)
        s_copy(g, tmpl[lnob_gen_int(r, 0, (int) nt - 1)], bad[(*bad_kind)++ % S_BAD_KINDS]);
}

/* A few of each per municipality, and overall at least one duplicate, one
 * unkeyed row and one bad row of each kind (in the largest municipality). */
static void s_faults(lnob_gen_mis_t *g)
{
    lnob_gen_rng_t r = lnob_gen_rng(g->o.seed, S_STREAM_EXTRA);
    const size_t ngood = g->nrecs;
    size_t *per = lnob_calloc(g->nslots, sizeof *per);
    for (size_t i = 0; i < ngood; i++)
        per[g->recs[i].slot]++;
    int (*want)[3] = lnob_calloc(g->nslots, sizeof *want);
    int total[3] = {0, 0, 0};
    size_t big = 0;
    for (size_t k = 0; k < g->nslots; k++) {
        want[k][0] = (int) (per[k] / S_DUP_EVERY) + lnob_gen_int(&r, 0, 1);
        want[k][1] = (int) (per[k] / S_UNKEYED_EVERY) + lnob_gen_int(&r, 0, 1);
        want[k][2] = (int) (per[k] / S_BAD_EVERY) + lnob_gen_chance(&r, S_BAD_EXTRA_PERMILLE);
        for (int j = 0; j < 3; j++)
            total[j] += per[k] > 0 ? want[k][j] : 0;
        if (per[k] > per[big])
            big = k;
    }
    if (total[0] < 1)
        want[big][0]++;
    if (total[1] < 1)
        want[big][1]++;
    if (total[2] < S_BAD_KINDS)
        want[big][2] += S_BAD_KINDS - total[2];
    uint32_t *tmpl = lnob_calloc(ngood ? ngood : 1, sizeof *tmpl);
    int bad_kind = lnob_gen_int(&r, 0, S_BAD_KINDS - 1);
    for (size_t k = 0; k < g->nslots; k++)
        s_faults_of(g, &r, k, want[k], ngood, tmpl, &bad_kind);
    free(tmpl);
    free(want);
    free(per);
}

/* ---- Needs-assessment registers. ---- */

/* What the service records say of one person for the slot being
 * registered: the services active in the year there, whether any good
 * record is there or elsewhere, and whether the register lists the person. */
typedef struct {
    unsigned services;
    unsigned here : 1, elsewhere : 1, listed : 1;
} place_t;

static void s_places(const lnob_gen_mis_t *g, size_t k, place_t *pl)
{
    memset(pl, 0, (size_t) g->o.persons * sizeof *pl);
    for (size_t i = 0; i < g->nrecs; i++) {
        const lnob_gen_mis_rec_t *x = &g->recs[i];
        if (x->kind != LNOB_GEN_MIS_GOOD)
            continue;
        place_t *p = &pl[x->person];
        if (x->slot != k) {
            p->elsewhere = 1;
            continue;
        }
        p->here = 1;
        if (s_in_year(g, x))
            p->services |= 1u << x->service;
    }
}

static int s_popcount(unsigned x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* A person of slot k in MIS_SHARE3's numerator by their age alone (no
 * record can hide a child or an older person): 3 or more services there. */
static int s_numerator_by_age(const place_t *p, const truth_t *t)
{
    return p->here && s_popcount(p->services) >= S_SHARE3_SERVICES &&
           (t->age <= S_AGE_CHILD_MAX || t->age >= S_AGE_ELDERLY);
}

/* An adult on the register who is vulnerable by a group alone, and has no
 * record elsewhere: the one whose assessment says Other. */
static int s_assessed_other(const lnob_gen_mis_person_t *p, const truth_t *t, const place_t *pl)
{
    return pl->listed && !pl->elsewhere && t->age > S_AGE_CHILD_MAX && t->age < S_AGE_ELDERLY &&
           s_vulnerable(p, t);
}

static lnob_gen_mis_rec_t *s_new_entry(lnob_gen_mis_t *g, int32_t person, size_t slot,
                                       int category)
{
    lnob_grow((void **) &g->entries, &g->entries_cap, g->nentries + 1, sizeof *g->entries);
    lnob_gen_mis_rec_t *x = &g->entries[g->nentries++];
    memset(x, 0, sizeof *x);
    x->person = person;
    x->slot = (uint8_t) slot;
    x->category = (uint8_t) category;
    x->orig = -1;
    x->kind = LNOB_GEN_MIS_GOOD;
    return x;
}

/* An entry active in the year: assessed from 1 January Y-3 (not before
 * birth) to 31 December Y; some with an exit date in the year or after. */
static lnob_gen_mis_rec_t *s_current_entry(lnob_gen_mis_t *g, lnob_gen_rng_t *r, int32_t person,
                                           size_t slot, int category)
{
    const int32_t birth = g->persons[person].birth;
    const int32_t planned =
        lnob_gen_mis_days(g->o.year + 1, S_PLANNED_END_MONTH, S_PLANNED_END_DAY);
    int32_t lo = lnob_gen_mis_days(g->o.year - S_REG_YEARS_BACK, 1, 1);
    if (lo < birth)
        lo = birth;
    lnob_gen_mis_rec_t *x = s_new_entry(g, person, slot, category);
    x->start = s_day(r, lo, g->pe);
    x->end = LNOB_GEN_MIS_ONGOING;
    if (lnob_gen_chance(r, S_REG_EXIT_PERMILLE))
        x->end = s_day(r, x->start > g->ps ? x->start : g->ps, planned);
    x->status = s_status(g, x->end);
    return x;
}

/* A new person, with no service, of slot k: vulnerable when want is 1,
 * not when 0, either when -1, and born by born_by (the first of
 * S_REG_DRAWS_MAX draws that is). Returns its index. */
static int32_t s_new_person(lnob_gen_mis_t *g, lnob_gen_rng_t *r, double total, size_t k,
                            int want, int32_t born_by)
{
    lnob_gen_mis_person_t p;
    truth_t t;
    for (int i = 0; i < S_REG_DRAWS_MAX; i++) {
        s_draw_person(g, r, total, &p, &t);
        if ((want < 0 || s_vulnerable(&p, &t) == want) && p.birth <= born_by)
            break;
    }
    t.home = t.away = k;
    lnob_grow((void **) &g->persons, &g->persons_cap, g->npersons + 1, sizeof *g->persons);
    lnob_grow((void **) &g->truth, &g->truth_cap, g->npersons + 1, sizeof *g->truth);
    g->persons[g->npersons] = p;
    g->truth[g->npersons] = t;
    return (int32_t) g->npersons++;
}

/* One person of the candidates, drawn uniformly as they come (reservoir
 * of one); -1 when there is none. */
static int32_t s_pick(lnob_gen_rng_t *r, int32_t i, int32_t picked, int *seen)
{
    return lnob_gen_int(r, 0, (*seen)++) == 0 ? i : picked;
}

/* Slot k's persons on its register: most of the vulnerable (one in the
 * numerator left off), some of the others. Returns how many have records
 * there. */
static int32_t s_listed(lnob_gen_mis_t *g, lnob_gen_rng_t *r, place_t *pl)
{
    int32_t off = -1, here = 0;
    int seen = 0;
    for (int32_t i = 0; i < g->o.persons; i++)
        if (s_numerator_by_age(&pl[i], &g->truth[i]))
            off = s_pick(r, i, off, &seen);
    for (int32_t i = 0; i < g->o.persons; i++) {
        if (!pl[i].here)
            continue;
        here++;
        const int vulnerable = s_vulnerable(&g->persons[i], &g->truth[i]);
        pl[i].listed = i != off && lnob_gen_chance(r, vulnerable ? S_REG_VULNERABLE_PERMILLE
                                                                 : S_REG_OTHERS_PERMILLE);
    }
    return here;
}

/* The entries of slot k's persons the register lists: their groups as
 * they are, but one adult's (vulnerable by a group alone) assessed as
 * Other. */
static void s_listed_entries(lnob_gen_mis_t *g, lnob_gen_rng_t *r, size_t k, const place_t *pl)
{
    int32_t other = -1;
    int seen = 0;
    for (int32_t i = 0; i < g->o.persons; i++)
        if (s_assessed_other(&g->persons[i], &g->truth[i], &pl[i]))
            other = s_pick(r, i, other, &seen);
    for (int32_t i = 0; i < g->o.persons; i++)
        if (pl[i].listed)
            s_current_entry(g, r, i, k,
                            i == other ? LNOB_GEN_MIS_OTHER
                                       : s_category(&g->truth[i], S_NO_SERVICE, 0));
}

/* An entry of a new person, with the groups they have. */
static lnob_gen_mis_rec_t *s_new_person_entry(lnob_gen_mis_t *g, lnob_gen_rng_t *r, double total,
                                              size_t k, int want, int32_t born_by)
{
    const int32_t p = s_new_person(g, r, total, k, want, born_by);
    return s_new_entry(g, p, k, s_category(&g->truth[p], S_NO_SERVICE, 0));
}

/* A vulnerable person's entry, cancelled: assessed in the year. */
static void s_cancelled_entry(lnob_gen_mis_t *g, lnob_gen_rng_t *r, double total, size_t k)
{
    lnob_gen_mis_rec_t *x = s_new_person_entry(g, r, total, k, 1, g->pe);
    const int32_t birth = g->persons[x->person].birth;
    x->start = s_day(r, birth > g->ps ? birth : g->ps, g->pe);
    x->end = LNOB_GEN_MIS_ONGOING;
    x->status = LNOB_GEN_MIS_CANCELLED;
}

/* A vulnerable person's entry that ended before the year: assessed from
 * 1 January Y-5 to 30 June Y-1. */
static void s_gone_entry(lnob_gen_mis_t *g, lnob_gen_rng_t *r, double total, size_t k)
{
    const int32_t last = lnob_gen_mis_days(g->o.year - 1, S_MID_MONTH, S_MID_DAY);
    const int32_t from = lnob_gen_mis_days(g->o.year - S_REG_GONE_YEARS_BACK, 1, 1);
    lnob_gen_mis_rec_t *x = s_new_person_entry(g, r, total, k, 1, last);
    const int32_t birth = g->persons[x->person].birth;
    x->start = s_day(r, birth > from ? birth : from, last);
    x->end = s_day(r, x->start, g->ps - 1);
    x->status = s_status(g, x->end);
}

/* The entries of persons with no service in slot k (here persons have
 * records there): vulnerable and not, one without a personal number, one
 * cancelled, one gone before the year. */
static void s_new_entries(lnob_gen_mis_t *g, lnob_gen_rng_t *r, double total, size_t k,
                          int32_t here)
{
    const int32_t n = here / S_REG_NEW_EVERY > S_REG_NEW_MIN ? here / S_REG_NEW_EVERY
                                                             : S_REG_NEW_MIN;
    for (int32_t j = 0; j < n; j++) { /* the first vulnerable, the second not */
        const int32_t p = s_new_person(g, r, total, k, j == 0 ? 1 : j == 1 ? 0 : -1, g->pe);
        s_current_entry(g, r, p, k, s_category(&g->truth[p], S_NO_SERVICE, 0));
    }
    const int32_t p = s_new_person(g, r, total, k, -1, g->pe);
    s_current_entry(g, r, p, k, s_category(&g->truth[p], S_NO_SERVICE, 0))->kind =
        LNOB_GEN_MIS_UNKEYED_EMPTY;
    s_cancelled_entry(g, r, total, k);
    s_gone_entry(g, r, total, k);
}

static void s_register_of(lnob_gen_mis_t *g, lnob_gen_rng_t *r, size_t k, place_t *pl,
                          double total)
{
    s_places(g, k, pl);
    const int32_t here = s_listed(g, r, pl);
    s_listed_entries(g, r, k, pl);
    s_new_entries(g, r, total, k, here);
}

/* The registers of the first opts.registers slots, from their own stream. */
static void s_draw_registers(lnob_gen_mis_t *g)
{
    if (g->o.registers <= 0)
        return;
    lnob_gen_rng_t r = lnob_gen_rng(g->o.seed, S_STREAM_REGISTER);
    double total = 0.0;
    for (size_t k = 0; k < g->nslots; k++)
        total += g->slots[k].weight;
    place_t *pl = lnob_calloc((size_t) g->o.persons, sizeof *pl);
    for (size_t k = 0; k < (size_t) g->o.registers && k < g->nslots; k++)
        s_register_of(g, &r, k, pl, total);
    free(pl);
}

/* ---- Files: layout and bytes. ---- */

static void s_shape_text(const slot_t *u, file_t *f)
{
    const shape_t *s = &u->shape;
    snprintf(f->shape, sizeof f->shape,
             "delimiter=%s encoding=%s eol=%s header=%s columns=%c dates=%s sex=%s labels=%s "
             "names=%s quoting=%s personal_numbers=%s ids=%s per=%s%s",
             s_delim_names[s->delim], s_enc_names[s->enc], s->crlf ? "crlf" : "lf",
             s_lang_names[s->lang], s_layout_names[s->layout], s_date_names[s->date],
             s_sex_names[s->sex], s_label_names[s->labels], s_name_names[s->names],
             s->quote_all ? "all" : "minimal", s->pn_lower ? "lower" : "upper",
             s_layouts[s->layout][0] == H_ID || s_layouts[s->layout][2] == H_ID
                 ? (s->id_prefix ? "prefixed" : "plain")
                 : "none",
             f->service >= 0 ? "service" : "municipality",
             f->reg == REG_HEADER ? " register=header" : f->reg == REG_MAP ? " register=map" : "");
}

/* The register files, after every export: the last of two or more is
 * read through its mapping file, the others by their headers. */
static void s_plan_registers(lnob_gen_mis_t *g, size_t *cap)
{
    const size_t first = g->nfiles, n = g->o.registers > 0 ? (size_t) g->o.registers : 0;
    for (size_t k = 0; k < n && k < g->nslots; k++) {
        lnob_grow((void **) &g->files, cap, g->nfiles + 1, sizeof *g->files);
        file_t *f = &g->files[g->nfiles++];
        memset(f, 0, sizeof *f);
        f->service = -1;
        f->slot = k;
        f->reg = n > 1 && k + 1 == n ? REG_MAP : REG_HEADER;
        snprintf(f->path, sizeof f->path, "%s/%02zu_%s_register.csv", LNOB_GEN_MIS_EXPORTS, k + 1,
                 g->slots[k].ascii);
        s_shape_text(&g->slots[k], f);
    }
    for (size_t i = 0; i < g->nentries; i++)
        g->entries[i].file = (uint32_t) (first + g->entries[i].slot);
}

static void s_plan_files(lnob_gen_mis_t *g)
{
    size_t cap = 0;
    for (size_t k = 0; k < g->nslots; k++) {
        const slot_t *u = &g->slots[k];
        unsigned used = 0;
        for (size_t i = 0; i < g->nrecs; i++)
            if (g->recs[i].slot == k)
                used |= 1u << g->recs[i].service;
        for (int s = u->shape.split ? 0 : -1; s < (u->shape.split ? LNOB_GEN_MIS_NSERVICES : 0);
             s++) {
            if (s >= 0 && !((used >> s) & 1u))
                continue;
            lnob_grow((void **) &g->files, &cap, g->nfiles + 1, sizeof *g->files);
            file_t *f = &g->files[g->nfiles++];
            memset(f, 0, sizeof *f);
            f->service = s;
            char lower[32] = "";
            for (size_t j = 0; s >= 0 && lnob_gen_mis_service_code[s][j] && j + 1 < sizeof lower;
                 j++) {
                const char ch = lnob_gen_mis_service_code[s][j];
                lower[j] = ch >= 'A' && ch <= 'Z' ? (char) (ch - 'A' + 'a') : ch;
            }
            snprintf(f->path, sizeof f->path, "%s/%02zu_%s%s%s.csv", LNOB_GEN_MIS_EXPORTS, k + 1,
                     u->ascii, s >= 0 ? "_" : "", lower);
            s_shape_text(u, f);
            f->slot = k;
        }
    }
    for (size_t i = 0; i < g->nrecs; i++) {
        lnob_gen_mis_rec_t *x = &g->recs[i];
        for (size_t f = 0; f < g->nfiles; f++)
            if (g->files[f].slot == x->slot &&
                (g->files[f].service < 0 || g->files[f].service == x->service)) {
                x->file = (uint32_t) f;
                break;
            }
    }
    s_plan_registers(g, &cap);
}

/* One field, quoted when the shape says so or the text needs it. */
static void s_field(buf_t *b, const shape_t *s, const char *text, int first)
{
    const char d = s_delims[s->delim];
    if (!first)
        s_add(b, &d, 1);
    const int quote = s->quote_all || strchr(text, d) || strpbrk(text, "\"\r\n");
    if (!quote) {
        s_adds(b, text);
        return;
    }
    s_add(b, "\"", 1);
    for (const char *p = text; *p; p++) {
        s_add(b, p, 1);
        if (*p == '"')
            s_add(b, "\"", 1); /* RFC 4180: a quote inside quotes is doubled */
    }
    s_add(b, "\"", 1);
}

static void s_eol(buf_t *b, const shape_t *s)
{
    s_adds(b, s->crlf ? "\r\n" : "\n");
}

static const char *s_service_label(const shape_t *s, int service, char *tmp, size_t cap)
{
    if (s->labels == LABELS_EN)
        return s_service_en[service];
    if (s->labels == LABELS_SQ_ASCII) {
        s_respell(s_service_sq[service], tmp, cap, 0);
        return tmp;
    }
    return s_service_sq[service];
}

static const char *s_group_label(const shape_t *s, int category, char *tmp, size_t cap)
{
    if (s->labels == LABELS_EN)
        return s_group_en[category];
    if (category == LNOB_GEN_MIS_DIS && s->pak)
        return S_GROUP_DIS_SHORT;
    if (s->labels == LABELS_SQ_ASCII) {
        s_respell(s_group_sq[category], tmp, cap, 0);
        return tmp;
    }
    return s_group_sq[category];
}

/* The personal number of person i as this file writes it. */
static void s_personal_number(char *out, size_t cap, const shape_t *s, const lnob_gen_mis_rec_t *x,
                              int spaced)
{
    const uint32_t serial = (uint32_t) x->person + 1;
    const char check = (char) ('A' + (serial * 7u + 11u) % S_LETTERS);
    if (x->kind == LNOB_GEN_MIS_UNKEYED_EMPTY)
        out[0] = '\0';
    else if (x->kind == LNOB_GEN_MIS_UNKEYED_MALFORMED)
        snprintf(out, cap, "Z9%05" PRIu32, serial % 100000u);
    else
        snprintf(out, cap, "Z9%s%0*" PRIu32 "%c", spaced ? " " : "", S_PN_SERIAL_DIGITS, serial,
                 check);
    if (s->pn_lower)
        for (char *p = out; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char) (*p - 'A' + 'a');
}

typedef struct {
    lnob_gen_rng_t r;
    int bad_name, bad_label, bad_date;
} row_ctx_t;

/* The columns of file f: its municipality's layout, without the service
 * in a register. Returns how many. */
static size_t s_columns(const file_t *f, const shape_t *s, int cols[H_NCOLS])
{
    size_t n = 0;
    for (const int *c = s_layouts[s->layout]; *c != S_END_OF_LAYOUT; c++)
        if (!(f->reg != REG_NONE && *c == H_SERVICE))
            cols[n++] = *c;
    return n;
}

static void s_put_row(lnob_gen_mis_t *g, row_ctx_t *c, file_t *f, const lnob_gen_mis_rec_t *x)
{
    const slot_t *u = &g->slots[x->slot];
    const shape_t *s = &u->shape;
    const lnob_gen_mis_person_t *p = &g->persons[x->person];
    char text[H_NCOLS][160], tmp[2][96];
    for (int k = 0; k < H_NCOLS; k++)
        text[k][0] = '\0';
    if (s->id_prefix)
        snprintf(text[H_ID], sizeof text[H_ID], "%.3s-%d-%05" PRIu32, u->ascii, g->o.year, x->id);
    else
        snprintf(text[H_ID], sizeof text[H_ID], "%" PRIu32, x->id);
    for (char *q = text[H_ID]; s->id_prefix && *q && *q != '-'; q++)
        if (*q >= 'a' && *q <= 'z')
            *q = (char) (*q - 'a' + 'A');
    const char *mun = u->spelled;
    if (x->kind == LNOB_GEN_MIS_BAD_MUN) {
        const size_t nb = s_list_len(lnob_gen_mis_bad_municipality);
        mun = lnob_gen_mis_bad_municipality[c->bad_name++ % nb];
    } else if (u->nunits > 0 && lnob_gen_chance(&c->r, S_UNIT_PERMILLE)) {
        mun = u->unit[lnob_gen_int(&c->r, 0, u->nunits - 1)];
    }
    snprintf(text[H_MUN], sizeof text[H_MUN], "%s", mun);
    s_personal_number(text[H_PN], sizeof text[H_PN], s, x,
                      lnob_gen_chance(&c->r, S_PN_SPACED_PERMILLE));
    snprintf(text[H_FIRST], sizeof text[H_FIRST], "%s",
             (p->sex == 1 ? lnob_gen_mis_first_male : lnob_gen_mis_first_female)[p->first]);
    snprintf(text[H_LAST], sizeof text[H_LAST], "%s", lnob_gen_mis_last[p->last]);
    snprintf(text[H_SEX], sizeof text[H_SEX], "%s", s_sex_text[s->sex][p->sex - 1]);
    s_put_date(text[H_BIRTH], sizeof text[H_BIRTH], s->date, p->birth);
    if (x->kind == LNOB_GEN_MIS_BAD_SERVICE)
        snprintf(text[H_SERVICE], sizeof text[H_SERVICE], "%s",
                 (s->labels == LABELS_EN ? s_bad_service_en
                                         : s_bad_service_sq)[c->bad_label++ % S_NBAD_SERVICES]);
    else
        snprintf(text[H_SERVICE], sizeof text[H_SERVICE], "%s",
                 s_service_label(s, x->service, tmp[0], sizeof tmp[0]));
    snprintf(text[H_GROUP], sizeof text[H_GROUP], "%s",
             s_group_label(s, x->category, tmp[1], sizeof tmp[1]));
    if (x->kind == LNOB_GEN_MIS_BAD_DATE) {
        /* 30 February, month 13, day 0: shaped like a date, but none. */
        static const int bad[][2] = {{30, 2}, {15, 13}, {0, 6}};
        const int *b = bad[c->bad_date++ % (sizeof bad / sizeof *bad)];
        s_put_dmy(text[H_START], sizeof text[H_START], s->date, g->o.year, b[1], b[0]);
    } else {
        s_put_date(text[H_START], sizeof text[H_START], s->date, x->start);
    }
    if (x->end != LNOB_GEN_MIS_ONGOING)
        s_put_date(text[H_END], sizeof text[H_END], s->date, x->end);
    snprintf(text[H_STATUS], sizeof text[H_STATUS], "%s",
             (s->lang == LANG_EN ? s_status_en : s_status_sq)[x->status]);
    if (lnob_gen_chance(&c->r, S_NOTE_PERMILLE)) {
        const char *n = (s->lang == LANG_EN ? s_notes_en : s_notes_sq)[lnob_gen_int(
            &c->r, 0, (int) S_NNOTES - 1)];
        snprintf(text[H_NOTES], sizeof text[H_NOTES], "%s", n);
        for (char *q = text[H_NOTES]; *q; q++)
            if (*q == S_NOTE_DELIM)
                *q = s_delims[s->delim];
    }
    int cols[H_NCOLS];
    const size_t n = s_columns(f, s, cols);
    for (size_t k = 0; k < n; k++)
        s_field(&f->bytes, s, text[cols[k]], k == 0);
    s_eol(&f->bytes, s);
}

/* A column's header: a register read by its headers names the assessment
 * and exit dates. */
static const char *s_head(const file_t *f, const shape_t *s, int col)
{
    if (f->reg == REG_HEADER && col == H_START)
        return s_assessed_header[s->lang == LANG_EN];
    if (f->reg == REG_HEADER && col == H_END)
        return s_exit_header[s->lang == LANG_EN];
    return (s->lang == LANG_EN ? s_header_en : s_header_sq)[col];
}

static void s_put_header(file_t *f, const shape_t *s)
{
    int cols[H_NCOLS];
    const size_t n = s_columns(f, s, cols);
    for (size_t k = 0; k < n; k++)
        s_field(&f->bytes, s, s_head(f, s, cols[k]), k == 0);
    s_eol(&f->bytes, s);
}

static uint64_t s_newlines(const char *p, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] == '\n';
    return k;
}

/* Shuffles the rows of file fi (its records among recs[0..nrecs)),
 * numbers them (duplicates with the same ID take their original's) and
 * writes them, noting each row's line. */
static void s_write_file(lnob_gen_mis_t *g, row_ctx_t *c, size_t fi, lnob_gen_mis_rec_t *recs,
                         size_t nrecs, uint32_t *rows, uint32_t *next_id)
{
    file_t *f = &g->files[fi];
    const slot_t *u = &g->slots[f->slot];
    size_t n = 0;
    for (size_t i = 0; i < nrecs; i++)
        if (recs[i].file == fi)
            rows[n++] = (uint32_t) i;
    for (size_t i = n; i > 1; i--) {
        const size_t j = (size_t) lnob_gen_int(&c->r, 0, (int) i - 1);
        const uint32_t t = rows[i - 1];
        rows[i - 1] = rows[j];
        rows[j] = t;
    }
    for (size_t i = 0; i < n; i++)
        if (recs[rows[i]].kind != LNOB_GEN_MIS_DUP_SAME_ID)
            recs[rows[i]].id = (*next_id += (uint32_t) lnob_gen_int(&c->r, 1, S_ID_GAP_MAX));
    for (size_t i = 0; i < n; i++)
        if (recs[rows[i]].kind == LNOB_GEN_MIS_DUP_SAME_ID)
            recs[rows[i]].id = recs[recs[rows[i]].orig].id;
    s_put_header(f, &u->shape);
    uint64_t line = 2;
    for (size_t i = 0; i < n; i++) {
        lnob_gen_mis_rec_t *x = &recs[rows[i]];
        const size_t at = f->bytes.n;
        x->line = line;
        s_put_row(g, c, f, x);
        line += s_newlines(f->bytes.p + at, f->bytes.n - at);
    }
    f->rows = n;
    if (u->shape.enc == ENC_CP1252) {
        s_to_cp1252(&f->bytes);
    } else if (u->shape.enc == ENC_UTF8_BOM) {
        buf_t b = {0};
        s_adds(&b, "\xEF\xBB\xBF");
        s_add(&b, f->bytes.p, f->bytes.n);
        free(f->bytes.p);
        f->bytes = b;
    }
}

/* The registers, from their own stream, and the mapping file of the one
 * read through it. */
static void s_write_registers(lnob_gen_mis_t *g)
{
    row_ctx_t c = {.r = lnob_gen_rng(g->o.seed, S_STREAM_REG_ROWS)};
    uint32_t *rows = lnob_calloc(g->nentries ? g->nentries : 1, sizeof *rows);
    for (size_t f = 0; f < g->nfiles; f++) {
        if (g->files[f].reg == REG_NONE)
            continue;
        uint32_t next_id = (uint32_t) lnob_gen_int(&c.r, S_ID_BASE_MIN, S_ID_BASE_MAX);
        s_write_file(g, &c, f, g->entries, g->nentries, rows, &next_id);
        if (g->files[f].reg != REG_MAP)
            continue;
        g->maps = lnob_realloc(g->maps, (g->nmaps + 1) * sizeof *g->maps);
        file_t *m = &g->maps[g->nmaps++];
        memset(m, 0, sizeof *m);
        snprintf(m->path, sizeof m->path, "%.*s%s", (int) (sizeof m->path - sizeof S_MAP_SUFFIX),
                 g->files[f].path, S_MAP_SUFFIX);
        s_adds(&m->bytes, S_REGISTER_MAP);
    }
    free(rows);
}

static void s_write_files(lnob_gen_mis_t *g)
{
    row_ctx_t c = {.r = lnob_gen_rng(g->o.seed, S_STREAM_ROWS)};
    uint32_t *rows = lnob_calloc(g->nrecs ? g->nrecs : 1, sizeof *rows);
    uint32_t *next_id = lnob_calloc(g->nslots, sizeof *next_id);
    for (size_t k = 0; k < g->nslots; k++)
        next_id[k] = (uint32_t) lnob_gen_int(&c.r, S_ID_BASE_MIN, S_ID_BASE_MAX);
    for (size_t f = 0; f < g->nfiles; f++)
        if (g->files[f].reg == REG_NONE)
            s_write_file(g, &c, f, g->recs, g->nrecs, rows, &next_id[g->files[f].slot]);
    free(next_id);
    free(rows);
    s_write_registers(g);
}

static void s_write_answers(lnob_gen_mis_t *g)
{
    const lnob_municipality_t **mun = lnob_calloc(g->nslots, sizeof *mun);
    lnob_gen_mis_file_t *files = lnob_calloc(g->nfiles ? g->nfiles : 1, sizeof *files);
    for (size_t k = 0; k < g->nslots; k++)
        mun[k] = g->slots[k].m;
    for (size_t f = 0; f < g->nfiles; f++)
        files[f] = (lnob_gen_mis_file_t) {g->files[f].path, g->files[f].slot, g->files[f].rows,
                                          g->files[f].shape, g->files[f].reg != REG_NONE};
    const lnob_gen_mis_model_t model = {g->o.year, mun,       g->nslots,  g->persons,
                                        g->recs,   g->nrecs,  files,      g->nfiles,
                                        g->entries, g->nentries};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out || lnob_gen_mis_answers(out, &model) != 0) {
        fprintf(stderr, "lnob gen mis: out of memory writing the answers\n");
        abort();
    }
    fclose(out);
    g->answers = (buf_t) {text, len, len};
    free(files);
    free(mun);
}

/* ---- Public API. ---- */

lnob_gen_mis_t *lnob_gen_mis_new(const lnob_gen_mis_opts_t *opts, const lnob_geo_t *geo)
{
    if (!opts || !geo || opts->municipalities < 1 ||
        opts->municipalities > LNOB_GEO_MUNICIPALITIES || opts->persons < 1 ||
        opts->persons > LNOB_GEN_MIS_PERSONS_MAX || opts->registers < 0 ||
        opts->registers > opts->municipalities || lnob_geo_count(geo) == 0)
        return NULL;
    lnob_gen_mis_t *g = lnob_calloc(1, sizeof *g);
    g->o = *opts;
    g->geo = geo;
    g->ps = lnob_gen_mis_days(opts->year, 1, 1);
    g->pe = lnob_gen_mis_days(opts->year, 12, 31);
    lnob_gen_rng_t rs = lnob_gen_rng(opts->seed, S_STREAM_SHAPE);
    s_draw_municipalities(g, &rs);
    s_draw_records(g);
    s_faults(g);
    s_draw_registers(g);
    s_plan_files(g);
    s_write_files(g);
    s_write_answers(g);
    return g;
}

void lnob_gen_mis_destroy(lnob_gen_mis_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_gen_mis_t *g = *self_p;
    for (size_t f = 0; f < g->nfiles; f++)
        free(g->files[f].bytes.p);
    for (size_t f = 0; f < g->nmaps; f++)
        free(g->maps[f].bytes.p);
    free(g->files);
    free(g->maps);
    free(g->answers.p);
    free(g->recs);
    free(g->entries);
    free(g->persons);
    free(g->truth);
    free(g->slots);
    free(g);
    *self_p = NULL;
}

size_t lnob_gen_mis_count(const lnob_gen_mis_t *self)
{
    return self->nfiles + self->nmaps + 1;
}

/* File i of the set: an export, a mapping file; NULL for the answers. */
static const file_t *s_file_at(const lnob_gen_mis_t *self, size_t i)
{
    if (i < self->nfiles)
        return &self->files[i];
    return i - self->nfiles < self->nmaps ? &self->maps[i - self->nfiles] : NULL;
}

const char *lnob_gen_mis_name(const lnob_gen_mis_t *self, size_t i)
{
    const file_t *f = s_file_at(self, i);
    return f ? f->path : LNOB_GEN_MIS_ANSWERS;
}

const char *lnob_gen_mis_data(const lnob_gen_mis_t *self, size_t i, size_t *len)
{
    const file_t *f = s_file_at(self, i);
    const buf_t *b = f ? &f->bytes : &self->answers;
    *len = b->n;
    return b->p ? b->p : "";
}

int lnob_gen_mis_write(const lnob_gen_mis_t *self, const char *dir, char *err, size_t cap)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, LNOB_GEN_MIS_EXPORTS);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        snprintf(err, cap, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < lnob_gen_mis_count(self); i++) {
        size_t len = 0;
        const char *data = lnob_gen_mis_data(self, i, &len);
        if (snprintf(path, sizeof path, "%s/%s", dir, lnob_gen_mis_name(self, i)) >=
            (int) sizeof path) {
            snprintf(err, cap, "%s: path too long", dir);
            return -1;
        }
        FILE *out = fopen(path, "wb");
        if (!out) {
            snprintf(err, cap, "%s: %s", path, strerror(errno));
            return -1;
        }
        const int bad = fwrite(data, 1, len, out) != len;
        if (fclose(out) != 0 || bad) {
            snprintf(err, cap, "%s: write failed", path);
            return -1;
        }
    }
    return 0;
}
