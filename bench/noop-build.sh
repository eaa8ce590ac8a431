#!/usr/bin/env bash
# Benchmark: the image pipeline with nothing changed (every step a cache hit): `--target=SmokeBoot --image=all`,
# i.e. BuildBoth's image work (Validate, BuildQcow2, ConvertRaw, Checksum, AuditImage, SmokeBoot for both images).
# GeneratePayload, BuildBoth's last step, is not implemented yet and is left out of the timing.
# Baselines measured in this run: Validate alone (the fixed cost of any run) and re-hashing both raws (the
# cheapest piece of the work the cache skips). Target: median < 5 s.
# Needs a built fixture output (the pipeline test leaves one in output/ci; otherwise this builds it, ~20 min).
# Usage: bench/noop-build.sh [runs]   (default 5)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
runs=${1:-5}
base=output/fixture/base.qcow2
tests/fixture/build-base-image.sh "$base" >/dev/null
checksum="sha256:$(cut -d' ' -f1 "$base.sha256")"
args=(--definitions=tests/fixture/images --base-image="$base" --base-image-checksum="$checksum" --disk-size=3G
  --output-dir=output/ci --verbosity=minimal)

./build.sh --target=SmokeBoot --image=all "${args[@]}" >/dev/null # build or confirm the cache


noop=$(for _ in $(seq "$runs"); do seconds ./build.sh --target=SmokeBoot --image=all "${args[@]}"; done | median)
validate=$(for _ in $(seq "$runs"); do seconds ./build.sh --target=Validate "${args[@]}"; done | median)
rehash=$(seconds sha256sum output/ci/gpu-ready/gpu-ready.raw output/ci/nvidia-firmware1/nvidia-firmware1.raw)

printf '%-52s %7.2f s\n' "no-op image pipeline, both images (median of $runs)" "$noop"
printf '%-52s %7.2f s\n' "Validate alone (median of $runs)" "$validate"
printf '%-52s %7.2f s\n' "sha256sum of both raws (work the cache skips)" "$rehash"
printf '%-52s %7.2fx\n' "no-op / Validate" "$(echo "$noop / $validate" | bc -l)"
printf '%-52s %7.2fx\n' "no-op / re-hash" "$(echo "$noop / $rehash" | bc -l)"
if (( $(echo "$noop < 5" | bc -l) )); then echo "PASS: no-op < 5 s"; else echo "FAIL: no-op >= 5 s"; exit 1; fi
