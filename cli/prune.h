/* prune.h - `lnob prune` and `lnob delete`: the retention of stored extracts.
 *
 * `prune` removes old extracts by policy. --keep-last N keeps the N newest
 * extracts of each kind and period (by computed_ms; complete and failed
 * extracts counted apart); --older-than DAYS removes the extracts computed
 * more than DAYS days ago; given both, an extract goes only when neither
 * keeps it. The newest complete extract of each kind and period, the one a
 * dashboard shows for that period, stays unless --all (which --keep-last 0
 * needs). `delete EXTRACT` removes one extract, whichever it is: naming it
 * is being explicit. Each extract is removed whole in one transaction
 * (sink/store.h); --dry-run lists what would go and removes nothing. They
 * need a Redis user that may write (lnob_sink: docs/redis-acl.md). Not for:
 * the key schema or the removal itself (sink/store.h). */
#ifndef LNOB_CLI_PRUNE_H
#define LNOB_CLI_PRUNE_H

/* Run `lnob prune ...` and `lnob delete EXTRACT ...` with argv[first]
 * their first word after the command. Return the exit code: 0 done (also
 * when nothing was to go), 1 failed (Redis unreachable or refusing, an
 * unknown extract), 2 usage. */
int lnob_cli_prune(int argc, char **argv, int first);
int lnob_cli_delete(int argc, char **argv, int first);

#endif
