#!/bin/sh
# bench.sh - `make bench`: end-to-end figures for lnob run on synthetic
# extracts of 1 M and 10 M persons (about 3.5 persons per household).
# Reports wall time, records/s, the stage timings stored in the extract's
# metadata, and each worker's peak RSS. Record results in docs/BENCHMARKS.md.
# Then the four-file UDB form of 1 M and 10 M persons (UDB4_SIZES), same persons,
# with the full indicator set, and the ratio of its wall time to the basic
# file's (issue #4's goal: at most 2). Sizes up to 1 M run BENCH_RUNS times
# (default 3) and report each run and the median wall time. Every case runs
# with each number of transformers in TRANSFORMERS (default "1 2 4"), and a
# scaling table of the medians closes the report (issue #14). The merged
# file runs twice: parsed by the ingester, and cut into ranges that the
# transformers parse (--parse-in transform, form "merged-cut"). Last, a year
# of MIS exports from all 61 municipalities (`lnob gen mis --persons
# MIS_PERSONS`, default 223000: about 500 k rows in 101 exports) read as one
# extract, BENCH_RUNS times, with its wall time and rows per second; then
# the same exports through a watched drop folder, DROPS (default 50) of
# them dropped again one at a time, with the latency of each to its
# extract stored and published (p50, p99).
# Usage: deploy/bench.sh [BUILD] [persons...]   (default: 1000000 10000000)
set -eu
BUILD=${1:-build}
shift || true
SIZES=${*:-"1000000 10000000"}
DIR="$(pwd)/$BUILD/bench"
SOCK="$DIR/redis.sock"
LNOB="$BUILD/bin/lnob"
mkdir -p "$DIR"

redis-server --port 0 --unixsocket "$SOCK" --save "" --appendonly no --dir "$DIR" \
    --logfile "$DIR/redis.log" --daemonize yes --pidfile "$DIR/redis.pid"
# shutdown is synchronous: the next bench run may reuse the socket path at once
trap 'redis-cli -s "$SOCK" shutdown nosave >/dev/null 2>&1 || true' EXIT
i=0
until redis-cli -s "$SOCK" ping >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 200 ] && { echo "bench: redis-server did not start ($DIR/redis.log)" >&2; exit 1; }
    sleep 0.05
done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -srm)"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

RUNS=${BENCH_RUNS:-3}
TRANSFORMERS=${TRANSFORMERS:-"1 2 4"}
TABLE="$DIR/table.txt"
: > "$TABLE"

