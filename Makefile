# SPDX-License-Identifier: GPL-2.0
#
# vflow — top-level entry points. Everything big (kernel source, test kernels, Python venv) lives
# in $(VFLOW_CACHE), outside the repo.
#
#   make deps     install pinned toolchain + guest tools (idempotent)
#   make          build vflow.ko against KDIR (default: the running kernel's build tree)
#   make demo     build everything, boot the test kernel in QEMU, ping two VMs through vflow
#   make check    every test: host unit tests, clippy module build, vflowctl, kselftests in QEMU
#   make bench    vflow against its peers (bridge, OVS, tc, nft) in one non-debug VM boot: report
#                 in build/bench/results/latest (tests/bench/run.sh; not part of check)
#
# Building against your own kernel: KDIR must be a configured and built tree with CONFIG_RUST=y
# built by the same rustc/bindgen you use now, e.g. `make KDIR=/path/to/linux LLVM=1`. To use the
# cached test kernel: `make KDIR=$$(tests/vm/kernel.sh debug)`.

VFLOW_CACHE ?= /var/cache/vflow
KDIR        ?= /lib/modules/$(shell uname -r)/build
LLVM        ?= -19
MO          ?= $(CURDIR)/build/module
CLIPPY      ?=
export VFLOW_CACHE

RUST_LIB_SRC ?= /usr/src/rustc-1.95.0/library
export RUST_LIB_SRC
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all module clean deps kernel genl genl-check ctl host-test check demo bench microbench

all: module

module:
	@mkdir -p $(MO)
	$(MAKE) -C $(KDIR) M=$(CURDIR) MO=$(MO) LLVM=$(LLVM) $(if $(CLIPPY),CLIPPY=1) modules

clean:
	rm -rf build
	cd userspace-ctl && cargo clean
	cd tests/host && cargo clean

deps:
	tests/vm/deps.sh

kernel:
	@tests/vm/kernel.sh debug

genl:
	scripts/genl-gen.sh

genl-check:
	scripts/genl-gen.sh --check

ctl:
	cd userspace-ctl && cargo build --release --locked

host-test:
	cd tests/host && cargo test --locked
	cd userspace-ctl && cargo test --locked

check:
	tests/vm/check.sh

demo:
	tests/vm/demo.sh

bench: deps
	tests/bench/run.sh

# criterion micro-benchmarks of the per-packet pure logic, on the host (not part of check).
microbench:
	cd tests/microbench && cargo bench --locked
