/* config_test.c - option tables with a configuration file (lnob/config.h,
 * lnob/conffile.h): precedence, sections, and every problem with its file,
 * line and key. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lnob/config.h"
#include "lnob/conffile.h"

typedef struct {
    long a, b, c, d;
    const char *name;
    int on;
    lnob_strlist_t files;
    const char *key_file;
    const char *dir;
    const char *redis_password;
    const char *redis;
} cfg_t;

static const lnob_opt_t s_opts[] = {
    {"a", "LNOB_TEST_A", LNOB_OPT_INT, "1", 0, 1000, NULL, offsetof(cfg_t, a), "a"},
    {"b", "LNOB_TEST_B", LNOB_OPT_INT, "2", 0, 1000, NULL, offsetof(cfg_t, b), "b"},
    {"c", "LNOB_TEST_C", LNOB_OPT_INT, "3", 0, 1000, NULL, offsetof(cfg_t, c), "c"},
    {"d", "LNOB_TEST_D", LNOB_OPT_INT, "4", 0, 1000, NULL, offsetof(cfg_t, d), "d"},
    {"name", NULL, LNOB_OPT_STR, "x", 0, 0, "x|y|z", offsetof(cfg_t, name), "name"},
    {"on", NULL, LNOB_OPT_FLAG, "0", 0, 0, NULL, offsetof(cfg_t, on), "on"},
    {"files", NULL, LNOB_OPT_LIST, NULL, 0, 0, NULL, offsetof(cfg_t, files), "files"},
    {"key-file", NULL, LNOB_OPT_FILE, NULL, 0, 0, NULL, offsetof(cfg_t, key_file), "key file"},
    {"dir", NULL, LNOB_OPT_DIR, NULL, 0, 0, NULL, offsetof(cfg_t, dir), "dir"},
    {"redis-password", NULL, LNOB_OPT_STR, NULL, 0, 0, "p1|p2", offsetof(cfg_t, redis_password), "secret"},
    {"redis", NULL, LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, redis), "url"},
    LNOB_OPT_END};

static const lnob_config_prog_t s_prog = {"lnob-test", "test", s_opts, sizeof(cfg_t)};

#define PROBLEMS_MAX 16
typedef struct {
    char text[PROBLEMS_MAX][512];
    int n;
} problems_t;

/* The configuration file "t.conf" holding text; owned. */
static lnob_conffile_t *s_parse(const char *text)
{
    return lnob_conffile_parse("t.conf", text, strlen(text));
}

static void s_collect(void *arg, const char *problem)
{
    problems_t *p = arg;
    cr_assert_lt(p->n, PROBLEMS_MAX);
    snprintf(p->text[p->n++], sizeof p->text[0], "%s", problem);
}

/* The file s_load read: the values borrow from it until the test ends. */
static lnob_conffile_t *s_file;

/* Loads s_prog from text (named "t.conf") and argv; the problems in *p
 * when p is not NULL. */
static int s_load(const char *text, char **argv, int argc, cfg_t *cfg, lnob_config_origin_t *origin,
                  problems_t *p, char *err, size_t cap)
{
    lnob_conffile_destroy(&s_file);
    s_file = s_parse(text);
    memset(cfg, 0, sizeof *cfg);
    const lnob_config_args_t a = {.argc = argc, .argv = argv, .first = 0, .file = s_file,
                                  .problem = p ? s_collect : NULL, .problem_arg = p, .origin = origin};
    return lnob_config_load(&s_prog, cfg, &a, err, cap);
}

static void s_clear_env(void)
{
    unsetenv("LNOB_TEST_A");
    unsetenv("LNOB_TEST_B");
    unsetenv("LNOB_TEST_C");
    unsetenv("LNOB_TEST_D");
    unsetenv(LNOB_CONFIG_ENV);
}

static void s_done(void)
{
    lnob_conffile_destroy(&s_file);
}

TestSuite(config, .init = s_clear_env, .fini = s_done);

