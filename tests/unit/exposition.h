/* exposition.h - the tests' check of Prometheus text format 0.0.4: every
 * line a comment (# HELP, # TYPE) or a sample `name{labels} value`, the
 * text ending in a newline. Shared by metrics_test and the integration
 * harness. */
#ifndef LNOB_TEST_EXPOSITION_H
#define LNOB_TEST_EXPOSITION_H

/* Asserts (Criterion) that text is well-formed 0.0.4 exposition text. */
void lnob_test_assert_exposition(const char *text);

#endif
