#!/usr/bin/env bash
# Installs a release build of Provisor under DESTDIR/PREFIX: the binaries (with the engines), provisor(1)
# generated from the command definitions, shell completions, the JSON Schemas, the docs and
# the examples. `make install` builds the release first.
# Usage: scripts/install.sh BUILD_DIR DESTDIR PREFIX
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1 destdir=$2 prefix=$3
root="$destdir$prefix"
[ -x "$build/provisor" ] || { echo "error: no release build in $build (run make install, which builds it)"; exit 1; }
install -d "$root/bin" "$root/share/man/man1" "$root/share/provisor" "$root/share/doc/provisor" \
  "$root/share/bash-completion/completions" "$root/share/zsh/vendor-completions" "$root/share/fish/vendor_completions.d"
# Stripped of their symbol tables: half the size; Swift's runtime metadata stays.
install -s -m 755 "$build/provisor" "$build/provisor-simulated-engine" "$build/provisor-engine-microsoft" "$root/bin/"
python3 scripts/man-page.py "$build/provisor" > "$root/share/man/man1/provisor.1"
gzip -n -9 -f "$root/share/man/man1/provisor.1"
"$build/provisor" --generate-completion-script bash > "$root/share/bash-completion/completions/provisor"
"$build/provisor" --generate-completion-script zsh > "$root/share/zsh/vendor-completions/_provisor"
"$build/provisor" --generate-completion-script fish > "$root/share/fish/vendor_completions.d/provisor.fish"
cp -R schemas "$root/share/provisor/schemas"
cp -R examples "$root/share/provisor/examples"
cp -R engines "$root/share/provisor/engines"
find "$root/share/provisor" -name __pycache__ -prune -exec rm -rf {} +
cp -R README.md CHANGELOG.md docs "$root/share/doc/provisor/"
echo "Installed Provisor $("$build/provisor" --version) under $root"
