/* stop.c - a bound on stopping (lnob/stop.h). */
#include "lnob/stop.h"

#include <czmq.h>
#include <signal.h>
#include <unistd.h>

/* Written before the handler is installed, read only by it. */
static unsigned s_grace_s;
static volatile sig_atomic_t s_armed;

static void s_on_stop(int sig)
{
    (void) sig;
    zsys_interrupted = 1;
    if (!s_armed) {
        s_armed = 1;
        alarm(s_grace_s); /* async-signal-safe */
    }
}

void lnob_stop_bound(unsigned grace_s)
{
    s_grace_s = grace_s;
    zsys_init();
    zsys_handler_set(s_on_stop);
}
