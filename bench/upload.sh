#!/usr/bin/env bash
# Benchmark: Upload (the build's ImageUploader) against `aws s3 cp` (Debian's awscli, /usr/bin/aws) and
# `rclone copyto` (Debian's rclone), same file, same server (a fresh Ceph RGW from tools/servers/ceph-rgw.sh), runs
# interleaved, bytes on the wire counted by the tests' TCP proxy (tests/Build.Tests/Infrastructure/TcpProxy.cs):
#   1. a fixture-shaped sparse raw (VIRTUAL, default 8G, with DATA, default 1G, of random data and a boot sector)
#      through a link limited to RATE_MIB MiB/s (default 100) by the proxy: target >= 3x the faster of aws/rclone;
#   2. the same raw on plain loopback (still through the proxy, unlimited, to count bytes): no slower than aws;
#   3. a dense DENSE (default 2G) random file on loopback: >= 1.0x aws;
#   4. resume: Upload through the limited link killed at about half its bytes; the rerun sends <= 55 % (of the
#      bytes of case 1's Upload; RESUME_PART_MIB=8 parts, as parts in flight at the kill are lost).
# Ratios are against the baselines measured in the same run. Zero parts: GIB_UPLOAD_ZERO_PARTS=auto (the default;
# copy or send to force one way).
# Usage: bench/upload.sh          env: VIRTUAL=8G DATA=1G DENSE=2G RATE_MIB=100 ROUNDS=1 CASES="limited loopback dense resume"
# Needs: radosgw ceph-mon ceph-osd ceph-common awscli rclone (tools/install-prerequisites.sh), dotnet, python3.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
virtual=${VIRTUAL:-8G}
data=${DATA:-1G}
dense=${DENSE:-2G}
rate_mib=${RATE_MIB:-100}
rounds=${ROUNDS:-1}
cases=" ${CASES:-limited loopback dense resume} "
# Parts in flight when the kill comes are lost (up to parallelism x part size), so the resume case uses small parts.
resume_part_mib=${RESUME_PART_MIB:-8}
aws_cli=/usr/bin/aws
work=$(mktemp -d "${TMPDIR:-/tmp}/gib-bench-upload-XXXXXX")
proxy_pids=()

cleanup() {
  local pid
  for pid in "${proxy_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  tools/servers/ceph-rgw.sh stop "$work/rgw" --purge >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

bytes() { numfmt --from=iec "$1"; }
now() { date +%s.%N; }
mib() { echo "scale=1; $1 / 1048576" | bc -l; }

echo "Building bench/ImageBench ..."
dotnet build bench/ImageBench -c Release -o "$work/bin" --nologo -v quiet >/dev/null
bench_dll=$work/bin/ImageBench.dll

echo "Starting Ceph RGW ..."
tools/servers/ceph-rgw.sh start "$work/rgw" --parent-pid $$ >"$work/rgw-start.out"
head -2 "$work/rgw-start.out"
# shellcheck disable=SC1091
set -a && . "$work/rgw/s3.env" && set +a
unset AWS_CA_BUNDLE # this machine's bundle makes rclone fail; awscli does not need it for http
export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_DEFAULT_REGION=$S3_REGION
printf '[default]\ns3 =\n  addressing_style = path\n' >"$AWS_CONFIG_FILE"
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Ceph RCLONE_CONFIG_BENCH_ENDPOINT=$S3_ENDPOINT \
  RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true RCLONE_CONFIG_BENCH_REGION=$S3_REGION
bucket=bench
"$aws_cli" --endpoint-url "$S3_ENDPOINT" s3api create-bucket --bucket "$bucket" >/dev/null

# start_proxy NAME RATE_MIB: a proxy to RGW; its URL is the first line of $work/NAME.out, its counters $work/NAME.stats.
start_proxy() {
  local fifo=$work/$1.out
  dotnet "$bench_dll" proxy "$S3_ENDPOINT" "$2" "$work/$1.stats" >"$fifo" 2>&1 &
  proxy_pids+=("$!")
  local i
  for i in $(seq 100); do
    [[ -s $fifo && -f $work/$1.stats ]] && break
    sleep 0.1
    [[ $i -lt 100 ]] || { echo "proxy $1 did not start" >&2; exit 1; }
  done
}
up_bytes() { sleep 0.3; cut -d' ' -f1 "$work/$1.stats"; }

echo "Making the files: $virtual sparse with $data of data, and $dense dense ..."
raw=$work/sparse.raw
truncate -s "$virtual" "$raw"
# The data in 64 MiB runs spread over the first half (a filesystem's layout), a boot sector first.
chunks=$(( $(bytes "$data") / (64 * 1024 * 1024) ))
stride=$(( $(bytes "$virtual") / 2 / (64 * 1024 * 1024) / chunks ))
for i in $(seq 0 $((chunks - 1))); do
  dd if=/dev/urandom of="$raw" bs=64M count=1 seek=$((i * (stride > 0 ? stride : 1))) conv=notrunc status=none
done
printf '\x55\xaa' | dd of="$raw" bs=1 seek=510 conv=notrunc status=none
dense_file=$work/dense.raw
head -c "$(bytes "$dense")" /dev/urandom >"$dense_file"
printf '\x55\xaa' | dd of="$dense_file" bs=1 seek=510 conv=notrunc status=none
raw_sha=$(sha256sum "$raw" | cut -d' ' -f1)
dense_sha=$(sha256sum "$dense_file" | cut -d' ' -f1)
echo "sparse: $(du -h --apparent-size "$raw" | cut -f1) virtual, $(du -h "$raw" | cut -f1) allocated"

start_proxy slow "$rate_mib"
start_proxy fast 0
slow_url=$(head -1 "$work/slow.out")
fast_url=$(head -1 "$work/fast.out")
results=$work/results
: >"$results"

# run TOOL LINK FILE SHA: one upload; appends "case tool seconds bytes_up" to the results. The object is removed after.
run() {
  local tool=$1 link=$2 file=$3 sha=$4 label=$5 url before after t0 t1 key
  url=$([[ $link == slow ]] && echo "$slow_url" || echo "$fast_url")
  key=$tool-$RANDOM$RANDOM.raw
  before=$(up_bytes "$link")
  t0=$(now)
  case $tool in
    upload) dotnet "$bench_dll" upload "$file" "$sha" "$url" "$bucket" "$key" 64 4 "$work/state-$key.json" >"$work/last.out" 2>"$work/last.err" ;;
    aws) "$aws_cli" --endpoint-url "$url" s3 cp --only-show-errors "$file" "s3://$bucket/$key" ;;
    rclone) RCLONE_CONFIG_BENCH_ENDPOINT=$url rclone copyto -q --s3-upload-concurrency 4 "$file" "bench:$bucket/$key" ;;
  esac
  t1=$(now)
  after=$(up_bytes "$link")
  echo "$label $tool $(echo "$t1 - $t0" | bc -l) $((after - before))" | tee -a "$results"
  "$aws_cli" --endpoint-url "$S3_ENDPOINT" s3 rm --only-show-errors "s3://$bucket/$key"
}

