/* note.h - the lines lnob run writes of its own on stderr.
 *
 * In text (--log-format text) a note is "lnob: message", as lnob run has
 * always written its progress, restarts and failures (tests and operators
 * read them so); in json it is a log line of worker "run" (lnob/log.h), so
 * that with --log-format json every line on stderr is one JSON object.
 * Not for: a command's usage errors before its options are read. */
#ifndef LNOB_CLI_NOTE_H
#define LNOB_CLI_NOTE_H
#include "lnob/log.h"

/* Writes one note at level (json only shows the level). */
void lnob_note(lnob_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes each line of text (as lnob_note writes them, "lnob: " and all)
 * as a note: for lines gathered before they are said. */
void lnob_note_lines(lnob_log_level level, const char *text, size_t len);

#endif
