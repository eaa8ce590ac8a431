#!/usr/bin/env bash
# A local OCI registry on 127.0.0.1 (Debian's docker-registry, the CNCF distribution) for PublishValidationImages
# and its tests: images pushed by podman, pulled back by digest.
#
#   tools/servers/registry.sh start DIR [--port PORT] [--auth USER] [--parent-pid PID]   storage under DIR/storage
#   tools/servers/registry.sh stop DIR [--purge]                                         --purge also removes DIR
#
# start prints the address (127.0.0.1:PORT); on a registry already running from DIR it only prints it again, and
# stop on a stopped one does nothing. PORT: 5000 by default, 0 for a free one. --auth USER turns on htpasswd basic
# auth for USER, whose password is read from standard input (one line; never an argument, so never in the process
# list). The registry serves plain HTTP: clients need --tls-verify=false (--registry-tls-verify=false).
# --parent-pid PID: a watcher stops the registry once PID is gone, so a killed test run leaves nothing behind.
# Needs: docker-registry, apache2-utils (htpasswd), python3, curl (tools/install-prerequisites.sh).
set -euo pipefail

readonly START_TIMEOUT_S=30

usage() {
  sed -n '5,6s/^#  //p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

die() {
  echo "registry: $*" >&2
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pid_of: the registry's pid when it is alive and is ours (its command line names DIR's config), so a recycled pid
# is never signalled.
pid_of() {
  local pid
  [[ -f $dir/registry.pid ]] || return 1
  pid=$(<"$dir/registry.pid")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/config.yml" || return 1
  echo "$pid"
}

cmd_start() {
  local port=5000 user="" parent="" password
  while (($# > 0)); do
    case $1 in
      --port) port=${2:?--port needs a number}; shift 2 ;;
      --auth) user=${2:?--auth needs a user name}; shift 2 ;;
      --parent-pid) parent=${2:?--parent-pid needs a pid}; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ $port =~ ^[0-9]+$ ]] || die "--port '$port': not a number; give a port like 5000 (0: a free one)"
  command -v docker-registry >/dev/null || die "docker-registry is not installed: run tools/install-prerequisites.sh"

  if pid_of >/dev/null; then
    cat "$dir/address"
    return 0
  fi

  mkdir -p "$dir/storage"
  if ((port == 0)); then
    port=$(free_port)
  fi
  local auth=""
  if [[ -n $user ]]; then
    command -v htpasswd >/dev/null || die "htpasswd is not installed (apache2-utils): run tools/install-prerequisites.sh"
    IFS= read -r password || true
    [[ -n $password ]] || die "--auth $user: no password on standard input; pipe it in (printf '%s\\n' \"\$PASSWORD\" | $0 start ...)"
    # -B bcrypt (the only hash the registry accepts), -i password from stdin.
    printf '%s\n' "$password" | htpasswd -B -i -c "$dir/htpasswd" "$user" 2>/dev/null
    auth=$(printf 'auth:\n  htpasswd:\n    realm: gpu-image-builder\n    path: %s\n' "$dir/htpasswd")
  fi

  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: $(python3 -c 'import secrets; print(secrets.token_hex(16))')
$auth
YAML
  echo "127.0.0.1:$port" >"$dir/address"

  setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"

  local waited=0
  until curl -fsS -o /dev/null -w '' "http://127.0.0.1:$port/" 2>/dev/null; do
    if ! pid_of >/dev/null; then
      die "docker-registry exited at start: $(tail -n 3 "$dir/registry.log" | tr '\n' ' ')"
    fi
    ((waited++ < START_TIMEOUT_S * 5)) || die "docker-registry did not answer on 127.0.0.1:$port within ${START_TIMEOUT_S}s (log: $dir/registry.log)"
    sleep 0.2
  done

  if [[ -n $parent ]]; then
    # The watcher holds no terminal and outlives this script; it only ever stops this DIR's registry.
    # shellcheck disable=SC2016 # $1..$3 are the inner bash's arguments, expanded there
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2" stop "$3"' _ "$parent" "$(realpath "${BASH_SOURCE[0]}")" "$dir" \
      >/dev/null 2>&1 </dev/null &
  fi
  cat "$dir/address"
}

cmd_stop() {
  local purge=false pid
  case ${1:-} in
    --purge) purge=true ;;
    "") ;;
    *) usage ;;
  esac
  if pid=$(pid_of); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/registry.pid"
  if $purge; then
    rm -rf "$dir"
  fi
}

(($# >= 2)) || usage
command=$1
if [[ $command == start ]]; then
  mkdir -p "$2"
fi
dir=$(realpath -m "$2")
shift 2
case $command in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  *) usage ;;
esac
