#!/usr/bin/env bash
# Builds the release and the Debian package, installs it on this machine (as root or through
# sudo), and checks the installed Provisor: its version, that it needs no Swift runtime, that
# it validates the examples, its man page and completions; then removes it again. `make test`
# runs it when PROVISOR_TEST_PACKAGE=1 (CI sets it; a release build takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
swift build -c release --static-swift-stdlib --product provisor >/dev/null
swift build -c release --static-swift-stdlib --product provisor-simulated-engine >/dev/null
swift build -c release --static-swift-stdlib --product provisor-engine-microsoft >/dev/null
package=$(scripts/build-deb.sh .build/release)
echo "test-deb: built $package"
$sudo dpkg -i "$package" >/dev/null
trap '$sudo dpkg -r provisor >/dev/null' EXIT
fail() { echo "test-deb: FAILED: $*"; exit 1; }
[ -x /usr/bin/provisor ] || fail "the package installed no /usr/bin/provisor"
version=$(/usr/bin/provisor --version)
[ "$version" = "$(dpkg-query -W -f '${Version}' provisor)" ] || fail "provisor --version says $version, the package another"
if ldd /usr/bin/provisor | grep -q libswift; then fail "provisor links the Swift runtime dynamically: $(ldd /usr/bin/provisor | grep libswift)"; fi
(cd /usr/share/provisor/examples && /usr/bin/provisor validate --config provisor.yaml >/dev/null) || fail "provisor validate on the installed examples"
# The man page and completions, as the package holds them (a minimal image may exclude
# /usr/share/man and /usr/share/doc from what dpkg installs).
contents=$(dpkg-deb -c "$package")
for path in ./usr/share/man/man1/provisor.1.gz ./usr/share/bash-completion/completions/provisor ./usr/share/provisor/schemas/plan.schema.json; do
  echo "$contents" | grep -q " $path\$" || fail "the package has no $path"
done
zcat .build/deb/root/usr/share/man/man1/provisor.1.gz | grep -q '^\.SS provisor reconcile' || fail "the man page has no reconcile section"
grep -q -- '--allow-policy' .build/deb/root/usr/share/bash-completion/completions/provisor || fail "the bash completion does not know --allow-policy"
/usr/bin/provisor-simulated-engine --help >/dev/null || fail "the simulated engine does not run"
/usr/bin/provisor-engine-microsoft --help >/dev/null || fail "the Microsoft engine does not run"
[ -f /usr/share/provisor/engines/microsoft/standin.py ] || fail "the package has no Microsoft stand-in"
echo "test-deb: provisor $version installed from the package, runs without Swift, validates the examples; removed again"
