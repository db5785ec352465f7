/* End to end: the demo device (samples/simple) with --store, driven by
 * host_tool, one case per run:
 *   restart          3 apps survive a restart, in install order, with their
 *                    parameters, and answer; an uninstalled one stays gone
 *   crash-<point>    SIGKILL at each point of a store write
 *                    (WR_STORE_CRASH_AT), during an install and during an
 *                    upgrade: after a restart the app is whole or absent, the
 *                    old version is whole or replaced, nothing is left over,
 *                    and the name can be installed again
 *   upgrade          an upgrade that traps in on_init fails (160) and the old
 *                    version still answers and is restored after a restart; a
 *                    good upgrade answers as the new version, takes the old
 *                    one's URLs, and is what a restart restores
 *   upgrade-window   requests sent without pause while an upgrade happens
 *                    are all answered, by the old version or the new one
 *   unwritable       a store the device cannot write: an install fails with
 *                    160 and a clear message, and nothing runs; an uninstall
 *                    it cannot record fails (160) and the app keeps running
 *   corrupt          damaged and foreign files in the store are moved aside
 *                    or deleted at start, and never block it
 *   trust            a restart with --trust: restores are verified too, and
 *                    an unsigned entry is moved aside
 * Every device ends with SIGTERM and a clean exit, except those killed on
 * purpose. Nothing asserts timing: waits have bounds that only catch hangs.
 *
 * Usage: test_store_e2e SIMPLE HOST_TOOL APP_SIGN SAMPLE_APPS TEST_APPS CASE */
#define _GNU_SOURCE
#include <poll.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "e2e_util.h"
#include "link_parser.h"
#include "shared_utils.h"

static const char *sign_bin, *apps_dir, *tapps_dir;
static char tmp[256], store[300];

static char *sample(const char *name)
{
    return e2e_path(apps_dir, name, ".wasm");
}

static char *tapp(const char *name)
{
    return e2e_path(tapps_dir, name, ".wasm");
}

static bool start(device_t *d)
{
    const char *extra[] = {"--store", store, NULL};

    return device_start(d, extra);
}

/* The device's app list (-q) is exactly want. */
static bool apps_are(const device_t *d, const char *want)
{
    char list[1024];
    bool ok = e2e_apps(d, list, sizeof list) >= 0 && strcmp(list, want) == 0;

    if (!ok)
        printf("apps: '%s', expected '%s'\n", list, want);
    return ok;
}

/* request_handler answers /url1 with key1=value1; t_worker does not. */
static bool answers_as_request_handler(const device_t *d, const char *url)
{
    tool_result_t r = tool_run(d, "-r", url, "-A", "GET", NULL);
    bool ok = r.code == 69 && e2e_json_string_is(&r, "key1", "value1");

    tool_free(&r);
    return ok;
}

/* ------------------------------------------------------------------------
 * restart
 * ------------------------------------------------------------------------ */

static void case_restart(void)
{
    device_t d;

    CHECK(start(&d));
    TOOL_EXPECT(65, &d, "-i", "w1", "-f", tapp("t_worker"), "--heap=16384");
    TOOL_EXPECT(65, &d, "-i", "request_handler", "-f", sample("request_handler"));
    TOOL_EXPECT(65, &d, "-i", "w2", "-f", tapp("t_worker"), "--timers=5");
    CHECK(apps_are(&d, "w2:8192 request_handler:8192 w1:16384"));
    CHECK(device_stop(&d) == 0);
    CHECK(e2e_count_files(store, "app-") == 3);

    CHECK(start(&d));
    CHECK(wait_text(&d.err, "3 app(s) restored, 0 moved aside", HANG_MS));
    CHECK(apps_are(&d, "w2:8192 request_handler:8192 w1:16384"));
    TOOL_EXPECT(69, &d, "-r", "/app/w1/echo", "-A", "GET");
    TOOL_EXPECT(69, &d, "-r", "/app/w2/echo", "-A", "GET");
    CHECK(answers_as_request_handler(&d, "/url1"));
    TOOL_EXPECT(66, &d, "-u", "request_handler");
    CHECK(device_stop(&d) == 0);
    CHECK(e2e_count_files(store, "app-") == 2);

    CHECK(start(&d));
    CHECK(apps_are(&d, "w2:8192 w1:16384"));
    TOOL_EXPECT(132, &d, "-r", "/url1", "-A", "GET");
    TOOL_EXPECT(69, &d, "-r", "/app/w1/echo", "-A", "GET");
    TOOL_EXPECT(66, &d, "-u", "w1");
    TOOL_EXPECT(66, &d, "-u", "w2");
    CHECK(device_stop(&d) == 0);
    CHECK(e2e_count_files(store, "app-") == 0);
}

