#!/usr/bin/env bash
# A real S3 server on 127.0.0.1: a one-node Ceph cluster (one mon, one BlueStore OSD on a sparse file) with the
# RADOS Gateway in front, for the S3 tests, bench/ and tools/local-servers.sh.
#
#   tools/servers/ceph-rgw.sh start DIR [--parent-pid PID]   fresh cluster under DIR; prints endpoint + env file
#   tools/servers/ceph-rgw.sh env DIR                        prints DIR/s3.env (S3_* and AWS_* lines: secret!)
#   tools/servers/ceph-rgw.sh stop DIR [--purge]             stops its daemons; --purge also removes DIR
#
# start on a running cluster only prints its endpoint again; stop on a stopped one does nothing. Several clusters
# can run at once in different DIRs: the mon and RGW ports are picked free each time (the OSD takes one from Ceph's
# own 6800-7300 range). --parent-pid PID starts a watcher that stops the cluster and removes DIR once PID is gone,
# so a test run that is killed leaves no daemons behind.
#
# Why the settings below (traps of a one-node cluster, measured on Debian's 16.2.15):
#   - msgr2 only, cephx on: what a real cluster runs; one address, no legacy port to collide with.
#   - pool size 1 / min size 1 for every pool, RGW's own included (osd_pool_default_*), or PGs never go active.
#   - bluestore_block_path outside the OSD data dir (inside, ceph-osd --mkfs trips over its own file), and
#     --osd-uuid at mkfs equal to the one given to `ceph osd new`, or the OSD never boots.
#   - RGW's garbage collector waits 2 h by default: a benchmark loop then fills the OSD and uploads hang silently.
#   - no mgr: S3 I/O does not need one (`ceph -s` warns about it; nothing else does).
# Needs: radosgw ceph-mon ceph-osd ceph-common (tools/install-prerequisites.sh), python3, curl, uuidgen, flock.
set -euo pipefail

readonly MON_NAME=a
readonly RGW_NAME=rgw.a
readonly OSD_SIZE=20G          # sparse: only what is written takes disk space
readonly START_TIMEOUT_S=90    # a fresh start takes ~20 s; three times that on a loaded 2-core machine

