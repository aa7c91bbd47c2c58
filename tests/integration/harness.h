/* harness.h - what the integration tests share: a private redis-server,
 * running lnob binaries, reading back what Redis holds, and computing the
 * same extract in-process for comparison. */
#ifndef LNOB_TEST_HARNESS_H
#define LNOB_TEST_HARNESS_H
#include <hiredis/hiredis.h>
#include <stddef.h>
#include <sys/types.h>

#include "proc.h"
#include "wire.h"

typedef struct {
    char dir[256];      /* private temp dir */
    char url[320];      /* unix:///.../redis.sock */
    lnob_proc_t proc;   /* the redis-server */
    redisContext *c;    /* a connection for the test */
    char netns[64];     /* the network namespace it runs in ("" this one) */
} th_redis_t;

/* Starts redis-server on a unix socket in a new temp dir; asserts on failure. */
void th_redis_start(th_redis_t *r);
/* Test passwords of deploy/redis/users.acl's users (docs/redis-acl.md),
 * and a test administrator's. */
#define TH_SINK_PASSWORD "sink-Pw-5e0c1a77"
#define TH_READER_PASSWORD "reader-Pw-93b7d2c4"
#define TH_ADMIN_USER "lnob_test_admin"
#define TH_ADMIN_PASSWORD "admin-Pw-11f0e4d9"
/* th_redis_start with deploy/redis/users.acl as its aclfile (the default
 * user off; lnob_sink and lnob_reader on, with the passwords above) and
 * more redis-server arguments (NULL-terminated, or NULL). r->c is logged in
 * as TH_ADMIN_USER; r->url has no login. */
void th_redis_start_acl(th_redis_t *r, const char *const extra[]);
/* The same inside network namespace netns (ip netns exec): a TCP port in
 * extra is that namespace's; the test still reaches it on r->url. */
void th_redis_start_acl_in(th_redis_t *r, const char *netns, const char *const extra[]);
/* Writes text to a new file at path, mode 0600. */
void th_secret_file(const char *path, const char *text);
void th_redis_stop(th_redis_t *r);
/* Removes dir and everything in it (a test's temp dir); "" is left alone. */
void th_rm_rf(const char *dir);
/* Kills it (SIGKILL) and starts it again on the same socket, empty: a
 * Redis without persistence restarted. */
void th_redis_restart(th_redis_t *r);

/* Runs BIN_DIR/exe with args (NULL-terminated), stdout to out_path (or
 * /dev/null when NULL); waits up to timeout_s. Returns the exit status. */
int th_run(const char *exe, const char *const args[], const char *out_path, int timeout_s);
/* th_run with the program's stderr written to err_path. */
int th_run_logged(const char *exe, const char *const args[], const char *out_path,
                  const char *err_path, int timeout_s);
/* Starts BIN_DIR/exe with args, stdout to out_path (or /dev/null); does not wait. */
pid_t th_spawn(const char *exe, const char *const args[], const char *out_path);
/* th_spawn with the program's stderr written to err_path. */
pid_t th_spawn_logged(const char *exe, const char *const args[], const char *out_path,
                      const char *err_path);
/* Waits up to timeout_s for pid (asserting it ends); returns its status. */
int th_wait(pid_t pid, const char *what, int timeout_s);
/* Starts BIN_DIR/exe with args in the background. */
void th_start(lnob_proc_t *p, const char *exe, const char *const args[]);
/* The same with the worker's stderr (its log) written to err_path. */
void th_start_logged(lnob_proc_t *p, const char *exe, const char *const args[],
                     const char *err_path);
/* n distinct TCP ports on 127.0.0.1 that were free a moment ago (the
 * kernel picks them: fixed numbers collide with parallel tests and with
 * ephemeral ports). Each is also claimed by an abstract unix socket this
 * process holds until it exits, so two tests running at once never get the
 * same port. */
void th_free_ports(int *ports, int n);
/* th_start_logged inside network namespace netns (ip netns exec, which
 * execs the program: p->pid is the worker's). */
void th_start_in(lnob_proc_t *p, const char *netns, const char *exe, const char *const args[],
                 const char *err_path);
/* The number just before the last occurrence of label in a file (e.g.
 * "12 bad messages dropped", a count a worker logs when it stops), or -1
 * when label is not there. */
long long th_count_in(const char *path, const char *label);

/* The whole file at path, NUL-terminated (owned), its length in *len
 * unless len is NULL; NULL when it cannot be read. */
char *th_slurp(const char *path, size_t *len);
/* 1 once the file at path holds text (0 while it is missing). */
int th_logged(const char *path, const char *text);
/* The same, asserting the file is there. */
char *th_read(const char *path, size_t *len);

/* Writes a synthetic extract (lnob gen silc) to path. */
void th_gen(const char *path, int households, int seed);
/* The same in a format of `lnob gen silc --format` (udb4: path is a
 * directory that gets D.csv, H.csv, R.csv and P.csv). */
void th_gen_as(const char *path, int households, int seed, const char *format);

/* Every cell of an extract as sorted "key|field=value|..." lines joined by
 * '\n'; owned string. Empty string if none. */
char *th_snapshot(redisContext *c, const char *extract_id);
/* th_snapshot with the extract id replaced by '#', to compare the cells
 * of two extracts; owned string. */
char *th_cells_of(redisContext *c, const char *extract_id);
/* The cells of a Result (e.g. one received on PUB) as th_snapshot gives
 * Redis's; owned string. */
char *th_result_cells(const Lnob__V1__Result *r);
/* The extract id lnob stored for a source file in a run, owned, or NULL. */
char *th_extract_of(redisContext *c, const char *run_id, const char *source);
/* The extract id source was stored as, in whichever lnob:run: hash maps
 * it (several runs: the first found), owned; asserts there is one. */
char *th_extract_of_source(redisContext *c, const char *source);
/* The extract id of the only run hash in Redis (for lnob run), owned. */
char *th_only_extract(redisContext *c);
/* A field of a hash, owned ("" if absent). */
char *th_hget(redisContext *c, const char *key, const char *field);
/* GET key, owned; "" when absent. */
char *th_redis_get(redisContext *c, const char *key);
/* Integer reply of a command. */
long long th_int(redisContext *c, const char *fmt, ...);

/* ---- metrics endpoints (lnob/httpd.h) ---- */

/* The port a worker logged ("metrics on http://127.0.0.1:PORT") in its log
 * at path, waiting up to 5 s for the line; asserts it is there. */
int th_metrics_port(const char *log_path);
/* GET path from 127.0.0.1:port: the HTTP status, *body owned (free()). */
int th_get(int port, const char *path, char **body);
/* The value of one sample ("lnob_x_total{kind=\"a\"}") in metrics text;
 * asserts it is there. */
long long th_metric(const char *text, const char *sample);
/* Asserts every line of text is a Prometheus 0.0.4 comment (# HELP, # TYPE)
 * or a sample `name{labels} value`. */
void th_assert_exposition(const char *text);

/* Computes the extract of a CSV in this process (parser, harmonise,
 * aggregate: no sockets) and returns its cells as th_snapshot does. */
char *th_in_process(const char *csv_path, size_t batch_size);

#endif
