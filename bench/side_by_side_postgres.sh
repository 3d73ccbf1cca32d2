#!/usr/bin/env bash
# ../shared/peers/side_by_side.sh on PostgreSQL: PraxCloud under production.ini, the peer
# with DATABASE_URL, both on the local server (127.0.0.1:5432, user postgres, trust auth).
# PraxCloud's shared state and broker on the local Redis (database 14).
#
# Run from the project checkout:  bash bench/side_by_side_postgres.sh   (it measures the committed HEAD)
# Both apps: PostgreSQL, gunicorn with WORKERS sync workers, 1,000 records, wrk -t1 -c4.
# Rounds alternate peer / praxcloud so that the machine's drift falls on both.
# PraxCloud runs a fresh clone of the checkout's HEAD with `ENABLE` plugins
# enabled on the bench tenant (default: every installed plugin whose name is in
# ENABLE and that `plugins list` shows). Prints a line per round and the ratios.
# Env: ROUNDS=3 DURATION=10s WARMUP=2s WORKERS=2 CONNECTIONS=4 RECORDS=1000
#      ENABLE="..." (space separated plugin names; "" = none) LOGIN=1 (also bench login)
set -euo pipefail
SRC="$(pwd)"
HERE="$(cd "$SRC/../shared/peers" && pwd)"
PEER="$HERE/django_records"
PG="postgresql://postgres@127.0.0.1:5432"
SUFFIX="$$"
PEER_DB="sbs_peer_$SUFFIX"; PLATFORM_DB="sbs_platform_$SUFFIX"
ROUNDS="${ROUNDS:-3}"; DURATION="${DURATION:-10s}"; WARMUP="${WARMUP:-2s}"
WORKERS="${WORKERS:-2}"; CONNECTIONS="${CONNECTIONS:-4}"; RECORDS="${RECORDS:-1000}"
LOGIN="${LOGIN:-1}"
ENABLE="${ENABLE-}"
PPORT=18080; XPORT=18081
EMAIL=bench@example.org; PASSWORD="correct horse battery staple"
export PEER_TENANT=demo PEER_EMAIL="$EMAIL" PEER_PASSWORD="$PASSWORD"
log() { printf '[sbs] %s\n' "$*" >&2; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

WORK="$(mktemp -d /tmp/sbs.XXXXXX)"
# shellcheck source=bench/server_common.sh
source "$SRC/bench/server_common.sh"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
            if [ -x "$WORK/prax/.venv/bin/praxcloud" ]; then
              (cd "$WORK/prax" && .venv/bin/praxcloud -c bench.ini tenant delete demo --yes >/dev/null 2>&1) || true
            fi
            psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $PEER_DB" -c "DROP DATABASE IF EXISTS $PLATFORM_DB" >/dev/null 2>&1 || true
            [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT

# --- peer: Django 5.2 LTS on the same Python 3.11 as praxcloud ---------------
PVENV=/tmp/django_records_peer/venv-py3.11
STAMP="$(sha256sum < "$PEER/requirements.txt" | cut -c1-16)"
if [ "$(cat "$PVENV/.requirements-stamp" 2>/dev/null || true)" != "$STAMP" ]; then
  log "peer venv"; rm -rf "$PVENV"; mkdir -p "$(dirname "$PVENV")"; python3 -m venv "$PVENV"
  "$PVENV/bin/pip" install -q --disable-pip-version-check -r "$PEER/requirements.txt" >&2
  echo "$STAMP" > "$PVENV/.requirements-stamp"
fi
psql -q "$PG/postgres" -c "CREATE DATABASE $PEER_DB" -c "CREATE DATABASE $PLATFORM_DB"
export DATABASE_URL="$PG/$PEER_DB"
( cd "$PEER" && PYTHONDONTWRITEBYTECODE=1 "$PVENV/bin/python" manage.py migrate --no-input -v0 \
  && PYTHONDONTWRITEBYTECODE=1 "$PVENV/bin/python" manage.py seed --reset --records "$RECORDS" --email "$EMAIL" --password "$PASSWORD" >&2 )
( cd "$PEER" && PYTHONDONTWRITEBYTECODE=1 exec "$PVENV/bin/gunicorn" peer.wsgi:application --workers "$WORKERS" \
  --worker-class sync --bind "127.0.0.1:$PPORT" --log-level warning ) >"$WORK/peer.log" 2>&1 &
PIDS+=($!)

# --- praxcloud: a fresh clone of HEAD ------------------------------------------
praxcloud_clone "$SRC"
cd "$WORK/prax"
# production.ini as it is, its secrets and services from the environment.
praxcloud_env "$PLATFORM_DB" "$XPORT"
X=".venv/bin/praxcloud -c bench.ini"
$X db upgrade >&2
$X tenant create demo --name Demo >&2
PRAXCLOUD_PASSWORD="$PASSWORD" $X user create demo "$EMAIL" --group staff >&2
for p in $ENABLE; do $X plugins enable demo "$p" >&2 || log "could not enable $p"; done
$X plugins list --tenant demo >&2 || true
.venv/bin/gunicorn --paste bench.ini --workers "$WORKERS" --worker-class sync --bind "127.0.0.1:$XPORT" \
  --log-level warning >"$WORK/prax.log" 2>&1 &
PIDS+=($!)

for port in $PPORT $XPORT; do wait_for_api "$port" demo; done
PTOK="$(api_token $PPORT demo "$EMAIL" "$PASSWORD")"; XTOK="$(api_token $XPORT demo "$EMAIL" "$PASSWORD")"
log "seeding $RECORDS praxcloud records through the API"
seed_records "$XPORT" demo "$XTOK" "$RECORDS"
PURL_A="http://127.0.0.1:$PPORT/api/v1/demo/records?page=1"
XURL_A="http://127.0.0.1:$XPORT/api/v1/demo/records?page=1&per_page=50"
PID1="$(curl -sf -H "Authorization: Bearer $PTOK" "$PURL_A" | json 'd["results"][25]["id"]')"
XID1="$(curl -sf -H "Authorization: Bearer $XTOK" "$XURL_A" | json 'd["items"][25]["id"]')"
PN="$(curl -sf -H "Authorization: Bearer $PTOK" "$PURL_A" | json 'len(d["results"])')"
XN="$(curl -sf -H "Authorization: Bearer $XTOK" "$XURL_A" | json 'len(d["items"])')"
PB="$(curl -sf -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $PTOK" "$PURL_A")"
XB="$(curl -sf -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $XTOK" "$XURL_A")"
log "page of $PN peer ($PB bytes), $XN praxcloud ($XB bytes)"

