/* The harness of the link tests and measurements (harness.c): child
 * processes with their output collected by threads, the demo device, runs of
 * host_tool, and raw link connections. */
#ifndef LINK_HARNESS_H
#define LINK_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HANG_MS 60000 /* bound of every wait: catches hangs, asserts nothing */

/* The programs under test, set by main. */
extern const char *simple_bin, *tool_bin;

typedef struct collector {
    int fd;
    pthread_t thread;
    pthread_mutex_t lock;
    char *text;
    size_t len, cap;
} collector_t;

typedef struct device {
    pid_t pid;
    uint16_t port;
    collector_t out, err;
} device_t;

typedef struct tool_result {
    int code;
    char *out; /* stdout */
    char *err; /* stderr */
} tool_result_t;

void sleep_ms(unsigned ms);
uint64_t now_ms(void); /* monotonic */

/* A thread collecting everything read from fd (a child's pipe) as text. */
void collector_start(collector_t *c, int fd);
/* Whether needle appeared in the text so far. */
bool collector_has(collector_t *c, const char *needle);
/* How many times needle appeared. */
int collector_count(collector_t *c, const char *needle);
/* Waits up to ms for needle. */
bool wait_text(collector_t *c, const char *needle, unsigned ms);
/* Joins the thread (after the writer closed), closes fd, frees the text. */
void collector_finish(collector_t *c);

/* fork+exec argv with stdout and stderr on pipes. */
pid_t spawn(char *const argv[], int *out_fd, int *err_fd);
/* Who the device runs as: the caller, or user nobody (uid 65534) when the
 * caller is root, so that a directory's permissions bind it too. */
typedef enum device_user { DEVICE_AS_CALLER, DEVICE_AS_NOBODY } device_user_t;

/* Starts `simple -s -p 0 extra...` and reads its port from its first line. */
bool device_start(device_t *d, const char *const *extra);
bool device_start_as(device_t *d, const char *const *extra, device_user_t user);
/* SIGTERM, then the exit status (its stderr printed when not 0). */
int device_stop(device_t *d);

/* One case of a test program, chosen by name on its command line. */
typedef struct harness_case {
    const char *name;
    void (*run)(void);
} harness_case_t;

/* The start of a test program's main, whose command line is `SIMPLE
 * HOST_TOOL <args_usage> CASE`: sets simple_bin and tool_bin, stores the
 * arguments between into *args[0], *args[1]... (NULL-terminated list),
 * ignores SIGPIPE, and returns the case named last; NULL after printing
 * the usage or "unknown case" (main then exits 2). main keeps the end,
 * since the pass/fail counters are its own (check.h). */
const harness_case_t *harness_pick(int argc, char **argv, const char *args_usage,
                                   const char **const args[], const harness_case_t *cases,
                                   size_t n_cases);

/* Makes /tmp/<name>-XXXXXX into out_dir; false if it cannot. */
bool harness_tmp_make(char *out_dir, size_t size, const char *name);
/* rm -rf dir, with a message when that fails. */
void harness_tmp_remove(const char *dir);

/* Runs host_tool -S 127.0.0.1 -P <port> args... (NULL-terminated). */
tool_result_t tool_run(const device_t *d, ...);
void tool_free(tool_result_t *r);

/* Runs host_tool (tool_run's arguments), checks its exit code with CHECK,
 * printing its output when the code differs, and frees the output. A
 * macro, because CHECK and its counters belong to the program (check.h,
 * which the program includes before using this). */
#define TOOL_EXPECT(code_, ...)                                                               \
    do {                                                                                      \
        tool_result_t r_ = tool_run(__VA_ARGS__, NULL);                                       \
        if (r_.code != (code_))                                                               \
            printf("line %d: host_tool exit %d, expected %d\nstdout:%s\nstderr:%s\n",        \
                   __LINE__, r_.code, (code_), r_.out, r_.err);                               \
        CHECK(r_.code == (code_));                                                            \
        tool_free(&r_);                                                                       \
    } while (0)

/* A plain TCP connection to the device (TCP_NODELAY), or -1. */
int raw_connect(const device_t *d);
bool write_all(int fd, const void *data, size_t size);
/* One request (sender 0) framed as a link message of type. */
bool raw_send(int fd, uint16_t type, const char *url, int action, uint32_t mid, int fmt,
              const void *payload, int payload_len);

#endif