# The median of the numbers given.
median() {
    printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# Runs lnob with $ntr transformers on the files given and prints the
# figures; the wall time in $wall, the stage figures in $stages. $1: a label.
run_case() {
    label=$1
    shift
    redis-cli -s "$SOCK" flushall >/dev/null
    start=$(date +%s.%N)
    "$LNOB" run --silc "$@" --transformers "$ntr" --parse-in "$PARSE_IN" --redis "unix://$SOCK" --format csv \
        > "$DIR/out.csv" 2> "$DIR/run.log"
    end=$(date +%s.%N)
    id=$(redis-cli -s "$SOCK" zrange lnob:extracts 0 0)
    meta() { redis-cli -s "$SOCK" hget "lnob:extract:$id" "$1"; }
    rows=$(meta persons_in_population)
    wall=$(awk "BEGIN{printf \"%.2f\", $end - $start}")
    echo
    echo "== $label: $rows persons ($(du -ch "$@" | tail -1 | cut -f1) input), lnob run --transformers $ntr --parse-in $PARSE_IN"
    echo "wall time        ${wall} s"
    echo "records/s        $(awk "BEGIN{printf \"%d\", $rows / $wall}")"
    echo "cells            $(redis-cli -s "$SOCK" llen "lnob:extract:$id:cells")"
    echo "ingest (parse+send, ms)   $(( $(meta ingest_finished_ms) - $(meta ingest_started_ms) ))"
    echo "transform CPU, all (ms)   $(meta transform_cpu_ms)"
    echo "aggregate (merge+cells, ms) $(meta aggregate_ms)"
    echo "stored after ingest end (ms) $(( $(meta computed_ms) - $(meta ingest_finished_ms) ))"
    grep 'peak RSS' "$DIR/run.log" | sed 's/^lnob: /                 /'
    rss=$(grep 'peak RSS' "$DIR/run.log" | awk '{for (i = 6; i <= NF; i += 2) {s += $i; if ($i > m) {m = $i; w = $(i-1)}}}
        END {printf "%.0f %s %.0f", s, w, m}')
    stages="$(( $(meta ingest_finished_ms) - $(meta ingest_started_ms) )) $(meta transform_cpu_ms) $(meta aggregate_ms) $rss"
}

# Runs a case once, or RUNS times up to 1 M persons; the median wall in
# $median. Adds a row to the scaling table ($1 the form's short name).
repeat_case() {
    form=$1
    persons=$2
    shift 2
    n=1
    [ "$persons" -le 1000000 ] && n=$RUNS
    walls=""
    for run in $(seq "$n"); do
        run_case "$@"
        walls="$walls $wall"
    done
    median=$(median $walls)
    [ "$n" -gt 1 ] && echo "-- wall times:$walls s; median $median s"
    echo "$form $persons $ntr $median $(awk "BEGIN{printf \"%d\", $persons / $median}") $stages" >> "$TABLE"
    return 0
}

# Every case with each number of transformers; the median with 2 in $median2.
scaled_case() {
    for ntr in $TRANSFORMERS; do
        repeat_case "$@"
        [ "$ntr" = 2 ] && median2=$median
    done
    return 0
}

basic_1m=""
PARSE_IN=ingest
for persons in $SIZES; do
    households=$((persons * 2 / 7))
    csv="$DIR/silc_${persons}.csv"
    [ -s "$csv" ] || "$LNOB" gen silc --households "$households" --seed 42 --out "$csv"
    scaled_case merged "$persons" "merged basic file (foundation subset)" "$csv"
    [ "$persons" = 1000000 ] && basic_1m=$median2
    PARSE_IN=transform
    scaled_case merged-cut "$persons" "merged basic file cut into ranges, parsed by the transformers" "$csv"
    PARSE_IN=ingest
done

# The full indicator set from the four UDB files of the same persons
# (same seed: ages, incomes, weights and places are those of the basic file).
for persons in ${UDB4_SIZES:-1000000 10000000}; do
    households=$((persons * 2 / 7))
    dir="$DIR/udb4_${persons}"
    [ -s "$dir/P.csv" ] || "$LNOB" gen silc --format udb4 --households "$households" --seed 42 --out "$dir"
    scaled_case udb4 "$persons" "four UDB files (full indicator set)" "$dir/D.csv" "$dir/H.csv" "$dir/R.csv" "$dir/P.csv"
    if [ "$persons" = 1000000 ] && [ -n "$basic_1m" ]; then
        echo "-- full set / basic subset at 1 M, 2 transformers (medians): $(awk "BEGIN{printf \"%.2f\", $median2 / $basic_1m}") (goal: at most 2)"
    fi
done

# A year of MIS exports of all 61 municipalities, as one extract.
mis_persons=${MIS_PERSONS:-223000}
mis="$DIR/mis_${mis_persons}"
[ -d "$mis/exports" ] || "$LNOB" gen mis --persons "$mis_persons" --seed 42 --out "$mis" >/dev/null
key="$DIR/bench-person.key"
[ -s "$key" ] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$key"; echo >> "$key")
walls=""
for run in $(seq "$RUNS"); do
    redis-cli -s "$SOCK" flushall >/dev/null
    start=$(date +%s.%N)
    "$LNOB" run --mis "$mis"/exports/* --pseudonym-key "$key" --period 2024 --transformers 2 \
        --redis "unix://$SOCK" --format csv > "$DIR/out.csv" 2> "$DIR/run.log"
    end=$(date +%s.%N)
    walls="$walls $(awk "BEGIN{printf \"%.2f\", $end - $start}")"
done
id=$(redis-cli -s "$SOCK" zrange lnob:extracts 0 0)
rows=$(redis-cli -s "$SOCK" hget "lnob:extract:$id" rows_read)
median=$(median $walls)
echo
echo "== MIS: $(ls "$mis"/exports | wc -l) exports, $rows rows ($(du -ch "$mis"/exports/* | tail -1 | cut -f1)), $(redis-cli -s "$SOCK" hget "lnob:extract:$id" persons) persons, lnob run --mis"
echo "wall times      $walls s; median $median s"
echo "rows/s           $(awk "BEGIN{printf \"%d\", $rows / $median}")"
echo "cells            $(redis-cli -s "$SOCK" llen "lnob:extract:$id:cells")"
grep 'peak RSS' "$DIR/run.log" | sed 's/^lnob: /                 /'

# The drop folder: an export renamed into a watched folder, to its updated
# extract stored and published (the sink stores and publishes in one step)
# and the file moved to done/. The year's exports are taken first as one
# extract; then DROPS of them come again, each with its last row removed
# (other content: a new extract of the whole year), one at a time.
drops=${DROPS:-50}
d="$DIR/drop"
rm -rf "$d" "$DIR/ipc" && mkdir -p "$d" && mkdir -m 700 "$DIR/ipc" # ipc:// only in a private directory
ep() { echo "ipc://$DIR/ipc/$1"; }
"$BUILD/bin/lnob-sink" --pull "@$(ep results)" --pub "@$(ep pub)" --control ">$(ep control)" \
    --redis "unix://$SOCK" --metrics none 2> "$DIR/drop-sink.log" & sink=$!
"$BUILD/bin/lnob-aggregate" --pull "@$(ep runs)" --push ">$(ep results)" --control "@$(ep control)" \
    --metrics none 2> "$DIR/drop-aggregate.log" & agg=$!
"$BUILD/bin/lnob-transform" --pull ">$(ep batches)" --push ">$(ep runs)" --metrics none \
    2> "$DIR/drop-transform.log" & tr=$!
"$BUILD/bin/lnob-ingest" --watch "$d" --watch-ms 10 --push "@$(ep batches)" --control ">$(ep control)" \
    --pseudonym-key "$key" --period 2024 --run-id drop-bench --metrics none 2> "$DIR/drop-ingest.log" & ing=$!
trap 'kill $sink $agg $tr $ing 2>/dev/null || true; redis-cli -s "$SOCK" shutdown nosave >/dev/null 2>&1 || true' EXIT
redis-cli -s "$SOCK" flushall >/dev/null
for f in "$mis"/exports/*; do cp "$f" "$d/.$(basename "$f").tmp" && mv "$d/.$(basename "$f").tmp" "$d/$(basename "$f")"; done
i=0
until [ -d "$d/done" ] && [ -z "$(find "$d" -maxdepth 1 -type f)" ]; do # each taken: in done/ or failed/
    i=$((i + 1))
    if [ $i -gt 1200 ] || ! kill -0 $ing $sink $agg $tr 2>/dev/null; then
        echo "bench: the drop folder's first extract was not stored ($DIR/drop-*.log)" >&2; exit 1
    fi
    sleep 0.1
done
# One process times the drops (a shell loop would fork a sleep every poll,
# taking CPU from the workers it measures on a small machine).
lat=$(python3 - "$d" "$mis/exports" "$drops" <<'PY'
import os, sys, time
d, src, drops = sys.argv[1], sys.argv[2], int(sys.argv[3])
for f in sorted(os.listdir(os.path.join(d, "done")))[:drops]:
    with open(os.path.join(src, f), "rb") as i:
        lines = i.read().splitlines(keepends=True)
    tmp = os.path.join(d, "." + f + ".tmp")
    with open(tmp, "wb") as o:
        o.writelines(lines[:-1])  # its last row removed: other content, a new extract
    time.sleep(0.02)  # the rename a clock tick after the write: so it is seen as a rename (docs/mis.md)
    t0 = time.monotonic()
    os.rename(tmp, os.path.join(d, f))
    while os.path.exists(os.path.join(d, f)):
        if time.monotonic() - t0 > 120:
            sys.exit("bench: %s was not stored" % f)
        time.sleep(0.001)
    print(int((time.monotonic() - t0) * 1000))
PY
) || { echo "bench: the drop folder stopped ($DIR/drop-*.log)" >&2; exit 1; }
kill $ing $tr $agg $sink 2>/dev/null; wait $ing $tr $agg $sink 2>/dev/null
echo
echo "== MIS drop folder: $drops exports dropped one at a time into a year of $(ls "$d/done" | wc -l), each stored and published"
echo "latency ms       $(printf '%s\n' $lat | sort -n | awk '{v[NR] = $1} END {printf "p50 %d, p99 %d, min %d, max %d", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)], v[1], v[NR]}')"

echo
echo "== scaling: the median wall time of each case by number of transformers"
echo "   (ingest: parse and send; transform: CPU of all transformers; aggregate: merge and cells)"
awk 'BEGIN {printf "%-7s %9s %3s %7s %10s %8s %10s %10s %9s %s\n", "form", "persons", "tr", "wall s",
              "records/s", "ingest", "transform", "aggregate", "RSS sum", "largest (MB)"}
     {key = $1 " " $2; if (!(key in one)) one[key] = $4
      printf "%-7s %9d %3d %7.2f %10d %6d ms %7d ms %7d ms %6d MB %s %d  (%.2fx of 1 tr)\n", $1, $2, $3, $4, $5,
             $6, $7, $8, $9, $10, $11, $4 / one[key]}' "$TABLE"
