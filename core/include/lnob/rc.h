/* lnob/rc.h - the small vocabulary of return codes shared by every module.
 *
 * Fallible calls return one of these; the human-readable detail lives on the
 * object that failed (its errstr accessor), never in errno. Not for: process
 * exit codes (lnob/exit.h). */
#ifndef LNOB_RC_H
#define LNOB_RC_H

typedef enum {
    LNOB_OK = 0,      /* done */
    LNOB_ERR = -1,    /* failed; see the object's errstr */
    LNOB_AGAIN = -2,  /* backpressure or not ready yet: retry later */
    LNOB_DROP = -3,   /* input rejected (bad message or row); counted, not fatal */
    LNOB_CLOSED = -4, /* peer or stream has ended */
    LNOB_DENIED = -5  /* refused for good (credentials, permissions): retrying cannot help */
} lnob_rc;

/* Size of the error string buffer kept on objects. */
#define LNOB_ERRSTR_MAX 256

#endif
