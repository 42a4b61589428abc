#!/usr/bin/env bash
# Builds the release binary, then the packages of the system it runs on:
# - Linux: the .deb, into dist/ (cargo-deb, configured in Cargo.toml [package.metadata.deb]);
# - macOS: the .app and .dmg; Windows (Git Bash): the NSIS installer .exe; both with
#   cargo-packager (Cargo.toml [package.metadata.packager]), which writes them beside the
#   binary in $CARGO_TARGET_DIR/release and prints their paths.
# Usage: packaging/build.sh   (DIST=folder puts the .deb elsewhere; CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/pledger-target}"
dist="${DIST:-$PWD/dist}"
mkdir -p "$CARGO_TARGET_DIR" "$dist"

# The packagers' versions are pinned so that a release is reproducible; both build with the
# Rust of rust-version in Cargo.toml.
CARGO_DEB_VERSION=3.6.2
CARGO_PACKAGER_VERSION=0.11.8

# Installs a cargo subcommand once; later runs find it in ~/.cargo/bin.
need_tool() { # crate version
  local have
  have="$(cargo "${1#cargo-}" --version 2>/dev/null || true)"
  if [[ "$have" != *"$2"* ]]; then
    echo "== installing $1 $2 (once)"
    cargo install "$1" --version "$2" --locked
  fi
}

echo "== release build"
cargo build --release --locked
binary="$CARGO_TARGET_DIR/release/pledger"
[ -x "$binary" ] || binary="$binary.exe"

case "$(uname -s)" in
  Linux)
    need_tool cargo-deb "$CARGO_DEB_VERSION"
    echo "== .deb"
    # --no-build: package the binary just built, with the same flags (--locked).
    cargo deb --no-build --output "$dist"
    ;;
  Darwin)
    need_tool cargo-packager "$CARGO_PACKAGER_VERSION"
    echo "== .app and .dmg"
    cargo packager --release --formats app,dmg
    ;;
  MINGW* | MSYS* | CYGWIN*)
    need_tool cargo-packager "$CARGO_PACKAGER_VERSION"
    echo "== NSIS installer"
    cargo packager --release --formats nsis
    ;;
  *)
    echo "packaging/build.sh: no package format for $(uname -s); the binary is $binary" >&2
    exit 2
    ;;
esac

echo "== done"
ls -l "$binary"
ls -l "$dist"/*.deb 2>/dev/null || true