declare -A R
for r in $(seq 1 "$ROUNDS"); do
  R[pa$r]="$(rps "$PTOK" "$PURL_A")"; R[xa$r]="$(rps "$XTOK" "$XURL_A")"
  R[pb$r]="$(rps "$PTOK" "http://127.0.0.1:$PPORT/api/v1/demo/records/$PID1")"
  R[xb$r]="$(rps "$XTOK" "http://127.0.0.1:$XPORT/api/v1/demo/records/$XID1")"
  if [ "$LOGIN" = 1 ]; then
    R[pc$r]="$(rps none "http://127.0.0.1:$PPORT/api/v1/demo/auth/login" -s "$PEER/login.lua")"
    R[xc$r]="$(rps none "http://127.0.0.1:$XPORT/api/v1/demo/auth/login" -s "$PEER/login.lua")"
  fi
  log "round $r: page peer ${R[pa$r]} prax ${R[xa$r]} | one peer ${R[pb$r]} prax ${R[xb$r]} | login peer ${R[pc$r]:--} prax ${R[xc$r]:--}"
done
echo "side by side $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg), $ROUNDS rounds, gunicorn $WORKERS sync workers, wrk -t1 -c$CONNECTIONS -d$DURATION, PostgreSQL, enabled: ${ENABLE:-none}"
for k in a b c; do
  [ "$k" = c ] && [ "$LOGIN" != 1 ] && continue
  p=(); x=(); for r in $(seq 1 "$ROUNDS"); do p+=("${R[p$k$r]}"); x+=("${R[x$k$r]}"); done
  mp="$(med "${p[@]}")"; mx="$(med "${x[@]}")"
  name=$([ $k = a ] && echo "page of 50" || ([ $k = b ] && echo "one record" || echo "login"))
  echo "$name: peer $mp req/s, praxcloud $mx req/s, ratio $(python3 -c "print(round($mx/$mp, 3))")"
done
