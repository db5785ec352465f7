/* POSIX backend of platform/os.h: pthreads, clock_gettime, mmap/mprotect
 * and sigaction. Other platforms provide the same function set in their own
 * file. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */

#include "platform/os.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

bool os_mutex_init(os_mutex *m)
{
    return pthread_mutex_init(m, NULL) == 0;
}

void os_mutex_lock(os_mutex *m)
{
    pthread_mutex_lock(m);
}

void os_mutex_unlock(os_mutex *m)
{
    pthread_mutex_unlock(m);
}

void os_mutex_destroy(os_mutex *m)
{
    pthread_mutex_destroy(m);
}

uint64_t os_time_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void os_sleep_ms(uint32_t ms)
{
    struct timespec left;

    left.tv_sec = (time_t)(ms / 1000);
    left.tv_nsec = (long)(ms % 1000) * 1000000L;
    /* nanosleep writes the remaining time back when a signal interrupts it */
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

bool os_thread_create(os_thread *out_thread, void *(*fn)(void *), void *arg)
{
    return pthread_create(out_thread, NULL, fn, arg) == 0;
}

bool os_thread_join(os_thread t, void **out_ret)
{
    return pthread_join(t, out_ret) == 0;
}

/* ------------------------------------------------------------------------
 * Address space
 * ------------------------------------------------------------------------ */

void *os_vm_reserve(uint64_t size)
{
    if (size != (uint64_t)(size_t)size)
        return NULL;
    /* NORESERVE: inaccessible pages cost no commit charge, whatever the
     * size; committed ones are charged when os_vm_commit opens them. */
    void *p = mmap(NULL, (size_t)size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

bool os_vm_commit(void *addr, uint64_t size)
{
    return size == 0 || mprotect(addr, (size_t)size, PROT_READ | PROT_WRITE) == 0;
}

void os_vm_release(void *addr, uint64_t size)
{
    if (addr)
        munmap(addr, (size_t)size);
}

/* ------------------------------------------------------------------------
 * Fault signals
 * ------------------------------------------------------------------------ */

static const int fault_signals[] = { SIGSEGV, SIGBUS };
#define N_FAULT_SIGNALS (sizeof fault_signals / sizeof fault_signals[0])

/* Written once under install_lock before our handler is installed, read
 * only by the handler afterwards. */
static struct sigaction previous_actions[N_FAULT_SIGNALS];
static _Atomic(OsFaultHook) fault_hook;
static os_mutex install_lock = OS_MUTEX_INITIALIZER;
static bool install_tried, install_ok;

/* Hands a fault that is not the hook's to whoever had the signal before us,
 * the way it asked to be called. With nobody (or SIG_IGN, which cannot
 * apply to a real fault) the default action runs: a fault raised by the CPU
 * simply happens again once we return, now fatal, so the core dump shows
 * the faulting instruction; a signal sent by kill() is raised again. */
static void chain_fault(int sig, siginfo_t *info, void *context, const struct sigaction *prev)
{
    if (prev->sa_flags & SA_SIGINFO) {
        prev->sa_sigaction(sig, info, context);
        return;
    }
    if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
        prev->sa_handler(sig);
        return;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    if (info->si_code <= 0)
        raise(sig);
}

static void on_fault_signal(int sig, siginfo_t *info, void *context)
{
    OsFaultHook hook = atomic_load_explicit(&fault_hook, memory_order_acquire);
    if (hook)
        hook(info->si_addr); /* leaves by os_longjmp when the fault is its own */
    for (size_t i = 0; i < N_FAULT_SIGNALS; i++)
        if (fault_signals[i] == sig)
            chain_fault(sig, info, context, &previous_actions[i]);
}

/* SA_NODEFER: the handler may leave by longjmp, which would otherwise leave
 * the signal blocked. SA_ONSTACK: an alternate stack, when the thread has
 * one (sanitizers set one up), also serves a fault on an exhausted stack.
 * The handler is read back: a sanitizer told to keep the signal to itself
 * (ASan's allow_user_segv_handler=0) reports success but ignores it, and
 * memories must then be checked in software. */
static bool install_fault_handler(void)
{
    struct sigaction act, now;
    memset(&act, 0, sizeof act);
    act.sa_sigaction = on_fault_signal;
    act.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&act.sa_mask);
    for (size_t i = 0; i < N_FAULT_SIGNALS; i++)
        if (sigaction(fault_signals[i], NULL, &previous_actions[i]) != 0)
            return false;
    for (size_t i = 0; i < N_FAULT_SIGNALS; i++)
        if (sigaction(fault_signals[i], &act, NULL) != 0 ||
            sigaction(fault_signals[i], NULL, &now) != 0 || !(now.sa_flags & SA_SIGINFO) ||
            now.sa_sigaction != on_fault_signal)
            return false;
    return true;
}

bool os_fault_handler_install(OsFaultHook hook)
{
    os_mutex_lock(&install_lock);
    if (!install_tried) {
        install_tried = true;
        atomic_store_explicit(&fault_hook, hook, memory_order_release);
        install_ok = install_fault_handler();
    }
    bool ok = install_ok;
    os_mutex_unlock(&install_lock);
    return ok;
}

/* Our handler may run with the fault signals blocked after all: a
 * sanitizer calls it from its own handler, ignoring SA_NODEFER. longjmp
 * keeps the mask, so they are unblocked first, or the next fault would be
 * fatal. Async-signal-safe. */
void os_longjmp(os_jmp_buf buf)
{
    sigset_t faults;
    sigemptyset(&faults);
    for (size_t i = 0; i < N_FAULT_SIGNALS; i++)
        sigaddset(&faults, fault_signals[i]);
    pthread_sigmask(SIG_UNBLOCK, &faults, NULL);
    longjmp(buf, 1);
}
