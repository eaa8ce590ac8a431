#!/usr/bin/env bash
# Both servers a publish needs, on 127.0.0.1, so Upload and Register can be tried without a cloud account:
# a real S3 server (Ceph RGW, tools/servers/ceph-rgw.sh) with a bucket gpu-images, and the region emulator
# (tools/RegionEmulator) that accepts one random token for one organization and one region.
#
#   tools/local-servers.sh start [DIR]    start both (default DIR: output/local-servers); writes DIR/local.env
#   tools/local-servers.sh status [DIR]   which of the two run, and where
#   tools/local-servers.sh stop [DIR]     stop both (DIR stays: the logs are in it; rm -rf it afterwards)
#
# DIR/local.env (mode 600) holds every setting Upload and Register read, under the build's own names, so
#   ./build.sh --target=Publish --env-file=DIR/local.env
# publishes to these servers. start is idempotent: a running server is left alone, the token and IDs in an
# existing local.env are kept (the emulator's catalogue is in memory: a restarted emulator starts empty).
# The token is on the emulator's command line (visible in ps to this machine's users): it only opens the emulator.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly ROOT=$PWD
readonly RGW=$ROOT/tools/servers/ceph-rgw.sh
readonly BUCKET=gpu-images
readonly EMULATOR_DLL=$ROOT/tools/RegionEmulator/bin/Release/net10.0/RegionEmulator.dll

