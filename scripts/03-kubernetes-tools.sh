#!/usr/bin/env bash
# 03-kubernetes-tools.sh - kubelet, kubeadm and kubectl at one exact version from pkgs.k8s.io.
#
# Runs as root inside the image being built (Packer: sudo -n env VAR=... bash 03-kubernetes-tools.sh).
# Needs curl and gpg (01) and the node prerequisites from 02 (containerd, swap off, sysctls).
#
# What it does
#   1. Adds the community apt repository for the minor of KUBERNETES_VERSION
#      (https://pkgs.k8s.io/core:/stable:/v1.30/deb/), its key dearmored into
#      /etc/apt/keyrings/kubernetes-apt-keyring.gpg. Key and list are only rewritten when they change.
#   2. Installs kubelet, kubeadm, kubectl at exactly <version>-<revision> (pkgs.k8s.io names
#      them like 1.30.14-1.1), holds them (apt-mark hold, retried while the dpkg lock is busy) so upgrades cannot move them, checks the
#      installed versions, and enables kubelet (it crash-loops until `kubeadm join` configures it;
#      that is expected on a node image).
#   Idempotent: a second run finds the same key, list and versions.
#
# Environment (all optional)
#   KUBERNETES_VERSION           v1.30.14  full version, with or without the leading v
#   KUBERNETES_PACKAGE_REVISION  1.1       Debian revision pkgs.k8s.io uses (package version 1.30.14-1.1)
#   KUBERNETES_APT_BASE_URL      https://pkgs.k8s.io/core:/stable:  repository base (a mirror may replace it)
#   APT_LOCK_TIMEOUT             600       seconds apt waits for the dpkg lock
#   IMAGE_ROOT                   ""        prefix for every file path (tests point it at a fake root; empty = /)
#
# Exit codes
#   0   success
#   1   failure (download, apt, or an installed version differs from the one requested)
#   64  usage error: an environment variable has an invalid value
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
readonly SCRIPT_NAME="03-kubernetes-tools"
ROOT="${IMAGE_ROOT:-}"
KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.30.14}"
KUBERNETES_PACKAGE_REVISION="${KUBERNETES_PACKAGE_REVISION:-1.1}"
KUBERNETES_APT_BASE_URL="${KUBERNETES_APT_BASE_URL:-https://pkgs.k8s.io/core:/stable:}"
APT_LOCK_TIMEOUT="${APT_LOCK_TIMEOUT:-600}"

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
	local rc=$1
	shift
	printf 'error: %s\n' "$*" >&2
	exit "$rc"
}

# --- validate inputs up front -------------------------------------------------------------
[[ $KUBERNETES_VERSION =~ ^v?([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] ||
	die 64 "KUBERNETES_VERSION '$KUBERNETES_VERSION' is not a full version like v1.30.14"
k8s_version="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
k8s_minor="v${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
[[ $KUBERNETES_PACKAGE_REVISION =~ ^[0-9][0-9A-Za-z.+~]*$ ]] ||
	die 64 "KUBERNETES_PACKAGE_REVISION '$KUBERNETES_PACKAGE_REVISION' is not a Debian revision like 1.1"
[[ $KUBERNETES_APT_BASE_URL =~ ^https?://[^[:space:]]+$ ]] ||
	die 64 "KUBERNETES_APT_BASE_URL '$KUBERNETES_APT_BASE_URL' is not an http(s) URL"
[[ $APT_LOCK_TIMEOUT =~ ^[0-9]+$ ]] ||
	die 64 "APT_LOCK_TIMEOUT '$APT_LOCK_TIMEOUT' is not a whole number of seconds"
package_version="${k8s_version}-${KUBERNETES_PACKAGE_REVISION}"
repo_url="${KUBERNETES_APT_BASE_URL%/}/${k8s_minor}/deb/"
readonly keyring_path="/etc/apt/keyrings/kubernetes-apt-keyring.gpg"
readonly tools=(kubelet kubeadm kubectl)

# apt-mark hold takes the dpkg lock but, unlike apt-get, cannot wait for it: retry until APT_LOCK_TIMEOUT.
apt_mark_hold() {
	local deadline=$((SECONDS + APT_LOCK_TIMEOUT))
	until apt-mark hold "$@"; do
		((SECONDS < deadline)) ||
			die 1 "apt-mark hold $* kept failing for ${APT_LOCK_TIMEOUT} s (is another apt or dpkg holding the dpkg lock?)"
		warn "apt-mark hold failed (dpkg lock busy?); retrying in 5 s"
		sleep 5
	done
}

apt_get() {
	apt-get -y -q \
		-o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold \
		"$@"
}

# write_if_changed PATH MODE < content: returns 0 when it wrote, 1 when PATH was already identical.
write_if_changed() {
	local path=$1 mode=$2 tmp
	tmp=$(mktemp "${TMPDIR:-/tmp}/gpu-image.XXXXXX")
	cat >"$tmp"
	if [[ -f $path ]] && cmp -s "$tmp" "$path"; then
		rm -f "$tmp"
		return 1
	fi
	mkdir -p "$(dirname "$path")"
	install -m "$mode" "$tmp" "$path"
	rm -f "$tmp"
	log "wrote ${path#"$ROOT"}"
	return 0
}

workdir=$(mktemp -d "${TMPDIR:-/tmp}/k8s-repo.XXXXXX")
trap 'rm -rf "$workdir"' EXIT

# --- 1. repository -------------------------------------------------------------------------
log "Kubernetes $k8s_version (packages $package_version) from $repo_url"
curl -fsSL --retry 3 -o "$workdir/Release.key" "${repo_url}Release.key" ||
	die 1 "could not download ${repo_url}Release.key"
gpg --batch --yes --dearmor --output "$workdir/keyring.gpg" "$workdir/Release.key"
write_if_changed "$ROOT$keyring_path" 0644 <"$workdir/keyring.gpg" || true
write_if_changed "$ROOT/etc/apt/sources.list.d/kubernetes.list" 0644 <<LIST || true
deb [signed-by=$keyring_path] $repo_url /
LIST

# --- 2. packages ---------------------------------------------------------------------------
apt_get update
install_args=()
for tool in "${tools[@]}"; do
	install_args+=("$tool=$package_version")
done
# --allow-change-held-packages/--allow-downgrades: the versions are explicit, so moving held
# packages to exactly them (re-run with another KUBERNETES_VERSION) is intended.
apt_get install --no-install-recommends --allow-change-held-packages --allow-downgrades "${install_args[@]}"
apt_mark_hold "${tools[@]}"

for tool in "${tools[@]}"; do
	installed=$(dpkg-query -W -f='${Version}' "$tool" 2>/dev/null || true)
	[[ $installed == "$package_version" ]] ||
		die 1 "$tool is at version '${installed:-not installed}' after install, expected $package_version"
done

systemctl enable kubelet
log "done: ${install_args[*]} installed and held"