for round in $(seq "$rounds"); do
  echo "Round $round of $rounds ..."
  if [[ $cases == *" limited "* ]]; then for tool in upload aws rclone; do run "$tool" slow "$raw" "$raw_sha" limited; done; fi
  if [[ $cases == *" loopback "* ]]; then for tool in aws upload rclone; do run "$tool" fast "$raw" "$raw_sha" loopback; done; fi
  if [[ $cases == *" dense "* ]]; then for tool in upload aws; do run "$tool" fast "$dense_file" "$dense_sha" dense; done; fi
done

full=0 killed_at=0 rerun=0
if [[ $cases == *" resume "* ]]; then

echo "Resume: Upload through the limited link, killed at about half of its bytes ..."
full=$(awk '$1 == "limited" && $2 == "upload" {print $4; exit}' "$results")
[[ -n $full ]] || { echo "the resume case needs the limited case (CASES)" >&2; exit 1; }
key=resume.raw
before=$(up_bytes slow)
dotnet "$bench_dll" upload "$raw" "$raw_sha" "$slow_url" "$bucket" "$key" "$resume_part_mib" 4 "$work/state-resume.json" >/dev/null 2>&1 &
upload_pid=$!
while kill -0 "$upload_pid" 2>/dev/null && (($(cut -d' ' -f1 "$work/slow.stats") - before < full / 2)); do sleep 0.05; done
kill -KILL "$upload_pid" 2>/dev/null || true
wait "$upload_pid" 2>/dev/null || true
killed_at=$(($(up_bytes slow) - before))
before=$(up_bytes slow)
dotnet "$bench_dll" upload "$raw" "$raw_sha" "$slow_url" "$bucket" "$key" "$resume_part_mib" 4 "$work/state-resume.json" >"$work/resume.out" 2>"$work/resume.err"
rerun=$(($(up_bytes slow) - before))
fi

echo
echo "Upload benchmark: sparse $virtual ($data data), dense $dense, limited link $rate_mib MiB/s (proxy), RGW on 127.0.0.1, $rounds round(s)"
python3 - "$results" "$full" "$killed_at" "$rerun" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
full, killed, rerun = (int(x) for x in sys.argv[2:5])
cases = {}
for case, tool, secs, up in rows:
    cases.setdefault(case, {}).setdefault(tool, []).append((float(secs), int(up)))
print(f"{'case':10} {'tool':8} {'seconds':>8} {'MiB sent':>9} {'vs best baseline':>17}")
for case, tools in cases.items():
    med = {t: statistics.median(s for s, _ in v) for t, v in tools.items()}
    baseline = min(v for t, v in med.items() if t != "upload")
    for tool, runs in tools.items():
        ratio = baseline / med[tool]
        print(f"{case:10} {tool:8} {med[tool]:8.2f} {statistics.median(u for _, u in runs) / 1048576:9.1f} {ratio:16.2f}x")
if full: print(f"resume: killed at {killed / 1048576:.0f} MiB of {full / 1048576:.0f} MiB; the rerun sent {rerun / 1048576:.0f} MiB = {100 * rerun / full:.0f} % of a full upload (target <= 55 %)")
PY
echo "(ratio = best baseline's median seconds / this tool's: > 1 is faster than the faster of aws and rclone)"
