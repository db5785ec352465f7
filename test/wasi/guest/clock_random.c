/* Clocks, random bytes and poll_oneoff: monotonic never goes back, sleeps
 * last at least as long as asked (a lower bound only: never a speed
 * assertion), clock subscriptions fire in deadline order, descriptor
 * subscriptions report readiness and errors. */
#include <time.h>
#include <unistd.h>

#include "check.h"

static uint64_t now(__wasi_clockid_t id)
{
    __wasi_timestamp_t t = 0;
    if (__wasi_clock_time_get(id, 1, &t) != 0)
        printf("FAIL clock_time_get(%u)\n", id);
    return t;
}

static void clocks(void)
{
    __wasi_timestamp_t res = 0, prev = now(__WASI_CLOCKID_MONOTONIC), t;
    int back = 0;

    for (int i = 0; i < 100000; i++) {
        t = now(__WASI_CLOCKID_MONOTONIC);
        back += t < prev;
        prev = t;
    }
    CHECK(back == 0, "monotonic clock never goes back (100000 reads)");
    CHECK(__wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res) == 0 && res > 0 &&
              res <= 1000000000,
          "monotonic resolution");
    CHECK(__wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &res) == 0 && res > 0, "realtime res");
    CHECK(now(__WASI_CLOCKID_REALTIME) > UINT64_C(1600000000) * 1000000000, "realtime is now");
    CHECK(time(NULL) > 1600000000, "time()");
    CHECK(now(__WASI_CLOCKID_PROCESS_CPUTIME_ID) > 0, "process cpu time");
    CHECK(__wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &t) == 0, "thread cpu time");
    CHECK(__wasi_clock_time_get(99, 1, &t) == __WASI_ERRNO_INVAL, "unknown clock: EINVAL");
    CHECK(__wasi_clock_res_get(99, &t) == __WASI_ERRNO_INVAL, "unknown clock res: EINVAL");
}

static void randomness(void)
{
    static uint8_t a[100000], b[100000];
    int same = 0, zeros = 0;

    CHECK(__wasi_random_get(a, sizeof a) == 0 && __wasi_random_get(b, sizeof b) == 0,
          "random_get 100000 bytes twice");
    for (size_t i = 0; i < sizeof a; i++) {
        same += a[i] == b[i];
        zeros += a[i] == 0;
    }
    /* Expected about 390 of each; far more means the bytes are not random. */
    CHECK(same < 2000 && zeros < 2000, "the bytes look random");
    CHECK(__wasi_random_get(a, 0) == 0, "random_get of 0 bytes");
    CHECK(getentropy(a, 256) == 0, "getentropy");
}

static void sleeps(void)
{
    uint64_t t0 = now(__WASI_CLOCKID_MONOTONIC);
    struct timespec ts = {0, 50 * 1000000};

    CHECK(nanosleep(&ts, NULL) == 0, "nanosleep 50 ms");
    CHECK(now(__WASI_CLOCKID_MONOTONIC) - t0 >= 50 * 1000000u, "slept at least 50 ms");
    t0 = now(__WASI_CLOCKID_MONOTONIC);
    CHECK(usleep(20000) == 0 && now(__WASI_CLOCKID_MONOTONIC) - t0 >= 20 * 1000000u,
          "usleep 20 ms");
}

static __wasi_subscription_t clock_sub(uint64_t userdata, __wasi_clockid_t id, uint64_t timeout,
                                       uint16_t flags)
{
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.flags = flags;
    return s;
}

static __wasi_subscription_t fd_sub(uint64_t userdata, uint8_t type, int fd)
{
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = type;
    s.u.u.fd_read.file_descriptor = fd;
    return s;
}

static void polls(void)
{
    __wasi_subscription_t in[3];
    __wasi_event_t out[3];
    __wasi_size_t n = 0;
    uint64_t t0 = now(__WASI_CLOCKID_MONOTONIC);

    in[0] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, 300 * 1000000u, 0);
    in[1] = clock_sub(2, __WASI_CLOCKID_MONOTONIC, 30 * 1000000u, 0);
    CHECK(__wasi_poll_oneoff(in, out, 2, &n) == 0 && n == 1 && out[0].userdata == 2 &&
              out[0].type == __WASI_EVENTTYPE_CLOCK && out[0].error == 0,
          "the earlier of two clocks fires alone");
    CHECK(now(__WASI_CLOCKID_MONOTONIC) - t0 >= 30 * 1000000u, "after at least 30 ms");
    t0 = now(__WASI_CLOCKID_MONOTONIC);
    in[0] = clock_sub(3, __WASI_CLOCKID_MONOTONIC, t0 + 20 * 1000000u,
                      __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    CHECK(__wasi_poll_oneoff(in, out, 1, &n) == 0 && n == 1 && out[0].userdata == 3 &&
              now(__WASI_CLOCKID_MONOTONIC) >= t0 + 20 * 1000000u,
          "absolute monotonic deadline");
    in[0] = clock_sub(4, __WASI_CLOCKID_REALTIME, 1000, __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    CHECK(__wasi_poll_oneoff(in, out, 1, &n) == 0 && n == 1 && out[0].userdata == 4,
          "a realtime deadline in the past fires at once");
    in[0] = clock_sub(5, 77, 1000, 0);
    CHECK(__wasi_poll_oneoff(in, out, 1, &n) == 0 && n == 1 &&
              out[0].error == __WASI_ERRNO_INVAL,
          "unknown clock: event with EINVAL");
    in[0] = fd_sub(6, __WASI_EVENTTYPE_FD_READ, 77);
    in[1] = clock_sub(7, __WASI_CLOCKID_MONOTONIC, 10ull * 1000000000u, 0);
    CHECK(__wasi_poll_oneoff(in, out, 2, &n) == 0 && n == 1 && out[0].userdata == 6 &&
              out[0].error == __WASI_ERRNO_BADF,
          "bad fd: event with EBADF, without waiting");
    in[0] = fd_sub(8, __WASI_EVENTTYPE_FD_WRITE, 1);
    CHECK(__wasi_poll_oneoff(in, out, 2, &n) == 0 && n == 1 && out[0].userdata == 8 &&
              out[0].type == __WASI_EVENTTYPE_FD_WRITE && out[0].error == 0,
          "stdout is writable");
    CHECK(__wasi_poll_oneoff(in, out, 0, &n) == __WASI_ERRNO_INVAL, "no subscriptions: EINVAL");
}

int main(void)
{
    clocks();
    randomness();
    sleeps();
    polls();
    CHECK_DONE();
}
