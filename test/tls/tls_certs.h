/* Test certificates made at test time with mbedTLS's x509write API (no
 * openssl CLI needed): two CAs with the same name, a server certificate for
 * 127.0.0.1/localhost, and a client certificate from each CA. */
#ifndef TLS_CERTS_H
#define TLS_CERTS_H

#include <stdbool.h>
#include <stddef.h>

/* Writes into dir (which must exist), all PEM, keys unencrypted EC P-256:
 *   ca.crt ca.key                 "CN=wr test CA"
 *   server.crt server.key         CN=localhost, SAN DNS:localhost, DNS:127.0.0.1
 *                                 (mbedTLS 2.28 matches names, not IP SANs) and
 *                                 IP:127.0.0.1; signed by ca
 *   client.crt client.key         CN=wr test client, signed by ca
 *   other-ca.crt other-ca.key     an unrelated CA with the same name as ca
 *   other-client.crt other-client.key   CN=wr test client, signed by other-ca
 * False + err on failure. */
bool certs_make(const char *dir, char *err, size_t err_size);

#endif
