# Throwaway servers on loopback, for tests/support/services.sh and tools/local-cluster.sh.
# Source this file; every function works under `set -euo pipefail` and every wait is bounded.

# A port the kernel considers free now (bound and released; the server binds it a moment later).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to $2 seconds for the command string $1 to succeed.
wait_for() {
  local check="$1" seconds="$2" i
  for ((i = 0; i < seconds * 10; i++)); do
    if eval "$check" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

# The newest installed PostgreSQL server's bin folder.
postgres_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt install postgresql)" >&2; return 1; }
  echo "$bin"
}

# Runs a PostgreSQL tool as the cluster's owner: the postgres user when we are root (initdb
# refuses root), else ourselves.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres DIR PORT [durable]: a new cluster in DIR/data listening on 127.0.0.1:PORT, its
# socket in DIR, superuser `vitrine` without password (trust on loopback only). Without
# `durable`, fsync is off: a test cluster is thrown away, and fsync is most of its write time.
start_postgres() {
  local dir="$1" port="$2" durable="${3:-}" bin
  bin=$(postgres_bin)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  as_postgres "$bin/initdb" -D "$dir/data" -A trust -U vitrine -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  local settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "$durable" = durable ] && settings=""
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 $settings" start >/dev/null ||
    { cat "$dir/server.log" >&2; return 1; }
}

stop_postgres() {
  local dir="$1" bin
  bin=$(postgres_bin) || return 0
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
}

# start_moto DIR PORT BUCKET [auth]: moto's S3 server on 127.0.0.1:PORT with BUCKET made; prints its pid.
# It keeps objects in memory: they go when it stops.
# With `auth`, moto checks every request's signature and permissions: it serves the first
# INITIAL_NO_AUTH_ACTION_COUNT actions unchecked, which are spent on the bucket and an IAM user
# allowed everything, whose generated keys go to DIR/credentials (AWS_ACCESS_KEY_ID=..., one a line).
start_moto() {
  local dir="$1" port="$2" bucket="$3" auth="${4:-}" pid unchecked=""
  python3 -c 'import moto.server' 2>/dev/null ||
    { echo "python3 cannot import moto (the S3 server used here): pip or apt install moto" >&2; return 1; }
  mkdir -p "$dir"
  [ "$auth" = auth ] && unchecked=4  # the bucket, CreateUser, PutUserPolicy, CreateAccessKey
  (cd "$dir" && INITIAL_NO_AUTH_ACTION_COUNT="${unchecked:-inf}" exec python3 -m moto.server -H 127.0.0.1 -p "$port" \
    >>"$dir/server.log" 2>&1) &
  pid=$!
  wait_for "curl -sf -o /dev/null http://127.0.0.1:$port/moto-api/" 60 ||
    { cat "$dir/server.log" >&2; echo "moto did not start" >&2; kill "$pid" 2>/dev/null; return 1; }
  curl -sf -X PUT "http://127.0.0.1:$port/$bucket" -o /dev/null ||
    { echo "could not create bucket $bucket" >&2; kill "$pid" 2>/dev/null; return 1; }
  if [ "$auth" = auth ]; then
    moto_make_user "http://127.0.0.1:$port" >"$dir/credentials" ||
      { echo "could not create moto's IAM user" >&2; kill "$pid" 2>/dev/null; return 1; }
  fi
  echo "$pid"
}

# moto_make_user ENDPOINT: an IAM user allowed everything, and an access key for it, printed as
# AWS_ACCESS_KEY_ID=... and AWS_SECRET_ACCESS_KEY=... lines. moto's single server picks the
# service from the credential scope of the Authorization header, which it does not check yet.
moto_make_user() {
  local endpoint="$1" scope keys id secret
  scope="Authorization: AWS4-HMAC-SHA256 Credential=setup/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0"
  curl -sf -X POST "$endpoint/" -H "$scope" -d "Action=CreateUser&UserName=vitrine&Version=2010-05-08" -o /dev/null
  curl -sf -X POST "$endpoint/" -H "$scope" -d "Action=PutUserPolicy&UserName=vitrine&PolicyName=all&Version=2010-05-08" \
    --data-urlencode 'PolicyDocument={"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' \
    -o /dev/null
  keys=$(curl -sf -X POST "$endpoint/" -H "$scope" -d "Action=CreateAccessKey&UserName=vitrine&Version=2010-05-08")
  id=$(sed -n 's:.*<AccessKeyId>\([^<]*\)</AccessKeyId>.*:\1:p' <<<"$keys")
  secret=$(sed -n 's:.*<SecretAccessKey>\([^<]*\)</SecretAccessKey>.*:\1:p' <<<"$keys")
  [ -n "$id" ] && [ -n "$secret" ] || return 1
  printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$id" "$secret"
}

# start_nginx DIR PORT UPSTREAM_PORT...: nginx on 127.0.0.1:PORT balancing over the Vitrine
# servers on the upstream ports (least connections, streaming both ways); prints its pid.
start_nginx() {
  local dir="$1" port="$2" upstreams="" pid
  shift 2
  for upstream in "$@"; do upstreams+="    server 127.0.0.1:$upstream max_fails=0;"$'\n'; done
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "nginx is not installed (apt install nginx-light)" >&2; return 1; }
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  upstream vitrine {
    least_conn;
$upstreams    keepalive 32;
  }
  server {
    listen 127.0.0.1:$port;
    client_max_body_size 0;           # Vitrine limits bodies itself
    proxy_request_buffering off;      # uploads stream through
    proxy_buffering off;              # and downloads too
    proxy_http_version 1.1;
    proxy_read_timeout 600s;
    location / {
      proxy_pass http://vitrine;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_next_upstream error timeout;
    }
  }
}
CONF
  (PATH="$PATH:/usr/sbin" exec nginx -c "$dir/nginx.conf" -p "$dir" >"$dir/stdout.log" 2>&1) &
  pid=$!
  wait_for "curl -sf -o /dev/null http://127.0.0.1:$port/api/v1/health" 30 ||
    { cat "$dir/error.log" >&2; echo "nginx did not start" >&2; kill "$pid" 2>/dev/null; return 1; }
  echo "$pid"
}
