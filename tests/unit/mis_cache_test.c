/* mis_cache_test.c - the drop folder's memory of the exports it read: a read
 * is found only for the very file it came from, unchanged (a rewrite in
 * place with its old size and mtime is seen through its ctime); it
 * follows the ingester's own rename into done/ with the new path in its
 * batches and rejects; the cap holds; entries outside the folder go. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mis_cache.h"

static char s_dir[] = "/tmp/lnob_mis_cache_XXXXXX";

static void s_setup(void)
{
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(mis_cache, .init = s_setup, .fini = s_teardown);

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* A batch of two records, one reject, from source. */
static void s_batch(Lnob__V1__MisBatch *b, Lnob__V1__Reject *rj, Lnob__V1__Reject **rjp, const char *source)
{
    static char *keys[] = {"aa", "bb"}, *ids[] = {"1", "2"};
    static int32_t starts[] = {20240301, 20240915};
    lnob__v1__mis_batch__init(b);
    lnob__v1__reject__init(rj);
    b->extract_id = "check";
    b->source = (char *) source;
    b->record_count = 2;
    b->rows_read = 3;
    b->n_person_key = b->n_record_id = b->n_start_date = 2;
    b->person_key = keys;
    b->record_id = ids;
    b->start_date = starts;
    rj->source = (char *) source;
    rj->line = 4;
    rj->reason = "BAD_DATE";
    *rjp = rj;
    b->n_rejects = 1;
    b->rejects = rjp;
}

/* Reads path into the cache as the drop folder does: begin, add, end. */
static const lnob_mis_read_t *s_read(lnob_mis_cache_t *c, const char *path, const char *map)
{
    Lnob__V1__MisBatch b;
    Lnob__V1__Reject rj, *rjp;
    lnob_mis_read_t *r = lnob_mis_cache_begin(c, path, map);
    if (!r)
        return NULL;
    s_batch(&b, &rj, &rjp, path);
    lnob_mis_cache_add(c, r, &b);
    snprintf(r->hex, sizeof r->hex, "%064d", 7);
    return lnob_mis_cache_end(c, r, 1);
}

Test(mis_cache, a_read_is_found_for_the_same_file_only)
{
    char path[128], other[128];
    snprintf(path, sizeof path, "%s/01_puke.csv", s_dir);
    snprintf(other, sizeof other, "%s/02_pustec.csv", s_dir);
    s_write(path, "record_id;person\n1;x\n");
    s_write(other, "record_id;person\n1;x\n");
    lnob_mis_cache_t *c = lnob_mis_cache_new(1 << 20);
    const lnob_mis_read_t *r = s_read(c, path, "");
    cr_assert_not_null(r);
    cr_expect_eq(r->rows, 3);
    cr_expect_eq(r->rejects, 1);
    cr_expect_eq(r->latest, 20240915, "the latest service start");
    cr_assert_eq(r->n, 1);
    cr_expect_str_eq(r->batches[0]->person_key[1], "bb", "a copy of the batch");
    cr_expect_eq(lnob_mis_cache_find(c, path, ""), r);
    cr_expect_null(lnob_mis_cache_find(c, other, ""), "another file with the same bytes");
    cr_expect_null(lnob_mis_cache_find(c, path, "/no/such.map"), "another mapping file");
    cr_expect_gt(lnob_mis_cache_bytes(c), 0);
    lnob_mis_cache_destroy(&c);
    cr_assert_null(c);
}

Test(mis_cache, a_file_rewritten_in_place_with_its_old_size_and_mtime_is_read_again)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "%s/01_puke.csv", s_dir);
    s_write(path, "record_id;person\n1;x\n");
    cr_assert_eq(stat(path, &st), 0);
    lnob_mis_cache_t *c = lnob_mis_cache_new(1 << 20);
    cr_assert_not_null(s_read(c, path, ""));
    usleep(20000); /* past the clock tick of the read */
    s_write(path, "record_id;person\n2;y\n");
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    cr_assert_eq(utimensat(AT_FDCWD, path, times, 0), 0, "the old mtime put back");
    struct stat now;
    cr_assert_eq(stat(path, &now), 0);
    cr_assert(now.st_size == st.st_size && now.st_mtim.tv_nsec == st.st_mtim.tv_nsec &&
              now.st_mtim.tv_sec == st.st_mtim.tv_sec, "same size and mtime");
    cr_expect_null(lnob_mis_cache_find(c, path, ""), "its ctime says it changed");
    lnob_mis_cache_destroy(&c);
}

Test(mis_cache, a_changed_mapping_file_makes_the_export_read_again)
{
    char path[128], map[160];
    snprintf(path, sizeof path, "%s/01_puke.csv", s_dir);
    snprintf(map, sizeof map, "%s.map", path);
    s_write(path, "record_id;person\n1;x\n");
    s_write(map, "[columns]\nperson = personal_number\n");
    lnob_mis_cache_t *c = lnob_mis_cache_new(1 << 20);
    cr_assert_not_null(s_read(c, path, map));
    cr_expect_not_null(lnob_mis_cache_find(c, path, map));
    usleep(20000);
    s_write(map, "[columns]\nperson = personal_number\nname = first_name\n");
    cr_expect_null(lnob_mis_cache_find(c, path, map));
    lnob_mis_cache_destroy(&c);
}