usage() {
  sed -n '5,7s/^#  //p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

die() {
  echo "ceph-rgw: $*" >&2
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

random_text() { # LENGTH ALPHABET
  python3 -c 'import secrets, sys; print("".join(secrets.choice(sys.argv[2]) for _ in range(int(sys.argv[1]))))' "$1" "$2"
}

# pid_of NAME: the pid in DIR/run/NAME.pid when that process is alive and is ours (its command line names this
# DIR's ceph.conf), so a recycled pid is never signalled.
pid_of() {
  local file=$run/$1.pid pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir" || return 1
  echo "$pid"
}

running() {
  pid_of mon >/dev/null && pid_of osd >/dev/null && pid_of rgw >/dev/null && [[ -f $dir/s3.env ]]
}

print_endpoint() {
  echo "S3 endpoint: $(sed -n 's/^S3_ENDPOINT=//p' "$dir/s3.env")"
  echo "Environment (secret; mode 600): $dir/s3.env   (tools/servers/ceph-rgw.sh env $dir)"
}

# stop_group NAME...: TERM to each, then up to 20 s for each to exit before KILL.
stop_group() {
  local name pid pids=() i
  for name in "$@"; do
    if pid=$(pid_of "$name"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$name:$pid")
    fi
    rm -f "$run/$name.pid"
  done
  for name in "${pids[@]}"; do
    pid=${name#*:}
    for ((i = 0; i < 200; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "ceph-rgw: ${name%%:*} (pid $pid) ignored SIGTERM for 20 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
  done
}

# The gateway first: it waits for RADOS on SIGTERM, and with the mon and OSD gone it hangs until KILL. The OSD and
# the mon then together (~2 s each; the cluster is never restarted, so the OSD need not report itself down).
stop_daemons() {
  # The watcher too, unless we are the watcher: it would otherwise call stop again.
  if [[ ${CEPH_RGW_WATCHER:-} == 1 ]]; then
    stop_group rgw
  else
    stop_group watcher rgw
  fi
  stop_group osd mon
}

show_log() { # NAME FILE
  if [[ -f $2 ]]; then
    echo "--- last lines of $2 ($1) ---" >&2
    tail -n 25 "$2" >&2
  fi
}

# fail_start WHAT: the daemons this start launched are stopped, the logs that explain it are shown.
fail_start() {
  echo "ceph-rgw: $1" >&2
  show_log mon "$dir/log/mon.$MON_NAME.log"
  show_log osd "$dir/log/osd.0.log"
  show_log rgw "$dir/log/client.$RGW_NAME.log"
  show_log "start steps" "$dir/log/start.log"
  stop_daemons
  exit 1
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds or the time is up.
wait_for() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail_start "$what did not happen within ${seconds} s"
    sleep 0.2
  done
}

ceph_cli() {
  timeout 30 ceph -c "$dir/ceph.conf" --connect-timeout 20 "$@"
}

osd_up() {
  ceph_cli osd dump 2>/dev/null | grep -q '^osd.0 up'
}

s3_answers() {
  # Anonymous GET / is an XML ListAllMyBucketsResult once the gateway serves S3.
  curl -fsS --max-time 2 "http://127.0.0.1:$rgw_port/" | grep -q '<ListAllMyBucketsResult'
}

write_conf() {
  cat >"$dir/ceph.conf" <<EOF
# Written by tools/servers/ceph-rgw.sh: a one-node test cluster on 127.0.0.1. Every path is under $dir.
[global]
fsid = $fsid
mon_host = [v2:127.0.0.1:$mon_port]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_msgr1 = false
ms_bind_msgr2 = true
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = $dir/keyring
run_dir = $run
admin_socket = $run/\$name.asok
pid_file = $run/\$name.pid.ceph
log_file = $dir/log/\$name.log
mon_cluster_log_file = $dir/log/cluster.log
log_to_stderr = false
err_to_stderr = true
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
osd_crush_chooseleaf_type = 0
mon_max_pg_per_osd = 1000
mon_data_avail_warn = 2
mon_data_avail_crit = 1

[mon]
mon_data = $dir/mon
mon_initial_members = $MON_NAME

[osd]
osd_data = $dir/osd
osd_objectstore = bluestore
bluestore_block_path = $dir/osd-block
bluestore_block_size = $(numfmt --from=iec "$OSD_SIZE")
bluestore_block_create = true
bluestore_fsck_on_mkfs = false
osd_memory_target = 1073741824
osd_max_backfills = 1
osd_scrub_auto_repair = false
osd_scrub_begin_hour = 0
osd_scrub_end_hour = 0

[client]
# CLI runs (ceph, radosgw-admin) may overlap: one admin socket each.
admin_socket = $run/\$name.\$pid.asok

[client.$RGW_NAME]
admin_socket = $run/\$name.asok
keyring = $dir/rgw.keyring
rgw_frontends = beast endpoint=127.0.0.1:$rgw_port
rgw_data = $dir/rgw
rgw_enable_usage_log = false
rgw_gc_obj_min_wait = 30
rgw_gc_processor_period = 30
rgw_gc_processor_max_time = 30
rgw_gc_max_concurrent_io = 20
rgw_thread_pool_size = 64
EOF
}

start_watcher() { # PARENT_PID
  local parent=$1
  # setsid + nohup: the watcher outlives the shell (and the test process) that started it. Its command line
  # names DIR, so pid_of recognises it.
  # shellcheck disable=SC2016 # $1..$3 are the inner shell's arguments, expanded there
  CEPH_RGW_WATCHER=1 setsid nohup bash -c '
    while kill -0 "$1" 2>/dev/null; do sleep 1; done
    exec "$2" stop "$3" --purge' ceph-rgw-watcher "$parent" "$(realpath "${BASH_SOURCE[0]}")" "$dir" \
    >>"$dir/log/watcher.log" 2>&1 </dev/null 9>&- &
  echo $! >"$run/watcher.pid"
}

cmd_start() {
  local parent_pid=
  while (($# > 0)); do
    case $1 in
      --parent-pid) parent_pid=${2:?--parent-pid needs a pid}; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ -z $parent_pid || $parent_pid =~ ^[0-9]+$ ]] || die "--parent-pid: not a pid: $parent_pid"

  local missing=() c
  for c in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool python3 curl uuidgen; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  ((${#missing[@]} == 0)) || die "missing ${missing[*]}: run tools/install-prerequisites.sh (it installs radosgw ceph-mon ceph-osd ceph-common)"

  if running; then
    print_endpoint
    return 0
  fi

  # A fresh cluster every time: whatever a crashed earlier start left is stopped and removed (only our own files).
  stop_daemons
  rm -rf "$dir/mon" "$dir/osd" "$dir/rgw" "$dir/log" "$run" "$dir/osd-block" "$dir/ceph.conf" \
    "$dir/keyring" "$dir/mon.keyring" "$dir/rgw.keyring" "$dir/monmap" "$dir/s3.env"
  mkdir -p "$dir/mon" "$dir/osd" "$dir/rgw" "$dir/log" "$run"
  chmod 700 "$dir"

  local started=$SECONDS
  fsid=$(uuidgen)
  mon_port=$(free_port)
  rgw_port=$(free_port)
  while [[ $rgw_port == "$mon_port" ]]; do rgw_port=$(free_port); done
  write_conf
  local conf=$dir/ceph.conf steps=$dir/log/start.log

  {
    # Monitor: keys for mon. and client.admin, a monmap with the one v2 address, then the store.
    ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *'
    ceph-authtool --create-keyring "$dir/keyring" --gen-key -n client.admin \
      --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *'
    ceph-authtool "$dir/mon.keyring" --import-keyring "$dir/keyring"
    monmaptool --create --fsid "$fsid" --addv "$MON_NAME" "[v2:127.0.0.1:$mon_port]" "$dir/monmap"
    ceph-mon -c "$conf" --mkfs -i "$MON_NAME" --monmap "$dir/monmap" --keyring "$dir/mon.keyring"
  } >>"$steps" 2>&1 || fail_start "creating the monitor failed"
  ceph-mon -c "$conf" -i "$MON_NAME" >>"$steps" 2>&1 9>&- || fail_start "ceph-mon did not start"
  wait_for_pid mon "mon.$MON_NAME"
  wait_for 30 "the monitor answering" ceph_cli mon stat

  # OSD: `ceph osd new` with the same uuid that --mkfs gets, and its cephx key passed in, so the auth entry has
  # the OSD profile caps.
  local osd_uuid osd_key osd_id
  osd_uuid=$(uuidgen)
  osd_key=$(ceph-authtool --gen-print-key)
  printf '{"cephx_secret": "%s"}\n' "$osd_key" >"$dir/osd-secret.json"
  osd_id=$(ceph_cli osd new "$osd_uuid" -i "$dir/osd-secret.json" 2>>"$steps") || fail_start "ceph osd new failed"
  rm -f "$dir/osd-secret.json"
  [[ $osd_id == 0 ]] || fail_start "expected OSD id 0 in a fresh cluster, got '$osd_id'"
  printf '[osd.0]\n\tkey = %s\n' "$osd_key" >"$dir/osd/keyring"
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" --keyring "$dir/osd/keyring" >>"$steps" 2>&1 \
    || fail_start "ceph-osd --mkfs failed"
  ceph-osd -c "$conf" -i 0 --keyring "$dir/osd/keyring" >>"$steps" 2>&1 9>&- || fail_start "ceph-osd did not start"
  wait_for_pid osd osd.0
  wait_for 60 "osd.0 coming up" osd_up

  # Gateway: its own key; it creates its pools (size 1 by the defaults above) on first start.
  ceph_cli auth get-or-create "client.$RGW_NAME" mon 'allow rw' osd 'allow rwx' -o "$dir/rgw.keyring" >>"$steps" 2>&1 \
    || fail_start "creating the gateway's key failed"
  radosgw -c "$conf" -n "client.$RGW_NAME" >>"$steps" 2>&1 9>&- || fail_start "radosgw did not start"
  wait_for_pid rgw "client.$RGW_NAME"
  wait_for $((START_TIMEOUT_S - (SECONDS - started))) "RGW answering S3 on 127.0.0.1:$rgw_port" s3_answers

  local access secret
  access=$(random_text 20 ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789)
  secret=$(random_text 40 ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789)
  timeout 60 radosgw-admin -c "$conf" user create --uid=test --display-name="Test user" \
    --access-key="$access" --secret-key="$secret" >>"$steps" 2>&1 || fail_start "radosgw-admin user create failed"
  # The user-create answer holds the secret: keep it out of the log.
  sed -i "s/$secret/<secret>/g" "$steps"

  (
    umask 077
    cat >"$dir/s3.env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$rgw_port
S3_REGION=us-east-1
S3_FORCE_PATH_STYLE=true
AWS_ACCESS_KEY_ID=$access
AWS_SECRET_ACCESS_KEY=$secret
EOF
  )
  if [[ -n $parent_pid ]]; then
    start_watcher "$parent_pid"
  fi
  echo "Ceph RGW started in $((SECONDS - started)) s."
  print_endpoint
}

# wait_for_pid NAME CEPHNAME: the daemon forks into the background and writes its pid file when it is up; copy
# it to run/NAME.pid, the name stop uses.
wait_for_pid() {
  local ceph_pid=$run/$2.pid.ceph i
  for ((i = 0; i < 150; i++)); do
    if [[ -s $ceph_pid ]]; then
      cp "$ceph_pid" "$run/$1.pid"
      pid_of "$1" >/dev/null && return 0
    fi
    sleep 0.2
  done
  fail_start "$2 wrote no pid file within 30 s"
}

cmd_stop() {
  local purge=false
  while (($# > 0)); do
    case $1 in
      --purge) purge=true; shift ;;
      *) usage ;;
    esac
  done
  [[ -d $dir ]] || return 0
  stop_daemons
  if $purge; then
    rm -rf "$dir"
    echo "Ceph RGW stopped; removed $dir."
  else
    echo "Ceph RGW stopped ($dir)."
  fi
}

cmd_env() {
  [[ -f $dir/s3.env ]] || die "no $dir/s3.env: start it first (tools/servers/ceph-rgw.sh start $dir)"
  cat "$dir/s3.env"
}

(($# >= 2)) || usage
command=$1
if [[ $command == start ]]; then
  mkdir -p "$2"
fi
dir=$(realpath -m "$2")
run=$dir/run
shift 2
# One start or stop at a time per DIR (two test processes, or a user and the watcher). fd 9 is closed for every
# daemon and the watcher (9>&-), so only this shell holds the lock.
lock() {
  exec 9>>"$dir/.lock"
  flock -w 180 9 || die "another start or stop of $dir has held its lock for 3 min"
}
case $command in
  start) lock; cmd_start "$@" ;;
  stop) if [[ -d $dir ]]; then lock; fi; cmd_stop "$@" ;;
  env) cmd_env "$@" ;;
  *) usage ;;
esac
