/* host_tool's TLS client (mbedTLS 2.28, TLS 1.2) over memory: conn.c hands
 * it the bytes read from the socket and sends the records it produces, so
 * libuv keeps driving the socket and nothing blocks. Its errors name what
 * went wrong in the user's terms (which certificate, which option). */
#ifndef HOST_TOOL_TLS_H
#define HOST_TOOL_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The --tls options; strings point into argv. */
typedef struct tls_options {
    bool enabled;            /* --tls, or any other --tls-* option */
    const char *ca_file;     /* --tls-ca: the device's certificate must be signed by it */
    const char *cert_file;   /* --tls-cert and --tls-key: our client certificate */
    const char *key_file;
    const char *server_name; /* --tls-name: the name the device's certificate must
                                carry; NULL = the -S address */
    bool insecure;           /* --tls-insecure: encrypt, but check nothing */
} tls_options_t;

typedef struct tls_client tls_client_t;

/* Takes one record to send (bytes valid during the call), in order.
 * False: out of memory; the TLS call that produced it fails. */
typedef bool (*tls_send_fn)(void *user, const uint8_t *data, size_t size);

typedef enum tls_result {
    TLS_AGAIN,  /* the input is used up: more from the device is needed */
    TLS_DONE,   /* the handshake is over; input may be left for tls_client_read */
    TLS_FAILED  /* err says why */
} tls_result_t;

/* Loads the files, seeds the random generator, prepares the handshake
 * with the device at address (the default expected name). NULL + err. */
tls_client_t *tls_client_new(const tls_options_t *opts, const char *address, tls_send_fn send,
                             void *user, char *err, size_t err_size);
void tls_client_free(tls_client_t *t);

/* Bytes read from the socket: the next calls take from them. They must
 * stay valid until tls_client_handshake says AGAIN or tls_client_read 0. */
void tls_client_input(tls_client_t *t, const uint8_t *data, size_t size);

/* Advances the handshake with the input (the first call sends the hello). */
tls_result_t tls_client_handshake(tls_client_t *t, char *err, size_t err_size);
bool tls_client_up(const tls_client_t *t);

/* Plaintext from the input: > 0 bytes, 0 when the input is used up, -1
 * when the connection is over (err: closed by the device, or a bad record). */
long tls_client_read(tls_client_t *t, uint8_t *buf, size_t size, char *err, size_t err_size);

/* Encrypts size bytes into records (sent through the tls_send_fn). */
bool tls_client_write(tls_client_t *t, const uint8_t *data, size_t size, char *err,
                      size_t err_size);

/* A close_notify record, when the handshake is over. */
void tls_client_close(tls_client_t *t);

/* Why the device may have dropped an unfinished handshake, for messages. */
const char *tls_client_hint(const tls_client_t *t);

#endif /* HOST_TOOL_TLS_H */
