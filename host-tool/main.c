/* host_tool: install, query, call and uninstall apps on a device running
 * the app manager, over TCP or a UART (contract section 7). Wire- and
 * output-compatible with WAMR's host_tool. This file only wires the modules:
 * options -> request message -> output -> session -> exit code. */
#include <signal.h>
#include <stdio.h>

#include "cli.h"
#include "message.h"
#include "output.h"
#include "session.h"

int main(int argc, char **argv)
{
    cli_options_t opts;
    char err[1024];
    msg_t msg;
    out_t *out;
    int code;

    switch (cli_parse(argc, argv, &opts, err, sizeof(err))) {
    case CLI_HELP:
        cli_usage(stdout);
        return 0;
    case CLI_ERROR:
        fprintf(stderr, "host_tool: %s\n\n", err);
        cli_usage(stderr);
        return SESSION_EXIT_ERROR;
    case CLI_OK:
        break;
    }
    /* A device that hangs up mid-write must give an error, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    if (!msg_build(&opts, &msg, err, sizeof(err))) {
        fprintf(stderr, "host_tool: %s\n", err);
        return SESSION_EXIT_ERROR;
    }
    if (!(out = out_open(opts.output_file, opts.udp_port, opts.json, err, sizeof(err)))) {
        fprintf(stderr, "host_tool: %s\n", err);
        msg_free(&msg);
        return SESSION_EXIT_ERROR;
    }
    code = session_run(&opts, &msg, out);
    out_close(out);
    msg_free(&msg);
    return code;
}
