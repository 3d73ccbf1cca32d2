#!/usr/bin/env bash
# What field encryption costs the records page as production serves it (issue 13, P8):
# PraxCloud's committed HEAD under production.ini and gunicorn, on PostgreSQL, two
# tenants with the same RECORDS records (every field filled, through the API):
# `plain`, and `encrypted` with field_encryption enabled before seeding (every
# personal field encrypted: a page of 50 decrypts 300 values). Rounds alternate
# the two tenants on the same server, wrk -t1 -cCONNECTIONS on
# GET /api/v1/{tenant}/records?per_page=50; prints requests per second, the
# workers' CPU milliseconds per request (what the machine's other load blurs
# least), and the ratios encrypted / plain (target >= 0.9).
# The in-process figure, which leaves out the HTTP server and the database
# round trips, is bench/field_encryption.py.
#
# Run from the project checkout:  bash bench/field_encryption_server.sh
# Env: ROUNDS=5 DURATION=8s WARMUP=2s WORKERS=2 CONNECTIONS=4 RECORDS=200
set -euo pipefail
SRC="$(pwd)"
PG="postgresql://postgres@127.0.0.1:5432"
PLATFORM_DB="febench_platform_$$"
ROUNDS="${ROUNDS:-5}"; DURATION="${DURATION:-8s}"; WARMUP="${WARMUP:-2s}"
WORKERS="${WORKERS:-2}"; CONNECTIONS="${CONNECTIONS:-4}"; RECORDS="${RECORDS:-200}"
PORT=18082
EMAIL=bench@example.org; PASSWORD="correct horse battery staple"
TENANTS=(plain encrypted)
log() { printf '[fe-server] %s\n' "$*" >&2; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

WORK="$(mktemp -d /tmp/febench.XXXXXX)"
# shellcheck source=bench/server_common.sh
source "$SRC/bench/server_common.sh"
SERVER=""
cleanup() { [ -z "$SERVER" ] || { kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
            if [ -x "$WORK/prax/.venv/bin/praxcloud" ]; then
              for t in "${TENANTS[@]}"; do
                (cd "$WORK/prax" && .venv/bin/praxcloud -c bench.ini tenant delete "$t" --yes >/dev/null 2>&1) || true
              done
            fi
            psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $PLATFORM_DB" >/dev/null 2>&1 || true
            [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT

psql -q "$PG/postgres" -c "CREATE DATABASE $PLATFORM_DB"
praxcloud_clone "$SRC"
cd "$WORK/prax"
praxcloud_env "$PLATFORM_DB" "$PORT"
X=".venv/bin/praxcloud -c bench.ini"
$X db upgrade >&2
for t in "${TENANTS[@]}"; do
  $X tenant create "$t" --name "$t" >&2
  PRAXCLOUD_PASSWORD="$PASSWORD" $X user create "$t" "$EMAIL" --group staff >&2
done
$X plugins enable encrypted field_encryption >&2
.venv/bin/gunicorn --paste bench.ini --workers "$WORKERS" --worker-class sync --bind "127.0.0.1:$PORT" \
  --log-level warning >"$WORK/prax.log" 2>&1 &
SERVER=$!
wait_for_api "$PORT" plain
declare -A TOKEN URL
for t in "${TENANTS[@]}"; do
  TOKEN[$t]="$(api_token "$PORT" "$t" "$EMAIL" "$PASSWORD")"
  log "seeding $RECORDS records in $t through the API"
  seed_records "$PORT" "$t" "${TOKEN[$t]}" "$RECORDS"
  URL[$t]="http://127.0.0.1:$PORT/api/v1/$t/records?page=1&per_page=50"
done
# The two pages must be the same records, the encrypted one stored encrypted.
same="$(for t in "${TENANTS[@]}"; do curl -sf -H "Authorization: Bearer ${TOKEN[$t]}" "${URL[$t]}" \
  | json '[(i["name"], i["email"], i["phone"], i["date_of_birth"], i["notes"], i["fields"]) for i in d["items"]]'; done \
  | uniq | wc -l)"
[ "$same" = 1 ] || { log "the two tenants' pages differ"; exit 1; }
db="$(psql -qtA "$PG/postgres" -c "SELECT datname FROM pg_database WHERE datname LIKE '%encrypted%' LIMIT 1")"
stored="$(psql -qtA "$PG/$db" -c "SELECT name FROM records LIMIT 1")"
log "a name as the encrypted tenant's database holds it: ${stored:0:40}..."

workers_cpu_ticks() {  # user + system clock ticks of the gunicorn workers
  local total=0 pid
  for pid in $(pgrep -P "$SERVER"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
TICK="$(getconf CLK_TCK)"
declare -A RATE CPU
for r in $(seq 1 "$ROUNDS"); do
  order=("${TENANTS[@]}"); [ $((r % 2)) = 0 ] && order=(encrypted plain)
  for t in "${order[@]}"; do
    before="$(workers_cpu_ticks)"
    RATE[$t$r]="$(rps "${TOKEN[$t]}" "${URL[$t]}")"
    requests="$(awk '/requests in/ {print $1}' "$WORK/w.txt")"
    # The warm-up's requests are counted too: CPU over both wrk runs' requests.
    after="$(workers_cpu_ticks)"
    CPU[$t$r]="$(python3 -c "print(round(($after - $before) / $TICK * 1000 / ($requests + ${RATE[$t$r]} * ${WARMUP%s}), 3))")"
  done
  log "round $r: plain ${RATE[plain$r]} req/s (${CPU[plain$r]} ms CPU), encrypted ${RATE[encrypted$r]} req/s (${CPU[encrypted$r]} ms CPU)"
done
echo "field encryption under gunicorn $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds, $WORKERS sync workers, wrk -t1 -c$CONNECTIONS -d$DURATION, PostgreSQL, page of 50 (300 encrypted values)"
p=(); e=(); pc=(); ec=()
for r in $(seq 1 "$ROUNDS"); do p+=("${RATE[plain$r]}"); e+=("${RATE[encrypted$r]}"); pc+=("${CPU[plain$r]}"); ec+=("${CPU[encrypted$r]}"); done
mp="$(med "${p[@]}")"; me="$(med "${e[@]}")"; mpc="$(med "${pc[@]}")"; mec="$(med "${ec[@]}")"
echo "requests per second: plain $mp, encrypted $me, ratio $(python3 -c "print(round($me/$mp, 3))") (target >= 0.9)"
echo "workers' CPU per request: plain $mpc ms, encrypted $mec ms, ratio plain/encrypted $(python3 -c "print(round($mpc/$mec, 3))")"