Test(config, flag_over_env_over_file_over_default)
{
    setenv("LNOB_TEST_A", "20", 1);
    setenv("LNOB_TEST_B", "21", 1);
    char *argv[] = {"--a", "30"};
    cfg_t cfg;
    lnob_config_origin_t o;
    char err[256];
    int rc = s_load("[common]\na = 10\nb = 11\nc = 12\n", argv, 2, &cfg, &o, NULL, err, sizeof err);
    cr_assert_eq(rc, LNOB_OK, "%s", err);
    cr_assert_eq(cfg.a, 30);
    cr_assert_eq(cfg.b, 21);
    cr_assert_eq(cfg.c, 12);
    cr_assert_eq(cfg.d, 4);
    cr_assert_eq(o.src[0], LNOB_SRC_FLAG);
    cr_assert_eq(o.src[1], LNOB_SRC_ENV);
    cr_assert_eq(o.src[2], LNOB_SRC_FILE);
    cr_assert_eq(o.line[2], 4);
    cr_assert_eq(o.src[3], LNOB_SRC_DEFAULT);
    char where[256];
    cr_assert_str_eq(lnob_config_where(s_opts, &o, 0, where, sizeof where), "flag --a");
    cr_assert_str_eq(lnob_config_where(s_opts, &o, 1, where, sizeof where), "env LNOB_TEST_B");
    cr_assert_str_eq(lnob_config_where(s_opts, &o, 3, where, sizeof where), "default");
    cr_assert_eq(o.src[7], LNOB_SRC_NONE);
    cr_assert_str_eq(lnob_config_where(s_opts, &o, 7, where, sizeof where), "unset");
}

/* The program's section over [common], wherever each stands in the file;
 * other programs' sections and [common] keys it lacks are not its. */
Test(config, own_section_over_common)
{
    cfg_t cfg;
    lnob_config_origin_t o;
    char err[256];
    const char *text = "[test]\na = 100\n[common]\na = 7\nb = 8\nnot-mine = 1\n[other]\nc = 999\nz = 1\n";
    cr_assert_eq(s_load(text, NULL, 0, &cfg, &o, NULL, err, sizeof err), LNOB_OK, "%s", err);
    cr_assert_eq(cfg.a, 100);
    cr_assert_eq(cfg.b, 8);
    cr_assert_eq(cfg.c, 3);
    char where[256];
    cr_assert_str_eq(lnob_config_where(s_opts, &o, 0, where, sizeof where), "file t.conf:2 [test]");
    cr_assert_str_eq(lnob_config_where(s_opts, &o, 1, where, sizeof where), "file t.conf:5 [common]");
}

Test(config, unknown_key_names_file_line_and_key)
{
    cfg_t cfg;
    char err[256];
    int rc = s_load("# comment\n[test]\n\n  bee = 5\n", NULL, 0, &cfg, NULL, NULL, err, sizeof err);
    cr_assert_eq(rc, LNOB_ERR);
    cr_assert_str_eq(err, "t.conf:4: [test] bee: unknown key (lnob-test --help lists the keys)");
}

Test(config, bad_values_name_file_line_and_key)
{
    cfg_t cfg;
    char err[256];
    problems_t p = {0};
    const char *text = "[test]\na = 5000\nb = 1x\nname = w\non = maybe\n";
    cr_assert_eq(s_load(text, NULL, 0, &cfg, NULL, &p, err, sizeof err), LNOB_ERR);
    cr_assert_eq(p.n, 4);
    cr_assert_str_eq(p.text[0], "t.conf:2: [test] a: '5000' is not a whole number in [0, 1000]");
    cr_assert_str_eq(p.text[1], "t.conf:3: [test] b: '1x' is not a whole number in [0, 1000]");
    cr_assert_str_eq(p.text[2], "t.conf:4: [test] name: 'w' is not one of x|y|z");
    cr_assert_str_eq(p.text[3], "t.conf:5: [test] on: 'maybe' is not 0/1/true/false");
    cr_assert_str_eq(err, p.text[0], "without a listener, the first problem");
}

