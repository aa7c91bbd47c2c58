#!/bin/sh
# demo.sh - the main job on shipped sample data: `make demo`.
# Uses $LNOB_REDIS_URL when set; otherwise starts (once) a private
# redis-server on a unix socket under BUILD/demo/ that stays up, so the
# results can be read after the run. `make demo-stop` stops it.
set -eu
BUILD=${1:-build}
ACTION=${2:-run}
DEMO_DIR="$(pwd)/$BUILD/demo"
SOCK="$DEMO_DIR/redis.sock"
SAMPLE=data/sample/silc_demo.csv

if [ "$ACTION" = stop ]; then
    if [ -f "$DEMO_DIR/redis.pid" ] && kill "$(cat "$DEMO_DIR/redis.pid")" 2>/dev/null; then
        echo "lnob demo: private redis-server stopped"
    fi
    exit 0
fi

if [ -z "${LNOB_REDIS_URL:-}" ]; then
    mkdir -p "$DEMO_DIR"
    if ! redis-cli -s "$SOCK" ping >/dev/null 2>&1; then
        redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --save "" \
            --appendonly no --dir "$DEMO_DIR" --logfile "$DEMO_DIR/redis.log" \
            --daemonize yes --pidfile "$DEMO_DIR/redis.pid"
        i=0
        until redis-cli -s "$SOCK" ping >/dev/null 2>&1; do
            i=$((i + 1)); [ $i -gt 100 ] && { echo "lnob demo: redis-server did not start" >&2; exit 1; }
            sleep 0.05
        done
    fi
    LNOB_REDIS_URL="unix://$SOCK"
fi

"$BUILD/bin/lnob" run --silc "$SAMPLE" --transformers 2 --redis "$LNOB_REDIS_URL"

# redis-cli arguments for the URL: unix:///path or redis://host:port/db
case "$LNOB_REDIS_URL" in
    unix://*) CLI="-s ${LNOB_REDIS_URL#unix://}" ;;
    *) hp=${LNOB_REDIS_URL#redis://}; db=0
       case "$hp" in */*) db=${hp#*/}; hp=${hp%%/*} ;; esac
       CLI="-h ${hp%:*} -p ${hp##*:} -n ${db:-0}" ;;
esac
cat <<MSG
The results stay in Redis ($LNOB_REDIS_URL). Look at them with, for example:
  redis-cli $CLI ZRANGE lnob:extracts 0 -1
  redis-cli $CLI XRANGE lnob:stream:extracts - +
  redis-cli $CLI HGETALL lnob:cell:<extract>:arpr:national
MSG
[ -f "$DEMO_DIR/redis.pid" ] && echo "Stop the private Redis with: make demo-stop"
exit 0
