#!/usr/bin/env bash
# Measures reading manifests from a git revision (libgit2, no checkout) against reading the
# same files from disk, with `provisor validate --timings`, on a generated estate committed to
# a fresh repository: once with loose objects (as just committed) and once packed (git gc, as
# a clone is). Usage: Benchmarks/measure-git.sh [CUSTOMERS] [USERS_PER_CUSTOMER] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-10000}
users=${2:-10}
runs=${3:-3}
estate=".build/estate-$customers-$users"
repo=".build/estate-git-$customers-$users"
command -v /usr/bin/time >/dev/null || { echo "error: needs /usr/bin/time (Debian package 'time')"; exit 1; }
swift build -c release --product provisor >/dev/null
provisor="$PWD/.build/release/provisor"
[ -d "$estate" ] || python3 Benchmarks/generate-estate.py --customers "$customers" --users-per-customer "$users" --out "$estate"
rm -rf "$repo"
mkdir -p "$repo"
cp -r "$estate" "$repo/manifests"
git -C "$repo" init -q -b main
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@example -c commit.gpgsign=false commit -q -m "Generated estate"
echo "estate: $(du -sh "$repo/manifests" | cut -f1) in $(find "$repo/manifests" -name '*.yaml' | wc -l) files"
measure() {
  local label=$1; shift
  for run in $(seq "$runs"); do
    (cd "$repo" && /usr/bin/time -f "$label run $run: %e s wall, %U s user, %M KB max RSS" "$provisor" validate --timings "$@" >/dev/null)
  done
}
sync
measure "from disk          "
measure "git --ref HEAD, loose" --ref HEAD
git -C "$repo" gc -q
echo "after git gc: $(du -sh "$repo/.git" | cut -f1) in .git"
measure "git --ref HEAD, packed" --ref HEAD
