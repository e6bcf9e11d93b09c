// A thin C layer over librabbitmq (Debian's librabbitmq-dev) for Provisor's amqp adapter and the
// engine kit: what Swift cannot call directly (amqp_login is variadic, tables and properties are
// unions and flag sets) behind a few plain functions. One connection is used by one thread.
#ifndef PROVISOR_AMQP_H
#define PROVISOR_AMQP_H

#include <stddef.h>
#include <stdint.h>

typedef struct provisor_amqp provisor_amqp;

typedef struct provisor_delivery {
  char *body;
  size_t body_len;
  char *message_id;
  char *correlation_id;
  char *reply_to;
  uint64_t delivery_tag;
  int redelivered;
} provisor_delivery;

// Connects and logs in, opening channel 1; NULL with the reason in `error` on failure. `cacert`
// (and `cert` with `key`) make it TLS with the peer and its hostname verified.
provisor_amqp *provisor_amqp_open(const char *host, int port, const char *vhost, const char *user, const char *password,
                                  const char *cacert, const char *cert, const char *key, int tls, int timeout_ms,
                                  char *error, size_t error_len);
void provisor_amqp_close(provisor_amqp *connection);

// Declares a durable queue (quorum when `quorum`), or an exclusive, auto-deleted one named by the
// broker when `name` is empty (its name is written to `declared`). `consumers` (when not NULL)
// receives how many consumers the queue has. 0 on success.
int provisor_amqp_declare(provisor_amqp *connection, const char *name, int quorum, char *declared, size_t declared_len, uint32_t *consumers,
                          char *error, size_t error_len);

// Puts the channel in confirm mode: every publish then waits for the broker's ack.
int provisor_amqp_confirm(provisor_amqp *connection, char *error, size_t error_len);

// Publishes a persistent JSON message to `queue` through the default exchange; in confirm mode,
// returns only once the broker confirmed it (0), nacked it or did not answer within `timeout_ms`.
int provisor_amqp_publish(provisor_amqp *connection, const char *queue, const char *message_id, const char *correlation_id,
                          const char *reply_to, const char *body, size_t body_len, int timeout_ms, char *error, size_t error_len);

// Starts consuming `queue` with at most `prefetch` unacknowledged deliveries.
int provisor_amqp_consume(provisor_amqp *connection, const char *queue, int prefetch, char *error, size_t error_len);

// Waits up to `timeout_ms` for something to read on the connection (1), or for `wake_fd` (when
// not -1) to become readable (2); 0 when neither came. What is already buffered counts at once.
int provisor_amqp_wait(provisor_amqp *connection, int wake_fd, int timeout_ms);

// The next delivery: 1 with `delivery` filled (free it with provisor_delivery_free), 0 when none
// came within `timeout_ms`, -1 on a failure (the connection is then unusable).
int provisor_amqp_next(provisor_amqp *connection, int timeout_ms, provisor_delivery *delivery, char *error, size_t error_len);
void provisor_delivery_free(provisor_delivery *delivery);

int provisor_amqp_ack(provisor_amqp *connection, uint64_t delivery_tag, char *error, size_t error_len);

#endif
