#!/usr/bin/env bash
# A throw-away RabbitMQ broker for the amqp tests: one node on 127.0.0.1 at a free port, its
# data, logs and Erlang cookie under DIR, a user with a random password.
#
#   eval "$(scripts/rabbitmq-test-broker.sh start DIR)"   # prints the variables the tests read
#   scripts/rabbitmq-test-broker.sh stop DIR
#   scripts/rabbitmq-test-broker.sh restart DIR            # the same node again (tests use it)
#
# The tests read PROVISOR_TEST_AMQP_URL (with the password) and PROVISOR_TEST_RABBITMQ_DIR.
set -euo pipefail
command=${1:?usage: $0 start|stop|restart DIR}
dir=$(mkdir -p "${2:?usage: $0 start|stop|restart DIR}" && cd "$2" && pwd)
bin=/usr/lib/rabbitmq/bin
[ -x "$bin/rabbitmq-server" ] || { echo "error: RabbitMQ was not found (install the Debian package rabbitmq-server)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
[ -f "$dir/port" ] || { free_port > "$dir/port"; free_port > "$dir/dist-port"; }
port=$(cat "$dir/port")
node="provisor-test-$port@localhost"
export HOME=$dir RABBITMQ_NODENAME=$node RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$port
export RABBITMQ_DIST_PORT=$(cat "$dir/dist-port") RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log
export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins RABBITMQ_CONFIG_FILE=$dir/rabbitmq
ctl() { "$bin/rabbitmqctl" -n "$node" "$@" >/dev/null; }

up() {
  "$bin/rabbitmq-server" -detached >/dev/null 2>&1
  for _ in $(seq 300); do
    (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && ctl await_startup && return 0
    sleep 0.2
  done
  echo "error: the broker did not start; see $dir/log" >&2
  exit 1
}

case "$command" in
start)
  echo "[]." > "$dir/enabled_plugins"
  printf 'loopback_users = none\nlisteners.tcp.default = 127.0.0.1:%s\n' "$port" > "$dir/rabbitmq.conf"
  up
  password=$(openssl rand -hex 16)
  ctl add_user provisor "$password"
  ctl set_permissions -p / provisor '.*' '.*' '.*'
  ctl delete_user guest
  echo "export PROVISOR_TEST_AMQP_URL='amqp://provisor:$password@127.0.0.1:$port/'"
  echo "export PROVISOR_TEST_RABBITMQ_DIR='$dir'"
  ;;
restart)
  ctl stop_app && ctl start_app
  ;;
stop)
  ctl stop 2>/dev/null || true
  ;;
*)
  echo "usage: $0 start|stop|restart DIR" >&2
  exit 2
  ;;
esac
