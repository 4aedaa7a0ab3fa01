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
# and their ratio (khabar / nginx).
#
# nginx serves the feed with the headers khabar sends, as far as nginx
# allows: Content-Type, ETag, Last-Modified, Cache-Control, Vary and
# X-Content-Type-Options (nginx adds Server and Accept-Ranges; its ETag is
# mtime-size rather than a hash of the body).
#
# Usage: benches/serve.sh   (DURATION=10s CONNECTIONS=100 THREADS=2 ROUNDS=3
#                            CASES="304 full gzip")
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
cargo build --release --quiet
bin=$PWD/target/release/khabar

work=$(mktemp -d)
pid=
nginx_pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A free TCP port on loopback (the kernel picks; the socket closes at once).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

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
khabar_url=$base/feed.atom

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
nginx_pid=$!
nginx_url=http://127.0.0.1:$nginx_port/feed.atom
for _ in $(seq 50); do
  curl -sf -o /dev/null "$nginx_url" && break
  sleep 0.1
done
cmp -s <(curl -s "$nginx_url") "$work/www/feed.atom" \
  || { echo "nginx does not serve the feed:"; cat "$work/nginx/error.log"; exit 1; }

etag_of() { curl -s -D - -o /dev/null "$1" | tr -d '\r' | sed -n 's/^etag: //Ip'; }
khabar_etag=$(etag_of "$khabar_url")
nginx_etag=$(etag_of "$nginx_url")
entries=$(grep -o '<entry>' "$work/www/feed.atom" | wc -l)
bytes=$(wc -c <"$work/www/feed.atom")
gz_bytes=$(wc -c <"$work/www/feed.atom.gz")
echo "khabar $("$bin" --version | cut -d' ' -f2), nginx $(nginx -v 2>&1 | cut -d/ -f2), wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "feed: /feed.atom, $entries entries, $bytes bytes ($gz_bytes gzipped)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, $ROUNDS rounds, khabar and nginx interleaved"

# One wrk run; prints "req/s p50 p99 non2xx".
measure() {
  local url=$1; shift
  curl -s -o /dev/null "$@" "$url"   # warm the cache
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  awk '/^Requests\/sec/ {rps=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2}
       /Non-2xx or 3xx/ {bad=$5} END {print rps, p50, p99, (bad ? bad : 0)}' <<<"$out"
}

median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

declare -A results
for case in $CASES; do
  for round in $(seq "$ROUNDS"); do
    for server in khabar nginx; do
      url=$khabar_url; [ "$server" = nginx ] && url=$nginx_url
      args=()
      case $case in
        304) etag=$khabar_etag; [ "$server" = nginx ] && etag=$nginx_etag
             args=(-H "If-None-Match: $etag") ;;
        gzip) args=(-H "Accept-Encoding: gzip") ;;
      esac
      read -r rps p50 p99 bad < <(measure "$url" "${args[@]}")
      printf '%-5s round %d %-7s %10s req/s   p50 %-9s p99 %-9s %s\n' "$case" "$round" "$server" \
        "$rps" "$p50" "$p99" "$([ "$bad" != 0 ] && [ "$case" != 304 ] && echo "($bad non-2xx/3xx)")"
      results[$case.$server]+="$rps "
    done
  done
done

echo
printf '%-6s %14s %14s %8s\n' case khabar nginx ratio
for case in $CASES; do
  k=$(tr ' ' '\n' <<<"${results[$case.khabar]}" | grep . | median)
  n=$(tr ' ' '\n' <<<"${results[$case.nginx]}" | grep . | median)
  printf '%-6s %10.0f req/s %10.0f req/s %7.2fx\n' "$case" "$k" "$n" "$(awk -v k="$k" -v n="$n" 'BEGIN {print k / n}')"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
