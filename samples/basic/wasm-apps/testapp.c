/* The wasm side of samples/basic: built with clang --target=wasm32 and no
 * libc. It exports what src/main.c calls and imports the two natives the
 * host registers from module "env" (display_input_read, display_flush). */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* Natives of the host, "(*)i" and "(iiii*)". */
typedef struct DisplayInput {
    int32_t x, y;
    int32_t pressed;
} DisplayInput;
extern int32_t display_input_read(DisplayInput *data);
extern void display_flush(int32_t x1, int32_t y1, int32_t x2, int32_t y2, const uint32_t *color);

EXPORT("fib") int32_t fib(int32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* The guide's mixed call: a char, an int, a double and an int64 (two cells
 * each), plus a float; a double result. */
EXPORT("mixed") double mixed(int32_t a, int32_t b, double c, int64_t d, float e)
{
    return (double)a + (double)b * c + (double)d + (double)e;
}

/* Upper-cases the NUL-terminated text in buf (at most size bytes) in place;
 * returns its length. */
EXPORT("to_upper") int32_t to_upper(char *buf, int32_t size)
{
    int32_t n = 0;
    for (; n < size && buf[n]; n++) {
        if (buf[n] >= 'a' && buf[n] <= 'z')
            buf[n] = (char)(buf[n] - 'a' + 'A');
    }
    return n;
}

/* 32-bit FNV-1a of len bytes. */
EXPORT("checksum") uint32_t checksum(const uint8_t *data, int32_t len)
{
    uint32_t h = 2166136261u;
    for (int32_t i = 0; i < len; i++) {
        h ^= data[i];
        h *= 16777619u;
    }
    return h;
}

static uint32_t colors[4];

/* Reads the input through the host, then asks the host to draw a square of
 * side `size` at the touched point, in a colour made from the pressed flag. */
EXPORT("draw") int32_t draw(int32_t size)
{
    DisplayInput in = {0, 0, 0};
    if (!display_input_read(&in))
        return -1;
    for (int32_t i = 0; i < 4; i++)
        colors[i] = in.pressed ? 0xff0000u + (uint32_t)i : 0x00ff00u + (uint32_t)i;
    display_flush(in.x, in.y, in.x + size - 1, in.y + size - 1, colors);
    return in.pressed;
}
