/* lnob/exit.h - what a worker's exit status tells the process that started it.
 *
 * lnob run decides from these whether to start a worker again: a worker
 * that refused its options will refuse them again; one stopped by a signal
 * before its work was stored must be started again (or the run fails).
 * Not for: return codes inside a process (lnob/rc.h). */
#ifndef LNOB_EXIT_H
#define LNOB_EXIT_H

#define LNOB_EXIT_OK 0      /* the ingester: every extract is stored */
#define LNOB_EXIT_ERR 1     /* failed; the log says why */
#define LNOB_EXIT_CONFIG 2  /* refused its options or settings at start-up */
#define LNOB_EXIT_STOPPED 3 /* stopped by SIGTERM/SIGINT before its work was stored */
#define LNOB_EXIT_DENIED 4  /* Redis refused its credentials or a command (NOAUTH, WRONGPASS,
                               NOPERM): starting it again cannot help */

#endif
