#!/usr/bin/env bash
# The dashboard under load (`make bench-serve`): the release `tandem serve` on loopback over the
# 10,000-unit organisation, 50 signed-in clients (HR, a division's lead, a member) for 30 s on
# the inbox and key-result pages, driven by wrk from a second process. Then the inbox alone over
# the same store with a short ledger (one run) and with a million more ledger events: its time
# must not depend on the ledger's length.
#
# The stores are made once and kept in .build/bench-data/serve/ (about 3 minutes the first time).
# DURATION and CONNECTIONS change the load; the figures go to .build/bench-data/serve/results.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
TANDEM=.build/release/tandem
DATA=.build/bench-data/serve
FILES=.build/bench-data/weekly-run/files
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-50}
PASSWORD="load-benchmark-1"
export TANDEM_BCRYPT_COST=4
mkdir -p "$DATA"

if [ ! -f "$DATA/short.db" ]; then
  if [ ! -f "$FILES/org.yaml" ]; then
    echo "== generating the 10,000-unit organisation ($FILES) =="
    mkdir -p "$FILES"
    "$TANDEM" generate --seed 10 --units 10000 --quarters 2 --as-of 2026-11-30 --out "$FILES" >/dev/null
  fi
  echo "== importing it and running the week of 2026-11-30 ($DATA/short.db) =="
  rm -f "$DATA"/short.tmp.db*
  "$TANDEM" import --db "$DATA/short.tmp.db" --org "$FILES/org.yaml" --krs "$FILES/krs.csv" --checkins "$FILES/checkins.csv" >/dev/null 2>&1
  "$TANDEM" run --db "$DATA/short.tmp.db" --as-of 2026-11-30 >/dev/null
  read -r DIVISION OWNER < <(python3 Benchmarks/Serve/prepare.py pick "$DATA/short.tmp.db" | tr '\t' ' ')
  for spec in "hr@bench.cn hr -" "lead@bench.cn lead $DIVISION" "member@bench.cn member -"; do
    read -r email role units <<< "$spec"
    args=(users add --db "$DATA/short.tmp.db" --email "$email" --name "$role" --role "$role" --password-stdin)
    [ "$units" != "-" ] && args+=(--units "$units")
    [ "$role" = member ] && args+=(--person "$OWNER")
    printf '%s\n' "$PASSWORD" | "$TANDEM" "${args[@]}" >/dev/null
  done
  mv "$DATA/short.tmp.db" "$DATA/short.db"
fi
if [ ! -f "$DATA/long.db" ]; then
  echo "== the same store with a million ledger events of history ($DATA/long.db) =="
  cp "$DATA/short.db" "$DATA/long.tmp.db"
  python3 Benchmarks/Serve/prepare.py fill "$DATA/long.tmp.db"
  mv "$DATA/long.tmp.db" "$DATA/long.db"
fi
read -r DIVISION OWNER < <(python3 Benchmarks/Serve/prepare.py pick "$DATA/short.db" | tr '\t' ' ')

SERVER=""
stop() { [ -n "$SERVER" ] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; SERVER=""; }
trap stop EXIT

