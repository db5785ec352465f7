/* The process natives: args and environ (only what the embedder gave, never
 * the host's environment), clocks, random bytes, proc_exit / proc_raise,
 * sched_yield, and poll_oneoff over clock and descriptor subscriptions. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 64-bit file offsets on 32-bit hosts too */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../mem/mem.h"
#include "wasi_natives.h"

/* The exception proc_exit ends the call with; the embedding API turns it
 * back into a normal return (common/wasm_call.c) and iwasm into the exit
 * code. WAMR uses the same text. */
#define WASI_PROC_EXIT_MSG "wasi proc exit"

/* poll_oneoff waits in slices this long: wasm_runtime_terminate can only
 * flag the exec env, and a guest asleep must notice it too. */
#define WASI_POLL_SLICE_NS (50 * 1000000ull)

/* ====================================================================== */
/* args and environ                                                        */
/* ====================================================================== */

/* Writes count pointers at list and the strings (buf, size bytes) at
 * strings: the layout of both args_get and environ_get. */
static int32_t wasi_put_strings(WasiEnv env, uint32_t list, uint32_t strings, const char *buf,
                                uint32_t count, uint32_t size)
{
    uint8_t *ptrs = wasi_mem(env, list, (uint64_t)count * 4);
    uint8_t *dst = wasi_mem(env, strings, size);
    uint32_t at = 0;

    if (!ptrs || !dst || (uint64_t)strings + size > UINT32_MAX)
        return WASI_EFAULT;
    memcpy(dst, buf, size);
    for (uint32_t i = 0; i < count; i++) {
        wasi_put_u32(ptrs + 4 * i, strings + at);
        at += (uint32_t)strlen(buf + at) + 1;
    }
    return WASI_ESUCCESS;
}

static int32_t wasi_put_sizes(WasiEnv env, uint32_t out_count, uint32_t out_size,
                              uint32_t count, uint32_t size)
{
    uint8_t *c = wasi_mem(env, out_count, 4), *s = wasi_mem(env, out_size, 4);

    if (!c || !s)
        return WASI_EFAULT;
    wasi_put_u32(c, count);
    wasi_put_u32(s, size);
    return WASI_ESUCCESS;
}

int32_t wasi_args_sizes_get(WasiEnv env, uint32_t out_argc, uint32_t out_size)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    return wasi_put_sizes(env, out_argc, out_size, ctx ? ctx->argc : 0,
                          ctx ? ctx->args_size : 0);
}

int32_t wasi_args_get(WasiEnv env, uint32_t argv, uint32_t argv_buf)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    if (!ctx)
        return WASI_ESUCCESS;
    return wasi_put_strings(env, argv, argv_buf, ctx->args_buf, ctx->argc, ctx->args_size);
}

int32_t wasi_environ_sizes_get(WasiEnv env, uint32_t out_count, uint32_t out_size)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    return wasi_put_sizes(env, out_count, out_size, ctx ? ctx->envc : 0,
                          ctx ? ctx->env_size : 0);
}

int32_t wasi_environ_get(WasiEnv env, uint32_t env_list, uint32_t env_buf)
{
    WasiCtx *ctx = wasi_ctx_of(env);
    if (!ctx)
        return WASI_ESUCCESS;
    return wasi_put_strings(env, env_list, env_buf, ctx->env_buf, ctx->envc, ctx->env_size);
}

/* ====================================================================== */
/* Clocks and random                                                       */
/* ====================================================================== */

static bool wasi_host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case WASI_CLOCK_REALTIME: *out = CLOCK_REALTIME; return true;
    case WASI_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return true;
    case WASI_CLOCK_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case WASI_CLOCK_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

static uint64_t wasi_ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* Nanoseconds on a host clock; false when the clock cannot be read. */
static bool wasi_now(clockid_t clock, uint64_t *out)
{
    struct timespec ts;

    if (clock_gettime(clock, &ts) != 0)
        return false;
    *out = wasi_ts_ns(&ts);
    return true;
}

int32_t wasi_clock_res_get(WasiEnv env, uint32_t id, uint32_t out_res)
{
    uint8_t *p = wasi_mem(env, out_res, 8);
    struct timespec ts;
    clockid_t clock;

    if (!p)
        return WASI_EFAULT;
    if (!wasi_host_clock(id, &clock))
        return WASI_EINVAL;
    if (clock_getres(clock, &ts) != 0)
        return wasi_errno(errno);
    wasi_put_u64(p, wasi_ts_ns(&ts));
    return WASI_ESUCCESS;
}

