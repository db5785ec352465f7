/* One host_tool exchange on a libuv loop: connect, send the request (with a
 * progress line for large installs), wait for the response with our mid
 * while printing events, stay -a ms for more events, and decide the exit
 * code. */
#ifndef SESSION_H
#define SESSION_H

#include "cli.h"
#include "message.h"
#include "output.h"

/* Exit codes other than a response status. */
#define SESSION_EXIT_TIMEOUT 2
#define SESSION_EXIT_ERROR 255

/* Runs the exchange to its end; returns the exit code: the response status,
 * SESSION_EXIT_TIMEOUT, or SESSION_EXIT_ERROR after a message on stderr. */
int session_run(const cli_options_t *opts, const msg_t *msg, out_t *out);

#endif /* SESSION_H */
