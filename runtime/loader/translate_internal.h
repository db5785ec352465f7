/* Private to the translator (translate.c and translate_values.c): the
 * translator's state and the helpers both halves use. translate.c holds the
 * core (operand stack, labels, branches, control, calls, the function
 * level); translate_values.c the instruction families that produce and
 * consume values (immediates, locals and globals, memory, atomics, tables,
 * the numeric opcode table). */
#ifndef WR_TRANSLATE_INTERNAL_H
#define WR_TRANSLATE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../interp/iops.h"
#include "module.h"
#include "reader.h"

#define VT_UNKNOWN 0 /* the polymorphic stack's "any" type */
#define NO_POS UINT32_MAX

enum { CTRL_FUNC, CTRL_BLOCK, CTRL_LOOP, CTRL_IF, CTRL_ELSE };

/* An operand: a value in a slot, or a constant not yet written anywhere
 * (is_const; its slot is then its home, where it goes if it must). */
typedef struct Entry {
    uint8_t type;
    bool is_const;
    uint32_t slot;
    uint64_t value;
} Entry;

/* A block type: empty, one inline value type, or a function type. */
typedef struct BlockType {
    const FuncType *ft; /* NULL for the inline forms */
    uint8_t inline_result; /* 0 when empty */
} BlockType;

typedef struct Ctrl {
    uint8_t kind;
    bool unreachable; /* validation: the stack is polymorphic */
    bool emit_dead; /* code here can never run: emit nothing */
    BlockType bt;
    uint32_t height; /* operand height below the block's params */
    uint32_t start_pos; /* loop: code position of the header */
    uint32_t patch_head; /* forward branches to the end, linked via Patch */
    uint32_t else_patch; /* if: the branch to the else arm or end */
    uint32_t else_word; /* its target word */
    uint32_t spill_base; /* if with params: where the params were saved */
} Ctrl;

/* A forward branch waiting for its target: code[word] = target - instr. */
typedef struct Patch {
    uint32_t instr;
    uint32_t word;
    uint32_t next;
} Patch;

typedef struct Translator {
    WasmModule *m;
    Func *f;
    Reader r;
    char *err;
    uint32_t err_size;
    bool failed;
    bool malformed; /* the error is a decoding one, not a validation one */
    /* Block depth bookkeeping for decoding the rest of an invalid body: a
     * block opener that failed before its frame was pushed, and the opcode
     * being translated when the error struck. */
    uint32_t unclosed_blocks;
    uint8_t current_op;

    uint32_t n_locals;
    uint8_t *local_types;
    uint32_t *local_refs; /* stack entries naming each local */
    /* Declared locals start at zero on every call. Until the first control
     * instruction (no label reached yet) we know which are still zero, and
     * storing a constant 0 into one of them is dropped. */
    uint8_t *zero_locals;
    bool zero_tracking;
    uint32_t total_local_refs;

    Entry *stack;
    uint32_t height, stack_cap, max_height;
    uint32_t n_consts; /* constant entries on the stack */

    Ctrl *ctrls;
    uint32_t n_ctrls, ctrl_cap;

    uint32_t *code;
    uint32_t code_len, code_cap;

    Patch *patches;
    uint32_t n_patches, patch_cap;

    /* Operand words that name spill slots, fixed up once max_height is known. */
    uint32_t *spill_words;
    uint32_t n_spill_words, spill_words_cap;
    uint32_t n_spill;

    /* Position of the destination word of the last emitted single-result
     * instruction, while its result is the top entry: local.set folds into it. */
    uint32_t fold_word;
    uint32_t fold_height;
    IopCode fold_op; /* the operation at fold_word - 1 */

    /* Positions of the last two instructions emitted since the last label
     * (NO_POS: none), for superinstructions that merge an instruction into
     * the one before it: no branch may land between the two. */
    uint32_t last_op_pos, prev_op_pos;
} Translator;

/* errors (the first one wins; malformed = a decoding error) */
bool tr_fail(Translator *t, const char *msg);
bool tr_fail_index(Translator *t, const char *what, uint32_t index);
bool tr_fail_read(Translator *t);
bool tr_fail_malformed(Translator *t, const char *msg);
bool tr_fail_type(Translator *t, uint8_t expected, uint8_t got);

/* emission and the operand stack (translate.c) */
bool tr_is_dead(Translator *t);
void tr_emit_word(Translator *t, uint32_t w);
uint32_t tr_emit_op(Translator *t, IopCode op);
void tr_take_back(Translator *t, uint32_t pos);
bool tr_merge_into_last(Translator *t, IopCode op, uint32_t length, IopCode pair);
uint32_t tr_last_op_if(const Translator *t, IopCode op, uint32_t length);
void tr_unpair_last(Translator *t, IopCode op, uint32_t length, uint32_t dst);
void tr_forget_fusions(Translator *t);
uint32_t tr_home(const Translator *t, uint32_t height);
void tr_emit_value_to(Translator *t, uint32_t dst, const Entry *e);
uint32_t tr_push(Translator *t, uint8_t type);
bool tr_push_entry(Translator *t, uint8_t type, uint32_t slot);
bool tr_push_const(Translator *t, uint8_t type, uint64_t value);
bool tr_pop_operand(Translator *t, uint8_t expected, Entry *out);
bool tr_pop_expect(Translator *t, uint8_t expected, Entry *out);
void tr_materialize(Translator *t, Entry *e);
void tr_preserve_local(Translator *t, uint32_t x);
bool tr_is_value_type(uint8_t b);

/* instruction families (translate_values.c) */
bool tr_op_numeric_code(Translator *t, uint8_t opcode);
bool tr_op_local_get(Translator *t);
bool tr_op_local_set(Translator *t, bool tee);
bool tr_op_global_get(Translator *t);
bool tr_op_global_set(Translator *t);
bool tr_op_select(Translator *t, bool typed);
bool tr_op_memory(Translator *t, uint8_t op);
bool tr_op_prefix_fc(Translator *t);
bool tr_op_prefix_fe(Translator *t);
bool tr_op_ref_null(Translator *t);
bool tr_op_ref_is_null(Translator *t);
bool tr_op_ref_func(Translator *t);
bool tr_op_table_get(Translator *t);
bool tr_op_table_set(Translator *t);
bool tr_op_const32(Translator *t, uint8_t type, uint32_t bits);
bool tr_op_const64(Translator *t, uint8_t type, uint64_t bits);
bool tr_read_zero_byte(Translator *t);

#endif
