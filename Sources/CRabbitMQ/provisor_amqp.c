#include "provisor_amqp.h"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/time.h>

struct provisor_amqp {
  amqp_connection_state_t state;
  int confirming;
  uint64_t published;
};

static void say(char *error, size_t len, const char *what, const char *detail) {
  if (error && len) snprintf(error, len, "%s%s%s", what, detail && *detail ? ": " : "", detail ? detail : "");
}

// The words of an RPC reply that is not normal: the broker's close reason, or the library's.
static int failed(amqp_rpc_reply_t reply, const char *what, char *error, size_t len) {
  char detail[512] = "";
  switch (reply.reply_type) {
  case AMQP_RESPONSE_NORMAL:
    return 0;
  case AMQP_RESPONSE_NONE:
    snprintf(detail, sizeof detail, "no reply");
    break;
  case AMQP_RESPONSE_LIBRARY_EXCEPTION:
    snprintf(detail, sizeof detail, "%s", amqp_error_string2(reply.library_error));
    break;
  case AMQP_RESPONSE_SERVER_EXCEPTION:
    if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
      amqp_connection_close_t *close = (amqp_connection_close_t *)reply.reply.decoded;
      snprintf(detail, sizeof detail, "%.*s", (int)close->reply_text.len, (char *)close->reply_text.bytes);
    } else if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
      amqp_channel_close_t *close = (amqp_channel_close_t *)reply.reply.decoded;
      snprintf(detail, sizeof detail, "%.*s", (int)close->reply_text.len, (char *)close->reply_text.bytes);
    } else {
      snprintf(detail, sizeof detail, "the broker answered method 0x%08X", reply.reply.id);
    }
    break;
  }
  say(error, len, what, detail);
  return -1;
}

