/* curve.c - CURVE keys, roles and our ZAP handler (lnob/curve.h). */
#include "lnob/curve.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnob/actor.h"
#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/rc.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_DOMAIN_PREFIX "lnob:"
#define ZMQ_ZAP_ENFORCE_DOMAIN_OPT 93 /* a draft option in Debian's zmq.h; libzmq 4.3 takes it */
#define KEY_Z85 41                    /* 40 characters and the NUL */
#define REFUSED_LOG_MS 1000           /* at most one line a second about refused peers */
#define ENDPOINT_MAX 1024

struct lnob_curve {
    zcert_t *cert;  /* NULL without keys */
    char *allow;    /* NULL without an allow-list */
    int insecure;
    lnob_actor_t *zap; /* NULL without an allow-list */
    _Atomic uint64_t refused;
};

/* ---- the ZAP handler ------------------------------------------------------ */

/* 1 when role is one of the comma-separated roles. */
static int s_role_in(const char *role, const char *roles)
{
    size_t n = strlen(role);
    for (const char *r = roles; r && *r;) {
        const char *end = strchr(r, ',');
        size_t len = end ? (size_t) (end - r) : strlen(r);
        if (n && len == n && !strncmp(r, role, n))
            return 1;
        r = end ? end + 1 : NULL;
    }
    return 0;
}

/* The role of a client key for a socket of domain, or NULL (why in why). */
static const char *s_judge(zcertstore_t *store, const char *domain, const char *mechanism,
                           zframe_t *key, const char **why)
{
    char z85[KEY_Z85];
    if (strcmp(mechanism, "CURVE") || !key || zframe_size(key) != 32) {
        *why = "not CURVE";
        return NULL;
    }
    zmq_z85_encode(z85, zframe_data(key), 32);
    zcert_t *cert = zcertstore_lookup(store, z85);
    const char *role = cert ? zcert_meta(cert, "role") : NULL;
    if (!role) {
        *why = "unknown key";
        return NULL;
    }
    if (strncmp(domain, ZAP_DOMAIN_PREFIX, strlen(ZAP_DOMAIN_PREFIX)) ||
        !s_role_in(role, domain + strlen(ZAP_DOMAIN_PREFIX))) {
        *why = "role not taken by this socket";
        return NULL;
    }
    return role;
}

/* Answers one ZAP request (RFC 27): 200 with the role as User-Id, or 400. */
static void s_answer(lnob_curve_t *self, zcertstore_t *store, zsock_t *handler, int64_t *logged_ms)
{
    zmsg_t *req = zmsg_recv(handler);
    if (!req)
        return;
    char *version = zmsg_popstr(req), *id = zmsg_popstr(req), *domain = zmsg_popstr(req);
    char *address = zmsg_popstr(req), *identity = zmsg_popstr(req), *mechanism = zmsg_popstr(req);
    zframe_t *key = zmsg_pop(req);
    const char *why = "bad request", *role = NULL;
    if (version && id && domain && address && mechanism && !strcmp(version, "1.0"))
        role = s_judge(store, domain, mechanism, key, &why);
    if (!role) {
        uint64_t n = atomic_fetch_add(&self->refused, 1) + 1;
        if (lnob_now_ms() - *logged_ms >= REFUSED_LOG_MS) {
            *logged_ms = lnob_now_ms();
            lnob_warn("refused a peer from %s on %s: %s (%llu refused so far)", address ? address : "?",
                      domain ? domain : "?", why, (unsigned long long) n);
        }
    }
    zmsg_t *rep = zmsg_new();
    zmsg_addstr(rep, "1.0");
    zmsg_addstr(rep, id ? id : "");
    zmsg_addstr(rep, role ? "200" : "400");
    zmsg_addstr(rep, role ? "OK" : why);
    zmsg_addstr(rep, role ? role : "");
    zmsg_addmem(rep, "", 0);
    zmsg_send(&rep, handler);
    zframe_destroy(&key);
    zstr_free(&version), zstr_free(&id), zstr_free(&domain);
    zstr_free(&address), zstr_free(&identity), zstr_free(&mechanism);
    zmsg_destroy(&req);
}

static void s_zap_actor(zsock_t *pipe, void *arg)
{
    lnob_curve_t *self = arg;
    zcertstore_t *store = zcertstore_new(self->allow); /* reloads when the directory changes */
    zsock_t *handler = zsock_new_rep("@" ZAP_ENDPOINT);
    zsock_signal(pipe, handler ? 0 : 1);
    zpoller_t *poller = handler ? zpoller_new(pipe, handler, NULL) : NULL;
    if (poller)
        zpoller_set_nonstop(poller, true); /* a signal is the worker's to see; only $TERM ends the actor */
    int64_t logged_ms = 0;
    while (poller) {
        void *which = zpoller_wait(poller, -1);
        if (!which && !zpoller_terminated(poller))
            continue;
        if (which == handler)
            s_answer(self, store, handler, &logged_ms);
        else {
            char *cmd = which ? zstr_recv(pipe) : NULL;
            int term = !cmd || !strcmp(cmd, "$TERM");
            zstr_free(&cmd);
            if (term)
                break;
        }
    }
    zpoller_destroy(&poller);
    zsock_destroy(&handler);
    zcertstore_destroy(&store);
}

