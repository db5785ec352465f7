/* app-sign: makes the signed app packages a device started with --trust
 * installs (format: app-mgr/package/FORMAT.md), creates the P-256 key pairs
 * to sign them with, and checks a package as a device would.
 *
 *   app-sign --gen-key KEY.pem [--pub PUB.pem]
 *   app-sign --key KEY.pem --name NAME --version V -o APP.wpk APP.wasm
 *   app-sign --verify PUB.pem [--name NAME] APP.wpk
 *
 * Exit status: 0 done, 1 failed (a bad key, file or signature), 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "package.h"

#define MAX_INPUT (1u << 30)

typedef struct opts {
    const char *gen_key, *pub, *key, *verify, *name, *version, *out, *input;
} opts_t;

static void usage(FILE *f)
{
    fputs("Usage:\n"
          "  app-sign --gen-key KEY.pem [--pub PUB.pem]\n"
          "      create a P-256 key pair: the private key in KEY.pem (mode 0600), the\n"
          "      public key in PUB.pem (default: KEY.pem with .pem -> .pub.pem);\n"
          "      existing files are never overwritten\n"
          "  app-sign --key KEY.pem --name NAME --version V -o APP.wpk APP.wasm\n"
          "      sign APP.wasm as app NAME, version V, into the package APP.wpk\n"
          "  app-sign --verify PUB.pem [--name NAME] APP.wpk\n"
          "      check APP.wpk as a device trusting PUB.pem would\n"
          "Devices: simple --trust PUB.pem; install with host_tool -i NAME -f APP.wpk\n",
          f);
}

/* 0 parsed, 1 help, -1 bad usage (message printed). */
static int parse(int argc, char **argv, opts_t *o)
{
    static const struct option longs[] = {
        {"gen-key", required_argument, NULL, 'g'}, {"pub", required_argument, NULL, 'P'},
        {"key", required_argument, NULL, 'k'},     {"verify", required_argument, NULL, 'V'},
        {"name", required_argument, NULL, 'n'},    {"version", required_argument, NULL, 'v'},
        {"output", required_argument, NULL, 'o'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c, modes;

    memset(o, 0, sizeof *o);
    while ((c = getopt_long(argc, argv, "k:n:v:o:h", longs, NULL)) != -1) {
        switch (c) {
        case 'g': o->gen_key = optarg; break;
        case 'P': o->pub = optarg; break;
        case 'k': o->key = optarg; break;
        case 'V': o->verify = optarg; break;
        case 'n': o->name = optarg; break;
        case 'v': o->version = optarg; break;
        case 'o': o->out = optarg; break;
        case 'h': return 1;
        default: return -1;
        }
    }
    modes = !!o->gen_key + !!o->key + !!o->verify;
    if (modes != 1) {
        fprintf(stderr, "app-sign: give exactly one of --gen-key, --key, --verify\n");
        return -1;
    }
    if (o->gen_key && optind == argc)
        return 0;
    if (!o->gen_key && optind == argc - 1) {
        o->input = argv[optind];
        if (o->verify || (o->name && o->version && o->out))
            return 0;
        fprintf(stderr, "app-sign: signing needs --name, --version and -o\n");
        return -1;
    }
    fprintf(stderr, "app-sign: %s\n", o->gen_key ? "--gen-key takes no input file"
                                                 : "give exactly one input file");
    return -1;
}

/* The whole file in *out (malloc'ed); false with a message printed. */
static bool read_input(const char *path, uint8_t **out, size_t *out_size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long size;

    if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 ||
        (unsigned long)size > MAX_INPUT || fseek(f, 0, SEEK_SET) != 0 ||
        !(data = malloc((size_t)size)) || fread(data, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "app-sign: cannot read %s (missing, empty, unreadable or over 1 GiB)\n",
                path);
        free(data);
        if (f)
            fclose(f);
        return false;
    }
    fclose(f);
    *out = data;
    *out_size = (size_t)size;
    return true;
}

static int gen_key(const opts_t *o)
{
    char detail[512] = "", *pub = NULL;
    size_t len = strlen(o->gen_key);
    pkg_err_t e;

    if (!o->pub) { /* KEY.pem -> KEY.pub.pem; KEY -> KEY.pub.pem */
        if (!(pub = malloc(len + 10)))
            return 1;
        if (len > 4 && strcmp(o->gen_key + len - 4, ".pem") == 0)
            len -= 4;
        snprintf(pub, len + 10, "%.*s.pub.pem", (int)len, o->gen_key);
    }
    e = pkg_key_generate(o->gen_key, o->pub ? o->pub : pub, detail, sizeof detail);
    if (e == PKG_OK)
        printf("private key: %s\npublic key:  %s\n", o->gen_key, o->pub ? o->pub : pub);
    else
        fprintf(stderr, "app-sign: %s: %s\n", pkg_strerror(e), detail);
    free(pub);
    return e == PKG_OK ? 0 : 1;
}

static bool write_output(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(data, 1, size, f) == size;

    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "app-sign: cannot write %s\n", path);
    return ok;
}