provisor_amqp *provisor_amqp_open(const char *host, int port, const char *vhost, const char *user, const char *password,
                                  const char *cacert, const char *cert, const char *key, int tls, int timeout_ms,
                                  char *error, size_t error_len) {
  amqp_connection_state_t state = amqp_new_connection();
  if (!state) {
    say(error, error_len, "cannot make a connection", "out of memory");
    return NULL;
  }
  amqp_socket_t *socket = tls ? amqp_ssl_socket_new(state) : amqp_tcp_socket_new(state);
  if (!socket) {
    say(error, error_len, "cannot make a socket", NULL);
    amqp_destroy_connection(state);
    return NULL;
  }
  if (tls) {
    amqp_ssl_socket_set_verify_peer(socket, 1);
    amqp_ssl_socket_set_verify_hostname(socket, 1);
    if (cacert && *cacert && amqp_ssl_socket_set_cacert(socket, cacert) != AMQP_STATUS_OK) {
      say(error, error_len, "cannot read the CA certificate", cacert);
      amqp_destroy_connection(state);
      return NULL;
    }
    if (cert && *cert && amqp_ssl_socket_set_key(socket, cert, key) != AMQP_STATUS_OK) {
      say(error, error_len, "cannot read the client certificate and key", cert);
      amqp_destroy_connection(state);
      return NULL;
    }
  }
  struct timeval timeout = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  int status = amqp_socket_open_noblock(socket, host, port, &timeout);
  if (status != AMQP_STATUS_OK) {
    say(error, error_len, "cannot connect", amqp_error_string2(status));
    amqp_destroy_connection(state);
    return NULL;
  }
  amqp_rpc_reply_t reply = amqp_login(state, vhost, 0, 131072, 60, AMQP_SASL_METHOD_PLAIN, user, password);
  // With TLS 1.3 the broker checks the client's certificate after the handshake: a refusal then
  // surfaces as an SSL error at the login.
  int refused_tls = tls && reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_SSL_ERROR;
  if (failed(reply, refused_tls ? "the broker ended the TLS connection (does it want a client certificate it trusts? give certFile and keyFile)"
                                : "the broker refused the login",
             error, error_len)) {
    amqp_destroy_connection(state);
    return NULL;
  }
  amqp_channel_open(state, 1);
  if (failed(amqp_get_rpc_reply(state), "cannot open a channel", error, error_len)) {
    amqp_connection_close(state, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(state);
    return NULL;
  }
  provisor_amqp *connection = calloc(1, sizeof *connection);
  connection->state = state;
  return connection;
}

void provisor_amqp_close(provisor_amqp *connection) {
  if (!connection) return;
  amqp_channel_close(connection->state, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(connection->state, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(connection->state);
  free(connection);
}

int provisor_amqp_declare(provisor_amqp *connection, const char *name, int quorum, char *declared, size_t declared_len, uint32_t *consumers,
                          char *error, size_t error_len) {
  amqp_table_entry_t entry;
  amqp_table_t arguments = amqp_empty_table;
  int temporary = !name || !*name;
  if (quorum && !temporary) {
    entry.key = amqp_cstring_bytes("x-queue-type");
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = amqp_cstring_bytes("quorum");
    arguments.num_entries = 1;
    arguments.entries = &entry;
  }
  amqp_queue_declare_ok_t *ok = amqp_queue_declare(connection->state, 1, temporary ? amqp_empty_bytes : amqp_cstring_bytes(name), 0,
                                                   !temporary, temporary, temporary, arguments);
  if (failed(amqp_get_rpc_reply(connection->state), "cannot declare the queue", error, error_len)) return -1;
  if (declared && declared_len) snprintf(declared, declared_len, "%.*s", (int)ok->queue.len, (char *)ok->queue.bytes);
  if (consumers) *consumers = ok->consumer_count;
  return 0;
}

int provisor_amqp_confirm(provisor_amqp *connection, char *error, size_t error_len) {
  amqp_confirm_select(connection->state, 1);
  if (failed(amqp_get_rpc_reply(connection->state), "cannot turn on publisher confirms", error, error_len)) return -1;
  connection->confirming = 1;
  return 0;
}

int provisor_amqp_publish(provisor_amqp *connection, const char *queue, const char *message_id, const char *correlation_id,
                          const char *reply_to, const char *body, size_t body_len, int timeout_ms, char *error, size_t error_len) {
  amqp_basic_properties_t properties;
  memset(&properties, 0, sizeof properties);
  properties._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  properties.content_type = amqp_cstring_bytes("application/json");
  properties.delivery_mode = 2;
  if (message_id && *message_id) {
    properties._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
    properties.message_id = amqp_cstring_bytes(message_id);
  }
  if (correlation_id && *correlation_id) {
    properties._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
    properties.correlation_id = amqp_cstring_bytes(correlation_id);
  }
  if (reply_to && *reply_to) {
    properties._flags |= AMQP_BASIC_REPLY_TO_FLAG;
    properties.reply_to = amqp_cstring_bytes(reply_to);
  }
  amqp_bytes_t bytes = {body_len, (void *)body};
  int status = amqp_basic_publish(connection->state, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 1, 0, &properties, bytes);
  if (status != AMQP_STATUS_OK) {
    say(error, error_len, "cannot publish", amqp_error_string2(status));
    return -1;
  }
  if (!connection->confirming) return 0;
  uint64_t tag = ++connection->published;
  int returned = 0;
  for (;;) {
    amqp_frame_t frame;
    struct timeval timeout = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    status = amqp_simple_wait_frame_noblock(connection->state, &frame, &timeout);
    if (status == AMQP_STATUS_TIMEOUT) {
      say(error, error_len, "the broker did not confirm the message in time", NULL);
      return -1;
    }
    if (status != AMQP_STATUS_OK) {
      say(error, error_len, "lost the broker while waiting for its confirm", amqp_error_string2(status));
      return -1;
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) continue;  // the returned message's header and body
    switch (frame.payload.method.id) {
    case AMQP_BASIC_RETURN_METHOD:
      returned = 1;  // no queue of that name: the broker gives it back, then acks
      break;
    case AMQP_BASIC_ACK_METHOD: {
      amqp_basic_ack_t *ack = (amqp_basic_ack_t *)frame.payload.method.decoded;
      if (ack->delivery_tag < tag && !ack->multiple) break;
      if (returned) {
        say(error, error_len, "the broker has no such queue", queue);
        return -1;
      }
      return 0;
    }
    case AMQP_BASIC_NACK_METHOD:
      say(error, error_len, "the broker refused the message (nack)", NULL);
      return -1;
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD: {
      amqp_rpc_reply_t reply;
      reply.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
      reply.reply = frame.payload.method;
      return failed(reply, "the broker closed the channel", error, error_len);
    }
    }
  }
}

int provisor_amqp_consume(provisor_amqp *connection, const char *queue, int prefetch, char *error, size_t error_len) {
  amqp_basic_qos(connection->state, 1, 0, (uint16_t)prefetch, 0);
  if (failed(amqp_get_rpc_reply(connection->state), "cannot set the prefetch", error, error_len)) return -1;
  amqp_basic_consume(connection->state, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  return failed(amqp_get_rpc_reply(connection->state), "cannot consume the queue", error, error_len);
}

static char *copy(amqp_bytes_t bytes, int present) {
  if (!present) return NULL;
  char *text = malloc(bytes.len + 1);
  memcpy(text, bytes.bytes, bytes.len);
  text[bytes.len] = 0;
  return text;
}

int provisor_amqp_next(provisor_amqp *connection, int timeout_ms, provisor_delivery *delivery, char *error, size_t error_len) {
  amqp_envelope_t envelope;
  struct timeval timeout = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  amqp_maybe_release_buffers(connection->state);
  amqp_rpc_reply_t reply = amqp_consume_message(connection->state, &envelope, &timeout, 0);
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) return 0;
  if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
    // Another method than a delivery came: read it, and say what the broker meant.
    amqp_frame_t frame;
    if (amqp_simple_wait_frame(connection->state, &frame) != AMQP_STATUS_OK) {
      say(error, error_len, "lost the broker while waiting for a message", NULL);
      return -1;
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) return 2;
    switch (frame.payload.method.id) {
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
      reply.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
      reply.reply = frame.payload.method;
      return failed(reply, "the broker closed the channel", error, error_len) ? -1 : 0;
    case AMQP_BASIC_CANCEL_METHOD:
      say(error, error_len, "the broker cancelled the consumer (was the queue deleted?)", NULL);
      return -1;
    default:
      return 2;  // nothing a consumer needs: wait again
    }
  }
  if (failed(reply, "lost the broker while waiting for a message", error, error_len)) return -1;
  amqp_basic_properties_t *properties = &envelope.message.properties;
  delivery->body = copy(envelope.message.body, 1);
  delivery->body_len = envelope.message.body.len;
  delivery->message_id = copy(properties->message_id, properties->_flags & AMQP_BASIC_MESSAGE_ID_FLAG);
  delivery->correlation_id = copy(properties->correlation_id, properties->_flags & AMQP_BASIC_CORRELATION_ID_FLAG);
  delivery->reply_to = copy(properties->reply_to, properties->_flags & AMQP_BASIC_REPLY_TO_FLAG);
  delivery->delivery_tag = envelope.delivery_tag;
  delivery->redelivered = envelope.redelivered;
  amqp_destroy_envelope(&envelope);
  return 1;
}

int provisor_amqp_wait(provisor_amqp *connection, int wake_fd, int timeout_ms) {
  if (amqp_frames_enqueued(connection->state) || amqp_data_in_buffer(connection->state)) return 1;
  struct pollfd fds[2] = {{amqp_get_sockfd(connection->state), POLLIN, 0}, {wake_fd, POLLIN, 0}};
  int ready = poll(fds, wake_fd >= 0 ? 2 : 1, timeout_ms);
  if (ready <= 0) return 0;
  if (fds[0].revents) return 1;
  return 2;
}

void provisor_delivery_free(provisor_delivery *delivery) {
  free(delivery->body);
  free(delivery->message_id);
  free(delivery->correlation_id);
  free(delivery->reply_to);
  memset(delivery, 0, sizeof *delivery);
}

int provisor_amqp_ack(provisor_amqp *connection, uint64_t delivery_tag, char *error, size_t error_len) {
  int status = amqp_basic_ack(connection->state, 1, delivery_tag, 0);
  if (status != AMQP_STATUS_OK) {
    say(error, error_len, "cannot acknowledge the message", amqp_error_string2(status));
    return -1;
  }
  return 0;
}
