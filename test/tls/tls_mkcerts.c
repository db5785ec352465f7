/* tls-mkcerts DIR: writes the test certificates of tls_certs.h into DIR,
 * for trying TLS by hand (see the README). Not for production use. */
#include <stdio.h>

#include "tls_certs.h"

int main(int argc, char **argv)
{
    char err[256];

    if (argc != 2) {
        fprintf(stderr, "usage: tls-mkcerts DIR\n");
        return 2;
    }
    if (!certs_make(argv[1], err, sizeof err)) {
        fprintf(stderr, "tls-mkcerts: %s\n", err);
        return 1;
    }
    printf("wrote ca, server, client, other-ca, other-client (.crt/.key) to %s\n", argv[1]);
    return 0;
}
