/* mis_codes.c - the MIS code tables and their labels (mis_codes.h).
 *
 * Labels are written as people write them (UTF-8, with ë and ç); matching
 * folds both sides, so each spelling is listed once whatever its case or
 * diacritics. Variants that differ in more than that (Qendër/Qendra, the
 * definite forms, "psiko-social"/"psikosocial" are the same once folded,
 * "Romë"/"Rome" too) are listed. docs/mis.md prints these tables: change
 * both together. */
#include "mis_codes.h"

#include <string.h>
#include <strings.h>

#include "lnob/geo.h"

/* Longest text a lookup folds; nothing longer can be a label. */
#define LABEL_MAX 128

typedef struct {
    int value;
    const char *name;
    const char *const *labels;
} s_entry_t;

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

static const s_entry_t s_services[] = {
    {LNOB_MIS_HOME_CARE, "HOME_CARE",
     L("Kujdes në shtëpi", "Kujdesi në shtëpi", "Kujdes shtëpiak", "Shërbim në shtëpi",
       "Shërbime në shtëpi", "Home care", "Home-based care")},
    {LNOB_MIS_DAY_CENTRE, "DAY_CENTRE",
     L("Qendër ditore", "Qendra ditore", "Day centre", "Day center", "Day care centre")},
    {LNOB_MIS_COMMUNITY_CENTRE, "COMMUNITY_CENTRE",
     L("Qendër komunitare", "Qendra komunitare", "Qendër komunitare shumëfunksionale",
       "Community centre", "Community center", "Multifunctional community centre")},
    {LNOB_MIS_RESIDENTIAL, "RESIDENTIAL",
     L("Qendër rezidenciale", "Qendra rezidenciale", "Shërbim rezidencial",
       "Residential centre", "Residential center", "Residential care")},
    {LNOB_MIS_FOSTER_CARE, "FOSTER_CARE",
     L("Kujdestari familjare", "Kujdestaria familjare", "Foster care", "Family foster care")},
    {LNOB_MIS_SHELTER, "SHELTER",
     L("Strehëz", "Strehëza", "Strehëz për viktimat e dhunës", "Shelter",
       "Shelter for victims of violence")},
    {LNOB_MIS_PSYCHOSOCIAL, "PSYCHOSOCIAL",
     L("Këshillim psiko-social", "Këshillimi psiko-social", "Këshillim psikosocial",
       "Mbështetje psiko-sociale", "Psychosocial counselling", "Psycho-social counselling",
       "Psychosocial counseling", "Psychosocial support")},
    {LNOB_MIS_CHILD_PROTECTION, "CHILD_PROTECTION",
     L("Mbrojtje e fëmijëve", "Mbrojtja e fëmijëve", "Mbrojtje e fëmijës", "Child protection")},
    {LNOB_MIS_SOCIAL_HOUSING, "SOCIAL_HOUSING",
     L("Strehim social", "Strehimi social", "Banesë sociale", "Social housing")},
    {LNOB_MIS_ECONOMIC_AID, "ECONOMIC_AID",
     L("Ndihmë ekonomike", "Ndihma ekonomike", "Economic aid", "Economic assistance")},
    {LNOB_MIS_DISABILITY_PAYMENT, "DISABILITY_PAYMENT",
     L("Pagesë për aftësi të kufizuara", "Pagesa për aftësi të kufizuara", "Pagesë PAK",
       "Disability payment", "Disability allowance", "Disability benefit")},
};

static const s_entry_t s_groups[] = {
    {LNOB_MIS_GROUP_DIS, "DIS",
     L("Person me aftësi të kufizuara", "Persona me aftësi të kufizuara",
       "Person me aftësi të kufizuar", "Aftësi të kufizuara", "PAK", "Disability",
       "Person with disability", "Person with disabilities", "Persons with disabilities", "PWD")},
    {LNOB_MIS_GROUP_ROMA, "ROMA", L("Rom", "Romë", "Roma", "Komuniteti rom", "Romani")},
    {LNOB_MIS_GROUP_EGY, "EGY",
     L("Egjiptian", "Egjiptiane", "Egjiptianë", "Komuniteti egjiptian", "Egyptian",
       "Balkan Egyptian")},
    {LNOB_MIS_GROUP_ELD, "ELD",
     L("I moshuar", "E moshuar", "Të moshuar", "Moshuar", "Elderly", "Elderly person",
       "Older person", "Older people")},
    {LNOB_MIS_GROUP_CHI, "CHI", L("Fëmijë", "Fëmija", "Fëmijët", "Child", "Children")},
    {LNOB_MIS_GROUP_VAW, "VAW",
     L("Viktimë e dhunës në familje", "Viktima e dhunës në familje", "Viktimë e dhunës",
       "Dhunë në familje", "Victim of domestic violence", "Domestic violence",
       "Victim of violence")},
    {LNOB_MIS_GROUP_OTHER, "OTHER", L("Tjetër", "Të tjerë", "Tjera", "Other")},
};