/* ------------------------------------------------------------------------
 * crash-<point>
 * ------------------------------------------------------------------------ */

/* Starts a device that SIGKILLs itself at point of its next store write,
 * runs host_tool args... (the write), and reaps the device. */
static void crash_during(const char *point, const char *name, const char *file, bool upgrade)
{
    device_t d;
    tool_result_t r;

    setenv("WR_STORE_CRASH_AT", point, 1);
    CHECK(start(&d));
    unsetenv("WR_STORE_CRASH_AT");
    r = upgrade ? tool_run(&d, "-i", name, "--upgrade", "-f", file, NULL)
                : tool_run(&d, "-i", name, "-f", file, NULL);
    CHECK(r.code != 65); /* no reply: the device died before answering */
    tool_free(&r);
    CHECK(device_stop(&d) == 128 + SIGKILL);
}

static void case_crash(const char *point)
{
    bool after_rename = strcmp(point, "renamed") == 0;
    device_t d;

    CHECK(start(&d));
    TOOL_EXPECT(65, &d, "-i", "keep", "-f", tapp("t_worker"));
    CHECK(device_stop(&d) == 0);

    /* a fresh install cut off */
    crash_during(point, "fresh", sample("request_handler"), false);
    CHECK(e2e_count_files(store, "tmp-") <= 1); /* cleaned at the next start */
    CHECK(start(&d));
    CHECK(e2e_count_files(store, "tmp-") == 0);
    CHECK(apps_are(&d, after_rename ? "fresh:8192 keep:8192" : "keep:8192"));
    TOOL_EXPECT(69, &d, "-r", "/app/keep/echo", "-A", "GET");
    if (after_rename) {
        CHECK(answers_as_request_handler(&d, "/url1"));
        TOOL_EXPECT(66, &d, "-u", "fresh");
    }
    TOOL_EXPECT(65, &d, "-i", "fresh", "-f", sample("request_handler"));
    CHECK(answers_as_request_handler(&d, "/url1"));
    TOOL_EXPECT(66, &d, "-u", "fresh");
    CHECK(device_stop(&d) == 0);

    /* an upgrade cut off: the old version, or the new one, whole */
    crash_during(point, "keep", sample("request_handler"), true);
    CHECK(start(&d));
    CHECK(e2e_count_files(store, "tmp-") == 0);
    CHECK(apps_are(&d, "keep:8192"));
    if (after_rename) {
        CHECK(answers_as_request_handler(&d, "/app/keep/url1"));
    } else {
        TOOL_EXPECT(69, &d, "-r", "/app/keep/echo", "-A", "GET");
        CHECK(!answers_as_request_handler(&d, "/app/keep/url1"));
    }
    TOOL_EXPECT(65, &d, "-i", "keep", "--upgrade", "-f", tapp("t_worker"));
    TOOL_EXPECT(69, &d, "-r", "/app/keep/echo", "-A", "GET");
    CHECK(device_stop(&d) == 0);
    CHECK(e2e_count_files(store, "app-") == 1);
}

static void case_crash_temp_written(void)
{
    case_crash("temp-written");
}

static void case_crash_fsynced(void)
{
    case_crash("fsynced");
}

static void case_crash_renamed(void)
{
    case_crash("renamed");
}

/* ------------------------------------------------------------------------
 * upgrade
 * ------------------------------------------------------------------------ */

