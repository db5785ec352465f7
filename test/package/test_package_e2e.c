/* End to end: signed app packages on the demo device (samples/simple),
 * installed by host_tool (signing on the fly with --sign, or sending .wpk
 * files made by app-sign), one case per run:
 *   signed   --trust: signed installs are accepted (65) and answer, from
 *            either signer, under two trusted keys
 *   refused  --trust: tampered, unsigned, wrong-key, wrong-name, truncated
 *            and garbage installs are refused with 131 and their reason,
 *            and -q shows the device unchanged after each; a refused
 *            upgrade leaves the old version running
 *   open     no --trust: the start-up warning; unsigned wasm installs;
 *            a package is unwrapped (warning logged) but a damaged one is
 *            still refused
 *   keys     --trust with a missing or garbage file: the device does not
 *            start and names the file; a private key file works
 * Every case ends with SIGTERM and a clean exit (in the sanitizer build,
 * a leak fails it). Nothing asserts timing.
 *
 * Usage: test_package_e2e SIMPLE HOST_TOOL APP_SIGN SAMPLE_APPS CASE */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "e2e_util.h"

static const char *sign_bin, *apps_dir;
static char tmp[256];

/* A refused install: status 131 and want in its error message. */
#define REFUSED(want_, ...)                                                                   \
    do {                                                                                      \
        tool_result_t r_ = tool_run(__VA_ARGS__, NULL);                                       \
        CHECK(r_.code == 131 && e2e_error_has(&r_, (want_)));                                 \
        tool_free(&r_);                                                                       \
    } while (0)

static char *app(const char *name)
{
    return e2e_path(apps_dir, name, ".wasm");
}

static char *in_tmp(const char *name)
{
    return e2e_path(tmp, name, "");
}

/* app-sign --gen-key tmp/NAME.pem (public key tmp/NAME.pub.pem). */
static void gen_key(const char *name)
{
    char priv[300];
    char *argv[] = {(char *)sign_bin, "--gen-key", priv, NULL};

    snprintf(priv, sizeof priv, "%s/%s.pem", tmp, name);
    CHECK(e2e_run(argv, 0, NULL));
}

/* app-sign --key tmp/KEY.pem --name NAME --version V -o tmp/OUT wasm */
static char *sign_app(const char *key, const char *name, const char *version, const char *wasm,
                      const char *out)
{
    static char out_path[4][300];
    static int next;
    char key_path[300], *o = out_path[next++ % 4];
    char *argv[] = {(char *)sign_bin, "--key", key_path, "--name", (char *)name, "--version",
                    (char *)version, "-o", o, (char *)wasm, NULL};

    snprintf(key_path, sizeof key_path, "%s/%s.pem", tmp, key);
    snprintf(o, 300, "%s/%s", tmp, out);
    CHECK(e2e_run(argv, 0, NULL));
    return o;
}

/* A copy of file src as tmp/name with byte off (from the end if < 0)
 * flipped, or cut to len bytes (len >= 0). */
static char *damaged(const char *src, const char *name, long off, long len)
{
    size_t size = 0;
    uint8_t *data = e2e_read_file(src, &size);
    char *path = in_tmp(name);

    CHECK(data != NULL);
    if (!data)
        return path;
    if (len >= 0 && (size_t)len < size)
        size = (size_t)len;
    else
        data[off < 0 ? (long)size + off : off] ^= 0x20;
    CHECK(e2e_write_file(path, data, size));
    free(data);
    return path;
}

static char *pub(const char *key)
{
    static char paths[4][300];
    static int next;
    char *p = paths[next++ % 4];

    snprintf(p, 300, "%s/%s.pub.pem", tmp, key);
    return p;
}

/* ------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------ */

static void case_signed(void)
{
    const char *extra[] = {"--trust", pub("k1"), "--trust", pub("k2"), NULL};
    char *rh, list[512];
    device_t d;

    gen_key("k1");
    gen_key("k2");
    rh = sign_app("k1", "request_handler", "1.0", app("request_handler"), "rh.wpk");
    CHECK(device_start(&d, extra));
    CHECK(wait_text(&d.err, "must be packages signed by one of 2 trusted key(s)", HANG_MS));
    TOOL_EXPECT(65, &d, "-i", "request_handler", "-f", rh);
    /* host_tool signs on the fly, with the other trusted key */
    TOOL_EXPECT(65, &d, "-i", "publisher", "--sign", in_tmp("k2.pem"), "-f",
                app("event_publisher"));
    CHECK(wait_text(&d.err, "app 'request_handler' version 1.0: signature verified", HANG_MS));
    CHECK(wait_text(&d.err, "app 'publisher' version 0: signature verified", HANG_MS));
    CHECK(e2e_apps(&d, list, sizeof list) == 2);
    CHECK(strcmp(list, "publisher:8192 request_handler:8192") == 0);
    {
        tool_result_t r = tool_run(&d, "-r", "/url1", "-A", "GET", NULL);
        CHECK(r.code == 69 && e2e_json_string_is(&r, "key1", "value1"));
        tool_free(&r);
    }
    /* a signed upgrade */
    rh = sign_app("k1", "request_handler", "1.1", app("request_handler"), "rh11.wpk");
    TOOL_EXPECT(65, &d, "-i", "request_handler", "--upgrade", "-f", rh);
    CHECK(wait_text(&d.err, "app 'request_handler' version 1.1: signature verified", HANG_MS));
    TOOL_EXPECT(69, &d, "-r", "/app/request_handler/url1", "-A", "GET");
    TOOL_EXPECT(66, &d, "-u", "request_handler");
    TOOL_EXPECT(66, &d, "-u", "publisher");
    CHECK(device_stop(&d) == 0);
}

