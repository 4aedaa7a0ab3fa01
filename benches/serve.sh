#!/usr/bin/env bash
# Serving speed of the published feeds (issues #4 and #12), against nginx
# serving the same bytes from a file on the same machine in the same run.
#
# Builds the release binary, makes a demo database, starts `khabar run` and
# nginx (a throwaway config in a temp dir, on free ports), and measures each
# case with wrk, khabar and nginx interleaved round by round so that both
# see the same load from whatever else runs on the machine:
#   1. 304s: GET /feed.atom with the server's own ETag in If-None-Match
#   2. the full merged Atom feed, 200 with body
#   3. the same with Accept-Encoding: gzip (nginx: gzip_static, khabar's
#      own gzip bytes)
# Prints one line per run and, per case, the median req/s of each server
# and their ratio (khabar / nginx), and the median CPU time each server
# spent per request (its processes' utime + stime over the run, divided by
# the requests answered: less sensitive to the machine's other load than
# req/s, since wrk, the server and everything else share the cores).
#
# BEFORE=/path/to/older/khabar adds that binary as a third server,
# interleaved with the others on its own copy of the database, to compare
# a change before and after in the same minutes.
#
# nginx serves the feed with the headers khabar sends, as far as nginx
# allows: Content-Type, ETag, Last-Modified, Cache-Control, Vary and
# X-Content-Type-Options (nginx adds Server and Accept-Ranges; its ETag is
# mtime-size rather than a hash of the body).
#
# Usage: benches/serve.sh   (DURATION=10s CONNECTIONS=100 THREADS=2 ROUNDS=3
#                            CASES="304 full gzip" BEFORE=path KHABAR_BIN=path)
# Needs wrk and nginx (apt-get install -y wrk nginx).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-100}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
CASES=${CASES:-304 full gzip}

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "$tool is required: apt-get install -y $tool"; exit 1; }
done
# KHABAR_BIN=path measures that binary instead of building one (useful
# with a target directory that other builds share and overwrite).
if [ -n "${KHABAR_BIN:-}" ]; then
  bin=$KHABAR_BIN
else
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-$PWD/target}/release/khabar
fi
BEFORE=${BEFORE:-}

work=$(mktemp -d)
declare -A pid url
cleanup() {
  for p in "${pid[@]}"; do
    kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

# A free TCP port on loopback (the kernel picks; the socket closes at once).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

(cd "$work" && RUST_LOG=error "$bin" demo --once --dir "$work/demo" >/dev/null)

# Starts `khabar run` as server $1 with binary $2 on its own copy of the
# demo database.
start_khabar() {
  local name=$1 binary=$2
  mkdir -p "$work/$name"
  cp "$work"/demo/khabar.db* "$work/$name/"
  KHABAR_DATABASE=$work/$name/khabar.db KHABAR_LISTEN=127.0.0.1:0 RUST_LOG=error \
    "$binary" run >"$work/$name/out" 2>"$work/$name/err" &
  pid[$name]=$!
  for _ in $(seq 50); do
    grep -q '^listening on ' "$work/$name/out" 2>/dev/null && break
    sleep 0.1
  done
  local base
  base=$(sed -n 's/^listening on //p' "$work/$name/out")
  [ -n "$base" ] || { echo "$name did not start:"; cat "$work/$name/err"; exit 1; }
  url[$name]=$base/feed.atom
}
servers=khabar
start_khabar khabar "$bin"
if [ -n "$BEFORE" ]; then
  start_khabar before "$BEFORE"
  servers="before khabar"
fi
servers="$servers nginx"
khabar_url=${url[khabar]}

# The same bytes for nginx: the plain body and khabar's own gzip of it,
# with the document's modification time.
mkdir -p "$work/www" "$work/nginx"
curl -s -D "$work/headers" -o "$work/www/feed.atom" "$khabar_url"
curl -s -H 'Accept-Encoding: gzip' -o "$work/www/feed.atom.gz" "$khabar_url"
modified=$(tr -d '\r' <"$work/headers" | sed -n 's/^last-modified: //Ip')
[ -n "$modified" ] && touch -d "$modified" "$work/www/feed.atom" "$work/www/feed.atom.gz"
chmod -R a+rX "$work"
nginx_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 20s;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  types { application/atom+xml atom; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    location = /feed.atom {
      gzip_static on;
      gzip_vary on;
      etag on;
      add_header Cache-Control "public, max-age=60";
      add_header X-Content-Type-Options nosniff;
    }
  }
}
EOF
nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
pid[nginx]=$!
url[nginx]=http://127.0.0.1:$nginx_port/feed.atom
for _ in $(seq 50); do
  curl -sf -o /dev/null "${url[nginx]}" && break
  sleep 0.1
