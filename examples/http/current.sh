#!/bin/sh
# current.sh - the current official figures from `lnob serve`, with curl alone.
#
#   examples/http/current.sh [BASE]      (BASE: http://127.0.0.1:8080 by default)
#
# Prints the latest official SILC year's national AROP and the latest MIS year's
# persons with any active service, each with its flag, then what the server holds.
# A second request with the ETag the first one got answers 304 while nothing
# changed: a dashboard polls cheaply that way (docs/dashboards.md, "HTTP").
set -eu
BASE=${1:-http://127.0.0.1:8080}
HEADERS=$(mktemp)
trap 'rm -f "$HEADERS"' EXIT

# The cells of the current extract: a JSON array, one object per published cell.
curl -fsS -D "$HEADERS" "$BASE/api/v1/current?kind=silc" |
    grep -o '"indicator": "arpr", "breakdown": {}, "value": [^,]*, "n": [0-9]*, "weight": [^,]*, "flag": "[A-Z]*"' |
    sed 's/^/silc national: /'
ETAG=$(sed -n 's/^[Ee][Tt]ag: *//p' "$HEADERS" | tr -d '\r')
echo "silc etag: $ETAG"
echo "silc again with If-None-Match: HTTP $(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" \
    "$BASE/api/v1/current?kind=silc")"

curl -fsS "$BASE/api/v1/current?kind=mis" |
    grep -o '"indicator": "mis_ben_all", "breakdown": {}, "value": [^,]*, "n": [0-9]*, "weight": [^,]*, "flag": "[A-Z]*"' |
    sed 's/^/mis national: /'

# Every complete extract, newest first, with its kind, period, channel and number.
curl -fsS "$BASE/api/v1/extracts?channel=official"