int32_t wasi_clock_time_get(WasiEnv env, uint32_t id, uint64_t precision, uint32_t out_time)
{
    uint8_t *p = wasi_mem(env, out_time, 8);
    clockid_t clock;
    uint64_t now;

    (void)precision; /* the host gives its best; a hint only */
    if (!p)
        return WASI_EFAULT;
    if (!wasi_host_clock(id, &clock))
        return WASI_EINVAL;
    if (!wasi_now(clock, &now))
        return wasi_errno(errno);
    wasi_put_u64(p, now);
    return WASI_ESUCCESS;
}

/* getentropy: in POSIX 2024, glibc, the BSDs and macOS; 256 bytes a call. */
int32_t wasi_random_get(WasiEnv env, uint32_t buf, uint32_t len)
{
    uint8_t *p = wasi_mem(env, buf, len);

    if (!p)
        return WASI_EFAULT;
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < 256 ? len - done : 256;
        if (getentropy(p + done, n) != 0)
            return wasi_errno(errno);
        done += n;
    }
    return WASI_ESUCCESS;
}

/* ====================================================================== */
/* Process                                                                 */
/* ====================================================================== */

void wasi_proc_exit(WasiEnv env, uint32_t code)
{
    WasiCtx *ctx = wasi_ctx_of(env);

    if (ctx)
        ctx->exit_code = code;
    rt_set_exception(env->module_inst, WASI_PROC_EXIT_MSG);
}

/* Raising a signal in the host would hit the embedder, so it is emulated:
 * signals whose default action is to ignore, stop or continue do nothing
 * (a sandboxed guest cannot be stopped from outside anyway); the others end
 * the guest as an uncaught signal ends a shell's child, with exit code
 * 128 + the signal number (WASI numbers them as Linux does). */
int32_t wasi_proc_raise(WasiEnv env, uint32_t sig)
{
    enum { WASI_SIGCHLD = 16, WASI_SIGCONT = 17, WASI_SIGSTOP = 18, WASI_SIGTSTP = 19,
           WASI_SIGTTIN = 20, WASI_SIGTTOU = 21, WASI_SIGURG = 22, WASI_SIGWINCH = 27,
           WASI_SIGMAX = 30 };

    if (sig > WASI_SIGMAX)
        return WASI_EINVAL;
    if (sig == 0 || (sig >= WASI_SIGCHLD && sig <= WASI_SIGURG) || sig == WASI_SIGWINCH)
        return WASI_ESUCCESS;
    wasi_proc_exit(env, 128 + sig);
    return WASI_ESUCCESS;
}

int32_t wasi_sched_yield(WasiEnv env)
{
    (void)env;
    if (sched_yield() != 0)
        return wasi_errno(errno);
    return WASI_ESUCCESS;
}

/* ====================================================================== */
/* poll_oneoff                                                             */
/* ====================================================================== */

/* One subscription, decoded; its event is written when ready is set. */
typedef struct WasiSub {
    uint64_t userdata;
    uint8_t type;
    uint16_t error; /* found while decoding: reported at once */
    bool ready;
    uint64_t deadline; /* clocks: CLOCK_MONOTONIC ns */
    WasiFd *fd; /* fd subscriptions: a reference, dropped at the end */
    int pollfd; /* index in the pollfd array, or -1 */
    uint64_t nbytes;
    uint16_t flags;
} WasiSub;

typedef struct WasiPoll {
    WasiEnv env;
    WasiSub *subs;
    uint32_t n;
    struct pollfd *pfds;
    nfds_t n_pfds;
    uint64_t now; /* CLOCK_MONOTONIC when the call began */
    uint64_t earliest; /* earliest clock deadline, UINT64_MAX if none */
    bool any_ready;
} WasiPoll;

/* Decodes a clock subscription (at p: its clockid; preview1 and unstable
 * differ only in where that is) into a monotonic deadline. */