static int sign(const opts_t *o)
{
    char detail[512] = "", id[2 * PKG_KEY_ID_SIZE + 1];
    uint8_t *wasm = NULL, *pkg = NULL, key_id[PKG_KEY_ID_SIZE];
    size_t wasm_size = 0, pkg_size = 0;
    pkg_key_t *key = NULL;
    pkg_err_t e;
    int rc = 1;

    if ((e = pkg_key_load(o->key, true, &key, detail, sizeof detail)) != PKG_OK) {
        fprintf(stderr, "app-sign: %s\n", detail);
        return 1;
    }
    if (!read_input(o->input, &wasm, &wasm_size))
        goto done;
    if (pkg_is_package(wasm, wasm_size)) {
        fprintf(stderr, "app-sign: %s is a package already\n", o->input);
        goto done;
    }
    if ((e = pkg_sign(key, o->name, o->version, wasm, wasm_size, &pkg, &pkg_size)) != PKG_OK) {
        fprintf(stderr, "app-sign: %s (name: 1..%d of [!-~] without /?&=; version: 1..%d "
                        "of [!-~])\n", pkg_strerror(e), PKG_NAME_MAX, PKG_VERSION_MAX);
        goto done;
    }
    if (!write_output(o->out, pkg, pkg_size))
        goto done;
    pkg_key_id(key, key_id);
    pkg_key_id_hex(key_id, id);
    printf("%s: app %s version %s, %zu bytes of wasm, signed by key id %s\n", o->out, o->name,
           o->version, wasm_size, id);
    rc = 0;
done:
    free(pkg);
    free(wasm);
    pkg_key_free(key);
    return rc;
}

static int verify(const opts_t *o)
{
    char detail[512] = "", id[2 * PKG_KEY_ID_SIZE + 1];
    uint8_t *data = NULL;
    size_t size = 0;
    pkg_key_t *key = NULL;
    pkg_view_t view;
    pkg_err_t e;

    if ((e = pkg_key_load(o->verify, false, &key, detail, sizeof detail)) != PKG_OK) {
        fprintf(stderr, "app-sign: %s\n", detail);
        return 1;
    }
    if (!read_input(o->input, &data, &size)) {
        pkg_key_free(key);
        return 1;
    }
    e = pkg_verify((const pkg_key_t *const *)&key, 1, o->name, data, size, &view);
    pkg_key_id_hex(view.key_id, id);
    if (e == PKG_OK)
        printf("%s: OK: app %s version %s, %u bytes of wasm, key id %s\n", o->input, view.name,
               view.version, view.wasm_size, id);
    else
        printf("%s: REFUSED: %s\n", o->input, pkg_strerror(e));
    free(data);
    pkg_key_free(key);
    return e == PKG_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    opts_t o;
    int parsed = parse(argc, argv, &o);

    if (parsed != 0) {
        usage(parsed > 0 ? stdout : stderr);
        return parsed > 0 ? 0 : 2;
    }
    if (o.gen_key)
        return gen_key(&o);
    return o.key ? sign(&o) : verify(&o);
}
