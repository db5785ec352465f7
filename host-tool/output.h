/* What host_tool prints for responses, events and a timeout, and where: to
 * stdout, appended to the -o file, and as UDP datagrams to 127.0.0.1:-U.
 * The text form is the reference's byte for byte (a header line, then the
 * attr_container payload as cJSON_Print JSON); --json prints one compact
 * JSON object per line instead. */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared_utils.h"

typedef struct out out_t;

/* file NULL = no file (else opened for append now, so a bad path fails
 * before anything is sent); udp_port 0 = no UDP. NULL + err on failure. */
out_t *out_open(const char *file, uint16_t udp_port, bool json, char *err, size_t err_size);

/* A response (text: "\nresponse status N\n" + JSON). The payload is
 * untrusted: a malformed attr_container prints no JSON (a warning on
 * stderr; "payload_error" with --json). */
void out_response(out_t *out, const response_t *resp);

/* An event, a type-2 message from the device (text: "\nreceived an event
 * URL\n" + JSON). */
void out_event(out_t *out, const request_t *event);

/* Text: "operation timeout\n"; --json: {"type":"timeout"}. */
void out_timeout(out_t *out);

void out_close(out_t *out);

#endif /* OUTPUT_H */
