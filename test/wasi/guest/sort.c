/* The "real program": sorts the lines of a file into another file, as
 * sort(1) would with LC_ALL=C. Built both natively and for wasm32-wasi;
 * the harness compares the two outputs. Usage: sort IN OUT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    FILE *in, *out;
    char *text, **lines;
    long size;
    size_t n = 0, cap = 1024;

    if (argc != 3 || !(in = fopen(argv[1], "rb"))) {
        fprintf(stderr, "usage: sort IN OUT\n");
        return 2;
    }
    fseek(in, 0, SEEK_END);
    size = ftell(in);
    rewind(in);
    text = malloc((size_t)size + 1);
    lines = malloc(cap * sizeof *lines);
    if (!text || !lines || fread(text, 1, (size_t)size, in) != (size_t)size)
        return 3;
    fclose(in);
    text[size] = '\0';
    for (char *p = text, *nl; *p; p = nl + 1) {
        if (n == cap && !(lines = realloc(lines, (cap *= 2) * sizeof *lines)))
            return 3;
        lines[n++] = p;
        if (!(nl = strchr(p, '\n')))
            break;
        *nl = '\0';
    }
    qsort(lines, n, sizeof *lines, by_bytes);
    if (!(out = fopen(argv[2], "wb")))
        return 4;
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s\n", lines[i]);
    if (fclose(out) != 0)
        return 4;
    printf("sorted %zu lines\n", n);
    free(lines);
    free(text);
    return 0;
}
