#!/usr/bin/env bash
# Proxy benchmark (not a test): the upstream alone, porticod, nginx and HAProxy as reverse
# proxies, side by side in one run. Each proxy runs one worker pinned to core 0; wrk and the
# upstream (nginx returning a small fixed body) share core 1. All keep-alive to the upstream.
# Loopback only, bounded: every wrk run lasts DURATION seconds.
#
#   bash tests/bench/proxy_bench.sh            # after scripts/build.sh
#   DURATION=5 ROUNDS=3 bash tests/bench/proxy_bench.sh
#   ROUNDS=24 DURATION=2 ONE_CONN=0 bash tests/bench/proxy_bench.sh   # many short paired rounds
#
# Prints req/s, p50, p99, the proxy's CPU share, requests per busy core (req/s / CPU share)
# and RSS per proxy (medians over the rounds), then porticod's ratios against nginx.
# porticod-noh is porticod with `headers = off`. The -tls rows terminate TLS (ECDSA P-256,
# TLS 1.3, keep-alive) in front of the same plain upstream; the -upstls rows take plain requests
# to the same upstream over TLS 1.3 (an https service; pooled connections, not verified).
# nginx 1.22 (Debian 12) leaves TLS 1.3 out of its default protocols, on both sides, so the
# configs name it: a TLS 1.2 proxy pays less per handshake (a resumed 1.2 session needs no key
# exchange; wrk resumes when it reconnects) and would not compare like with like. Before the
# runs the script checks which version each proxy speaks on each side and stops if they differ.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-50}
# ONE_CONN=0 leaves out the 1-connection runs (unloaded latency), for runs of many rounds.
conns_list=("$CONNS")
[ "${ONE_CONN:-1}" = 0 ] || conns_list+=(1)

need=()
for p in nginx-light wrk haproxy curl openssl; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x build/bin/porticod ] || bash scripts/build.sh

work=$(mktemp -d)
chmod 700 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

UP=19100; NGX=19101; HAP=19102; PTC=19103; PTC2=19104; PTCS=19105; NGXS=19106; HAPS=19107
UPS=19108; PTCU=19109; NGXU=19110; HAPU=19111

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
cat "$work/tls.crt" "$work/tls.key" > "$work/tls.pem"

cat > "$work/upstream.conf" <<CONF
worker_processes 1; daemon off; pid $work/up.pid; error_log $work/up.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000;
  server { listen 127.0.0.1:$UP; listen 127.0.0.1:$UPS ssl;
    ssl_certificate $work/tls.crt; ssl_certificate_key $work/tls.key; ssl_protocols TLSv1.2 TLSv1.3;
    location = /tls-version { return 200 "\$ssl_protocol\n"; }
    location / { return 200 "hello from upstream\n"; } } }
