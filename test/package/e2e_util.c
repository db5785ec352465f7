/* Helpers of the package and store end-to-end tests (e2e_util.h). */
#define _GNU_SOURCE
#include "e2e_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

cJSON *e2e_json(const tool_result_t *r)
{
    const char *p = r->out ? strstr(r->out, "\nresponse status ") : NULL;

    if (!p || !(p = strchr(p + 1, '\n')))
        return NULL;
    return cJSON_Parse(p + 1);
}

bool e2e_json_string_is(const tool_result_t *r, const char *key, const char *want)
{
    cJSON *j = e2e_json(r);
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(j, key);
    bool ok = cJSON_IsString(item) && strcmp(item->valuestring, want) == 0;

    cJSON_Delete(j);
    return ok;
}

bool e2e_error_has(const tool_result_t *r, const char *want)
{
    cJSON *j = e2e_json(r);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "error message");
    bool ok = cJSON_IsString(msg) && strstr(msg->valuestring, want);

    if (!ok)
        printf("expected an error message with '%s', got (exit %d):\n%s\n", want, r->code,
               r->out);
    cJSON_Delete(j);
    return ok;
}

int e2e_apps(const device_t *d, char *list, size_t list_size)
{
    tool_result_t r = tool_run(d, "-q", NULL);
    cJSON *j = e2e_json(&r);
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(j, "num");
    int n = r.code == 69 && cJSON_IsNumber(num) ? num->valueint : -1;
    size_t len = 0;
    char key[32];

    list[0] = '\0';
    for (int i = 1; i <= n; i++) {
        const cJSON *name, *heap;
        snprintf(key, sizeof key, "applet%d", i);
        name = cJSON_GetObjectItemCaseSensitive(j, key);
        snprintf(key, sizeof key, "heap%d", i);
        heap = cJSON_GetObjectItemCaseSensitive(j, key);
        if (!cJSON_IsString(name) || !cJSON_IsNumber(heap)) {
            n = -1;
            break;
        }
        len += (size_t)snprintf(list + len, list_size - len, "%s%s:%d", i > 1 ? " " : "",
                                name->valuestring, heap->valueint);
        if (len >= list_size) {
            n = -1;
            break;
        }
    }
    if (n < 0)
        printf("query failed: exit %d\n%s\n%s\n", r.code, r.out, r.err);
    cJSON_Delete(j);
    tool_free(&r);
    return n;
}

char *e2e_path(const char *dir, const char *name, const char *ext)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];

    snprintf(p, 512, "%s/%s%s", dir, name, ext);
    return p;
}

bool e2e_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(data, 1, size, f) == size;

    if (f && fclose(f) != 0)
        ok = false;
    return ok;
}

uint8_t *e2e_read_file(const char *path, size_t *out_size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long size;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)size)) && fread(data, 1, (size_t)size, f) == (size_t)size) {
        *out_size = (size_t)size;
    } else {
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

int e2e_count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

bool e2e_run(char *const argv[], int want_code, const char *want_text)
{
    collector_t out, err;
    int out_fd, err_fd, status = 0, code;
    pid_t pid = spawn(argv, &out_fd, &err_fd);
    bool ok;

    if (pid < 0)
        return false;
    collector_start(&out, out_fd);
    collector_start(&err, err_fd);
    waitpid(pid, &status, 0);
    pthread_join(out.thread, NULL);
    pthread_join(err.thread, NULL);
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    ok = code == want_code &&
         (!want_text || (out.text && strstr(out.text, want_text)) ||
          (err.text && strstr(err.text, want_text)));
    if (!ok)
        printf("%s: exit %d, expected %d%s%s\nstdout:%s\nstderr:%s\n", argv[0], code,
               want_code, want_text ? " with " : "", want_text ? want_text : "",
               out.text ? out.text : "", err.text ? err.text : "");
    /* the threads are joined: what collector_finish does besides */
    close(out.fd);
    close(err.fd);
    pthread_mutex_destroy(&out.lock);
    pthread_mutex_destroy(&err.lock);
    free(out.text);
    free(err.text);
    return ok;
}
