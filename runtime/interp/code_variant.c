/* Code variants: a module's internal code retargeted from the interpreter
 * loop it was translated for to the other one (interp.h). Only instances
 * whose memory kind differs from what the translation expected need one: a
 * failed reservation, pool mode after modules were loaded without it, tests
 * that run both kinds. A variant is made on the first such instance of a
 * module, shared by the later ones and freed with the last. Retargeting
 * rewrites each instruction's handler word and copies its operands; branch
 * offsets are relative, so the layout stays the same. */
#include <stdlib.h>
#include <string.h>

#include "../mem/mem.h"
#include "../platform/os.h"
#include "interp.h"

typedef struct CodeVariant {
    const WasmModule *module;
    Func *funcs; /* parallel to module->funcs; code points into words */
    uint32_t *words;
    uint32_t users;
    struct CodeVariant *next;
} CodeVariant;

/* Guards the list and the word index below. */
static os_mutex variants_lock = OS_MUTEX_INITIALIZER;
static CodeVariant *variants;

static const char *const operand_kinds[IOP_COUNT] = {
#define IOP_OPERANDS(name, operands, doc) operands,
    IOP_LIST(IOP_OPERANDS)
#undef IOP_OPERANDS
};

/* ------------------------------------------------------------------------
 * From a handler word back to its operation
 * ------------------------------------------------------------------------ */

typedef struct WordOp {
    uint32_t word;
    uint32_t op;
} WordOp;

/* The translation loop's words, sorted; built on first use. */
static WordOp word_index[IOP_COUNT];
static bool word_index_built, word_index_unique;

static int compare_words(const void *a, const void *b)
{
    uint32_t x = ((const WordOp *)a)->word, y = ((const WordOp *)b)->word;
    return x < y ? -1 : x > y;
}

/* Two operations sharing a word could not be told apart; never seen (each
 * handler is its own code), but a variant is then refused, not guessed. */
static bool build_word_index(void)
{
    if (word_index_built)
        return word_index_unique;
    for (uint32_t op = 0; op < IOP_COUNT; op++) {
        word_index[op].word = interp_handler_word((IopCode)op);
        word_index[op].op = op;
    }
    qsort(word_index, IOP_COUNT, sizeof word_index[0], compare_words);
    word_index_unique = true;
    for (uint32_t i = 1; i < IOP_COUNT; i++)
        if (word_index[i].word == word_index[i - 1].word)
            word_index_unique = false;
    word_index_built = true;
    return word_index_unique;
}

/* The operation whose handler word is word, or -1. */
static int op_of_word(uint32_t word)
{
    uint32_t lo = 0, hi = IOP_COUNT;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (word_index[mid].word < word)
            lo = mid + 1;
        else if (word_index[mid].word > word)
            hi = mid;
        else
            return (int)word_index[mid].op;
    }
    return -1;
}

/* Words of the instruction of operation op at code[at], from the operand
 * kinds of iops.h (L: two words, N: a count followed by N+1 targets); 0
 * when it would run past end. */
static uint32_t instruction_words(const uint32_t *code, uint32_t at, uint32_t end, int op)
{
    uint64_t len = 1;
    for (const char *k = operand_kinds[op]; *k; k++) {
        if (*k == 'N' && at + len < end)
            len += (uint64_t)code[at + len] + 1;
        len += *k == 'L' ? 2 : 1;
    }
    return at + len <= end ? (uint32_t)len : 0;
}

/* Copies n words of code into out with every handler word retargeted to
 * the other loop; false when the code does not decode (a bug). */
static bool retarget(const uint32_t *code, uint32_t n, uint32_t *out, bool to_unchecked)
{
    uint32_t at = 0;
    while (at < n) {
        int op = op_of_word(code[at]);
        uint32_t len = op < 0 ? 0 : instruction_words(code, at, n, op);
        if (len == 0)
            return false;
        out[at] = interp_loop_word(to_unchecked, (IopCode)op);
        memcpy(out + at + 1, code + at + 1, (len - 1) * sizeof *out);
        at += len;
    }
    return true;
}

/* ------------------------------------------------------------------------
 * Variants
 * ------------------------------------------------------------------------ */

static void variant_free(CodeVariant *v)
{
    mem_free(v->words);
    mem_free(v->funcs);
    mem_free(v);
}

static CodeVariant *variant_create(const WasmModule *m, bool to_unchecked)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < m->n_funcs; i++)
        total += m->funcs[i].code_words;
    if (total > SIZE_MAX / sizeof(uint32_t) || !build_word_index())
        return NULL;
    CodeVariant *v = mem_calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->module = m;
    v->funcs = mem_calloc(m->n_funcs ? m->n_funcs : 1, sizeof *v->funcs);
    v->words = mem_alloc((size_t)(total ? total : 1) * sizeof *v->words);
    if (!v->funcs || !v->words)
        goto fail;
    uint32_t *next = v->words;
    for (uint32_t i = 0; i < m->n_funcs; i++) {
        const Func *f = &m->funcs[i];
        v->funcs[i] = *f;
        v->funcs[i].code = next;
        if (!retarget(f->code, f->code_words, next, to_unchecked))
            goto fail;
        next += f->code_words;
    }
    return v;
fail:
    variant_free(v);
    return NULL;
}

/* Without computed goto a word is the operation number in both loops. */
static bool loops_share_words(void)
{
    return interp_loop_word(false, IOP_I32_LOAD) == interp_loop_word(true, IOP_I32_LOAD) &&
           interp_loop_word(false, IOP_I64_STORE) == interp_loop_word(true, IOP_I64_STORE);
}

bool interp_code_acquire(const WasmModule *m, const WasmMemory *mem, const Func **out_code,
                         bool *out_unchecked)
{
    bool translated_unchecked = interp_translates_unchecked();
    bool unchecked = mem ? mem->guarded : translated_unchecked;

    *out_unchecked = unchecked;
    if (unchecked == translated_unchecked || loops_share_words()) {
        *out_code = m->funcs;
        return true;
    }
    os_mutex_lock(&variants_lock);
    CodeVariant *v = variants;
    while (v && v->module != m)
        v = v->next;
    if (!v && (v = variant_create(m, unchecked)) != NULL) {
        v->next = variants;
        variants = v;
    }
    if (v)
        v->users++;
    os_mutex_unlock(&variants_lock);
    *out_code = v ? v->funcs : NULL;
    return v != NULL;
}

void interp_code_release(const WasmModule *m, const Func *code)
{
    if (!code || code == m->funcs)
        return;
    os_mutex_lock(&variants_lock);
    for (CodeVariant **link = &variants; *link; link = &(*link)->next) {
        CodeVariant *v = *link;
        if (v->funcs != code)
            continue;
        if (--v->users == 0) {
            *link = v->next;
            variant_free(v);
        }
        break;
    }
    os_mutex_unlock(&variants_lock);
}
