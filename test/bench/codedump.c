/* wasm-codedump: prints the internal code the translator emits for each
 * function of a module (or one, by index), one instruction per line, with
 * the static count of internal instructions. A tool for tuning the
 * translator: what each wasm construct costs in dispatches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp/interp.h"
#include "loader/module.h"

static const struct {
    const char *name;
    const char *operands;
} ops[] = {
#define IOP_INFO(name, operands, doc) {#name, operands},
    IOP_LIST(IOP_INFO)
#undef IOP_INFO
};

static int op_of_word(uint32_t word)
{
    for (int i = 0; i < IOP_COUNT; i++)
        if (interp_handler_word((IopCode)i) == word)
            return i;
    return -1;
}

/* Prints one instruction; returns its length in words (0 when unknown). */
static uint32_t dump_one(const uint32_t *code, uint32_t at, uint32_t end)
{
    int op = op_of_word(code[at]);
    if (op < 0) {
        printf("%6u: ??? %08x\n", at, code[at]);
        return 0;
    }
    uint32_t len = 1;
    printf("%6u: %-16s", at, ops[op].name);
    for (const char *o = ops[op].operands; *o && at + len < end; o++) {
        uint32_t w = code[at + len++];
        switch (*o) {
        case 'T': printf(" ->%u", at + w); break;
        case 'L': printf(" 0x%08x%08x", at + len < end ? code[at + len] : 0, w); len++; break;
        case 'I': printf(" #%d", (int32_t)w); break;
        case 'N':
            printf(" n=%u [", w);
            for (uint32_t k = 0; k <= w && at + len < end; k++)
                printf(" ->%u", at + code[at + len++]);
            printf(" ]");
            break;
        default: printf(" %c%u", *o == 'D' ? 'd' : 's', w); break;
        }
    }
    printf("\n");
    return len;
}

int main(int argc, char **argv)
{
    char err[256];
    if (argc < 2) {
        fprintf(stderr, "usage: wasm-codedump FILE.wasm [FUNC_INDEX]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)size);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        return 1;
    fclose(f);
    WasmModule *m = ld_load(buf, (uint32_t)size, err, sizeof err);
    if (!m) {
        fprintf(stderr, "load failed: %s\n", err);
        return 1;
    }
    long only = argc > 2 ? atol(argv[2]) : -1;
    for (uint32_t i = 0; i < m->n_funcs; i++) {
        uint32_t index = m->n_func_imports + i;
        if (only >= 0 && index != (uint32_t)only)
            continue;
        const Func *fn = &m->funcs[i];
        uint32_t count = 0;
        printf("func %u (%s): %u locals, %u slots, %u words, %u body bytes\n", index,
               m->func_names && m->func_names[index] ? m->func_names[index] : "?", fn->n_locals,
               fn->frame_slots, fn->code_words, fn->body_size);
        for (uint32_t at = 0; at < fn->code_words; count++) {
            uint32_t len = dump_one(fn->code, at, fn->code_words);
            if (!len)
                break;
            at += len;
        }
        printf("  %u instructions\n", count);
    }
    ld_unload(m);
    free(buf);
    return 0;
}
