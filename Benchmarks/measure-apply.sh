#!/usr/bin/env bash
# Measures `provisor reconcile` applying a generated estate from nothing, with a release build.
# Usage: Benchmarks/measure-apply.sh CUSTOMERS USERS_PER_CUSTOMER outbox|simulated|amqp
#   outbox:    every engine is an outbox engine (messages stored in the state database's outbox)
#   simulated: every engine is the bundled simulated engine (reconcile --simulate), one process each
#   amqp:      every engine is an amqp engine on the broker of PROVISOR_TEST_AMQP_URL
#              (scripts/rabbitmq-test-broker.sh), served by a simulated engine consuming its queue
# Every user's password is a file: secretRef to one file, so the environment stays small.
# With BENCH_DATABASE_URL set (a postgres:// URL of an empty database), the state is recorded
# there (--state env:BENCH_DATABASE_URL) instead of in a SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-2900}
users=${2:-10}
adapter=${3:-outbox}
out=".build/apply-estate-$customers-$users-$adapter"
state=".build/apply-$customers-$users-$adapter.db"
[ -n "${BENCH_DATABASE_URL:-}" ] && state="env:BENCH_DATABASE_URL"
engines=".build/apply-engines-$customers-$users"
command -v /usr/bin/time >/dev/null || { echo "error: needs /usr/bin/time (Debian package 'time')"; exit 1; }
swift build -c release --product provisor >/dev/null
swift build -c release --product provisor-simulated-engine >/dev/null
rm -rf "$out" "$state" "$state-wal" "$state-shm" "$engines"
python3 Benchmarks/generate-estate.py --customers "$customers" --users-per-customer "$users" --out "$out" >/dev/null
printf 'bench-password\n' > .build/bench-password
python3 - "$out" "$adapter" <<'PY'
import pathlib, re, sys
root, adapter = pathlib.Path(sys.argv[1]), sys.argv[2]
names = re.findall(r"metadata: \{ name: ([a-z0-9-]+) \}", (root / "engines.yaml").read_text())
if adapter == "outbox":
    (root / "engines.yaml").write_text("".join(
        f"---\napiVersion: provisor/v1\nkind: Engine\nmetadata: {{ name: {name} }}\nspec:\n  adapter: outbox\n" for name in names))
if adapter == "amqp":
    host = re.match(r"amqp://[^@]*@([^/]+)/", __import__("os").environ["PROVISOR_TEST_AMQP_URL"]).group(1)
    (root / "engines.yaml").write_text("".join(
        f"---\napiVersion: provisor/v1\nkind: Engine\nmetadata: {{ name: {name} }}\nspec:\n  adapter: amqp\n"
        f"  amqp: {{ url: \"amqp://{host}/\", user: provisor, password: {{ secretRef: \"file:.build/bench-amqp-password\" }}, queue: bench-{name} }}\n"
        for name in names))
    (root / "engine-names").write_text("\n".join(names))
for path in root.rglob("*.yaml"):
    text = path.read_text()
    if "env:" in text:
        path.write_text(re.sub(r'"env:[A-Z0-9_]+"', '"file:.build/bench-password"', text))
PY
changes=$(.build/release/provisor plan --manifests "$out" --state "$state" --format json | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(s["create"])' || true)
extra=()
[ "$adapter" = simulated ] && extra=(--simulate "$engines")
if [ "$adapter" = amqp ]; then
  export PROVISOR_AMQP_PASSWORD
  PROVISOR_AMQP_PASSWORD=$(echo "$PROVISOR_TEST_AMQP_URL" | sed -E 's#amqp://[^:]*:([^@]*)@.*#\1#')
  printf '%s' "$PROVISOR_AMQP_PASSWORD" > .build/bench-amqp-password
  url=$(echo "$PROVISOR_TEST_AMQP_URL" | sed -E 's#(amqp://[^:]*):[^@]*@#\1@#')
  consumers=()
  while read -r name; do
    .build/release/provisor-simulated-engine --state-dir "$engines/$name" --engine "$name" --amqp "$url" --queue "bench-$name" 2>/dev/null &
    consumers+=($!)
  done < "$out/engine-names"
  trap 'kill "${consumers[@]}" 2>/dev/null || true' EXIT
fi
/usr/bin/time -f "reconcile ($adapter, $([ -n "${BENCH_DATABASE_URL:-}" ] && echo PostgreSQL || echo SQLite)): %e s wall, %U s user, %S s system, %M KB max RSS" \
  .build/release/provisor reconcile --manifests "$out" --state "$state" "${extra[@]}" | tail -n 1
python3 - "$state" "$changes" <<'PY'
import os, sqlite3, subprocess, sys
if sys.argv[1].startswith("env:"):
    count = lambda sql: int(subprocess.run(["psql", "-tA", os.environ["BENCH_DATABASE_URL"], "-c", sql], check=True, capture_output=True, text=True).stdout)
else:
    db = sqlite3.connect(sys.argv[1])
    count = lambda sql: db.execute(sql).fetchone()[0]
print(f"planned {sys.argv[2]} changes; recorded {count('select count(*) from resource')} resources, "
      f"{count('select count(*) from outbox')} outbox messages, {count('select count(*) from audit')} audit entries, "
      f"{count('select count(*) from journal')} journal entries")
PY
