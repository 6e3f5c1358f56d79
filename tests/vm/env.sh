# Common settings for the build/VM scripts (source this). Everything big lives outside the repo.
# shellcheck shell=bash
export VFLOW_CACHE=${VFLOW_CACHE:-/var/cache/vflow}
export KVER_PKG=linux-source-7.3
export KVER_DEB=7.3.4-1~bpo13+1                  # Debian package version, pinned
export RUSTSRC_DEB=1.95.0+dfsg1-2~bpo13+1        # must equal the machine's rustc exactly
export RUSTC_WANT=1.95.0
export BINDGEN_VER=0.73.2
export VNG_VER=1.42
export PYROUTE2_VER=0.9.7
export KSRC=$VFLOW_CACHE/linux-source-7.3       # unpacked /usr/src/linux-source-7.3.tar.xz
export RUST_LIB_SRC=/usr/src/rustc-$RUSTC_WANT/library
export LLVM_SUFFIX=-19                           # bookworm clang-19; plain LLVM=1 finds no `clang`
export VENV=$VFLOW_CACHE/venv                    # virtme-ng, pyroute2, pyyaml for ynl
export PATH=$HOME/.cargo/bin:$VENV/bin:$PATH
