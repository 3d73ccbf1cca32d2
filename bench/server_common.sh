# Shell helpers shared by the benchmarks that run PraxCloud under gunicorn and wrk
# (side_by_side_postgres.sh, field_encryption_server.sh). Sourced, not run.
# Expects: WORK (a scratch directory), CONNECTIONS, WARMUP, DURATION, log().

json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

rps() {  # rps TOKEN URL [extra wrk args]: requests per second after a warm-up
  local tok="$1" url="$2"; shift 2
  wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" --timeout 10s -H "Authorization: Bearer $tok" "$@" "$url" >/dev/null
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --timeout 10s --latency -H "Authorization: Bearer $tok" "$@" "$url" >"$WORK/w.txt"
  local bad; bad="$(awk '/Non-2xx/ {print $NF}' "$WORK/w.txt")"
  [ -z "$bad" ] || log "non-2xx answers: $bad"
  awk '/^Requests\/sec:/ {print $2}' "$WORK/w.txt"
}

praxcloud_clone() {  # praxcloud_clone SRC: a fresh clone of SRC's HEAD in $WORK/prax, with gunicorn
  git clone -q "$1" "$WORK/prax"
  (cd "$WORK/prax" && python3 -m venv .venv \
    && .venv/bin/pip install -q --disable-pip-version-check -e . gunicorn >&2 && cp production.ini bench.ini)
}

praxcloud_env() {  # praxcloud_env PLATFORM_DB PORT: production.ini's secrets and services
  export PRAXCLOUD_PLATFORM_DB_URL="postgresql+psycopg2://postgres@127.0.0.1:5432/$1"
  export PRAXCLOUD_TENANT_ADMIN_URL="postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
  export PRAXCLOUD_MASTER_KEY="$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')"
  export PRAXCLOUD_BASE_URL="http://127.0.0.1:$2" PRAXCLOUD_REDIS_URL="redis://127.0.0.1:6379/14"
  # Mail is never sent.
  export PRAXCLOUD_SMTP_HOST=127.0.0.1 PRAXCLOUD_SMTP_USER=bench PRAXCLOUD_SMTP_PASSWORD=bench \
         PRAXCLOUD_MAIL_FROM=bench@example.org
}

wait_for_api() {  # wait_for_api PORT TENANT: until the records API answers 401
  local c=""
  for _ in $(seq 1 90); do
    c="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/api/v1/$2/records" || true)"
    [ "$c" = 401 ] && return 0; sleep 1
  done
  log "server on $1 did not come up"; cat "$WORK"/*.log >&2; return 1
}

api_token() {  # api_token PORT TENANT EMAIL PASSWORD
  curl -sf -X POST -H 'Content-Type: application/json' -d "{\"email\":\"$3\",\"password\":\"$4\"}" \
    "http://127.0.0.1:$1/api/v1/$2/auth/login" | json 'd["token"]'
}

seed_records() {  # seed_records PORT TENANT TOKEN N: N records with every field, through the API
  python3 - "$@" <<'PY'
import json, sys, urllib.request
port, tenant, tok, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for i in range(n):
    body = {"name": f"Person {i:04d}", "email": f"person{i}@example.org", "phone": "+31 20 555 %04d" % i,
            "date_of_birth": "1980-01-%02d" % (i % 28 + 1), "notes": "Seeded record for the benchmark. " * 4,
            "fields": {"class": i % 7, "tag": "a"}}
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/{tenant}/records", json.dumps(body).encode(),
                                 {"Content-Type": "application/json", "Authorization": "Bearer " + tok}, method="POST")
    urllib.request.urlopen(req).read()
PY
}