static void case_upgrade(void)
{
    device_t d;
    tool_result_t r;

    CHECK(start(&d));
    TOOL_EXPECT(65, &d, "-i", "svc", "-f", tapp("t_worker"));
    TOOL_EXPECT(69, &d, "-r", "/app/svc/reg?u=/url1", "-A", "GET");
    TOOL_EXPECT(69, &d, "-r", "/url1", "-A", "GET");
    CHECK(!answers_as_request_handler(&d, "/url1"));

    /* without --upgrade: the contract's "already installed" */
    r = tool_run(&d, "-i", "svc", "-f", sample("request_handler"), NULL);
    CHECK(r.code == 160 && e2e_error_has(&r, "app already installed"));
    tool_free(&r);

    /* a new version that traps in on_init: the old one stays */
    r = tool_run(&d, "-i", "svc", "--upgrade", "-f", tapp("t_bad_init"), NULL);
    CHECK(r.code == 160 && e2e_error_has(&r, "on_init failed"));
    tool_free(&r);
    CHECK(apps_are(&d, "svc:8192"));
    TOOL_EXPECT(69, &d, "-r", "/app/svc/echo", "-A", "GET");
    TOOL_EXPECT(69, &d, "-r", "/url1", "-A", "GET"); /* its URL is still its own */
    CHECK(device_stop(&d) == 0);

    CHECK(start(&d)); /* ... and is what the store restores */
    CHECK(apps_are(&d, "svc:8192"));
    TOOL_EXPECT(69, &d, "-r", "/app/svc/echo", "-A", "GET");
    TOOL_EXPECT(69, &d, "-r", "/app/svc/reg?u=/url1", "-A", "GET");

    /* a good upgrade, with new parameters: the new version answers */
    TOOL_EXPECT(65, &d, "-i", "svc", "--upgrade", "--heap=16384", "-f",
                sample("request_handler"));
    CHECK(wait_text(&d.err, "upgraded app 'svc'", HANG_MS));
    CHECK(apps_are(&d, "svc:16384"));
    CHECK(answers_as_request_handler(&d, "/app/svc/url1"));
    CHECK(answers_as_request_handler(&d, "/url1"));
    TOOL_EXPECT(132, &d, "-r", "/app/svc/echo", "-A", "GET"); /* not the old one */
    TOOL_EXPECT(66, &d, "-r", "/url2", "-A", "GET");           /* its own new URL */
    /* --upgrade of a name not installed installs it */
    TOOL_EXPECT(65, &d, "-i", "fresh", "--upgrade", "-f", tapp("t_worker"));
    CHECK(device_stop(&d) == 0);

    CHECK(start(&d)); /* the new version is what the store restores */
    CHECK(apps_are(&d, "fresh:8192 svc:16384"));
    CHECK(answers_as_request_handler(&d, "/url1"));
    TOOL_EXPECT(69, &d, "-r", "/app/fresh/echo", "-A", "GET");
    CHECK(device_stop(&d) == 0);
    CHECK(e2e_count_files(store, "app-") == 2);
}

/* ------------------------------------------------------------------------
 * upgrade-window: requests during an upgrade are all answered
 * ------------------------------------------------------------------------ */

#define WINDOW_IN_FLIGHT 32

typedef struct loader {
    const device_t *d;
    atomic_int stop;     /* set by the main thread once the upgrades are done */
    atomic_int answered; /* read by the main thread while the loader runs */
    int sent, ok, by_old, by_new, lost; /* the loader's; read after the join */
    pthread_t thread;
} loader_t;

typedef struct inbox {
    loader_t *l;
} inbox_t;

static void on_link_message(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    loader_t *l = ((inbox_t *)user)->l;
    response_t resp;

    if (type != LP_TYPE_RESPONSE || !unpack_response((char *)payload, (int)size, &resp))
        return;
    atomic_fetch_add(&l->answered, 1);
    l->ok += resp.status == CONTENT_2_05;
    /* t_worker answers with text, request_handler with an attr_container */
    if (resp.fmt == FMT_ATTR_CONTAINER)
        l->by_new++;
    else
        l->by_old++;
}

