/* Internal to app-framework/: the bodies of afw_t and afw_app_t, and the
 * functions the base, sensor and connection modules offer each other.
 * Prefixes: afw_ (base/afw.c), tmr_ (base/timer_mgr.c), req_ (base/req_natives.c),
 * sns_ (sensor/sensor_mgr.c), conn_ (connection/conn_mgr.c). */
#ifndef AFW_INTERNAL_H
#define AFW_INTERNAL_H

#include <pthread.h>

#include "afw.h"

/* ---- manager threads (base/afw.c) ---------------------------------------- */

/* A manager's thread with the lock and monotonic condition variable it
 * waits on. The thread function must return once it sees stop set (it reads
 * stop under lock; afw_worker_stop signals cond after setting it). */
typedef struct afw_worker {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool started, stop;
} afw_worker_t;

/* Initializes lock and cond and starts fn(arg); on failure nothing is left
 * to destroy. Sets and returns w->started. */
bool afw_worker_start(afw_worker_t *w, void *(*fn)(void *), void *arg);
/* Sets stop, wakes and joins the thread, then destroys lock and cond. A
 * no-op if the worker was not started. */
void afw_worker_stop(afw_worker_t *w);

/* ---- timers (base/timer_mgr.c) ------------------------------------------- */

typedef enum { TMR_FREE = 0, TMR_IDLE, TMR_RUNNING } tmr_state_t;

typedef struct tmr_timer {
    afw_app_t *app;
    int32_t id;
    uint32_t interval;  /* ms */
    bool periodic;
    bool pending;       /* a firing is queued and not yet taken */
    bool reclaimable;   /* idle after a cancel or a one-shot firing */
    tmr_state_t state;
    uint64_t idle_seq;  /* order in which timers became reclaimable */
    uint64_t deadline;  /* afw_now_ms() when it fires, while RUNNING */
    uint32_t heap_pos;  /* index in tmr_mgr.heap while RUNNING */
} tmr_timer_t;

typedef struct tmr_mgr {
    afw_worker_t w; /* w.lock guards every timer of every app */
    tmr_timer_t **heap; /* running timers, earliest deadline first */
    uint32_t heap_len, heap_cap;
    uint64_t idle_seq;
} tmr_mgr_t;

/* ---- sensors (sensor/sensor_mgr.c) --------------------------------------- */

typedef struct sns_client {
    struct sns_client *next;
    uint32_t app_id;
    uint32_t interval; /* ms; 0 = this client wants no samples */
    int32_t bit_cfg, delay;
} sns_client_t;

typedef struct sns_sensor {
    struct sns_sensor *next;
    int32_t id;
    char *name;
    int32_t instance;
    uint32_t default_interval;
    afw_sensor_read_fn read;
    afw_sensor_config_fn config;
    void *user;
    sns_client_t *clients;
    uint32_t read_interval; /* min nonzero client interval; 0 = idle */
    uint64_t next_read;
} sns_sensor_t;

typedef struct sns_mgr {
    afw_worker_t w; /* w.lock guards the sensors and their clients */
    sns_sensor_t *sensors; /* never removed before afw_destroy */
    int32_t next_id;
} sns_mgr_t;

/* ---- connections (connection/conn_mgr.c) --------------------------------- */

typedef struct conn conn_t; /* connection/conn_mgr.c */

typedef struct conn_mgr {
    pthread_mutex_t lock;
    pthread_t thread;
    bool started, stop;
    int wake_pipe[2]; /* a byte here makes the poll thread rebuild its set */
    conn_t *conns;
    int32_t next_handle;
    uint8_t *io_buf; /* the poll thread's receive buffer */
} conn_mgr_t;

/* ---- the framework -------------------------------------------------------- */

struct afw {
    afw_host_t host;
    afw_config_t config;
    tmr_mgr_t tmr;
    sns_mgr_t sns;
    conn_mgr_t conn;
};

struct afw_app {
    afw_t *afw;
    wasm_module_inst_t inst;
    uint32_t id;
    void *owner;
    /* timers: a pool of max_timers slots, guarded by afw->tmr.w.lock */
    tmr_timer_t *timers;
    uint32_t max_timers;
    int32_t next_timer_id;
    bool timers_full_logged; /* the last creation was refused and logged */
};

/* The app whose natives run on exec_env; NULL after raising an exception
 * in it (the instance is not an app of any framework). */
afw_app_t *afw_app_of_env(wasm_exec_env_t exec_env);
/* Raises "native: message" in the calling app, so that it traps. */
void afw_throw(wasm_exec_env_t exec_env, const char *native, const char *message);
void afw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool tmr_init(tmr_mgr_t *mgr);
void tmr_destroy(tmr_mgr_t *mgr);
bool tmr_app_init(afw_app_t *app, uint32_t max_timers);
void tmr_app_cleanup(afw_app_t *app);
NativeSymbol *tmr_natives(uint32_t *out_n);

NativeSymbol *req_natives(uint32_t *out_n);

bool sns_init(sns_mgr_t *mgr, afw_t *afw);
void sns_destroy(sns_mgr_t *mgr);
void sns_app_cleanup(afw_t *afw, uint32_t app_id);
NativeSymbol *sns_natives(uint32_t *out_n);

bool conn_init(conn_mgr_t *mgr, afw_t *afw);
void conn_destroy(conn_mgr_t *mgr);
void conn_app_cleanup(afw_t *afw, uint32_t app_id);
NativeSymbol *conn_natives(uint32_t *out_n);

#endif /* AFW_INTERNAL_H */
