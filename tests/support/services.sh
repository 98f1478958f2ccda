#!/usr/bin/env bash
# Runs a command beside throwaway servers on loopback, then stops them:
#   services.sh [--postgres] [--s3] [--s3-auth] -- command [args...]
#
# --postgres  a PostgreSQL cluster on a free port; exports VITRINE_TEST_POSTGRES, a URL whose
#             role may create databases (and VITRINE_TEST_POSTGRES_DATA, _BIN to restart it).
# --s3        moto's S3 server on a free port, bucket vitrine-tests made; exports VITRINE_TEST_S3
#             and the AWS_* credentials it accepts.
# --s3-auth   as --s3 with moto checking signatures (an IAM user's generated keys are exported),
#             and VITRINE_TEST_S3_AUTH=1 for the tests that check signatures.
#
# The command's exit status is the script's. Servers are stopped on any exit and their folder
# removed (kept with KEEP_SERVICES=1, for a look at the logs).
set -euo pipefail
source "$(dirname "$0")/../../tools/lib/services.sh"

want_postgres=0
want_s3=0
s3_auth=0
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) want_postgres=1 ;;
    --s3) want_s3=1 ;;
    --s3-auth) want_s3=1; s3_auth=1 ;;
    --) shift; break ;;
    *) echo "services.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ $# -gt 0 ] || { echo "services.sh: no command given after --" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-services.XXXXXX")
chmod 755 "$work"
moto_pid=""

stop_all() {
  local status=$?
  [ "$want_postgres" = 1 ] && stop_postgres "$work/pg"
  if [ -n "$moto_pid" ]; then kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; fi
  if [ "${KEEP_SERVICES:-0}" = 1 ]; then echo "services.sh: logs kept in $work" >&2; else rm -rf "$work"; fi
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

if [ "$want_postgres" = 1 ]; then
  pg_port=$(free_port)
  start_postgres "$work/pg" "$pg_port"
  export VITRINE_TEST_POSTGRES="postgresql://vitrine@127.0.0.1:$pg_port/postgres"
  export VITRINE_TEST_POSTGRES_DATA="$work/pg/data"
  VITRINE_TEST_POSTGRES_BIN=$(postgres_bin)
  export VITRINE_TEST_POSTGRES_BIN
fi

if [ "$want_s3" = 1 ]; then
  export AWS_ACCESS_KEY_ID=vitrine-test-key AWS_SECRET_ACCESS_KEY=vitrine-test-secret
  unset AWS_SESSION_TOKEN AWS_PROFILE || true
  s3_port=$(free_port)
  moto_pid=$(start_moto "$work/s3" "$s3_port" vitrine-tests "$([ "$s3_auth" = 1 ] && echo auth)")
  if [ "$s3_auth" = 1 ]; then
    AWS_ACCESS_KEY_ID=$(sed -n 's/^AWS_ACCESS_KEY_ID=//p' "$work/s3/credentials")
    AWS_SECRET_ACCESS_KEY=$(sed -n 's/^AWS_SECRET_ACCESS_KEY=//p' "$work/s3/credentials")
  fi
  export VITRINE_TEST_S3="s3://vitrine-tests?endpoint=http://127.0.0.1:$s3_port&region=us-east-1"
  export VITRINE_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
  [ "$s3_auth" = 1 ] && export VITRINE_TEST_S3_AUTH=1
fi

set +e
"$@"
status=$?
set -e
exit "$status"
