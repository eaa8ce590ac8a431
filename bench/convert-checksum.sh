#!/usr/bin/env bash
# Benchmark: ConvertRaw + Checksum on an image with a realistic virtual size (default 8 GiB), against
#   baseline: `qemu-img convert -O raw` followed by `sha256sum` (what a shell pipeline would do), and
#   floor:    the raw's virtual size / this machine's single-core SHA-256 speed (`openssl speed -evp sha256`).
# Targets: >= 2x faster than the baseline, within 1.25x of the floor. Both hashes must agree.
# Usage: bench/convert-checksum.sh [qcow2] [virtual size]   (default: the fixture base image, resized to 8G)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source_qcow2=${1:-output/fixture/base.qcow2}
size=${2:-8G}
work=$(mktemp -d "${TMPDIR:-/tmp}/gib-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

if [[ ! -f $source_qcow2 ]]; then
  echo "Building the fixture base image first (tests/fixture/build-base-image.sh)..."
  tests/fixture/build-base-image.sh "$source_qcow2"
fi

echo "Preparing a $size qcow2 from $source_qcow2 ..."
cp "$source_qcow2" "$work/image.qcow2"
qemu-img resize -q "$work/image.qcow2" "$size"
dotnet build bench/ImageBench -c Release -o "$work/bin" --nologo -v quiet >/dev/null

virtual=$(qemu-img info --output=json "$work/image.qcow2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')
allocated=$(qemu-img info --output=json "$work/image.qcow2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["actual-size"])')
sha_kbps=$(openssl speed -evp sha256 -bytes 1048576 -seconds 3 2>/dev/null | awk '/^sha256/ {sub(/k$/, "", $2); print $2}')
floor=$(echo "$virtual / ($sha_kbps * 1000)" | bc -l)

now() { date +%s.%N; }
sync
t0=$(now)
qemu-img convert -f qcow2 -O raw "$work/image.qcow2" "$work/baseline.raw"
baseline_sha=$(sha256sum "$work/baseline.raw" | cut -d' ' -f1)
t1=$(now)
rm -f "$work/baseline.raw"
sync
ours_line=$(dotnet "$work/bin/ImageBench.dll" "$work/image.qcow2" "$work/ours.raw")
t2=$(now)
ours_sha=${ours_line##* }
ours=$(awk '{for (i=1;i<=NF;i++) if ($i=="total") print $(i+1)}' <<<"$ours_line")
baseline=$(echo "$t1 - $t0" | bc -l)
ours_wall=$(echo "$t2 - $t1" | bc -l)

printf 'image: %s virtual, %s MiB allocated; SHA-256 single core: %.0f MB/s\n' "$size" "$((allocated / 1048576))" "$(echo "$sha_kbps / 1000" | bc -l)"
printf '%-46s %7.2f s\n' "baseline: qemu-img convert + sha256sum" "$baseline"
printf '%-46s %7.2f s  (%s)\n' "ConvertRaw + Checksum (services, in-process)" "$ours" "$ours_line"
printf '%-46s %7.2f s\n' "  same, wall clock incl. .NET start" "$ours_wall"
printf '%-46s %7.2f s\n' "floor: virtual size / SHA-256 speed" "$floor"
printf '%-46s %7.2fx\n' "speed-up vs baseline" "$(echo "$baseline / $ours" | bc -l)"
printf '%-46s %7.2fx\n' "ours / floor" "$(echo "$ours / $floor" | bc -l)"
[[ $ours_sha == "$baseline_sha" ]] || { echo "FAIL: hashes differ ($ours_sha vs $baseline_sha)"; exit 1; }
ok=1
(( $(echo "$baseline / $ours >= 2" | bc -l) )) || { echo "FAIL: less than 2x faster than the baseline"; ok=0; }
(( $(echo "$ours / $floor <= 1.25" | bc -l) )) || { echo "FAIL: more than 1.25x the floor"; ok=0; }
((ok)) && echo "PASS: hashes agree, >= 2x baseline, <= 1.25x floor"
((ok))