/* Keeps WINDOW_IN_FLIGHT requests to /url1 and /app/svc/url1 outstanding,
 * until told to stop; then waits for every answer (bounded by HANG_MS). */
static void *load(void *arg)
{
    loader_t *l = arg;
    inbox_t in = {l};
    lp_config_t c = {.on_message = on_link_message, .user = &in};
    lp_parser_t *parser = lp_new(&c);
    int fd = raw_connect(l->d);
    uint8_t buf[65536];
    uint64_t last_progress = now_ms();

    while (fd >= 0 && parser && now_ms() - last_progress < HANG_MS) {
        int before = atomic_load(&l->answered);
        struct pollfd p = {fd, POLLIN, 0};

        while (!atomic_load(&l->stop) &&
               l->sent - atomic_load(&l->answered) < WINDOW_IN_FLIGHT) {
            const char *url = l->sent % 2 ? "/url1" : "/app/svc/url1";
            if (!raw_send(fd, LP_TYPE_REQUEST, url, COAP_GET, (uint32_t)(l->sent + 1),
                          FMT_ATTR_CONTAINER, NULL, 0))
                break;
            l->sent++;
        }
        if (atomic_load(&l->stop) && atomic_load(&l->answered) == l->sent)
            break;
        if (poll(&p, 1, 50) == 1) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0)
                break;
            lp_feed(parser, buf, (size_t)n);
        }
        if (atomic_load(&l->answered) != before)
            last_progress = now_ms();
    }
    l->lost = l->sent - atomic_load(&l->answered);
    lp_free(parser);
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* Waits (bounded) until the loader has n answers. */
static void wait_answered(loader_t *l, int n)
{
    uint64_t until = now_ms() + HANG_MS;

    while (atomic_load(&l->answered) < n && now_ms() < until)
        sleep_ms(5);
}

/* Waits (bounded) until the loader's answers stop coming for a while: the
 * app is stuck and requests queue up behind it. Not an assertion. */
static void wait_stalled(loader_t *l)
{
    uint64_t until = now_ms() + HANG_MS;
    int before;

    do {
        before = atomic_load(&l->answered);
        sleep_ms(100);
    } while (atomic_load(&l->answered) != before && now_ms() < until);
}

static void on_spin_reply(void *user, uint16_t type, uint8_t *payload, uint32_t size)
{
    response_t resp;

    if (type == LP_TYPE_RESPONSE && unpack_response((char *)payload, (int)size, &resp))
        *(int *)user = resp.status;
}

/* The status of the one response on fd (bounded by HANG_MS), or -1. */
static int read_reply(int fd)
{
    int status = -1;
    lp_config_t c = {.on_message = on_spin_reply, .user = &status};
    lp_parser_t *parser = lp_new(&c);
    uint64_t until = now_ms() + HANG_MS;
    uint8_t buf[4096];

    while (parser && status < 0 && now_ms() < until) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;
        if (poll(&p, 1, 50) != 1)
            continue;
        if ((n = read(fd, buf, sizeof buf)) <= 0)
            break;
        lp_feed(parser, buf, (size_t)n);
    }
    lp_free(parser);
    return status;
}

/* The first upgrade happens while the old version is stuck in a callback
 * (until its 1 s watchdog) with requests queued behind it: they must be
 * answered by it, not dropped. */
