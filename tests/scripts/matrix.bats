#!/usr/bin/env bats
# The supported matrix (build/Matrix/supported-matrix.json) through the provisioning scripts: for every Kubernetes
# minor, every Ubuntu release and every driver branch in the table, the package names and repositories the scripts
# use. The combinations are read from the table itself, so a row added there is tested here without an edit.
# shellcheck disable=SC2016 # stub bodies and patterns are single-quoted on purpose: they expand later

load test_helper

MATRIX="$BATS_TEST_DIRNAME/../../build/Matrix/supported-matrix.json"

# table ROWS: one line per row of the table, tab-separated (python3 is a prerequisite of the tests).
table() {
	python3 - "$MATRIX" "$1" <<-'PY'
		import json, sys
		t = json.load(open(sys.argv[1]))
		rows = {
		    "kubernetes": [(k["version"], k["packageRepository"], k["pauseImage"]) for k in t["kubernetes"]],
		    "ubuntu": [(u["version"], u["cudaRepositoryDistro"]) for u in t["ubuntu"]],
		    "branches": [(b["branch"], b["driverVersion"], b["containerToolkitVersion"]) for b in t["nvidiaDriverBranches"]],
		}[sys.argv[2]]
		for row in rows:
		    print("\t".join(row))
	PY
}

setup() {
	common_setup
	stub curl 'out=; while (($#)); do [[ $1 == -o ]] && { out=$2; shift; }; url=$1; shift; done; echo "DATA from $url" >"$out"'
	stub gpg 'out=; while (($#)); do [[ $1 == --output ]] && { out=$2; shift; }; in=$1; shift; done; { echo dearmored; cat "$in"; } >"$out"'
}

# setup_04 BRANCH VERSION: the stubs of tests/scripts/04-nvidia-driver.bats, for a driver of BRANCH at VERSION.
setup_04() {
	local branch=$1 version=$2
	add_kernel 6.8.0-48-generic
	put etc/containerd/config.toml <"$FIXTURES/containerd-1.6.20-config-default.toml"
	# The installed driver packages: the 565 listing with the branch and version of this row.
	# ... plus the branch's fabric manager (installed by default), in dpkg-query's name order.
	{ sed -e "s/565\.57\.01/$version/g" -e "s/-565/-$branch/g" "$FIXTURES/dpkg-query-nvidia-565-open.txt" &&
		echo "ii  nvidia-fabricmanager-$branch $version-1"; } | sort -k2,2 >"$BATS_TEST_TMPDIR/dpkg-installed"
	# nvidia-compute-utils-<branch> ships nvidia-persistenced
	mkdir -p "$IMAGE_ROOT/usr/bin" && : >"$IMAGE_ROOT/usr/bin/nvidia-persistenced" && chmod +x "$IMAGE_ROOT/usr/bin/nvidia-persistenced"
	# 04 installs the keyring .deb through the lock-waiting apt-get wrapper.
	stub apt-get '[[ "$*" == *" install "*/cuda-keyring.deb ]] && touch "$BATS_TEST_TMPDIR/cuda-keyring-installed"; exit 0'
	stub dpkg-query '
		if [[ ${*: -1} == cuda-keyring ]]; then
			[[ -e $BATS_TEST_TMPDIR/cuda-keyring-installed ]] || exit 1
			printf "install ok installed 1.1-1"
		else
			cat "$BATS_TEST_TMPDIR/dpkg-installed"
		fi'
	# The CUDA repository offers every branch's default version of each package.
	export MADISON_VERSIONS="565.57.01 570.195.03 580.95.05 $version"
	stub apt-cache '
		[[ $1 == madison ]] || exit 0
		rev=0ubuntu1; [[ $2 == nvidia-fabricmanager-* ]] && rev=1
		for v in $MADISON_VERSIONS; do printf "%10s | %s-%s | https://developer.download.nvidia.com/compute/cuda/repos  Packages\n" "$2" "$v" "$rev"; done'
	export STUB_MODINFO_VERSION=$version
	stub modinfo '
		case "$*" in
		*"-F version nvidia") echo "$STUB_MODINFO_VERSION" ;;
		*"-F license nvidia") echo "Dual MIT/GPL" ;;
		esac'
}

