#!/usr/bin/env bash
# A throwaway Vitrine cluster on this machine, all on loopback: one PostgreSQL (the catalog), one
# S3-compatible server (moto: the blobs, kept in memory), two `vitrine serve` processes sharing
# them, and nginx in front as the load balancer. For trying the scale-out set-up and for tests;
# production is described in docs/scale-out.md.
#
#   tools/local-cluster.sh up [DIR]     start (DIR default ./local-cluster); prints the URL
#   tools/local-cluster.sh down [DIR]   stop everything and remove DIR
#
# DIR/cluster.env records the ports, URLs and process ids (tests read it). Needs the vitrine
# binary (make build, or VITRINE=path), PostgreSQL, nginx and python3 with moto.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/tools/lib/services.sh"

command="${1:-}"
dir=$(realpath -m "${2:-./local-cluster}")
vitrine="${VITRINE:-$root/build/release/bin/vitrine}"

down() {
  [ -f "$dir/cluster.env" ] || { echo "no cluster in $dir" >&2; return 0; }
  # shellcheck disable=SC1091
  source "$dir/cluster.env"
  [ -n "${NGINX_PID:-}" ] && kill "$NGINX_PID" 2>/dev/null || true
  for pid in ${SERVER_PIDS:-} ${MOTO_PID:-}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${SERVER_PIDS:-} ${MOTO_PID:-} ${NGINX_PID:-}; do
    wait_for "! kill -0 $pid" 30 || kill -9 "$pid" 2>/dev/null || true
  done
  stop_postgres "$dir/pg"
  rm -rf "$dir"
  echo "local cluster in $dir stopped and removed"
}

start_server() {
  local n="$1" port
  port=$(free_port)
  mkdir -p "$dir/server$n"
  chmod 700 "$dir/server$n"
  # $! is the server itself: exec replaces the subshell.
  ("$vitrine" serve --data "$dir/server$n" --catalog "$CATALOG" --blobs "$BLOBS" --listen "127.0.0.1:$port" \
    --trusted-proxy 127.0.0.1 --threads 2 >"$dir/server$n/server.log" 2>&1 &
   echo $! >"$dir/server$n/pid")
  echo "$port"
}

up() {
  [ -x "$vitrine" ] || { echo "no vitrine binary at $vitrine: run make build first (or set VITRINE)" >&2; exit 1; }
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "nginx is not installed" >&2; exit 1; }
  [ -e "$dir/cluster.env" ] && { echo "a cluster already runs in $dir: tools/local-cluster.sh down $dir" >&2; exit 1; }
  mkdir -p "$dir"
  chmod 755 "$dir"
  trap 'echo "start failed: logs in $dir" >&2' ERR

  local pg_port s3_port lb_port
  pg_port=$(free_port)
  start_postgres "$dir/pg" "$pg_port" durable
  psql -q -X -v ON_ERROR_STOP=1 "postgresql://vitrine@127.0.0.1:$pg_port/postgres" -c 'CREATE DATABASE vitrine' >/dev/null
  CATALOG="postgresql://vitrine@127.0.0.1:$pg_port/vitrine"

  s3_port=$(free_port)
  export AWS_ACCESS_KEY_ID=local-cluster AWS_SECRET_ACCESS_KEY=local-cluster-secret
  MOTO_PID=$(start_moto "$dir/s3" "$s3_port" vitrine)
  BLOBS="s3://vitrine?endpoint=http://127.0.0.1:$s3_port&region=us-east-1"

  # Both at once, as after a deployment: the catalog's migrations and the first administrator
  # must come out right whichever server gets there first.
  local port1 port2
  port1=$(start_server 1)
  port2=$(start_server 2)
  SERVER_PIDS="$(cat "$dir/server1/pid") $(cat "$dir/server2/pid")"
  for port in $port1 $port2; do
    wait_for "curl -sf -o /dev/null http://127.0.0.1:$port/api/v1/health" 60 ||
      { cat "$dir"/server*/server.log >&2; echo "a server did not start" >&2; exit 1; }
  done

  lb_port=${LB_PORT:-$(free_port)}
  NGINX_PID=$(start_nginx "$dir/nginx" "$lb_port" "$port1" "$port2")
  local admin_file
  admin_file=$(ls "$dir"/server*/admin-password 2>/dev/null | head -1)
  cat >"$dir/cluster.env" <<ENV
URL=http://127.0.0.1:$lb_port
CATALOG=$CATALOG
BLOBS='$BLOBS'
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
PG_DIR=$dir/pg
PG_PORT=$pg_port
S3_PORT=$s3_port
SERVER_PORTS="$port1 $port2"
SERVER_PIDS="$SERVER_PIDS"
MOTO_PID=$MOTO_PID
NGINX_PID=$NGINX_PID
ADMIN_PASSWORD_FILE=$admin_file
ENV
  trap - ERR
  echo "Vitrine cluster up: http://127.0.0.1:$lb_port (servers on ports $port1 and $port2, behind nginx)"
  echo "  catalog: $CATALOG"
  echo "  blobs:   $BLOBS (moto, in memory)"
  echo "  sign in as admin with the password in $admin_file"
  echo "  stop with: tools/local-cluster.sh down $dir"
}

case "$command" in
  up) up ;;
  down) down ;;
  *) echo "usage: tools/local-cluster.sh up|down [DIR]" >&2; exit 2 ;;
esac