static const s_entry_t s_statuses[] = {
    {LNOB_MIS_ACTIVE, "ACTIVE", L("Aktiv", "Aktive", "Në vazhdim", "Active", "Ongoing")},
    {LNOB_MIS_CLOSED, "CLOSED",
     L("Mbyllur", "I mbyllur", "E mbyllur", "Përfunduar", "Closed", "Completed", "Ended")},
    {LNOB_MIS_CANCELLED, "CANCELLED",
     L("Anuluar", "I anuluar", "E anuluar", "Anulluar", "Cancelled", "Canceled")},
    {LNOB_MIS_ERRONEOUS, "ERRONEOUS",
     L("Gabim", "Gabuar", "I gabuar", "E gabuar", "Erroneous", "Error", "Entered in error")},
};

static const s_entry_t s_sexes[] = {
    {LNOB_MIS_MALE, "M", L("Mashkull", "Male", "1")},
    {LNOB_MIS_FEMALE, "F", L("Femër", "Female", "2")},
    {LNOB_MIS_SEX_UNKNOWN, "UNKNOWN", L("I panjohur", "E panjohur", "9")},
};

static const s_entry_t s_fields[] = {
    {LNOB_MIS_F_RECORD_ID, "record_id",
     L("ID", "Nr", "Nr. rendor", "Numri rendor", "ID e rekordit", "Nr. i rekordit", "No",
       "Record ID", "Record number")},
    {LNOB_MIS_F_MUNICIPALITY, "municipality",
     L("Bashkia", "Bashki", "Kodi i bashkisë", "Municipality", "Municipality code", "LAU")},
    {LNOB_MIS_F_PERSONAL_NUMBER, "personal_number",
     L("Nr. personal", "Numri personal", "Nr. i identitetit", "NID", "Personal number",
       "Personal no", "Personal ID", "National ID", "ID number")},
    {LNOB_MIS_F_FIRST_NAME, "first_name", L("Emri", "Emër", "First name", "Given name")},
    {LNOB_MIS_F_LAST_NAME, "last_name", L("Mbiemri", "Mbiemër", "Last name", "Surname", "Family name")},
    {LNOB_MIS_F_NAME, "name",
     L("Emri dhe mbiemri", "Emri mbiemri", "Emër mbiemër", "Atësia", "Amësia", "Emri i babait",
       "Emri i nënës", "Full name", "Father's name", "Mother's name")},
    {LNOB_MIS_F_SEX, "sex", L("Gjinia", "Seksi", "Sex", "Gender")},
    {LNOB_MIS_F_BIRTH_DATE, "birth_date",
     L("Datëlindja", "Data e lindjes", "Viti i lindjes", "Date of birth", "Birth date", "DOB",
       "Year of birth")},
    {LNOB_MIS_F_SERVICE, "service",
     L("Lloji i shërbimit", "Shërbimi", "Service type", "Service", "Type of service")},
    {LNOB_MIS_F_GROUP, "group",
     L("Kategoria", "Grupi", "Grupi vulnerabël", "Kategoria e përfituesit", "Group", "Category",
       "Vulnerable group")},
    {LNOB_MIS_F_START_DATE, "start_date",
     L("Data e fillimit", "Data e fillimit të shërbimit", "Fillimi", "Start date", "Date started")},
    {LNOB_MIS_F_END_DATE, "end_date",
     L("Data e mbarimit", "Data e përfundimit", "Mbarimi", "Data e daljes", "End date", "Date ended",
       "Exit date")},
    {LNOB_MIS_F_STATUS, "status", L("Statusi", "Gjendja", "Status")},
    {LNOB_MIS_F_ASSESSED, "assessment_date",
     L("Data e vlerësimit", "Data e vlerësimit të nevojave", "Assessment date", "Date assessed")},
    {LNOB_MIS_F_IGNORE, "ignore", NULL},
};