static void wasi_sub_clock(WasiPoll *P, WasiSub *s, const uint8_t *p)
{
    uint32_t id = wasi_get_u32(p);
    uint64_t timeout = wasi_get_u64(p + 8), now_on_clock;
    uint16_t flags = wasi_get_u16(p + 24);
    clockid_t clock;

    if (id != WASI_CLOCK_REALTIME && id != WASI_CLOCK_MONOTONIC) {
        s->error = wasi_host_clock(id, &clock) ? WASI_ENOTSUP : WASI_EINVAL;
        return;
    }
    wasi_host_clock(id, &clock);
    if (flags & WASI_SUBCLOCK_ABSTIME) {
        if (!wasi_now(clock, &now_on_clock)) {
            s->error = wasi_errno(errno);
            return;
        }
        timeout = timeout > now_on_clock ? timeout - now_on_clock : 0;
    }
    s->deadline = timeout > UINT64_MAX - P->now ? UINT64_MAX : P->now + timeout;
    if (s->deadline < P->earliest)
        P->earliest = s->deadline;
}

static void wasi_sub_fd(WasiEnv env, WasiPoll *P, WasiSub *s, uint32_t fd)
{
    s->error = wasi_fd_get(wasi_ctx_of(env), fd, WASI_RIGHT_POLL_FD_READWRITE, 0, &s->fd);
    if (s->error)
        return;
    s->pollfd = (int)P->n_pfds;
    P->pfds[P->n_pfds].fd = s->fd->host_fd;
    P->pfds[P->n_pfds].events = s->type == WASI_EVENTTYPE_FD_READ ? POLLIN : POLLOUT;
    P->pfds[P->n_pfds++].revents = 0;
}

static void wasi_poll_decode(WasiEnv env, WasiPoll *P, const uint8_t *in, bool unstable)
{
    uint32_t size = unstable ? WASI_UNSTABLE_SUBSCRIPTION_SIZE : WASI_SUBSCRIPTION_SIZE;

    for (uint32_t i = 0; i < P->n; i++) {
        const uint8_t *p = in + (size_t)i * size;
        WasiSub *s = &P->subs[i];
        s->userdata = wasi_get_u64(p);
        s->type = p[8];
        s->pollfd = -1;
        if (s->type == WASI_EVENTTYPE_CLOCK)
            wasi_sub_clock(P, s, p + (unstable ? 24 : 16));
        else if (s->type == WASI_EVENTTYPE_FD_READ || s->type == WASI_EVENTTYPE_FD_WRITE)
            wasi_sub_fd(env, P, s, wasi_get_u32(p + 16));
        else
            s->error = WASI_EINVAL;
        s->ready = s->error != 0;
        P->any_ready = P->any_ready || s->ready;
    }
}

/* Where this wait slice ends: the earliest deadline, or one slice on. */
static uint64_t wasi_poll_until(const WasiPoll *P, uint64_t now)
{
    uint64_t slice_end = now + WASI_POLL_SLICE_NS;
    return P->earliest < slice_end ? P->earliest : slice_end;
}

/* Milliseconds poll() waits until the slice ends, rounded up so that a
 * clock never fires early. */
static int wasi_poll_timeout(const WasiPoll *P, uint64_t now)
{
    uint64_t until = wasi_poll_until(P, now);

    if (P->any_ready || until <= now)
        return 0;
    return (int)((until - now + 999999) / 1000000);
}

/* Sleeps without descriptors, to the nanosecond. */
static void wasi_sleep_until(uint64_t deadline, uint64_t now)
{
    struct timespec ts;
    ts.tv_sec = (time_t)((deadline - now) / 1000000000u);
    ts.tv_nsec = (long)((deadline - now) % 1000000000u);
    nanosleep(&ts, NULL);
}

/* Marks what is ready after a wait: descriptors by their revents, clocks
 * by their deadline. */
static void wasi_poll_collect(WasiPoll *P, uint64_t now)
{
    int avail;

    for (uint32_t i = 0; i < P->n; i++) {
        WasiSub *s = &P->subs[i];
        if (s->ready)
            continue;
        if (s->type == WASI_EVENTTYPE_CLOCK) {
            s->ready = now >= s->deadline;
        } else if (s->pollfd >= 0 && P->pfds[s->pollfd].revents) {
            short r = P->pfds[s->pollfd].revents;
            s->ready = true;
            if (r & POLLNVAL)
                s->error = WASI_EBADF;
            else if (r & POLLERR)
                s->error = WASI_EIO;
            if (r & POLLHUP)
                s->flags = WASI_EVENT_FD_HANGUP;
            if (s->type == WASI_EVENTTYPE_FD_READ && ioctl(s->fd->host_fd, FIONREAD, &avail) == 0)
                s->nbytes = avail > 0 ? (uint64_t)avail : 0;
        }
        P->any_ready = P->any_ready || s->ready;
    }
}

