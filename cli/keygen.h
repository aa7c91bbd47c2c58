/* keygen.h - `lnob keygen DIR --role ROLE [--name NAME]`: a worker's CURVE
 * certificate (lnob/curve.h). DIR/NAME.cert is public (copy it into the
 * peers' --allow directories); DIR/NAME.cert_secret, mode 0600, stays with
 * the worker (--cert DIR/NAME.cert). */
#ifndef LNOB_CLI_KEYGEN_H
#define LNOB_CLI_KEYGEN_H

/* argv[first] is DIR. Returns the exit code. */
int lnob_cli_keygen(int argc, char **argv, int first);

#endif
