#!/usr/bin/env bash
# The README's first command: builds Colonies and starts the main job — coloniesd on the embedded
# SQLite store plus a local executor — with a dev colony and keys created, ready for
# `colonies function exec ...`. Ctrl-C stops both. State lives in .colonies/ (delete it to reset).
# Usage: scripts/dev.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEV="$ROOT/.colonies"
BIN="$ROOT/build/bin"
PORT=${COLONIES_SERVER_HTTP_PORT:-50080}

if [[ "${1:-}" != "--no-build" ]]; then
  scripts/install-deps.sh
  cmake -S . -B build -G Ninja -DCOLONIES_BUILD_TESTS=ON -DCOLONIES_BUILD_BENCHMARKS=ON -DCOLONIES_WITH_K8S=ON -DCOLONIES_WITH_MPI=ON -DCOLONIES_WITH_POSTGRES=ON -DCOLONIES_WITH_SLURM=ON -DCOLONIES_WITH_GRPC=ON -DCOLONIES_WITH_HDF5=ON -DCOLONIES_ALLOCATOR=jemalloc >/dev/null
  echo "dev: building coloniesd, colonies and colonies-local-executor (first build takes a few minutes)"
  cmake --build build -j "$(nproc)" --target coloniesd colonies colonies-local-executor
fi

mkdir -p "$DEV"
chmod 0700 "$DEV"
if [[ ! -f "$DEV/dev.env" ]]; then
  key() { "$BIN/colonies" --json security generate; }
  field() { sed -E "s/.*\"$1\":\"([0-9a-f]+)\".*/\1/"; }
  server=$(key); colony=$(key); user=$(key); executor=$(key)
  umask 077
  cat > "$DEV/dev.env" <<ENV
# Colonies development identities, made by scripts/dev.sh. Source it: . .colonies/dev.env
export COLONIES_SERVER_HOST=127.0.0.1
export COLONIES_SERVER_HTTP_PORT=$PORT
export COLONIES_DATA_DIR="$DEV/data"
export COLONIES_SERVER_ID=$(echo "$server" | field id)
export COLONIES_SERVER_PRVKEY=$(echo "$server" | field prvkey)
export COLONIES_COLONY_NAME=dev
export COLONIES_COLONY_PRVKEY=$(echo "$colony" | field prvkey)
export COLONIES_PRVKEY=$(echo "$user" | field prvkey)
export COLONIES_USER_ID=$(echo "$user" | field id)
export COLONIES_EXECUTOR_PRVKEY=$(echo "$executor" | field prvkey)
export COLONIES_EXECUTOR_TYPE=local
export COLONIES_FS_DIR="$DEV/fs"
export PATH="$BIN:\$PATH"
ENV
  echo "dev: created keys in $DEV/dev.env"
fi
# Private keys: readable by you only (docs/security.md), also for a dev.env made by an older
# dev.sh or copied in with a looser mode.
chmod 0600 "$DEV/dev.env"
# shellcheck disable=SC1091
source "$DEV/dev.env"
# File storage of `colonies fs` and the executor (docs/files.md); older dev.env files lack it.
export COLONIES_FS_DIR=${COLONIES_FS_DIR:-$DEV/fs}

if "$BIN/colonies" server status >/dev/null 2>&1; then
  echo "dev: something already answers on 127.0.0.1:$COLONIES_SERVER_HTTP_PORT — stop it first (or set COLONIES_SERVER_HTTP_PORT)" >&2
  exit 1
fi

"$BIN/coloniesd" >"$DEV/coloniesd.log" 2>&1 &
SERVER_PID=$!
EXECUTOR_PID=""
cleanup() {
  # No errexit here: a child's non-zero exit status must not skip stopping the other.
  set +e
  trap - EXIT INT TERM
  if [[ -n "$EXECUTOR_PID" ]]; then
    kill "$EXECUTOR_PID" 2>/dev/null   # finishes running processes first (see docs/executors.md)
    wait "$EXECUTOR_PID" 2>/dev/null
  fi
  kill "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  echo "dev: stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

for _ in $(seq 100); do
  "$BIN/colonies" server status >/dev/null 2>&1 && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "dev: coloniesd exited; its log:" >&2; cat "$DEV/coloniesd.log" >&2; exit 1
  fi
  sleep 0.1
done

# Idempotent setup: a second run finds the colony and the user already there.
ensure() { out=$("$@" 2>&1) || { grep -q "409" <<<"$out" || { echo "$out" >&2; exit 1; }; }; }
ensure "$BIN/colonies" colony add --name dev
ensure "$BIN/colonies" user add --name dev-user --userid "$COLONIES_USER_ID"

# A short long-poll keeps Ctrl-C quick: the executor finishes its in-flight assign before stopping.
"$BIN/colonies-local-executor" --name dev-local --poll-timeout 3 >"$DEV/executor.log" 2>&1 &
EXECUTOR_PID=$!

cat <<MSG

  Colonies is running: coloniesd on http://127.0.0.1:$COLONIES_SERVER_HTTP_PORT (store $COLONIES_DATA_DIR)
  and a local executor 'dev-local' of type 'local' in colony 'dev'.
  Logs: $DEV/coloniesd.log, $DEV/executor.log

  In another terminal:
    . $DEV/dev.env
    colonies function exec --func echo --args hello world --wait
    colonies process ps; colonies process pss; colonies executor ls

  Dashboard: http://127.0.0.1:$COLONIES_SERVER_HTTP_PORT/ (log in with COLONIES_PRVKEY from
  $DEV/dev.env and colony dev; docs/dashboard.md)

  Ctrl-C here stops both.
MSG
wait "$EXECUTOR_PID"
