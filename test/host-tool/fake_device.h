/* The test side of host_tool's tests: a scripted fake device (plain
 * sockets or a pty master: read the one link message host_tool sends,
 * decode it field by field, answer with hand-built frames) and a runner
 * that spawns the built host_tool with its stdout/stderr in files. Every
 * wait has a generous guard so a broken host_tool fails the test instead of
 * hanging it. */
#ifndef FAKE_DEVICE_H
#define FAKE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GUARD_MS 15000 /* failure guard for every wait, never a timing assertion */

/* ---- bytes to send ------------------------------------------------------ */

typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes_t;

void bytes_add(bytes_t *b, const void *data, size_t len);
void bytes_free(bytes_t *b);

/* A link frame: 0x12 0x34 type:u16 BE size:u32 BE payload. */
void add_frame(bytes_t *b, uint16_t type, const void *payload, size_t len);
/* A type-3 frame holding a packed response. */
void add_response(bytes_t *b, uint8_t status, uint16_t fmt, uint32_t mid, const void *payload,
                  size_t len);
/* A type-2 frame holding a packed event (action 6). */
void add_event(bytes_t *b, const char *url, uint16_t fmt, uint32_t sender, const void *payload,
               size_t len);

/* An attr_container image with tag and string pairs (key, value, ...,
 * NULL); *out_len gets its size. malloc'ed. */
uint8_t *make_attr(const char *tag, uint32_t *out_len, ...);

/* ---- the device side ---------------------------------------------------- */

/* The request host_tool sent, decoded by hand from the wire bytes. */
typedef struct got_req {
    uint16_t link_type;
    uint8_t version, action;
    uint16_t fmt;
    uint32_t mid, sender;
    char *url;          /* NUL-terminated copy */
    uint8_t *payload;   /* copy, payload_len bytes */
    uint32_t payload_len;
} got_req_t;

int dev_listen(uint16_t *out_port);      /* 127.0.0.1, ephemeral port */
int dev_accept(int listen_fd);           /* -1 if nobody came within GUARD_MS */
/* Reads one link message and decodes the request in it; false (and says
 * why) if the bytes are not exactly one well-formed request. */
bool dev_read_request(int fd, got_req_t *out_req);
void got_req_free(got_req_t *req);
bool dev_send(int fd, const bytes_t *b); /* in ONE write */
bool dev_wait_eof(int fd);               /* until host_tool closes its end */
uint16_t unused_port(void);              /* a port nothing listens on */

/* ---- running host_tool -------------------------------------------------- */

typedef struct tool_result {
    int code;    /* exit code; -signal if killed */
    char *out;   /* stdout, NUL-terminated */
    size_t out_len;
    char *err;   /* stderr */
} tool_result_t;

/* Starts host_tool with args (NULL-terminated, without argv[0]). */
pid_t tool_start(const char *const *args);
/* Waits for it (killing it after GUARD_MS) and collects its output. */
tool_result_t tool_finish(pid_t pid);
/* Both together, for runs that need no device. */
tool_result_t tool_run(const char *const *args);
void tool_result_free(tool_result_t *r);

/* Set by main: the host_tool binary and a scratch directory. */
extern const char *g_tool_path;
extern char g_tmp_dir[256];
/* g_tmp_dir/name, in one of four static buffers: valid until the fourth
 * call after it (copy it to keep it longer). */
const char *tmp_path(const char *name);

#endif /* FAKE_DEVICE_H */
