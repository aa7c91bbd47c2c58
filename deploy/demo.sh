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
SAMPLE=data/sample/silc_demo.csv          # merged file, the foundation's columns
YEAR=data/sample/udb4_2023                 # the four UDB files of a year, full variables
MIS=data/sample/mis_2024/exports           # municipal MIS exports and 3 registers (lnob gen mis: docs/mis-gen.md)

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

echo "== lnob demo 1/3: a merged SILC file ($SAMPLE)"
"$BUILD/bin/lnob" run --silc "$SAMPLE" --transformers 2 --redis "$LNOB_REDIS_URL"
echo "== lnob demo 2/3: the four UDB files of 2023 ($YEAR/D,H,R,P.csv), every indicator"
"$BUILD/bin/lnob" run --silc "$YEAR/D.csv" "$YEAR/H.csv" "$YEAR/R.csv" "$YEAR/P.csv" \
    --transformers 2 --redis "$LNOB_REDIS_URL"
# A demo person-key secret (never use it for real exports: docs/mis.md).
KEY="$(pwd)/$BUILD/demo-person.key"
if [ ! -s "$KEY" ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$KEY"; echo >> "$KEY")
fi
echo "== lnob demo 3/3: municipal MIS exports of 2024 ($MIS), service coverage"
"$BUILD/bin/lnob" run --mis "$MIS"/*.csv --pseudonym-key "$KEY" --period 2024 \
    --transformers 2 --redis "$LNOB_REDIS_URL"

# The URL as it may be shown: its password as *** (docs/redis-acl.md)
SAFE=$(printf '%s' "$LNOB_REDIS_URL" |
    sed -E 's#^(redis://[^:@/]*:)[^@]*@#\1***@#; s#([?&]password=)[^&]*#\1***#g')
# redis-cli arguments for the URL: unix:///path?db=N&user=U or redis://[user[:pw]@]host:port/db
case "$LNOB_REDIS_URL" in
    unix://*) p=${LNOB_REDIS_URL#unix://}; CLI="-s ${p%%\?*}"
       user=$(printf '%s' "$p" | sed -nE 's#.*[?&]user=([^&]*).*#\1#p')
       db=$(printf '%s' "$p" | sed -nE 's#.*[?&]db=([0-9]+).*#\1#p')
       [ -n "$db" ] && CLI="$CLI -n $db" ;;
    *) hp=${LNOB_REDIS_URL#redis://}; db=0; user=
       case "$hp" in *@*) user=${hp%@*}; user=${user%%:*}; hp=${hp##*@} ;; esac
       case "$hp" in */*) db=${hp#*/}; hp=${hp%%/*} ;; esac
       CLI="-h ${hp%:*} -p ${hp##*:} -n ${db:-0}" ;;
esac
case "$LNOB_REDIS_URL" in *@*|*user=*|*password=*) CLI="$CLI${user:+ --user $user} --askpass" ;; esac
cat <<MSG
The results stay in Redis ($SAFE). Look at them with, for example:
  redis-cli $CLI GET lnob:current:silc:official       # the current extract (docs/dashboards.md)
  redis-cli $CLI ZRANGE lnob:extracts 0 -1
  redis-cli $CLI XRANGE lnob:stream:extracts - +
  redis-cli $CLI HGETALL lnob:cell:<extract>:arpr:national
  $BUILD/bin/lnob export --extract <extract> --redis '$SAFE'    # SDMX-CSV
  $BUILD/bin/lnob serve --redis '$SAFE' --listen 127.0.0.1:8080 # then GET /api/v1/current?kind=silc
MSG
[ -f "$DEMO_DIR/redis.pid" ] && echo "Stop the private Redis with: make demo-stop"
exit 0
