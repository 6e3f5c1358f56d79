#!/bin/bash
# make demo: build everything (installing what is missing), boot the test kernel in QEMU and show
# two VM namespaces pinging each other through a vflow switch, with its counters.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd); cd "$TOP"
tests/vm/deps.sh
KDIR=$(tests/vm/kernel.sh debug | tail -1)
make -s module KDIR="$KDIR"
make -s ctl
tests/vm/run.sh debug "$TOP/tests/vm/demo-guest.sh" 2>&1 | grep -v '^\[ *[0-9.]*\]'
