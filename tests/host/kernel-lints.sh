#!/bin/bash
# Builds src/logic the way the kernel module does: as a private `mod logic;` of a `no_std` crate
# root, with the kernel's rust_common_flags lints (Linux 7.3 Makefile) under clippy, warnings as
# errors. dead_code is allowed, as nothing uses the logic from this stand-in root.
# usage: tests/host/kernel-lints.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LOGIC=$(cd "$HERE/../../src/logic" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/root.rs" <<ROOT
//! Stand-in for the vflow kernel crate root.
#![no_std]

#[path = "$LOGIC/mod.rs"]
mod logic;
ROOT
flags=(
	--edition=2021 -Astable_features -Dnon_ascii_idents -Dunsafe_op_in_unsafe_fn -Wmissing_docs
	-Wrust_2018_idioms -Wunreachable_pub -Wclippy::all -Wclippy::as_ptr_cast_mut
	-Wclippy::as_underscore -Wclippy::cast_lossless -Aclippy::collapsible_if
	-Aclippy::collapsible_match -Wclippy::ignored_unit_patterns -Aclippy::incompatible_msrv
	-Wclippy::mut_mut -Wclippy::needless_bitwise_bool -Aclippy::needless_lifetimes
	-Wclippy::no_mangle_with_rust_abi -Wclippy::ptr_as_ptr -Wclippy::ptr_cast_constness
	-Wclippy::ref_as_ptr -Wclippy::undocumented_unsafe_blocks -Aclippy::uninlined_format_args
	-Wclippy::unnecessary_safety_comment -Wclippy::unnecessary_safety_doc
	-Aclippy::unwrap_or_default -Wrustdoc::missing_crate_level_docs
	-Wrustdoc::unescaped_backticks
)
for opt in "" "-O -Cdebug-assertions=off -Coverflow-checks=off"; do
	# shellcheck disable=SC2086
	clippy-driver "${flags[@]}" $opt -Dwarnings -Adead_code --crate-type=lib --crate-name=vflow \
		--emit=metadata -o "$tmp/libvflow.rmeta" "$tmp/root.rs"
done
echo "kernel-lints: src/logic clean"
