#!/usr/bin/env bash
# Prepares a NoCloud seed folder for running Packer by hand, the way the C# build
# does for every build: a fresh ed25519 key pair (build-time access only, no
# password), user-data rendered from cloud-init/build-user-data.yaml, and
# cloud-init/meta-data. Prints the -var arguments to pass to packer.
#
#   templates/make-seed.sh SEED_DIR [BUILD_USER]
#
# BUILD_USER defaults to "packer" (the template's ssh_username default).
# Needs ssh-keygen and envsubst (gettext-base).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 SEED_DIR [BUILD_USER]" >&2
  exit 2
fi

seed_dir=$1
build_user=${2:-packer}
if [[ ! $build_user =~ ^[a-z_][a-z0-9_-]*$ ]]; then
  echo "error: invalid user name: $build_user" >&2
  exit 2
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
template="$repo_root/cloud-init/build-user-data.yaml"
meta_data="$repo_root/cloud-init/meta-data"

mkdir -p "$seed_dir"
seed_dir=$(cd "$seed_dir" && pwd)
key="$seed_dir/id_ed25519"

# A new key every time: an old one may have been used by a finished build.
rm -f "$key" "$key.pub"
ssh-keygen -q -t ed25519 -N '' -C "gpu-image-build-$(date -u +%Y%m%dT%H%M%SZ)" -f "$key"
chmod 600 "$key"

# Only the two placeholders are substituted; any other $ stays as written.
# shellcheck disable=SC2016 # envsubst's SHELL-FORMAT must stay literal
BUILD_USER=$build_user SSH_PUBLIC_KEY=$(cat "$key.pub") \
  envsubst '${BUILD_USER} ${SSH_PUBLIC_KEY}' <"$template" >"$seed_dir/user-data"
cp "$meta_data" "$seed_dir/meta-data"

echo "seed written to $seed_dir (user-data, meta-data, id_ed25519)" >&2
printf -- "-var seed_dir=%s -var ssh_username=%s -var ssh_private_key_file=%s\n" \
  "$seed_dir" "$build_user" "$key"