# Serves STORE, signs the three accounts in, writes the request lists; sets URL.
serve() {
  local store=$1
  stop
  LOG_LEVEL=warning "$TANDEM" serve --db "$store" --port 0 > "$DATA/serve.out" 2> "$DATA/serve.log" &
  SERVER=$!
  for _ in $(seq 1 200); do grep -q "http://" "$DATA/serve.out" 2>/dev/null && break; sleep 0.1; done
  URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$DATA/serve.out")
  local cookies=()
  for email in hr@bench.cn lead@bench.cn member@bench.cn; do
    cookies+=("$(curl -s -o /dev/null -D - --data-urlencode "email=$email" --data-urlencode "password=$PASSWORD" "$URL/signin" \
      | sed -n 's/^[Ss]et-[Cc]ookie: \(tandem_session=[^;]*\).*/\1/p')")
  done
  python3 Benchmarks/Serve/prepare.py requests "$store" "$DIVISION" "$OWNER" "${cookies[@]}" "$DATA/mixed.txt" "$DATA/inbox.txt"
  # The reference: a signed-in request that renders nothing (the style sheet): the server's
  # fixed cost per request (HTTP, the session's look-up), on the same machine in the same run.
  for cookie in "${cookies[@]}"; do printf '/assets/tandem.css\t%s\n' "$cookie"; done > "$DATA/reference.txt"
  # Warm: the catalogue is read at the first request; SQLite's pages come into the cache.
  curl -s -o /dev/null -b "${cookies[0]}" "$URL/inbox"
  WRK_REQUESTS="$DATA/mixed.txt" wrk -t2 -c10 -d5s -s Benchmarks/Serve/load.lua "$URL" >/dev/null
}

# Runs wrk with a request list; prints its summary line's JSON.
load() {
  WRK_REQUESTS=$1 wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s Benchmarks/Serve/load.lua "$URL" | sed -n 's/^WRK_JSON //p'
}

echo "== $CONNECTIONS clients for ${DURATION}s: the reference (a signed-in request for the style sheet) =="
serve "$DATA/short.db"
REFERENCE=$(load "$DATA/reference.txt"); echo "$REFERENCE"
echo "== $CONNECTIONS clients for ${DURATION}s: inbox and key-result pages, short ledger =="
MIXED=$(load "$DATA/mixed.txt"); echo "$MIXED"
echo "== the inbox alone, short ledger =="
SHORT=$(load "$DATA/inbox.txt"); echo "$SHORT"
echo "== the inbox alone, with a million more ledger events =="
serve "$DATA/long.db"
LONG=$(load "$DATA/inbox.txt"); echo "$LONG"
stop
EVENTS_SHORT=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM alert_event').fetchone()[0])" "$DATA/short.db")
EVENTS_LONG=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM alert_event').fetchone()[0])" "$DATA/long.db")
python3 - "$MIXED" "$SHORT" "$LONG" "$EVENTS_SHORT" "$EVENTS_LONG" "$DATA/results.json" "$REFERENCE" <<'EOF'
import json, sys
mixed, short, long = (json.loads(x) for x in sys.argv[1:4])
events_short, events_long, out = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
reference = json.loads(sys.argv[7])
def errors(r): return sum(r["errors"].values())
def ms(r, p): return r["latency_us"][p] / 1000
result = {"reference": reference, "mixed": mixed, "inbox_short_ledger": short, "inbox_long_ledger": long,
          "ledger_events": {"short": events_short, "long": events_long},
          "inbox_p50_ratio_long_to_short": ms(long, "p50") / ms(short, "p50"),
          "inbox_p99_ratio_long_to_short": ms(long, "p99") / ms(short, "p99")}
json.dump(result, open(out, "w"), indent=2)
print()
print(f"{'workload':48} {'requests':>9} {'per s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'errors':>6}")
for name, r in [("reference: signed-in style sheet", reference), ("inbox + key-result pages (short ledger)", mixed), (f"inbox only, {events_short:,} ledger events", short),
                (f"inbox only, {events_long:,} ledger events", long)]:
    print(f"{name:48} {r['requests']:>9} {r['per_second']:>7.0f} {ms(r, 'p50'):>7.1f} {ms(r, 'p99'):>7.1f} {ms(r, 'max'):>7.1f} {errors(r):>6}")
print(f"inbox, long ledger / short ledger: p50 {result['inbox_p50_ratio_long_to_short']:.2f}x, p99 {result['inbox_p99_ratio_long_to_short']:.2f}x")
print(f"pages / reference, requests per second: {mixed['per_second'] / reference['per_second']:.2f}")
target = ms(mixed, "p99") <= 150 and errors(mixed) == 0
print(f"target (p99 <= 150 ms, 0 errors): {'met' if target else 'NOT met'}")
EOF