/* ---- keys ----------------------------------------------------------------- */

/* Loads path's certificate (its _secret file) for this worker. */
static zcert_t *s_load_own(const char *path, char *err, size_t cap)
{
    char secret[ENDPOINT_MAX];
    snprintf(secret, sizeof secret, "%s_secret", path);
    struct stat st;
    if (stat(secret, &st) != 0) {
        snprintf(err, cap, "cannot read the secret certificate %s: %s (lnob keygen writes it)", secret,
                 strerror(errno));
        return NULL;
    }
    if (st.st_mode & 077) {
        snprintf(err, cap, "%s can be read by others (mode %03o): chmod 600 it", secret,
                 (unsigned) (st.st_mode & 0777));
        return NULL;
    }
    zcert_t *cert = zcert_load(path);
    if (!cert || !zcert_meta(cert, "role")) {
        snprintf(err, cap, "%s is not a certificate with a role (lnob keygen --role)", secret);
        zcert_destroy(&cert);
    }
    return cert;
}

lnob_curve_t *lnob_curve_new(const lnob_curve_cfg_t *cfg, char *err, size_t cap)
{
    lnob_curve_t *self = lnob_calloc(1, sizeof *self);
    self->insecure = cfg->insecure;
    if (cfg->cert && !(self->cert = s_load_own(cfg->cert, err, cap)))
        goto fail;
    if (cfg->cert && !cfg->allow) {
        snprintf(err, cap, "--cert needs --allow DIR (the peers' public certificates)");
        goto fail;
    }
    if (cfg->allow) {
        struct stat st;
        if (stat(cfg->allow, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, cap, "--allow %s is not a directory", cfg->allow);
            goto fail;
        }
        self->allow = lnob_strdup(cfg->allow);
        self->zap = lnob_actor_new(s_zap_actor, self);
    }
    if (self->insecure)
        lnob_warn("--insecure-plaintext: tcp:// links carry data unencrypted and "
                  "unauthenticated (anyone who can reach them can read and write); for "
                  "development only");
    return self;
fail:
    lnob_curve_destroy(&self);
    return NULL;
}

void lnob_curve_destroy(lnob_curve_t **self_p)
{
    lnob_curve_t *self = *self_p;
    if (!self)
        return;
    lnob_actor_destroy(&self->zap);
    zcert_destroy(&self->cert);
    free(self->allow);
    free(self);
    *self_p = NULL;
}

uint64_t lnob_curve_refused(const lnob_curve_t *self)
{
    return self ? atomic_load(&((lnob_curve_t *) self)->refused) : 0;
}

void lnob_curve_report(const lnob_curve_t *self)
{
    uint64_t n = lnob_curve_refused(self);
    if (n)
        lnob_warn("%llu peers refused at the handshake (an unknown key, or a role the socket does not take)",
                  (unsigned long long) n);
}

/* The public key (Z85) of the one certificate of role in dir. */
static int s_server_key(const char *dir, const char *role, char *key, size_t key_cap, char *err,
                        size_t cap)
{
    zdir_t *d = zdir_new(dir, NULL);
    zfile_t **files = d ? zdir_flatten(d) : NULL;
    int found = 0;
    for (size_t i = 0; files && files[i]; i++) {
        const char *path = zfile_filename(files[i], NULL);
        size_t n = strlen(path);
        if (n < 5 || strcmp(path + n - 5, ".cert"))
            continue;
        zcert_t *c = zcert_load(path);
        const char *r = c ? zcert_meta(c, "role") : NULL;
        if (r && !strcmp(r, role) && (!found || strcmp(key, zcert_public_txt(c)))) {
            found++;
            snprintf(key, key_cap, "%s", zcert_public_txt(c));
        }
        zcert_destroy(&c);
    }
    zdir_flatten_free(&files);
    zdir_destroy(&d);
    if (found != 1)
        snprintf(err, cap, "%s certificates of role %s in %s: the server of a link needs exactly one",
                 found ? "several" : "no", role, dir);
    return found == 1 ? 0 : -1;
}

/* ---- sockets ------------------------------------------------------------- */

