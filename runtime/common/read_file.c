/* bh_read_file_to_buffer (include/bh_read_file.h): the file helper of the
 * WAMR embedding guide's samples. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../include/bh_read_file.h"
#include "../mem/mem.h"

char *bh_read_file_to_buffer(const char *filename, uint32 *ret_size)
{
    FILE *f;
    char *buf = NULL;
    long size;

    if (!filename || !ret_size)
        return NULL;
    if (!(f = fopen(filename, "rb"))) {
        fprintf(stderr, "read file %s failed: %s\n", filename, strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > (long)UINT32_MAX ||
        fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    /* One spare byte, so that a zero-length file still gets a buffer. */
    if (!(buf = mem_alloc((size_t)size + 1)))
        goto fail;
    if (fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto fail;
    fclose(f);
    *ret_size = (uint32)size;
    return buf;
fail:
    fprintf(stderr, "read file %s failed\n", filename);
    mem_free(buf);
    fclose(f);
    return NULL;
}