done
for server in $servers; do
  cmp -s <(curl -s "${url[$server]}") "$work/www/feed.atom" \
    || { echo "$server does not serve the same feed"; cat "$work/nginx/error.log"; exit 1; }
done

etag_of() { curl -s -D - -o /dev/null "$1" | tr -d '\r' | sed -n 's/^etag: //Ip'; }
declare -A etag
for server in $servers; do etag[$server]=$(etag_of "${url[$server]}"); done
entries=$(grep -o '<entry>' "$work/www/feed.atom" | wc -l)
bytes=$(wc -c <"$work/www/feed.atom")
gz_bytes=$(wc -c <"$work/www/feed.atom.gz")
echo "khabar $("$bin" --version | cut -d' ' -f2), nginx $(nginx -v 2>&1 | cut -d/ -f2), wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "feed: /feed.atom, $entries entries, $bytes bytes ($gz_bytes gzipped)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $ROUNDS rounds, servers interleaved: $servers"

# CPU time (clock ticks, utime + stime) used so far by process $1 and its
# children's processes (nginx's workers).
cpu_ticks() {
  local pids
  pids="$1 $(cat /proc/"$1"/task/*/children 2>/dev/null)"
  for p in $pids; do cat "/proc/$p/stat" 2>/dev/null; done \
    | awk '{sub(/^.*\) /, ""); t += $12 + $13} END {print t + 0}'
}
hz=$(getconf CLK_TCK)

# One wrk run against server $1; prints "req/s p50 p99 non2xx cpu-us/req".
measure() {
  local server=$1; shift
  local target=${url[$server]}
  curl -s -o /dev/null "$@" "$target"   # warm the cache
  local out before after
  before=$(cpu_ticks "${pid[$server]}")
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$target")
  after=$(cpu_ticks "${pid[$server]}")
  awk -v ticks=$((after - before)) -v hz="$hz" \
      '/^Requests\/sec/ {rps=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2}
       / requests in / {n=$1} /Non-2xx or 3xx/ {bad=$5}
       END {print rps, p50, p99, (bad ? bad : 0), (n ? ticks / hz * 1e6 / n : 0)}' <<<"$out"
}

median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

declare -A results cpu
for case in $CASES; do
  for round in $(seq "$ROUNDS"); do
    for server in $servers; do
      args=()
      case $case in
        304) args=(-H "If-None-Match: ${etag[$server]}") ;;
        gzip) args=(-H "Accept-Encoding: gzip") ;;
      esac
      read -r rps p50 p99 bad us < <(measure "$server" "${args[@]}")
      printf '%-5s round %d %-7s %10s req/s   p50 %-9s p99 %-9s cpu %6.1f us/req %s\n' \
        "$case" "$round" "$server" "$rps" "$p50" "$p99" "$us" \
        "$([ "$bad" != 0 ] && [ "$case" != 304 ] && echo "($bad non-2xx/3xx)")"
      results[$case.$server]+="$rps "
      cpu[$case.$server]+="$us "
    done
  done
done

med() { tr ' ' '\n' <<<"$1" | grep . | median; }
echo
echo "medians; ratio = khabar / nginx in req/s, and nginx / khabar in CPU per request"
for case in $CASES; do
  line=$(printf '%-6s' "$case")
  for server in $servers; do
    line+=$(printf ' %-6s %7.0f req/s %6.1f us/req ' "$server" "$(med "${results[$case.$server]}")" "$(med "${cpu[$case.$server]}")")
  done
  k=$(med "${results[$case.khabar]}"); n=$(med "${results[$case.nginx]}")
  kc=$(med "${cpu[$case.khabar]}"); nc=$(med "${cpu[$case.nginx]}")
  line+=$(awk -v k="$k" -v n="$n" -v kc="$kc" -v nc="$nc" \
    'BEGIN {printf " ratio %.2fx req/s, %.2fx cpu", k / n, (kc ? nc / kc : 0)}')
  echo "$line"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
