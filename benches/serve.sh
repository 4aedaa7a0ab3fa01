#!/usr/bin/env bash
# Serving speed of the published feeds (issue #4): builds the release
# binary, makes a demo database, starts `khabar run` on a free port and
# measures with wrk (apt-get install wrk):
#   1. 304s: GET /feed.atom with a matching If-None-Match  (target >= 20,000 req/s)
#   2. the full 50-entry Atom feed, 200 with body           (target >= 5,000 req/s)
#   3. the same with Accept-Encoding: gzip
# each at 100 connections (target p99 < 20 ms).
#
# Usage: benches/serve.sh            (DURATION=10s CONNECTIONS=100 THREADS=1)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-100}
THREADS=${THREADS:-1}

command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk"; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/khabar

work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$work" && RUST_LOG=error "$bin" demo --once --dir "$work/demo" >/dev/null)
KHABAR_DATABASE=$work/demo/khabar.db KHABAR_LISTEN=127.0.0.1:0 RUST_LOG=error \
  "$bin" run >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 50); do
  grep -q '^listening on ' "$work/out" 2>/dev/null && break
  sleep 0.1
done
base=$(sed -n 's/^listening on //p' "$work/out")
[ -n "$base" ] || { echo "khabar run did not start:"; cat "$work/err"; exit 1; }

url=$base/feed.atom
etag=$(curl -s -D - -o /dev/null "$url" | tr -d '\r' | sed -n 's/^etag: //Ip')
entries=$(curl -s "$url" | grep -o '<entry>' | wc -l)
bytes=$(curl -s "$url" | wc -c)
echo "khabar $( "$bin" --version | cut -d' ' -f2 ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "feed: $url, $entries entries, $bytes bytes, ETag $etag"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"

run() {
  local name=$1; shift
  curl -s -o /dev/null "$@" "$url"   # warm the cache
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx/ {print $5}' <<<"$out")
  printf '%-28s %10s req/s   p50 %-9s p99 %-9s %s\n' "$name" "$rps" "$p50" "$p99" \
    "${non2xx:+($non2xx non-2xx/3xx)}"
}

run "304 Not Modified" -H "If-None-Match: $etag"
run "200 full Atom (50 entries)"
run "200 full Atom, gzip" -H "Accept-Encoding: gzip"