/* Each refusal is 131 with its reason, and the device is unchanged. */
static void case_refused(void)
{
    const char *extra[] = {"--trust", pub("k1"), NULL};
    char *good, before[512], after[512];
    device_t d;

    gen_key("k1");
    gen_key("k2");
    good = sign_app("k1", "request_handler", "1.0", app("request_handler"), "rh.wpk");
    CHECK(device_start(&d, extra));
    TOOL_EXPECT(65, &d, "-i", "request_handler", "-f", good);
    CHECK(e2e_apps(&d, before, sizeof before) == 1);

    REFUSED("not a signed package", &d, "-i", "plain", "-f", app("timer"));
    REFUSED("does not trust (key id", &d, "-i", "timer", "--sign", in_tmp("k2.pem"), "-f",
            app("timer"));
    REFUSED("does not trust", &d, "-i", "rh2",
            "-f", sign_app("k2", "rh2", "1", app("request_handler"), "k2.wpk"));
    REFUSED("signed for another app name ('request_handler', not 'other')", &d, "-i", "other",
            "-f", good);
    REFUSED("the wasm does not match the signed hash", &d, "-i", "request_handler",
            "--upgrade", "-f", damaged(good, "wasm.wpk", -100, -1));
    REFUSED("signature does not verify", &d, "-i", "request_handler", "--upgrade", "-f",
            damaged(good, "name.wpk", 52 + 3, -1));
    REFUSED("signature does not verify", &d, "-i", "request_handler", "--upgrade", "-f",
            damaged(good, "sig.wpk", 52 + 15 + 1 + 10, -1));
    REFUSED("truncated", &d, "-i", "request_handler", "--upgrade", "-f",
            damaged(good, "cut.wpk", 0, 200));
    REFUSED("not a signed package", &d, "-i", "junk", "-f",
            damaged(good, "junk.wpk", 0, -1)); /* no magic: 'W' -> 'w' */

    CHECK(e2e_apps(&d, after, sizeof after) == 1 && strcmp(before, after) == 0);
    {
        tool_result_t r = tool_run(&d, "-r", "/url1", "-A", "GET", NULL);
        CHECK(r.code == 69 && e2e_json_string_is(&r, "key1", "value1"));
        tool_free(&r);
    }
    CHECK(collector_has(&d.err, "install of app 'plain' refused with 131"));
    CHECK(!collector_has(&d.err, "installed app 'plain'"));
    TOOL_EXPECT(66, &d, "-u", "request_handler");
    CHECK(device_stop(&d) == 0);
}

/* No keys: open as the reference, and said so. */
static void case_open(void)
{
    char *good, list[512];
    device_t d;

    gen_key("k1");
    good = sign_app("k1", "request_handler", "1.0", app("request_handler"), "rh.wpk");
    CHECK(device_start(&d, NULL));
    CHECK(wait_text(&d.err, "warning: no trusted signing keys: app installs are NOT verified",
                    HANG_MS));
    TOOL_EXPECT(65, &d, "-i", "timer", "-f", app("timer"));
    TOOL_EXPECT(65, &d, "-i", "request_handler", "-f", good);
    CHECK(wait_text(&d.err, "package signature NOT verified", HANG_MS));
    TOOL_EXPECT(69, &d, "-r", "/url1", "-A", "GET");
    REFUSED("the wasm does not match the signed hash", &d, "-i", "rh3", "-f",
            damaged(good, "wasm.wpk", -10, -1));
    REFUSED("signed for another app name", &d, "-i", "rh4", "-f", good);
    CHECK(e2e_apps(&d, list, sizeof list) == 2);
    CHECK(strcmp(list, "request_handler:8192 timer:8192") == 0);
    CHECK(device_stop(&d) == 0);
}

/* An unusable --trust file stops the start, naming the file; a private
 * key file is usable (its public half is trusted). */
static void case_keys(void)
{
    const char *extra[] = {"--trust", in_tmp("k1.pem"), NULL};
    char *missing[] = {(char *)simple_bin, "-s", "-p", "0", "--trust", in_tmp("none.pem"), NULL};
    char *garbage[] = {(char *)simple_bin, "-s", "-p", "0", "--trust", in_tmp("junk.pem"), NULL};
    device_t d;

    CHECK(e2e_run(missing, 1, "none.pem"));
    CHECK(e2e_write_file(in_tmp("junk.pem"), "-----BEGIN PUBLIC KEY-----\n", 27));
    CHECK(e2e_run(garbage, 1, "junk.pem"));
    gen_key("k1");
    CHECK(device_start(&d, extra));
    TOOL_EXPECT(65, &d, "-i", "timer", "--sign", in_tmp("k1.pem"), "-f", app("timer"));
    CHECK(device_stop(&d) == 0);
}

static const harness_case_t cases[] = {
    {"signed", case_signed},
    {"refused", case_refused},
    {"open", case_open},
    {"keys", case_keys},
};

int main(int argc, char **argv)
{
    const char **const args[] = {&sign_bin, &apps_dir, NULL};
    const harness_case_t *c = harness_pick(argc, argv, "APP_SIGN SAMPLE_APPS", args, cases,
                                           sizeof cases / sizeof cases[0]);

    if (!c || !harness_tmp_make(tmp, sizeof tmp, "package-e2e"))
        return 2;
    c->run();
    harness_tmp_remove(tmp);
    printf("%d passed, %d failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
