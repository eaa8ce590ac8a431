#!/usr/bin/env bash
# Benchmark: `./build.sh --target=Validate` on all assets, warm (host compiled, tools in page cache).
# Baseline in the same run: the same tool invocations run one after another from a plain shell loop, which is what
# a Makefile-style gate would do. Target: warm median <= 10 s.  Usage: bench/validate.sh [runs]   (default 5)
# Validate checks every combination of the matrix (build/Matrix/supported-matrix.json); a second baseline runs
# packer validate once per combination and image run, one after another (what "validate each combination" costs
# without grouping the runs Packer cannot tell apart). It is measured once: it takes minutes.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
runs=${1:-5}


sequential_checks() {
  local seed
  seed=$(mktemp -d)
  ssh-keygen -q -t ed25519 -N '' -f "$seed/id_ed25519"
  : >"$seed/user-data"
  : >"$seed/meta-data"
  packer fmt -check templates >/dev/null
  packer fmt -check templates/images >/dev/null
  # Each image standalone, and nvidia-firmware1 layered too, as Validate does.
  for def in templates/images/*.pkrvars.hcl; do
    packer validate -var-file="$def" -var seed_dir="$seed" -var ssh_private_key_file="$seed/id_ed25519" templates >/dev/null
  done
  packer validate -var-file=templates/images/nvidia-firmware1.pkrvars.hcl -var run_base_scripts=false \
    -var seed_dir="$seed" -var ssh_private_key_file="$seed/id_ed25519" templates >/dev/null
  mapfile -t shell_files < <(find scripts templates tests/fixture tools bench -name '*.sh'; echo build.sh; echo .ci/run)
  shellcheck -x "${shell_files[@]}"
  for f in "${shell_files[@]}"; do bash -n "$f"; done
  for f in cloud-init/*.yaml cloud-init/*.cfg; do cloud-init schema --config-file "$f" >/dev/null; done
  rm -rf "$seed"
}
export -f sequential_checks

./build.sh --tree >/dev/null # compile the host if needed: this benchmark measures warm runs
./build.sh --target=Validate --verbosity=quiet >/dev/null # warm the tools

# Every combination's Packer variables, as the Matrix target lists them, validated one by one.
per_combination_packer() {
  local seed args
  seed=$(mktemp -d)
  ssh-keygen -q -t ed25519 -N '' -f "$seed/id_ed25519"
  : >"$seed/user-data"
  : >"$seed/meta-data"
  while IFS=$'\t' read -r url sha k8s driver toolkit pause distro; do
    args=(-var "base_image_url=$url" -var "base_image_checksum=sha256:$sha" -var "kubernetes_version=$k8s"
      -var "nvidia_driver_version=$driver" -var "nvidia_container_toolkit_version=$toolkit"
      -var "containerd_sandbox_image=$pause" -var "nvidia_cuda_repo_distro=$distro"
      -var seed_dir="$seed" -var ssh_private_key_file="$seed/id_ed25519")
    packer validate -var-file=templates/images/gpu-ready.pkrvars.hcl "${args[@]}" templates >/dev/null
    packer validate -var-file=templates/images/nvidia-firmware1.pkrvars.hcl "${args[@]}" templates >/dev/null
    packer validate -var-file=templates/images/nvidia-firmware1.pkrvars.hcl -var run_base_scripts=false "${args[@]}" templates >/dev/null
  done < <(python3 -c '
import json
for c in json.load(open("output/matrix.json"))["combinations"]:
    distro = "ubuntu" + c["ubuntuVersion"].replace(".", "")
    print("\t".join([c["baseImageUrl"], c["baseImageSha256"], c["kubernetesVersion"], c["nvidiaDriverVersion"], c["nvidiaContainerToolkitVersion"], c["pauseImage"], distro]))')
  rm -rf "$seed"
}
export -f per_combination_packer

./build.sh --target=Matrix --verbosity=quiet >/dev/null
combinations=$(python3 -c 'import json; print(len(json.load(open("output/matrix.json"))["combinations"]))')
validate=$(for _ in $(seq "$runs"); do seconds ./build.sh --target=Validate --verbosity=quiet; done | median)
baseline=$(for _ in $(seq "$runs"); do seconds bash -c sequential_checks; done | median)
exhaustive=$(seconds bash -c per_combination_packer)

printf '%-52s %7.2f s\n' "packer validate per combination, one by one ($combinations x 3)" "$exhaustive"

printf '%-52s %7.2f s\n' "sequential shell loop of the same checks (median)" "$baseline"
printf '%-52s %7.2f s\n' "./build.sh --target=Validate warm (median of $runs)" "$validate"
printf '%-52s %7.2fx\n' "Validate / sequential" "$(echo "$validate / $baseline" | bc -l)"
printf '%-52s %7.2fx\n' "Validate (all $combinations combinations) / per combination" "$(echo "$validate / $exhaustive" | bc -l)"
if (( $(echo "$validate <= 10" | bc -l) )); then echo "PASS: warm median <= 10 s"; else echo "FAIL: warm median > 10 s"; exit 1; fi