CONF
cat > "$work/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $work/ngx.pid; error_log $work/ngx.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000;
  upstream up { server 127.0.0.1:$UP; keepalive 64; }
  upstream ups { server 127.0.0.1:$UPS; keepalive 64; }
  server { listen 127.0.0.1:$NGX; listen 127.0.0.1:$NGXS ssl;
    ssl_certificate $work/tls.crt; ssl_certificate_key $work/tls.key; ssl_protocols TLSv1.2 TLSv1.3;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen 127.0.0.1:$NGXU;
    location / { proxy_pass https://ups; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_ssl_protocols TLSv1.2 TLSv1.3; } } }
CONF
cat > "$work/haproxy.cfg" <<CONF
global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend f
  bind 127.0.0.1:$HAP
  bind 127.0.0.1:$HAPS ssl crt $work/tls.pem
  default_backend b
backend b
  server s1 127.0.0.1:$UP
frontend fu
  bind 127.0.0.1:$HAPU
  default_backend bu
backend bu
  server s1 127.0.0.1:$UPS ssl verify none
CONF
cat > "$work/kong.yml" <<CONF
_format_version: "3.0"
services:
  - name: bench
    url: http://127.0.0.1:$UP
    routes:
      - paths: [/]
CONF
sed "s|http://127.0.0.1:$UP|https://127.0.0.1:$UPS|" "$work/kong.yml" > "$work/kong-upstls.yml"

taskset -c 1 nginx -c "$work/upstream.conf" & pids+=($!)
taskset -c 0 nginx -c "$work/nginx.conf" & pids+=($!); ngx_pid=$!
taskset -c 0 haproxy -f "$work/haproxy.cfg" -q & pids+=($!); hap_pid=$!
taskset -c 0 build/bin/porticod --prefix "$work/p" --admin-listen off --status-listen off \
  --proxy-listen "127.0.0.1:$PTC, 127.0.0.1:$PTCS ssl" --worker-threads 1 --log-level warn --declarative-config "$work/kong.yml" & pids+=($!); ptc_pid=$!
# The same with its default response headers off (Kong's `headers = off`).
taskset -c 0 build/bin/porticod --prefix "$work/p2" --admin-listen off --status-listen off --headers off \
  --proxy-listen 127.0.0.1:$PTC2 --worker-threads 1 --log-level warn --declarative-config "$work/kong.yml" & pids+=($!); ptc2_pid=$!
# To the upstream over TLS.
taskset -c 0 build/bin/porticod --prefix "$work/p3" --admin-listen off --status-listen off \
  --proxy-listen 127.0.0.1:$PTCU --worker-threads 1 --log-level warn --declarative-config "$work/kong-upstls.yml" & pids+=($!); ptcu_pid=$!
sleep 1

# The TLS version each proxy speaks to wrk and to the upstream (the upstream answers
# /tls-version with the version of the connection the proxy made).
client_tls() { openssl s_client -connect "127.0.0.1:$1" -servername localhost </dev/null 2>/dev/null |
  awk '/^New, / {sub(",", "", $2); print $2; exit}'; }
upstream_tls() { curl -s --max-time 5 "http://127.0.0.1:$1/tls-version"; }
same_tls() { # side, then "proxy version" for each proxy
  local side=$1 v; shift
  echo "TLS to the $side: $*"
  v=$(printf '%s\n' "$@" | awk '{print $2}' | sort -u)
  if [ "$(echo "$v" | wc -l)" != 1 ] || [[ $v != TLSv* ]]; then
    echo "the proxies do not all speak one TLS version to the $side; their rows would not compare" >&2
    exit 1
  fi
}
same_tls client "porticod $(client_tls $PTCS)" "nginx $(client_tls $NGXS)" "haproxy $(client_tls $HAPS)"
same_tls upstream "porticod $(upstream_tls $PTCU)" "nginx $(upstream_tls $NGXU)" \
  "haproxy $(upstream_tls $HAPU)"

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
# The nginx master forks the worker that does the work; measure that one.
worker_of() { local c; c=$(pgrep -P "$1" | head -1); echo "${c:-$1}"; }
hz=$(getconf CLK_TCK)

run() { # name port pid conns [scheme]
  local name=$1 port=$2 pid=$3 conns=$4 scheme=${5:-http}
  local t0 t1 out rps p50 p99 share rss
  t0=$( [ "$pid" = - ] && echo 0 || cpu_ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" --latency "$scheme://127.0.0.1:$port/" 2>&1 </dev/null)
  t1=$( [ "$pid" = - ] && echo 0 || cpu_ticks "$pid")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  if [ "$pid" = - ]; then share=0; rss=0; else
    share=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v d="$DURATION" 'BEGIN {printf "%.3f", (b-a)/hz/d}')
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  fi
  echo "$name $conns $rps $p50 $p99 $share $rss $round"
}

ngx_worker=$(worker_of "$ngx_pid")
hap_worker=$hap_pid
results="$work/results"
: > "$results"
# Each round runs the proxies of a group in a different order (rotated by the round): on this
# VM the run that comes first after a pause or after another kind of load tends to be slower,
# and a fixed order gave that to porticod in every round.
rotated() { # round, then the group's runs as "name port pid [scheme]"
  local r=$1; shift
  local n=$# i
  for ((i = 0; i < n; i++)); do
    local k=$(((i + r) % n + 1))
    echo "${!k}"
  done
}
for round in $(seq "$ROUNDS"); do
  for conns in "${conns_list[@]}"; do
    run upstream $UP - "$conns" >> "$results"
    while read -r name port pid scheme; do
      run "$name" "$port" "$pid" "$conns" "${scheme:-http}" >> "$results"
    done < <(
      rotated "$round" "porticod $PTC $ptc_pid" "porticod-noh $PTC2 $ptc2_pid" \
        "nginx $NGX $ngx_worker" "haproxy $HAP $hap_worker"
      rotated "$round" "porticod-tls $PTCS $ptc_pid https" "nginx-tls $NGXS $ngx_worker https" \
        "haproxy-tls $HAPS $hap_worker https"
      rotated "$round" "porticod-upstls $PTCU $ptcu_pid" "nginx-upstls $NGXU $ngx_worker" \
        "haproxy-upstls $HAPU $hap_worker"
    )
  done
done

idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$ptc_pid/status")
echo "proxy           conns   req/s      p50       p99      cpu   req/s-per-busy-core  RSS(KiB)   (medians of $ROUNDS rounds, ${DURATION}s each)"
for conns in "${conns_list[@]}"; do
  for name in upstream porticod porticod-noh nginx haproxy porticod-tls nginx-tls haproxy-tls \
      porticod-upstls nginx-upstls haproxy-upstls; do
    grep "^$name $conns " "$results" | python3 -c '
import sys, statistics
rows=[l.split() for l in sys.stdin]
def ms(v):
    v=v or "0"
    for unit, f in (("us",0.001),("ms",1.0),("s",1000.0)):
        if v.endswith(unit): return float(v[:-len(unit)])*f
    return float(v)
rps=statistics.median(float(r[2]) for r in rows)
p50=statistics.median(ms(r[3]) for r in rows)
p99=statistics.median(ms(r[4]) for r in rows)
cpu=statistics.median(float(r[5]) for r in rows)
rss=int(statistics.median(int(r[6]) for r in rows))
per=rps/cpu if cpu>0 else 0
print(f"{rows[0][0]:15} {rows[0][1]:>5} {rps:9.0f} {p50:8.3f}ms {p99:8.3f}ms {cpu:7.2f} {per:14.0f} {rss:12d}")
'
  done
done | tee "$work/table"
python3 - "$work/table" <<'PY'
import sys
rows={}
for line in open(sys.argv[1]):
    p=line.split()
    rows[(p[0],p[1])]=p
for conns in sorted({k[1] for k in rows}, key=int, reverse=True):
    for ours, theirs in (("porticod","nginx"), ("porticod-noh","nginx"), ("porticod-tls","nginx-tls"),
                         ("porticod-upstls","nginx-upstls")):
        a,b=rows.get((ours,conns)),rows.get((theirs,conns))
        if not a or not b: continue
        per=lambda r: float(r[6])
        p99=lambda r: float(r[4].rstrip("ms"))
        print(f"{ours}/{theirs} at {conns} conns: req/s-per-busy-core {per(a)/per(b):.2f}x, p99 {p99(a)/p99(b):.2f}x")
PY
# The same ratios taken within each round (the proxies ran seconds apart there), then their
# median and range: this VM's speed drifts between rounds by more than most changes measured.
# From 8 rounds on, also the interval holding 95% of the medians of the rounds resampled with
# replacement (a bootstrap): how far the median itself could be off, given that spread.
python3 - "$results" <<'PY'
import sys, statistics, random
def spread(values):
    if len(values) < 8: return ""
    rng = random.Random(1)
    meds = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(2000))
    return f" [95%: {meds[50]:.2f}-{meds[1949]:.2f}]"
def ms(v):
    for unit, f in (("us",0.001),("ms",1.0),("s",1000.0)):
        if v.endswith(unit): return float(v[:-len(unit)])*f
    return float(v)
rows={}
for line in open(sys.argv[1]):
    p=line.split()
    if len(p) < 8 or float(p[5]) <= 0: continue
    rows[(p[0],p[1],p[7])]=(float(p[2])/float(p[5]), ms(p[4]))
for conns in sorted({k[1] for k in rows}, key=int, reverse=True):
    for ours, theirs in (("porticod","nginx"), ("porticod-noh","nginx"), ("porticod-tls","nginx-tls"),
                         ("porticod-upstls","nginx-upstls")):
        per=[]; p99=[]
        for (name,c,rnd),(v,l) in rows.items():
            if name!=ours or c!=conns or (theirs,c,rnd) not in rows: continue
            tv,tl=rows[(theirs,c,rnd)]
            per.append(v/tv); p99.append(l/tl)
        if not per: continue
        print(f"{ours}/{theirs} at {conns} conns, per round ({len(per)}): req/s-per-busy-core "
              f"{statistics.median(per):.2f}x ({min(per):.2f}-{max(per):.2f}){spread(per)}, "
              f"p99 {statistics.median(p99):.2f}x ({min(p99):.2f}-{max(p99):.2f}){spread(p99)}")
PY
echo "porticod RSS after the runs: ${idle_rss} KiB"
