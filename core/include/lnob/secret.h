/* lnob/secret.h - a secret read from a file that only its owner may read.
 *
 * Keys and passwords stay out of argv and the environment (both show in
 * /proc): a program is given the path of a file instead. The file must be
 * a regular file with no permission for group or others (chmod 600), so a
 * secret left open to others is refused at start-up, not used. Messages
 * name the file, never its content. Not for: what the bytes mean (the
 * pseudonym key's hex digits, a Redis password's first line): the caller
 * parses them and wipes its copy (sodium_memzero). */
#ifndef LNOB_SECRET_H
#define LNOB_SECRET_H
#include <stddef.h>

#include "lnob/rc.h"

/* Reads at most cap bytes of the file at path into buf, their count in
 * *len (a longer file gives cap bytes: the caller's length check refuses
 * it). what names the file in err ("pseudonym key file"). Returns LNOB_OK,
 * or LNOB_ERR with err saying why: no such file, not a regular file, open
 * to group or others (with its mode and "chmod 600"), unreadable. */
int lnob_secret_read(const char *path, const char *what, char *buf, size_t cap, size_t *len,
                     char *err, size_t errcap);

#endif