usage() {
  sed -n '6,8s/^#  //p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

die() {
  echo "local-servers: $*" >&2
  exit 1
}

# Debian's awscli by path (a pyenv shim may shadow `aws`), without this machine's AWS_CA_BUNDLE (the endpoint is
# plain http) and without the EC2 metadata probe (seconds of timeouts off EC2).
aws_rgw() {
  env -u AWS_CA_BUNDLE AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION="$S3_REGION" \
    AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
    /usr/bin/aws --endpoint-url "$S3_ENDPOINT" "$@"
}

# value_of FILE KEY: the value of KEY=... in FILE, empty when absent.
value_of() {
  [[ -f $1 ]] || return 0
  sed -n "s/^$2=//p" "$1" | tail -n 1
}

emulator_pid() {
  local pid
  [[ -f $dir/emulator.pid ]] || return 1
  pid=$(<"$dir/emulator.pid")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF RegionEmulator.dll || return 1
  echo "$pid"
}

rgw_running() {
  [[ -f $dir/rgw/s3.env ]] && "$RGW" env "$dir/rgw" >/dev/null 2>&1 &&
    curl -fsS --max-time 2 "$(value_of "$dir/rgw/s3.env" S3_ENDPOINT)/" >/dev/null 2>&1
}

emulator_stale() {
  [[ ! -f $EMULATOR_DLL ]] && return 0
  [[ -n $(find "$ROOT/tools/RegionEmulator" "$ROOT/contracts/region" "$ROOT/Directory.Build.props" "$ROOT/global.json" \
    -type f -newer "$EMULATOR_DLL" -not -path '*/bin/*' -not -path '*/obj/*' -print -quit 2>/dev/null) ]]
}

start_emulator() {
  local org=$1 region=$2 token=$3 i url=
  [[ -x $(command -v dotnet) ]] || die "dotnet is not installed (see README.md, Prerequisites)"
  # Built in Release (so the tests' Debug builds do not race it), and only when a source is newer than the dll:
  # even a no-op `dotnet build` costs 2 s here, and far more on a loaded machine.
  if emulator_stale; then
    dotnet build "$ROOT/tools/RegionEmulator" -c Release --nologo -v quiet >"$dir/emulator-build.log" 2>&1 ||
      { tail -n 20 "$dir/emulator-build.log" >&2; die "building tools/RegionEmulator failed (log: $dir/emulator-build.log)"; }
  fi
  # setsid: the emulator outlives this shell and its terminal; stop finds it by its pid file.
  setsid nohup dotnet "$EMULATOR_DLL" --port=0 "--token=$token:$org" "--region=$region" \
    >"$dir/emulator.log" 2>&1 </dev/null &
  echo $! >"$dir/emulator.pid"
  for ((i = 0; i < 300; i++)); do
    url=$(value_of "$dir/emulator.log" REGION_EMULATOR_URL)
    [[ -n $url ]] && break
    emulator_pid >/dev/null || { tail -n 20 "$dir/emulator.log" >&2; die "the region emulator exited (log: $dir/emulator.log)"; }
    sleep 0.2
  done
  [[ -n $url ]] || { stop_emulator; die "the region emulator printed no REGION_EMULATOR_URL within 60 s (log: $dir/emulator.log)"; }
}

stop_emulator() {
  local pid i
  pid=$(emulator_pid) || { rm -f "$dir/emulator.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/emulator.pid"
}

cmd_start() {
  local started=$SECONDS org region token
  mkdir -p "$dir"
  chmod 700 "$dir"
  # Keep the identity of an earlier start: a user's notes and scripts may name this organization and token.
  org=$(value_of "$dir/local.env" NSCALE_ORG_ID)
  region=$(value_of "$dir/local.env" NSCALE_REGION_ID)
  token=$(value_of "$dir/local.env" NSCALE_API_TOKEN)
  # The build's parameters want UUIDs for both IDs (the service parses them so).
  [[ -n $org ]] || org=$(uuidgen)
  [[ -n $region ]] || region=$(uuidgen)
  [[ -n $token ]] || token=local-$(python3 -c 'import secrets; print(secrets.token_hex(24))')

  "$RGW" start "$dir/rgw" >/dev/null
  local S3_ENDPOINT S3_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  S3_ENDPOINT=$(value_of "$dir/rgw/s3.env" S3_ENDPOINT)
  S3_REGION=$(value_of "$dir/rgw/s3.env" S3_REGION)
  AWS_ACCESS_KEY_ID=$(value_of "$dir/rgw/s3.env" AWS_ACCESS_KEY_ID)
  AWS_SECRET_ACCESS_KEY=$(value_of "$dir/rgw/s3.env" AWS_SECRET_ACCESS_KEY)
  if ! aws_rgw s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
    aws_rgw s3api create-bucket --bucket "$BUCKET" >/dev/null ||
      die "creating bucket $BUCKET on $S3_ENDPOINT failed (awscli 2.9 prints 'NoneType' for every RGW error; add --debug to see it)"
  fi

  emulator_pid >/dev/null || start_emulator "$org" "$region" "$token"
  local region_url
  region_url=$(value_of "$dir/emulator.log" REGION_EMULATOR_URL)

  (
    umask 077
    cat >"$dir/local.env.tmp" <<EOF
# Written by tools/local-servers.sh: Ceph RGW and the region emulator on 127.0.0.1 (secrets; mode 600).
#   ./build.sh --target=Publish --env-file=$dir/local.env
$(cat "$dir/rgw/s3.env")
S3_BUCKET=$BUCKET
NSCALE_REGION_URL=$region_url
NSCALE_ORG_ID=$org
NSCALE_REGION_ID=$region
NSCALE_API_TOKEN=$token
EOF
    mv "$dir/local.env.tmp" "$dir/local.env"
  )
  echo "Local servers up in $((SECONDS - started)) s:"
  echo "  S3 (Ceph RGW)      $S3_ENDPOINT   bucket $BUCKET   (logs: $dir/rgw/log)"
  echo "  region emulator    $region_url   (log: $dir/emulator.log)"
  echo "Settings (secret; mode 600): $dir/local.env"
  echo "Try:  ./build.sh --target=Publish --env-file=$dir/local.env"
  echo "Stop: tools/local-servers.sh stop $dir"
}

cmd_status() {
  local rc=0
  if rgw_running; then
    echo "S3 (Ceph RGW):    running at $(value_of "$dir/rgw/s3.env" S3_ENDPOINT)"
  else
    echo "S3 (Ceph RGW):    not running"
    rc=1
  fi
  if emulator_pid >/dev/null; then
    echo "region emulator:  running at $(value_of "$dir/emulator.log" REGION_EMULATOR_URL) (pid $(emulator_pid))"
  else
    echo "region emulator:  not running"
    rc=1
  fi
  [[ -f $dir/local.env ]] && echo "settings:         $dir/local.env"
  return "$rc"
}

cmd_stop() {
  stop_emulator
  if [[ -d $dir/rgw ]]; then
    "$RGW" stop "$dir/rgw" >/dev/null
  fi
  echo "Local servers stopped ($dir)."
}

(($# >= 1 && $# <= 2)) || usage
dir=$(realpath -m "${2:-output/local-servers}")
case $1 in
  start) cmd_start ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  *) usage ;;
esac