static void case_upgrade_window(void)
{
    loader_t l;
    device_t d;
    int spin_fd;

    memset(&l, 0, sizeof l);
    atomic_init(&l.stop, 0);
    atomic_init(&l.answered, 0);
    l.d = &d;
    CHECK(start(&d));
    TOOL_EXPECT(65, &d, "-i", "svc", "-f", tapp("t_worker"), "--watchdog=1000");
    TOOL_EXPECT(69, &d, "-r", "/app/svc/reg?u=/url1", "-A", "GET");
    CHECK(pthread_create(&l.thread, NULL, load, &l) == 0);
    wait_answered(&l, 50);
    spin_fd = raw_connect(&d);
    CHECK(spin_fd >= 0 && raw_send(spin_fd, LP_TYPE_REQUEST, "/app/svc/spin", COAP_GET, 4242,
                                   0, NULL, 0));
    wait_stalled(&l);
    for (int i = 0; i < 3; i++) { /* old -> new -> old -> new */
        TOOL_EXPECT(65, &d, "-t", "30000", "-i", "svc", "--upgrade", "-f",
                    i % 2 ? tapp("t_worker") : sample("request_handler"));
        if (i % 2)
            TOOL_EXPECT(69, &d, "-r", "/app/svc/reg?u=/url1", "-A", "GET");
        wait_answered(&l, atomic_load(&l.answered) + 50);
    }
    CHECK(read_reply(spin_fd) == 160); /* the watchdog's answer */
    close(spin_fd);
    atomic_store(&l.stop, 1);
    pthread_join(l.thread, NULL);
    printf("upgrade-window: %d sent, %d answered (%d by t_worker, %d by request_handler), "
           "%d lost\n", l.sent, atomic_load(&l.answered), l.by_old, l.by_new, l.lost);
    CHECK(l.sent > 100 && l.lost == 0 && atomic_load(&l.answered) == l.sent);
    CHECK(l.ok == l.sent); /* every one 69: none fell between the versions */
    CHECK(l.by_old > 0 && l.by_new > 0);
    CHECK(answers_as_request_handler(&d, "/url1"));
    CHECK(device_stop(&d) == 0);
}

/* ------------------------------------------------------------------------
 * unwritable
 * ------------------------------------------------------------------------ */

static void case_unwritable(void)
{
    const char *extra[] = {"--store", store, NULL};
    device_t d;
    tool_result_t r;

    /* Root ignores permissions: the device then runs as nobody (who owns
     * the store and reaches it through tmp). 0555 binds the owner too. */
    CHECK(mkdir(store, 0755) == 0 && chmod(tmp, 0755) == 0);
    if (geteuid() == 0)
        CHECK(chown(store, 65534, 65534) == 0);
    CHECK(chmod(store, 0555) == 0);
    CHECK(device_start_as(&d, extra, DEVICE_AS_NOBODY));
    r = tool_run(&d, "-i", "w1", "-f", tapp("t_worker"), NULL);
    CHECK(r.code == 160 && e2e_error_has(&r, "Install WASM app failed: cannot write the app "
                                             "store"));
    CHECK(e2e_error_has(&r, "Permission denied"));
    tool_free(&r);
    CHECK(apps_are(&d, ""));
    TOOL_EXPECT(160, &d, "-r", "/app/w1/echo", "-A", "GET");
    CHECK(e2e_count_files(store, "app-") == 0 && e2e_count_files(store, "tmp-") == 0);

    /* writable again: installs; then an uninstall the store cannot record
     * fails, and the app keeps running */
    CHECK(chmod(store, 0755) == 0);
    TOOL_EXPECT(65, &d, "-i", "w1", "-f", tapp("t_worker"));
    CHECK(chmod(store, 0555) == 0);
    r = tool_run(&d, "-u", "w1", NULL);
    CHECK(r.code == 160 && e2e_error_has(&r, "Uninstall WASM app failed: cannot remove"));
    tool_free(&r);
    CHECK(apps_are(&d, "w1:8192"));
    TOOL_EXPECT(69, &d, "-r", "/app/w1/echo", "-A", "GET");
    CHECK(chmod(store, 0755) == 0);
    TOOL_EXPECT(66, &d, "-u", "w1");
    CHECK(e2e_count_files(store, "app-") == 0);
    CHECK(device_stop(&d) == 0);
}

/* ------------------------------------------------------------------------
 * corrupt
 * ------------------------------------------------------------------------ */