@test "matrix: the table has the axes the README promises" {
	[[ $(table kubernetes | wc -l) -ge 4 ]] || fail_with "fewer than 4 Kubernetes minors"
	[[ $(table ubuntu | cut -f1 | tr '\n' ' ') == "22.04 24.04 " ]] || fail_with "Ubuntu releases: $(table ubuntu | cut -f1)"
	[[ $(table branches | cut -f1 | tr '\n' ' ') == "565 570 580 " ]] || fail_with "branches: $(table branches | cut -f1)"
}

@test "03: every Kubernetes minor of the matrix installs from its own pkgs.k8s.io repository at its exact version" {
	stub apt-get 'for a in "$@"; do [[ $a == kube*=* ]] && echo "${a#*=}" >"$STUB_LOG.version"; done; true'
	stub dpkg-query 'cat "$STUB_LOG.version"'
	while IFS=$'\t' read -r version repository _; do
		: >"$STUB_LOG"
		run_script 03-kubernetes-tools.sh KUBERNETES_VERSION="$version"
		assert_status 0
		assert_called "curl -fsSL --retry 3 -o .* ${repository}Release.key"
		assert_file_content "$IMAGE_ROOT/etc/apt/sources.list.d/kubernetes.list" <<<"deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] $repository /"
		local package="${version#v}-1.1"
		assert_called "apt-get .* install .* kubelet=$package kubeadm=$package kubectl=$package"
	done < <(table kubernetes)
}

@test "04: every Ubuntu release x driver branch of the matrix: the release's CUDA repository, the branch's packages" {
	while IFS=$'\t' read -r ubuntu distro; do
		while IFS=$'\t' read -r branch version toolkit; do
			rm -rf "$IMAGE_ROOT" "$BATS_TEST_TMPDIR/cuda-keyring-installed"
			mkdir -p "$IMAGE_ROOT"
			setup_04 "$branch" "$version"
			printf 'ID=ubuntu\nVERSION_ID="%s"\n' "$ubuntu" | put etc/os-release
			: >"$STUB_LOG"
			run_script 04-nvidia-driver.sh NVIDIA_DRIVER_VERSION="$version" NVIDIA_CUDA_REPO_DISTRO="$distro" \
				NVIDIA_CONTAINER_TOOLKIT_VERSION="$toolkit" NVIDIA_INSTALL_FABRICMANAGER=1
			assert_status 0
			assert_called "curl -fsSL --retry 3 -o .*/cuda-keyring.deb https://developer.download.nvidia.com/compute/cuda/repos/$distro/x86_64/cuda-keyring_1.1-1_all.deb"
			assert_called "apt-get .* install .* nvidia-headless-$branch-open=$version-0ubuntu1 nvidia-utils-$branch=$version-0ubuntu1 .*nvidia-fabricmanager-$branch=$version-1.*"
			assert_called "apt-get .* install .* nvidia-container-toolkit=$toolkit-1 nvidia-container-toolkit-base=$toolkit-1 libnvidia-container-tools=$toolkit-1 libnvidia-container1=$toolkit-1"
			grep -q "^Package: /\^(lib)?nvidia-\.\*-$branch(\[-\.\]\.\*)?\\$/" "$IMAGE_ROOT/etc/apt/preferences.d/nvidia-driver.pref" ||
				fail_with "the apt pin is not for branch $branch: $(cat "$IMAGE_ROOT/etc/apt/preferences.d/nvidia-driver.pref")"
		done < <(table branches)
	done < <(table ubuntu)
}

@test "04: a CUDA repository of another release than the image's is refused before anything is installed" {
	setup_04 580 580.95.05
	printf 'ID=ubuntu\nVERSION_ID="24.04"\n' | put etc/os-release
	run_script 04-nvidia-driver.sh NVIDIA_DRIVER_VERSION=580.95.05 NVIDIA_CUDA_REPO_DISTRO=ubuntu2204
	assert_status 64
	assert_output_contains "error: NVIDIA_CUDA_REPO_DISTRO 'ubuntu2204' does not match this image's release (ubuntu2404 from /etc/os-release)"
	refute_called 'curl .*'
	refute_called 'apt-get .*'
}

@test "04: the release check leaves a non-Ubuntu root (the Debian fixture) alone" {
	setup_04 565 565.57.01
	printf 'ID=debian\nVERSION_ID="12"\n' | put etc/os-release
	run_script 04-nvidia-driver.sh
	assert_status 0
}