/* Waits until a subscription is ready (or one already is), or until the
 * instance is terminated (EINTR; the exception is already set). */
static uint16_t wasi_poll_wait(WasiPoll *P)
{
    uint64_t now = P->now;

    for (;;) {
        int timeout = wasi_poll_timeout(P, now);
        if (P->n_pfds == 0 && timeout > 0)
            wasi_sleep_until(wasi_poll_until(P, now), now);
        else if (poll(P->pfds, P->n_pfds, timeout) < 0 && errno != EINTR)
            return wasi_errno(errno);
        if (!wasi_now(CLOCK_MONOTONIC, &now))
            return wasi_errno(errno);
        wasi_poll_collect(P, now);
        if (P->any_ready)
            return WASI_ESUCCESS;
        if (atomic_load(&P->env->interrupt))
            return WASI_EINTR;
    }
}

static uint32_t wasi_poll_events(const WasiPoll *P, uint8_t *out)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < P->n; i++) {
        const WasiSub *s = &P->subs[i];
        uint8_t *e = out + (size_t)n * WASI_EVENT_SIZE;
        if (!s->ready)
            continue;
        memset(e, 0, WASI_EVENT_SIZE);
        wasi_put_u64(e, s->userdata);
        wasi_put_u16(e + 8, s->error);
        e[10] = s->type;
        if (s->type != WASI_EVENTTYPE_CLOCK) {
            wasi_put_u64(e + 16, s->nbytes);
            wasi_put_u16(e + 24, s->flags);
        }
        n++;
    }
    return n;
}

static int32_t wasi_poll(WasiEnv env, uint32_t in, uint32_t out, uint32_t nsubs,
                         uint32_t out_nevents, bool unstable)
{
    uint32_t size = unstable ? WASI_UNSTABLE_SUBSCRIPTION_SIZE : WASI_SUBSCRIPTION_SIZE;
    const uint8_t *in_p = wasi_mem(env, in, (uint64_t)nsubs * size);
    uint8_t *out_p = wasi_mem(env, out, (uint64_t)nsubs * WASI_EVENT_SIZE);
    uint8_t *result = wasi_mem(env, out_nevents, 4);
    WasiPoll P;
    uint16_t err;

    if (!in_p || !out_p || !result)
        return WASI_EFAULT;
    if (nsubs == 0)
        return WASI_EINVAL;
    memset(&P, 0, sizeof P);
    P.env = env;
    P.n = nsubs;
    P.earliest = UINT64_MAX;
    P.subs = mem_calloc(nsubs, sizeof *P.subs);
    P.pfds = mem_calloc(nsubs, sizeof *P.pfds);
    if (!P.subs || !P.pfds)
        err = WASI_ENOMEM;
    else if (!wasi_now(CLOCK_MONOTONIC, &P.now))
        err = wasi_errno(errno);
    else
        err = WASI_ESUCCESS;
    if (!err) {
        wasi_poll_decode(env, &P, in_p, unstable);
        err = wasi_poll_wait(&P);
    }
    /* Every subscription is read before the first event is written: the
     * guest may pass overlapping arrays. */
    if (!err)
        wasi_put_u32(result, wasi_poll_events(&P, out_p));
    for (uint32_t i = 0; P.subs && i < nsubs; i++)
        if (P.subs[i].fd)
            wasi_fd_put(wasi_ctx_of(env), P.subs[i].fd);
    mem_free(P.subs);
    mem_free(P.pfds);
    return err;
}

int32_t wasi_poll_oneoff(WasiEnv env, uint32_t in, uint32_t out, uint32_t nsubs,
                         uint32_t out_nevents)
{
    return wasi_poll(env, in, out, nsubs, out_nevents, false);
}

int32_t wasi_unstable_poll_oneoff(WasiEnv env, uint32_t in, uint32_t out, uint32_t nsubs,
                                  uint32_t out_nevents)
{
    return wasi_poll(env, in, out, nsubs, out_nevents, true);
}
