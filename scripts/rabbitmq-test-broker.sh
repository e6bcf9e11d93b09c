#!/usr/bin/env bash
# A throw-away RabbitMQ broker for the amqp tests: one node on 127.0.0.1 at a free port, its
# data, logs and Erlang cookie under DIR, a user with a random password.
#
#   eval "$(scripts/rabbitmq-test-broker.sh start DIR)"   # prints the variables the tests read
#   scripts/rabbitmq-test-broker.sh stop DIR
#   scripts/rabbitmq-test-broker.sh restart DIR            # the same node again (tests use it)
#   scripts/rabbitmq-test-broker.sh alarm DIR              # a memory alarm: publishers are blocked
#   scripts/rabbitmq-test-broker.sh clear-alarm DIR        # (tests use them)
#
# It also listens with TLS on a second port, with a certificate for localhost signed by a CA made
# for it, and asks every TLS client for a certificate signed by that CA.
#
# The tests read PROVISOR_TEST_AMQP_URL (with the password), PROVISOR_TEST_AMQPS_URL (the TLS
# listener), PROVISOR_TEST_AMQP_TLS (the folder of ca.pem, client.pem and client.key) and
# PROVISOR_TEST_RABBITMQ_DIR.
set -euo pipefail
command=${1:?usage: $0 start|stop|restart|alarm|clear-alarm DIR}
dir=$(mkdir -p "${2:?usage: $0 start|stop|restart|alarm|clear-alarm DIR}" && cd "$2" && pwd)
bin=/usr/lib/rabbitmq/bin
[ -x "$bin/rabbitmq-server" ] || { echo "error: RabbitMQ was not found (install the Debian package rabbitmq-server)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
[ -f "$dir/port" ] && [ -f "$dir/tls-port" ] || { free_port > "$dir/port"; free_port > "$dir/dist-port"; free_port > "$dir/tls-port"; }
port=$(cat "$dir/port")
node="provisor-test-$port@localhost"
export HOME=$dir RABBITMQ_NODENAME=$node RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$port
export RABBITMQ_DIST_PORT=$(cat "$dir/dist-port") RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log
export RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins RABBITMQ_CONFIG_FILE=$dir/rabbitmq ERL_CRASH_DUMP=$dir/erl_crash.dump
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
  tls=$dir/tls
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Provisor test CA" -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
  for name in server client; do
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/$name.key" -out "$tls/$name.csr" 2>/dev/null
    printf 'subjectAltName = DNS:localhost, IP:127.0.0.1\n' > "$tls/$name.ext"
    openssl x509 -req -in "$tls/$name.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 30 \
      -extfile "$tls/$name.ext" -out "$tls/$name.pem" 2>/dev/null
  done
  chmod 644 "$tls"/*
  cat > "$dir/rabbitmq.conf" <<CONF
loopback_users = none
listeners.tcp.default = 127.0.0.1:$port
listeners.ssl.default = 127.0.0.1:$(cat "$dir/tls-port")
ssl_options.cacertfile = $tls/ca.pem
ssl_options.certfile = $tls/server.pem
ssl_options.keyfile = $tls/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
CONF
  up
  password=$(openssl rand -hex 16)
  ctl add_user provisor "$password"
  ctl set_permissions -p / provisor '.*' '.*' '.*'
  ctl delete_user guest
  echo "export PROVISOR_TEST_AMQP_URL='amqp://provisor:$password@127.0.0.1:$port/'"
  echo "export PROVISOR_TEST_AMQPS_URL='amqps://provisor:$password@localhost:$(cat "$dir/tls-port")/'"
  echo "export PROVISOR_TEST_AMQP_TLS='$tls'"
  echo "export PROVISOR_TEST_RABBITMQ_DIR='$dir'"
  ;;
restart)
  ctl stop_app && ctl start_app
  ;;
alarm)
  # Any memory in use is past a watermark this low: the broker blocks every publishing connection.
  ctl set_vm_memory_high_watermark absolute 1
  ;;
clear-alarm)
  ctl set_vm_memory_high_watermark 0.4
  ;;
stop)
  ctl stop 2>/dev/null || true
  ;;
*)
  echo "usage: $0 start|stop|restart|alarm|clear-alarm DIR" >&2
  exit 2
  ;;
esac
