#!/usr/bin/env bash
# Builds the Debian package of Provisor from a release build (the Swift runtime linked
# statically, so it needs no Swift on the machine it is installed on): installs it under
# /usr in a staging folder, writes DEBIAN/control with the Debian packages of the libraries
# it links directly (readelf, ldd and dpkg -S), and builds .build/provisor_VERSION_ARCH.deb.
# Usage: scripts/build-deb.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-.build/release}
stage=.build/deb/root
rm -rf .build/deb && mkdir -p "$stage/DEBIAN"
scripts/install.sh "$build" "$stage" /usr >/dev/null
version=$("$build/provisor" --version)
arch=$(dpkg --print-architecture)
# The packages of the shared libraries the binaries link directly (their NEEDED entries,
# located with ldd, owned per dpkg -S): libyaml, libgit2, SQLite, zlib, libstdc++, libc.
depends=$(for binary in "$build/provisor" "$build/provisor-simulated-engine" "$build/provisor-engine-microsoft"; do
    needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    ldd "$binary" | awk '/=> \// { print $1, $3 }' | while read -r name path; do
      echo "$needed" | grep -qx "$name" || continue
      dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null || true
    done
  done | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g')
installed=$(du -sk "$stage/usr" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: provisor
Version: $version
Architecture: $arch
Maintainer: Provisor maintainers <provisor@example.invalid>
Installed-Size: $installed
Depends: $depends, git
Recommends: python3, python3-pika
Section: admin
Priority: optional
Homepage: https://provisor.dev
Description: GitOps reconciler for managed-service and cloud-solution providers
 Provisor validates an estate of resellers, customers, users and services described
 as YAML manifests in git, resolves inheritance, plans against the recorded state and
 provisions it through pluggable engines; it finds drift and right-sizes Microsoft 365
 licences. This package holds provisor, the simulated engine, provisor(1), shell
 completions, the JSON Schemas and the examples.
CONTROL
package=".build/provisor_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$package" >/dev/null
echo "$package"