Test(config, syntax_problems_and_keys_given_twice)
{
    cfg_t cfg;
    char err[256], longline[400];
    problems_t p = {0};
    memset(longline, 'x', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    char text[1024];
    snprintf(text, sizeof text, "stray = 1\n[test]\na = 1\njust words\na = 2\n; %s\n", longline);
    cr_assert_eq(s_load(text, NULL, 0, &cfg, NULL, &p, err, sizeof err), LNOB_ERR);
    cr_assert_eq(p.n, 4, "%s | %s", p.text[0], p.text[1]);
    cr_assert(strstr(p.text[0], "t.conf:6: line longer than"), "%s", p.text[0]);
    cr_assert_str_eq(p.text[1], "t.conf:4: not a [section] or key = value line");
    cr_assert_str_eq(p.text[2], "t.conf:1: stray: a key before the first [section]");
    cr_assert_str_eq(p.text[3], "t.conf:5: [test] a: given twice (first on line 3)");
}

/* A list takes the words of its lines; flags take yes/no. */
Test(config, lists_and_flags_from_a_file)
{
    cfg_t cfg;
    char err[256];
    lnob_conffile_t *f = s_parse("[common]\nfiles = z\n[test]\nfiles = a b\nfiles = c\non = yes\n");
    const lnob_config_args_t a = {.file = f};
    memset(&cfg, 0, sizeof cfg);
    cr_assert_eq(lnob_config_load(&s_prog, &cfg, &a, err, sizeof err), LNOB_OK, "%s", err);
    cr_assert_eq(cfg.files.n, 3);
    cr_assert_str_eq(cfg.files.items[0], "a");
    cr_assert_str_eq(cfg.files.items[2], "c");
    cr_assert_eq(cfg.on, 1);
    char *argv[] = {"--files", "q"}; /* a flag gives the whole list again */
    const lnob_config_args_t b = {.argc = 2, .argv = argv, .file = f};
    memset(&cfg, 0, sizeof cfg);
    cr_assert_eq(lnob_config_load(&s_prog, &cfg, &b, err, sizeof err), LNOB_OK, "%s", err);
    cr_assert_eq(cfg.files.n, 1);
    cr_assert_str_eq(cfg.files.items[0], "q");
    lnob_conffile_destroy(&f);
}

/* LNOB_OPT_FILE and LNOB_OPT_DIR must name what is there, wherever the
 * value came from. */
Test(config, files_and_dirs_must_exist)
{
    cfg_t cfg;
    char err[256];
    problems_t p = {0};
    char *argv[] = {"--dir", "/nonexistent-lnob-dir"};
    cr_assert_eq(s_load("[test]\nkey-file = /nonexistent-lnob-key\n", argv, 2, &cfg, NULL, &p, err, sizeof err),
                 LNOB_ERR);
    cr_assert_eq(p.n, 2);
    cr_assert_str_eq(p.text[0], "t.conf:2: [test] key-file: /nonexistent-lnob-key: No such file or directory");
    cr_assert_str_eq(p.text[1], "--dir: /nonexistent-lnob-dir: No such file or directory");
    p.n = 0;
    cr_assert_eq(s_load("[test]\nkey-file = /tmp\ndir = " LNOB_SOURCE_DIR "/README.md\n", NULL, 0, &cfg, NULL,
                        &p, err, sizeof err),
                 LNOB_ERR);
    cr_assert_str_eq(p.text[0], "t.conf:2: [test] key-file: /tmp: a directory, not a file");
    cr_assert_str_eq(p.text[1], "t.conf:3: [test] dir: " LNOB_SOURCE_DIR "/README.md: not a directory");
    cr_assert_eq(s_load("[test]\nkey-file = " LNOB_SOURCE_DIR "/README.md\ndir = /tmp\n", NULL, 0, &cfg, NULL,
                        NULL, err, sizeof err),
                 LNOB_OK, "%s", err);
}

/* A secret is never echoed, nor printed; a Redis URL's password is starred. */
Test(config, secrets_are_not_shown)
{
    cfg_t cfg;
    char err[256], value[256];
    cr_assert_eq(s_load("[test]\nredis-password = hunter2\n", NULL, 0, &cfg, NULL, NULL, err, sizeof err),
                 LNOB_ERR);
    cr_assert_str_eq(err, "t.conf:2: [test] redis-password: '***' is not one of p1|p2");
    lnob_conffile_t *f = s_parse("[test]\nredis-password = p1\nredis = redis://u:pw@h:1/0\n");
    const lnob_config_args_t a = {.file = f};
    memset(&cfg, 0, sizeof cfg);
    cr_assert_eq(lnob_config_load(&s_prog, &cfg, &a, err, sizeof err), LNOB_OK, "%s", err);
    cr_assert_str_eq(lnob_config_value(s_opts, &cfg, 9, value, sizeof value), "***");
    cr_assert_str_eq(lnob_config_value(s_opts, &cfg, 10, value, sizeof value), "redis://u:***@h:1/0");
    lnob_conffile_destroy(&f);
}

/* A temporary file holding text; its path in path (a mkstemp template). */
static void s_temp(char *path, const char *text)
{
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
}

/* --config FILE, else LNOB_CONFIG, names the file; the flag wins. */
Test(config, the_file_comes_from_the_flag_or_the_environment)
{
    char path_env[] = "/tmp/lnob-config-env-XXXXXX", path_flag[] = "/tmp/lnob-config-flag-XXXXXX";
    s_temp(path_env, "[test]\nb = 61\n");
    s_temp(path_flag, "[common]\nb = 62\n");
    cfg_t cfg = {0};
    char err[256];
    setenv(LNOB_CONFIG_ENV, path_env, 1);
    const lnob_config_args_t from_env = {0};
    cr_assert_eq(lnob_config_load(&s_prog, &cfg, &from_env, err, sizeof err), LNOB_OK, "%s", err);
    cr_assert_eq(cfg.b, 61);
    char *argv[] = {"--config", path_flag};
    const lnob_config_args_t from_flag = {.argc = 2, .argv = argv};
    cr_assert_eq(lnob_config_load(&s_prog, &cfg, &from_flag, err, sizeof err), LNOB_OK, "%s", err);
    cr_assert_eq(cfg.b, 62);
    const lnob_config_args_t no_env = {.no_env = 1};
    memset(&cfg, 0, sizeof cfg);
    cr_assert_eq(lnob_config_load(&s_prog, &cfg, &no_env, err, sizeof err), LNOB_OK, "%s", err);
    cr_assert_eq(cfg.b, 2, "without the environment, no file");
    char *missing[] = {"--config", "/nonexistent-lnob.conf"};
    const lnob_config_args_t bad = {.argc = 2, .argv = missing};
    cr_assert_eq(lnob_config_load(&s_prog, &cfg, &bad, err, sizeof err), LNOB_ERR);
    cr_assert_str_eq(err, "configuration file /nonexistent-lnob.conf: No such file or directory");
    unlink(path_env);
    unlink(path_flag);
}

/* A program without a section of its own (lnob export, ...) reads
 * [common] for the keys it has, and nothing else of the file. */
Test(config, parse_reads_common_only)
{
    char path[] = "/tmp/lnob-config-common-XXXXXX";
    s_temp(path, "[common]\nb = 9\nnot-mine = 1\n[test]\nc = 99\nbee = 1\n");
    cfg_t cfg = {0};
    char err[256];
    char *argv[] = {"--config", path};
    cr_assert_eq(lnob_config_parse(s_opts, &cfg, 2, argv, 0, "lnob-test", "usage", err, sizeof err), LNOB_OK,
                 "%s", err);
    cr_assert_eq(cfg.b, 9);
    cr_assert_eq(cfg.c, 3);
    char *bad[] = {"--bee", "1"};
    cr_assert_eq(lnob_config_parse(s_opts, &cfg, 2, bad, 0, "lnob-test", "usage", err, sizeof err), LNOB_ERR);
    cr_assert_str_eq(err, "unknown option '--bee' (see --help)");
    unlink(path);
}

Test(config, conffile_keeps_entries_in_order)
{
    const char *text = "\xEF\xBB\xBF[s]\n  k = v w ; note\nk2: x\nempty =\n";
    lnob_conffile_t *f = s_parse(text);
    cr_assert_null(lnob_conffile_problem(f, 0), "%s", lnob_conffile_problem(f, 0));
    cr_assert_eq(lnob_conffile_count(f), 3);
    const lnob_conffile_entry_t *e = lnob_conffile_entry(f, 0);
    cr_assert_str_eq(e->section, "s");
    cr_assert_str_eq(e->key, "k");
    cr_assert_str_eq(e->value, "v w");
    cr_assert_eq(e->n_words, 2);
    cr_assert_eq(e->line, 2);
    cr_assert_str_eq(lnob_conffile_entry(f, 1)->value, "x");
    cr_assert_str_eq(lnob_conffile_entry(f, 2)->value, "");
    cr_assert_eq(lnob_conffile_entry(f, 2)->n_words, 0);
    lnob_conffile_destroy(&f);
    cr_assert_null(f);
}
