# Helpers shared by the devnet scripts (da.sh, committee.sh); sourced, not run. The caller
# sets `root` (the repository) and `dir` (the devnet's directory) first.

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

# The binary: DSDN_BIN, else the default build, else dsdn-coordinator on PATH.
bin="${DSDN_BIN:-}"
if [[ -z "$bin" ]]; then
  if [[ -x "$root/build/default/dsdn-coordinator" ]]; then
    bin="$root/build/default/dsdn-coordinator"
  else
    bin="$(command -v dsdn-coordinator || true)"
  fi
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for_line() {  # file pattern seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

log_field() {  # file marker key
  grep -m1 "$2" "$1" | sed -n "s/.* $3=\([^ ]*\).*/\1/p"
}

alive() {  # pid: running (a zombie not yet reaped by its new parent counts as gone)
  kill -0 "$1" 2>/dev/null || return 1
  [[ "$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

stop_one() {  # pid file: SIGTERM, then SIGKILL after 20 s
  local pid
  pid="$(cat "$1")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 200); do
    alive "$pid" || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
}

# Every process with a pid file in DIR: all get SIGTERM at once, then each is waited for.
stop_rest() {
  local f
  shopt -s nullglob
  for f in "$dir"/*.pid; do
    kill -TERM "$(cat "$f")" 2>/dev/null || true
  done
  for f in "$dir"/*.pid; do
    stop_one "$f"
  done
}

# Refuses to start without the binary or python3, or over a devnet still running in DIR.
preflight() {
  [[ -x "$bin" ]] || { echo "dsdn-coordinator not found (set DSDN_BIN)" >&2; exit 1; }
  command -v python3 >/dev/null || { echo "python3 is needed to pick free ports" >&2; exit 1; }
  if compgen -G "$dir/*.pid" >/dev/null; then
    echo "$dir already has a running devnet (stop it first)" >&2
    exit 1
  fi
  mkdir -p "$dir"
}