#undef L

static const struct {
    const s_entry_t *v;
    size_t n;
} s_tables[LNOB_MIS_TABLES] = {
    [LNOB_MIS_SERVICE] = {s_services, sizeof s_services / sizeof s_services[0]},
    [LNOB_MIS_GROUP] = {s_groups, sizeof s_groups / sizeof s_groups[0]},
    [LNOB_MIS_STATUS] = {s_statuses, sizeof s_statuses / sizeof s_statuses[0]},
    [LNOB_MIS_SEX] = {s_sexes, sizeof s_sexes / sizeof s_sexes[0]},
    [LNOB_MIS_FIELD] = {s_fields, sizeof s_fields / sizeof s_fields[0]},
};

static const s_entry_t *s_entry(lnob_mis_table_t t, int value)
{
    for (size_t i = 0; t < LNOB_MIS_TABLES && i < s_tables[t].n; i++)
        if (s_tables[t].v[i].value == value)
            return &s_tables[t].v[i];
    return NULL;
}

size_t lnob_mis_count(lnob_mis_table_t t)
{
    return t < LNOB_MIS_TABLES ? s_tables[t].n : 0;
}

int lnob_mis_value_at(lnob_mis_table_t t, size_t i)
{
    return i < lnob_mis_count(t) ? s_tables[t].v[i].value : -1;
}

const char *lnob_mis_name(lnob_mis_table_t t, int value)
{
    const s_entry_t *e = s_entry(t, value);
    return e ? e->name : NULL;
}

int lnob_mis_value(lnob_mis_table_t t, const char *name)
{
    for (size_t i = 0; i < lnob_mis_count(t); i++)
        if (strcasecmp(s_tables[t].v[i].name, name) == 0)
            return s_tables[t].v[i].value;
    return -1;
}

const char *const *lnob_mis_labels(lnob_mis_table_t t, int value)
{
    const s_entry_t *e = s_entry(t, value);
    return e ? e->labels : NULL;
}

/* 1 if label folds to exactly key. */
static int s_same(const char *label, const char *key)
{
    char folded[LABEL_MAX];
    lnob_geo_fold(label, strlen(label), folded, sizeof folded);
    return strcmp(folded, key) == 0;
}

int lnob_mis_find(lnob_mis_table_t t, const char *text, size_t len)
{
    char key[LABEL_MAX];
    if (len >= LABEL_MAX || lnob_geo_fold(text, len, key, sizeof key) == 0)
        return -1;
    for (size_t i = 0; i < lnob_mis_count(t); i++) {
        const s_entry_t *e = &s_tables[t].v[i];
        if (s_same(e->name, key))
            return e->value;
        for (const char *const *l = e->labels; l && *l; l++)
            if (s_same(*l, key))
                return e->value;
    }
    return -1;
}

uint32_t lnob_mis_group_flag(lnob_mis_group_t g)
{
    switch (g) {
    case LNOB_MIS_GROUP_DIS: return LNOB_MIS_FLAG_DIS;
    case LNOB_MIS_GROUP_ROMA: return LNOB_MIS_FLAG_ROMA;
    case LNOB_MIS_GROUP_EGY: return LNOB_MIS_FLAG_EGY;
    case LNOB_MIS_GROUP_VAW: return LNOB_MIS_FLAG_VAW;
    default: return 0;
    }
}

int lnob_mis_is_map(const char *path)
{
    size_t n = strlen(path), k = strlen(LNOB_MIS_MAP_SUFFIX);
    return n > k && !strcmp(path + n - k, LNOB_MIS_MAP_SUFFIX);
}

const char *const lnob_mis_vuln_names[LNOB_MIS_VULN_GROUPS] = {"DIS", "RE", "ROMA", "EGY",
                                                               "ELD", "VAW", "CHI"};

int lnob_mis_vuln_index(const char *name, size_t len)
{
    for (int k = 0; k < LNOB_MIS_VULN_GROUPS; k++)
        if (strlen(lnob_mis_vuln_names[k]) == len && !strncasecmp(name, lnob_mis_vuln_names[k], len))
            return k;
    return -1;
}

int lnob_mis_vuln_valid(const char *list)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (lnob_mis_vuln_index(p, n) < 0)
            return 0;
        p += n + (p[n] == ',');
    }
    return 1;
}
