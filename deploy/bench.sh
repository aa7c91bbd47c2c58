#!/bin/sh
# bench.sh - `make bench`: end-to-end figures for lnob run on synthetic
# extracts of 1 M and 10 M persons (about 3.5 persons per household).
# Reports wall time, records/s, the stage timings stored in the extract's
# metadata, and each worker's peak RSS. Record results in docs/BENCHMARKS.md.
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
for persons in $SIZES; do
    households=$((persons * 2 / 7))
    csv="$DIR/silc_${persons}.csv"
    [ -s "$csv" ] || "$LNOB" gen silc --households "$households" --seed 42 --out "$csv"
    rows=$(($(wc -l < "$csv") - 1))
    redis-cli -s "$SOCK" flushall >/dev/null
    start=$(date +%s.%N)
    "$LNOB" run --silc "$csv" --transformers 2 --redis "unix://$SOCK" --format csv \
        > "$DIR/out.csv" 2> "$DIR/run.log"
    end=$(date +%s.%N)
    id=$(redis-cli -s "$SOCK" zrange lnob:extracts 0 0)
    meta() { redis-cli -s "$SOCK" hget "lnob:extract:$id" "$1"; }
    wall=$(awk "BEGIN{printf \"%.2f\", $end - $start}")
    echo
    echo "== $rows persons ($(du -h "$csv" | cut -f1) CSV), lnob run --transformers 2"
    echo "wall time        ${wall} s"
    echo "records/s        $(awk "BEGIN{printf \"%d\", $rows / $wall}")"
    echo "ingest (parse+send, ms)   $(( $(meta ingest_finished_ms) - $(meta ingest_started_ms) ))"
    echo "transform CPU, all (ms)   $(meta transform_cpu_ms)"
    echo "aggregate (merge+cells, ms) $(meta aggregate_ms)"
    echo "stored after ingest end (ms) $(( $(meta computed_ms) - $(meta ingest_finished_ms) ))"
    grep 'peak RSS' "$DIR/run.log" | sed 's/^lnob: /                 /'
done