static void case_corrupt(void)
{
    char path[600];
    uint8_t *data;
    size_t size = 0;
    device_t d;

    CHECK(start(&d));
    TOOL_EXPECT(65, &d, "-i", "a", "-f", tapp("t_worker"));
    TOOL_EXPECT(65, &d, "-i", "b", "-f", sample("request_handler"));
    CHECK(device_stop(&d) == 0);

    snprintf(path, sizeof path, "%s/app-b", store);
    data = e2e_read_file(path, &size);
    CHECK(data != NULL);
    if (data) {
        data[size / 2] ^= 0x10;
        CHECK(e2e_write_file(path, data, size));
        free(data);
    }
    CHECK(e2e_write_file(e2e_path(store, "app-junk", ""), "junk", 4));
    CHECK(e2e_write_file(e2e_path(store, "tmp-c", ""), "half", 4));
    CHECK(e2e_write_file(e2e_path(store, "notes.txt", ""), "mine", 4));

    CHECK(start(&d));
    CHECK(wait_text(&d.err, "app-b: checksum mismatch; moved to rejected/app-b.1", HANG_MS));
    CHECK(wait_text(&d.err, "app-junk: not an app store entry; moved to rejected/app-junk.1",
                    HANG_MS));
    CHECK(apps_are(&d, "a:8192"));
    CHECK(e2e_count_files(e2e_path(store, "rejected", ""), "app-") == 2);
    CHECK(e2e_count_files(store, "tmp-") == 0 && e2e_count_files(store, "notes.txt") == 1);
    TOOL_EXPECT(65, &d, "-i", "b", "-f", sample("request_handler"));
    CHECK(device_stop(&d) == 0);
    CHECK(start(&d));
    CHECK(apps_are(&d, "b:8192 a:8192"));
    CHECK(answers_as_request_handler(&d, "/url1"));
    CHECK(device_stop(&d) == 0);
}

/* ------------------------------------------------------------------------
 * trust: restores go through verification
 * ------------------------------------------------------------------------ */

static void case_trust(void)
{
    char key[400], pub[400];
    char *gen[] = {(char *)sign_bin, "--gen-key", key, NULL};
    const char *trusted[] = {"--store", store, "--trust", pub, NULL};
    device_t d;

    snprintf(key, sizeof key, "%s/k.pem", tmp);
    snprintf(pub, sizeof pub, "%s/k.pub.pem", tmp);
    CHECK(e2e_run(gen, 0, NULL));
    CHECK(start(&d)); /* open: both install */
    TOOL_EXPECT(65, &d, "-i", "plain", "-f", sample("timer"));
    TOOL_EXPECT(65, &d, "-i", "request_handler", "--sign", key, "-f",
                sample("request_handler"));
    CHECK(device_stop(&d) == 0);

    CHECK(device_start(&d, trusted));
    CHECK(wait_text(&d.err, "install of app 'plain' refused with 131", HANG_MS));
    CHECK(wait_text(&d.err, "moved to rejected/app-plain.1", HANG_MS));
    CHECK(apps_are(&d, "request_handler:8192"));
    CHECK(answers_as_request_handler(&d, "/url1"));
    CHECK(device_stop(&d) == 0);
}

static const harness_case_t cases[] = {
    {"restart", case_restart},
    {"crash-temp-written", case_crash_temp_written},
    {"crash-fsynced", case_crash_fsynced},
    {"crash-renamed", case_crash_renamed},
    {"upgrade", case_upgrade},
    {"upgrade-window", case_upgrade_window},
    {"unwritable", case_unwritable},
    {"corrupt", case_corrupt},
    {"trust", case_trust},
};

int main(int argc, char **argv)
{
    const char **const args[] = {&sign_bin, &apps_dir, &tapps_dir, NULL};
    const harness_case_t *c = harness_pick(argc, argv, "APP_SIGN SAMPLE_APPS TEST_APPS", args,
                                           cases, sizeof cases / sizeof cases[0]);

    if (!c || !harness_tmp_make(tmp, sizeof tmp, "store-e2e"))
        return 2;
    snprintf(store, sizeof store, "%s/store", tmp);
    c->run();
    harness_tmp_remove(tmp);
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
