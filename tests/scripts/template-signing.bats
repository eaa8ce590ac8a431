#!/usr/bin/env bats
# The gpu-image template's Secure Boot wiring (--module-signing-key/--module-signing-cert): the key and certificate
# reach the guest only when a key is given and the image runs 04, and 04 gets the root-only tmpfs paths.
# shellcheck disable=SC2016 # the patterns are Packer expressions, matched literally

TEMPLATES="$BATS_TEST_DIRNAME/../../templates"

setup() {
	command -v packer >/dev/null || skip "packer is not installed"
}

# locals VAR=VALUE...: packer inspect's view of the nvidia-firmware1 (or IMAGE=) definition with these variables.
locals() {
	local image=${IMAGE:-nvidia-firmware1} args=()
	for kv in "$@"; do args+=(-var "$kv"); done
	(cd "$TEMPLATES" && packer inspect -var-file="images/$image.pkrvars.hcl" "${args[@]}" .)
}

@test "template: without a signing key nothing is copied and 04 gets empty paths" {
	run locals
	[ "$status" -eq 0 ]
	[[ $output == *'local.sign_modules: "false"'* ]]
	# (packer inspect prints the list as escaped HCL: "[\n  \"qemu.gpu-image\",\n]")
	[[ $output == *'local.signing_except: "[\n  \"qemu.gpu-image\",\n]"'* ]]
	[[ $output == *'local.signing_guest_key: ""'* ]]
}

@test "template: with a key, an image that runs 04 copies it to a root-only tmpfs path" {
	run locals module_signing_key=/tmp/k.pem module_signing_cert=/tmp/c.pem
	[ "$status" -eq 0 ]
	[[ $output == *'local.sign_modules: "true"'* ]]
	[[ $output == *'local.signing_except: "[]"'* ]]
	[[ $output == *'local.signing_guest_key: "/run/gpu-image-signing/module-signing.key"'* ]]
	[[ $output == *'local.signing_guest_cert: "/run/gpu-image-signing/module-signing.crt"'* ]]
}

@test "template: with a key, an image without 04 (gpu-ready) copies nothing" {
	IMAGE=gpu-ready run locals module_signing_key=/tmp/k.pem module_signing_cert=/tmp/c.pem
	[ "$status" -eq 0 ]
	[[ $output == *'local.sign_modules: "false"'* ]]
	[[ $output == *'local.signing_guest_key: ""'* ]]
}

@test "template: 04 receives MODULE_SIGNING_KEY and MODULE_SIGNING_CERT from the locals" {
	grep -q '"MODULE_SIGNING_KEY=${local.signing_guest_key}"' "$TEMPLATES/gpu-image.pkr.hcl"
	grep -q '"MODULE_SIGNING_CERT=${local.signing_guest_cert}"' "$TEMPLATES/gpu-image.pkr.hcl"
}
