#!/usr/bin/env bats
# scripts/03-kubernetes-tools.sh
# shellcheck disable=SC2016 # stub bodies and patterns are single-quoted on purpose: they expand later

load test_helper

setup() {
	common_setup
	# curl -o FILE URL writes a fake armored key naming the URL; gpg --dearmor copies it.
	stub curl 'out=; while (($#)); do [[ $1 == -o ]] && { out=$2; shift; }; url=$1; shift; done; echo "KEY for $url" >"$out"'
	stub gpg 'out=; while (($#)); do [[ $1 == --output ]] && { out=$2; shift; }; in=$1; shift; done; { echo dearmored; cat "$in"; } >"$out"'
	# dpkg-query reports whatever version was last requested from apt-get install (kubelet=V ...).
	stub apt-get 'for a in "$@"; do [[ $a == kube*=* ]] && echo "${a#*=}" >"$STUB_LOG.version"; done; true'
	stub dpkg-query 'cat "$STUB_LOG.version"'
}

@test "03: pkgs.k8s.io repository for the minor of KUBERNETES_VERSION, keyring in /etc/apt/keyrings" {
	run_script 03-kubernetes-tools.sh
	assert_status 0
	assert_called 'curl -fsSL --retry 3 -o .* https://pkgs.k8s.io/core:/stable:/v1.30/deb/Release.key'
	assert_file_content "$IMAGE_ROOT/etc/apt/keyrings/kubernetes-apt-keyring.gpg" <<-'EOF2'
		dearmored
		KEY for https://pkgs.k8s.io/core:/stable:/v1.30/deb/Release.key
	EOF2
	assert_file_content "$IMAGE_ROOT/etc/apt/sources.list.d/kubernetes.list" <<-'EOF2'
		deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.30/deb/ /
	EOF2
}

@test "03: kubelet, kubeadm, kubectl at exactly 1.30.14-1.1, held, kubelet enabled" {
	run_script 03-kubernetes-tools.sh
	assert_status 0
	assert_called 'apt-get .* update'
	assert_called 'apt-get -y -q .* install --no-install-recommends --allow-change-held-packages --allow-downgrades kubelet=1.30.14-1.1 kubeadm=1.30.14-1.1 kubectl=1.30.14-1.1'
	assert_called 'apt-mark hold kubelet kubeadm kubectl'
	assert_called 'systemctl enable kubelet'
	# the repository is configured before the update that reads it
	[[ $(grep -n 'apt-get .* update' "$STUB_LOG" | head -n1 | cut -d: -f1) -gt $(grep -n '^curl' "$STUB_LOG" | cut -d: -f1) ]] ||
		fail_with "apt-get update ran before the repository was added"
}

@test "03: another version, given without the leading v, and another package revision" {
	run_script 03-kubernetes-tools.sh KUBERNETES_VERSION=1.31.2 KUBERNETES_PACKAGE_REVISION=2.1
	assert_status 0
	assert_called 'curl .* https://pkgs.k8s.io/core:/stable:/v1.31/deb/Release.key'
	assert_called 'apt-get .* install .* kubelet=1.31.2-2.1 kubeadm=1.31.2-2.1 kubectl=1.31.2-2.1'
	grep -qF 'https://pkgs.k8s.io/core:/stable:/v1.31/deb/ /' "$IMAGE_ROOT/etc/apt/sources.list.d/kubernetes.list"
}

@test "03: a version that is not a full version is a usage error, before anything is installed" {
	for bad in 1.30 v1.30 latest 1.30.14-1.1 "v1.30.14 "; do
		run_script 03-kubernetes-tools.sh KUBERNETES_VERSION="$bad"
		assert_status 64
		assert_output_contains "error: KUBERNETES_VERSION '$bad' is not a full version like v1.30.14"
	done
	refute_called 'curl .*|apt-get .*'
}

@test "03: a bad package revision or repository URL is a usage error" {
	run_script 03-kubernetes-tools.sh KUBERNETES_PACKAGE_REVISION='1.1;rm'
	assert_status 64
	assert_output_contains "error: KUBERNETES_PACKAGE_REVISION '1.1;rm' is not a Debian revision like 1.1"
	run_script 03-kubernetes-tools.sh KUBERNETES_APT_BASE_URL=ftp://example
	assert_status 64
	assert_output_contains "error: KUBERNETES_APT_BASE_URL 'ftp://example' is not an http(s) URL"
}

@test "03: an installed version other than the requested one fails" {
	stub dpkg-query 'echo 1.30.13-1.1'
	run_script 03-kubernetes-tools.sh
	assert_status 1
	assert_output_contains "error: kubelet is at version '1.30.13-1.1' after install, expected 1.30.14-1.1"
}

@test "03: a failed key download fails with a clear message" {
	stub curl 'exit 22'
	run_script 03-kubernetes-tools.sh
	assert_status 1
	assert_output_contains "error: could not download https://pkgs.k8s.io/core:/stable:/v1.30/deb/Release.key"
	refute_called 'apt-get .*'
}

@test "03: idempotent - a second run leaves keyring and list untouched" {
	run_script 03-kubernetes-tools.sh
	assert_status 0
	before=$(snapshot "$IMAGE_ROOT")
	run_script 03-kubernetes-tools.sh
	assert_status 0
	refute_output_contains "wrote "
	[[ $(snapshot "$IMAGE_ROOT") == "$before" ]] || fail_with "the second run changed files"
}