int lnob_curve_check_ipc(const char *path, char *err, size_t cap)
{
    if (path[0] == '@') {
        snprintf(err, cap, "ipc://%s: an abstract socket has no directory to keep strangers out", path);
        return -1;
    }
    char dir[ENDPOINT_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        slash == dir ? (void) (dir[1] = '\0') : (void) (*slash = '\0');
    struct stat st;
    if (stat(dir, &st) != 0) {
        snprintf(err, cap, "ipc://%s: cannot look at its directory %s: %s", path, dir, strerror(errno));
        return -1;
    }
    if (st.st_uid != geteuid() || (st.st_mode & (S_IXGRP | S_IXOTH))) {
        snprintf(err, cap, "ipc://%s: its directory %s can be entered by others (mode %03o, owner %u): "
                 "use a directory of mode 700", path, dir, (unsigned) (st.st_mode & 0777),
                 (unsigned) st.st_uid);
        return -1;
    }
    return 0;
}

/* Looks at each endpoint: counts tcp ones by side, checks ipc ones. */
static int s_scan(const char *endpoints, bool serverish, int *binds, int *connects, char *err, size_t cap)
{
    char copy[ENDPOINT_MAX];
    snprintf(copy, sizeof copy, "%s", endpoints);
    char *save = NULL;
    for (char *ep = strtok_r(copy, ",", &save); ep; ep = strtok_r(NULL, ",", &save)) {
        bool bind = *ep == '@' || (*ep != '>' && serverish);
        const char *url = *ep == '@' || *ep == '>' ? ep + 1 : ep;
        if (!strncmp(url, "tcp://", 6))
            bind ? (*binds)++ : (*connects)++;
        else if (!strncmp(url, "ipc://", 6)) {
            if (lnob_curve_check_ipc(url + 6, err, cap) != 0)
                return -1;
        } else if (strncmp(url, "inproc://", 9)) {
            snprintf(err, cap, "%s: lnob takes tcp://, ipc:// and inproc:// endpoints", url);
            return -1;
        }
    }
    return 0;
}

static int s_server(const lnob_curve_t *self, zsock_t *sock, const char *peers, char *err, size_t cap)
{
    char domain[ENDPOINT_MAX];
    snprintf(domain, sizeof domain, ZAP_DOMAIN_PREFIX "%s", peers);
    zcert_apply(self->cert, sock);
    zsock_set_curve_server(sock, 1);
    zsock_set_zap_domain(sock, domain);
    int one = 1;
    if (zmq_setsockopt(zsock_resolve(sock), ZMQ_ZAP_ENFORCE_DOMAIN_OPT, &one, sizeof one) != 0) {
        snprintf(err, cap, "this libzmq cannot enforce ZAP authentication: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

static int s_client(const lnob_curve_t *self, zsock_t *sock, const char *peers, char *err, size_t cap)
{
    if (strchr(peers, ',')) {
        snprintf(err, cap, "a socket that connects has one server role, not %s", peers);
        return -1;
    }
    char key[KEY_Z85];
    if (s_server_key(self->allow, peers, key, sizeof key, err, cap) != 0)
        return -1;
    zcert_apply(self->cert, sock);
    zsock_set_curve_serverkey(sock, key);
    return 0;
}

int lnob_curve_apply(const lnob_curve_t *self, zsock_t *sock, const char *endpoints, bool serverish,
                     const char *peers, char *err, size_t cap)
{
    int binds = 0, connects = 0;
    if (s_scan(endpoints, serverish, &binds, &connects, err, cap) != 0)
        return -1;
    if (!binds && !connects)
        return 0;
    if (self && self->insecure && !self->cert)
        return 0;
    if (!self || !self->cert) {
        snprintf(err, cap, "%s: tcp:// needs CURVE keys: --cert FILE and --allow DIR (lnob keygen), "
                 "or an ipc:// endpoint, or --insecure-plaintext for development", endpoints);
        return -1;
    }
    if (binds && connects) {
        snprintf(err, cap, "%s: a socket either binds or connects on tcp://, not both", endpoints);
        return -1;
    }
    return binds ? s_server(self, sock, peers, err, cap) : s_client(self, sock, peers, err, cap);
}

/* ---- lnob keygen ---------------------------------------------------------- */

int lnob_curve_keygen(const char *dir, const char *name, const char *role, char *err, size_t cap)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, cap, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    char path[ENDPOINT_MAX], secret[ENDPOINT_MAX + 8];
    snprintf(path, sizeof path, "%s/%s.cert", dir, name);
    snprintf(secret, sizeof secret, "%s_secret", path);
    if (access(path, F_OK) == 0 || access(secret, F_OK) == 0) {
        snprintf(err, cap, "%s exists: remove it first to replace the key", path);
        return -1;
    }
    zcert_t *cert = zcert_new();
    zcert_set_meta(cert, "role", "%s", role);
    mode_t old = umask(077);
    int rc = zcert_save(cert, path);
    umask(old);
    zcert_destroy(&cert);
    if (rc != 0 || chmod(secret, 0600) != 0 || chmod(path, 0644) != 0) {
        snprintf(err, cap, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
