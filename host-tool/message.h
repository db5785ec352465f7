/* The one link message a host_tool run sends (contract sections 1, 2, 7):
 * URL, action, format and payload chosen from the options, packed as a
 * request with a random nonzero mid and sender 0, and framed as link type 4
 * (install) or 2 (everything else). Files named by the options are read
 * here. */
#ifndef MESSAGE_H
#define MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"

typedef struct msg {
    uint8_t *bytes;        /* link header + packed request; owned (msg_free) */
    size_t size;
    uint32_t mid;          /* the response must carry this mid */
    size_t payload_offset; /* where the install file starts in bytes */
    size_t payload_size;   /* the install file's size; 0 for other operations */
} msg_t;

/* Builds the message for opts. 0 with a precise message in err (a file that
 * cannot be read, a bad -p JSON file, a URL too long) and *out_msg empty. */
int msg_build(const cli_options_t *opts, msg_t *out_msg, char *err, size_t err_size);

void msg_free(msg_t *msg);

/* The request URL for opts (malloc'ed; NULL if out of memory). */
char *msg_url(const cli_options_t *opts);

#endif /* MESSAGE_H */