Test(mis_cache, a_read_follows_the_rename_into_done_and_names_the_new_path)
{
    char path[128], done[128], to[160], map[160], map_to[192];
    snprintf(path, sizeof path, "%s/01_puke.csv", s_dir);
    snprintf(map, sizeof map, "%s.map", path);
    snprintf(done, sizeof done, "%s/done", s_dir);
    snprintf(to, sizeof to, "%s/01_puke.csv", done);
    snprintf(map_to, sizeof map_to, "%s.map", to);
    mkdir(done, 0700);
    s_write(path, "record_id;person\n1;x\n");
    s_write(map, "[columns]\n");
    s_write(to, "record_id;person\n0;z\n");
    lnob_mis_cache_t *c = lnob_mis_cache_new(1 << 20);
    cr_assert_not_null(s_read(c, to, ""), "the export it replaces");
    cr_assert_not_null(s_read(c, path, map));
    usleep(20000);
    cr_assert_eq(rename(path, to), 0);
    cr_assert_eq(rename(map, map_to), 0);
    cr_expect_null(lnob_mis_cache_find(c, to, map_to), "not before the ingester says it moved it");
    lnob_mis_cache_moved(c, path, to, map_to);
    const lnob_mis_read_t *r = lnob_mis_cache_find(c, to, map_to);
    cr_assert_not_null(r, "the rename changed its ctime only");
    cr_expect_str_eq(r->batches[0]->source, to);
    cr_expect_str_eq(r->batches[0]->rejects[0]->source, to);
    cr_expect_null(lnob_mis_cache_find(c, path, map));
    cr_expect_eq(lnob_mis_cache_entries(c), 1, "the read of the replaced export is gone");
    const char *keep[] = {"/elsewhere/x.csv"};
    lnob_mis_cache_keep(c, keep, 1);
    cr_expect_eq(lnob_mis_cache_entries(c), 0, "not in the folder any more");
    cr_expect_eq(lnob_mis_cache_bytes(c), 0, "every byte given back");
    lnob_mis_cache_destroy(&c);
}

Test(mis_cache, a_file_changed_before_the_rename_is_dropped_at_the_move)
{
    char path[128], to[160];
    snprintf(path, sizeof path, "%s/01_puke.csv", s_dir);
    snprintf(to, sizeof to, "%s/moved.csv", s_dir);
    s_write(path, "record_id;person\n1;x\n");
    lnob_mis_cache_t *c = lnob_mis_cache_new(1 << 20);
    cr_assert_not_null(s_read(c, path, ""));
    usleep(20000);
    s_write(path, "record_id;person\n1;x\n2;y\n");
    cr_assert_eq(rename(path, to), 0);
    lnob_mis_cache_moved(c, path, to, NULL);
    cr_expect_eq(lnob_mis_cache_entries(c), 0);
    cr_expect_null(lnob_mis_cache_find(c, to, ""));
    lnob_mis_cache_destroy(&c);
}

Test(mis_cache, the_cap_holds)
{
    char path[128];
    snprintf(path, sizeof path, "%s/01_puke.csv", s_dir);
    s_write(path, "record_id;person\n1;x\n");
    lnob_mis_cache_t *none = lnob_mis_cache_new(0), *small = lnob_mis_cache_new(64);
    cr_expect_null(lnob_mis_cache_begin(none, path, ""), "cap 0 keeps nothing");
    Lnob__V1__MisBatch b;
    Lnob__V1__Reject rj, *rjp;
    s_batch(&b, &rj, &rjp, path);
    lnob_mis_read_t *r = lnob_mis_cache_begin(small, path, "");
    cr_assert_not_null(r);
    for (int i = 0; i < 4; i++)
        lnob_mis_cache_add(small, r, &b);
    cr_expect_eq(r->rows, 12, "counted even when not kept");
    cr_expect_null(lnob_mis_cache_end(small, r, 1), "a read over the cap is not kept");
    cr_expect_eq(lnob_mis_cache_bytes(small), 0);
    cr_expect_eq(lnob_mis_cache_entries(small), 0);
    lnob_mis_cache_destroy(&none);
    lnob_mis_cache_destroy(&small);
}

/* A file that could not fit is not read at all: twice its size must be
 * left (its batches take about its size), or it would be parsed in vain
 * every round. */
Test(mis_cache, a_file_that_cannot_fit_is_not_read)
{
    char path[128], text[200];
    snprintf(path, sizeof path, "%s/big.csv", s_dir);
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    s_write(path, text);
    lnob_mis_cache_t *c = lnob_mis_cache_new(300); /* 199 bytes need 398 */
    cr_expect_null(lnob_mis_cache_begin(c, path, ""));
    cr_expect_eq(lnob_mis_cache_reads(c), 0, "no read begun");
    lnob_mis_cache_destroy(&c);
    c = lnob_mis_cache_new(400);
    lnob_mis_read_t *r = lnob_mis_cache_begin(c, path, "");
    cr_expect_not_null(r, "with room for it");
    cr_expect_eq(lnob_mis_cache_reads(c), 1);
    cr_expect_null(lnob_mis_cache_end(c, r, 0));
    lnob_mis_cache_destroy(&c);
}
