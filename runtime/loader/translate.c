/* Function body validation and translation, in one pass: the spec's
 * operand-stack / control-stack validation algorithm, emitting register-slot
 * internal code (interp/iops.h) as it goes.
 *
 * Slots: a function's frame is [locals][operand stack][if-param spills]. The
 * operand at stack height h has the home slot n_locals + h. A compile-time
 * stack entry may instead name a local's slot (local.get emits nothing) until
 * that local is overwritten or a block boundary is reached, where every
 * entry is moved home, so all paths that meet at a label agree on where
 * values live. Branch targets, block results and heights are resolved here;
 * the interpreter never decodes wasm bytes. */
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "../config.h"
#include "../interp/interp.h"
#include "../mem/mem.h"
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
} Translator;

/* ------------------------------------------------------------------ */
/* errors and growable arrays                                          */
/* ------------------------------------------------------------------ */

static bool fail(Translator *t, const char *msg)
{
    if (!t->failed) {
        t->failed = true;
        rt_set_error(t->err, t->err_size, "%s", msg);
    }
    return false;
}

static bool fail_index(Translator *t, const char *what, uint32_t index)
{
    if (!t->failed) {
        t->failed = true;
        rt_set_error(t->err, t->err_size, "%s %u", what, index);
    }
    return false;
}

/* Decoding errors (the binary is malformed) as opposed to validation ones. */
static bool fail_malformed(Translator *t, const char *msg)
{
    if (!t->failed)
        t->malformed = true;
    return fail(t, msg);
}

/* A read past the body is reported in the suite's wording for bodies. */
static bool fail_read(Translator *t)
{
    const char *msg = t->r.error ? t->r.error : "unexpected end";
    if (strcmp(msg, "unexpected end") == 0)
        msg = "unexpected end of section or function";
    return fail_malformed(t, msg);
}

/* Makes room for one more element of size elem in *arr (capacity *cap). */
static bool grow_array(Translator *t, void **arr, uint32_t *cap, uint32_t used, size_t elem)
{
    if (used < *cap)
        return true;
    uint32_t new_cap = *cap ? *cap * 2 : 16;
    if (new_cap < *cap)
        return fail(t, "allocate memory failed");
    void *p = mem_realloc(*arr, (size_t)new_cap * elem);
    if (!p)
        return fail(t, "allocate memory failed");
    *arr = p;
    *cap = new_cap;
    return true;
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case VT_I32: return "i32";
    case VT_I64: return "i64";
    case VT_F32: return "f32";
    case VT_F64: return "f64";
    case VT_V128: return "v128";
    case VT_FUNCREF: return "funcref";
    case VT_EXTERNREF: return "externref";
    default: return "any";
    }
}

static bool fail_type(Translator *t, uint8_t expected, uint8_t got)
{
    if (!t->failed) {
        t->failed = true;
        rt_set_error(t->err, t->err_size, "type mismatch: expected %s, got %s",
                     type_name(expected), type_name(got));
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* code emission                                                        */
/* ------------------------------------------------------------------ */

static Ctrl *top_ctrl(Translator *t)
{
    return &t->ctrls[t->n_ctrls - 1];
}

/* Code after br/return/unreachable is validated but never emitted. */
static bool is_dead(Translator *t)
{
    return top_ctrl(t)->unreachable || top_ctrl(t)->emit_dead;
}

static void emit_word(Translator *t, uint32_t w)
{
    if (t->failed || is_dead(t) ||
        !grow_array(t, (void **)&t->code, &t->code_cap, t->code_len, sizeof(uint32_t)))
        return;
    t->code[t->code_len++] = w;
}

/* No fusion reaches back across this point: another instruction was
 * emitted, or the current position may be a branch target. */
static void forget_fusions(Translator *t)
{
    t->fold_word = NO_POS;
}

static uint32_t emit_op(Translator *t, IopCode op)
{
    uint32_t pos = t->code_len;
    forget_fusions(t);
    emit_word(t, interp_handler_word(op));
    return pos;
}

static uint32_t home(const Translator *t, uint32_t height)
{
    return t->n_locals + height;
}

static void emit_mov(Translator *t, uint32_t dst, uint32_t src)
{
    if (dst == src)
        return;
    emit_op(t, IOP_MOV);
    emit_word(t, dst);
    emit_word(t, src);
}

/* A spill slot operand: its index is fixed up after the body is done. */
static void emit_spill_word(Translator *t, uint32_t spill_index)
{
    if (t->failed || is_dead(t) ||
        !grow_array(t, (void **)&t->spill_words, &t->spill_words_cap,
                                 t->n_spill_words, sizeof(uint32_t)))
        return;
    t->spill_words[t->n_spill_words++] = t->code_len;
    emit_word(t, spill_index);
}

/* Records that code[word] of the instruction at instr branches to the end
 * of ctrl, still unknown. */
static void add_patch(Translator *t, Ctrl *ctrl, uint32_t instr, uint32_t word)
{
    if (t->failed || is_dead(t) ||
        !grow_array(t, (void **)&t->patches, &t->patch_cap, t->n_patches, sizeof(Patch)))
        return;
    Patch *p = &t->patches[t->n_patches];
    p->instr = instr;
    p->word = word;
    p->next = ctrl->patch_head;
    ctrl->patch_head = t->n_patches++;
}

static void resolve_patches(Translator *t, Ctrl *ctrl, uint32_t target)
{
    for (uint32_t i = ctrl->patch_head; i != NO_POS; i = t->patches[i].next)
        t->code[t->patches[i].word] = target - t->patches[i].instr;
    ctrl->patch_head = NO_POS;
}

/* ------------------------------------------------------------------ */
/* the operand stack                                                    */
/* ------------------------------------------------------------------ */

static void note_ref(Translator *t, uint32_t slot, int delta)
{
    if (slot < t->n_locals) {
        t->local_refs[slot] += (uint32_t)delta;
        t->total_local_refs += (uint32_t)delta;
    }
}

static bool push_entry(Translator *t, uint8_t type, uint32_t slot)
{
    if (!grow_array(t, (void **)&t->stack, &t->stack_cap, t->height, sizeof(Entry)))
        return false;
    if (t->height >= WR_MAX_STACK_HEIGHT)
        return fail(t, "function too complex: operand stack too high");
    t->stack[t->height].type = type;
    t->stack[t->height].is_const = false;
    t->stack[t->height].slot = slot;
    t->stack[t->height].value = 0;
    note_ref(t, slot, 1);
    t->height++;
    if (t->height > t->max_height)
        t->max_height = t->height;
    return true;
}

/* Pushes a fresh value at its home slot; returns that slot. */
static uint32_t push(Translator *t, uint8_t type)
{
    uint32_t slot = home(t, t->height);
    push_entry(t, type, slot);
    return slot;
}

/* A constant costs nothing until an operand slot is really needed. */
static bool push_const(Translator *t, uint8_t type, uint64_t value)
{
    uint32_t h = t->height;
    if (!push_entry(t, type, home(t, h)))
        return false;
    t->stack[h].is_const = true;
    t->stack[h].value = value;
    t->n_consts++;
    return true;
}

static void emit_const_to(Translator *t, uint32_t dst, uint8_t type, uint64_t value)
{
    if (type == VT_I64 || type == VT_F64) {
        emit_op(t, IOP_CONST64);
        emit_word(t, dst);
        emit_word(t, (uint32_t)value);
        emit_word(t, (uint32_t)(value >> 32));
    } else {
        emit_op(t, IOP_CONST32);
        emit_word(t, dst);
        emit_word(t, (uint32_t)value);
    }
}

/* Writes a popped constant entry into its home slot. */
static void materialize(Translator *t, Entry *e)
{
    if (!e->is_const)
        return;
    emit_const_to(t, e->slot, e->type, e->value);
    e->is_const = false;
}

/* Pops one operand of the expected type (VT_UNKNOWN: any), leaving a
 * constant virtual: the caller may use its value as an immediate. */
static bool pop_operand(Translator *t, uint8_t expected, Entry *out)
{
    Ctrl *c = top_ctrl(t);
    if (t->height == c->height) {
        if (!c->unreachable)
            return fail(t, "type mismatch: operand stack underflow");
        out->type = VT_UNKNOWN;
        out->is_const = false;
        out->slot = home(t, t->height);
        out->value = 0;
        return true;
    }
    Entry e = t->stack[--t->height];
    note_ref(t, e.slot, -1);
    t->n_consts -= e.is_const;
    if (e.type != expected && e.type != VT_UNKNOWN && expected != VT_UNKNOWN)
        return fail_type(t, expected, e.type);
    *out = e;
    return true;
}

/* Pops one operand of the expected type into a slot. */
static bool pop_expect(Translator *t, uint8_t expected, Entry *out)
{
    if (!pop_operand(t, expected, out))
        return false;
    materialize(t, out);
    return true;
}

static bool pop_type(Translator *t, uint8_t expected)
{
    Entry e;
    return pop_expect(t, expected, &e);
}

/* Moves entry i to its home slot if it names a local or is a constant. */
static void canonicalize(Translator *t, uint32_t i)
{
    Entry *e = &t->stack[i];
    if (e->is_const) {
        materialize(t, e);
        t->n_consts--;
        return;
    }
    if (e->slot == home(t, i))
        return;
    emit_mov(t, home(t, i), e->slot);
    note_ref(t, e->slot, -1);
    e->slot = home(t, i);
}

static void canonicalize_all(Translator *t)
{
    for (uint32_t i = 0; (t->total_local_refs || t->n_consts) && i < t->height; i++)
        canonicalize(t, i);
}

/* Before local x is overwritten, entries still naming it get their own copy. */
static void preserve_local(Translator *t, uint32_t x)
{
    for (uint32_t i = 0; t->local_refs[x] && i < t->height; i++)
        if (t->stack[i].slot == x)
            canonicalize(t, i);
}

/* ------------------------------------------------------------------ */
/* block types and labels                                               */
/* ------------------------------------------------------------------ */

static uint32_t bt_n_params(const BlockType *bt)
{
    return bt->ft ? bt->ft->n_params : 0;
}

static uint32_t bt_n_results(const BlockType *bt)
{
    return bt->ft ? bt->ft->n_results : (bt->inline_result ? 1 : 0);
}

static uint8_t bt_param(const BlockType *bt, uint32_t i)
{
    return ft_params(bt->ft)[i];
}

static uint8_t bt_result(const BlockType *bt, uint32_t i)
{
    return bt->ft ? ft_results(bt->ft)[i] : bt->inline_result;
}

/* Values a branch to this label carries: a loop's params, else results. */
static uint32_t label_arity(const Ctrl *c)
{
    return c->kind == CTRL_LOOP ? bt_n_params(&c->bt) : bt_n_results(&c->bt);
}

static uint8_t label_type(const Ctrl *c, uint32_t i)
{
    return c->kind == CTRL_LOOP ? bt_param(&c->bt, i) : bt_result(&c->bt, i);
}

static bool is_value_type(uint8_t b)
{
    return b == VT_I32 || b == VT_I64 || b == VT_F32 || b == VT_F64 || b == VT_FUNCREF ||
           b == VT_EXTERNREF;
}

/* blocktype -> 0x40 | valtype | typeidx:s33 */
static bool read_block_type(Translator *t, BlockType *out)
{
    out->ft = NULL;
    out->inline_result = 0;
    if (t->r.pos >= t->r.end)
        return fail_read(t);
    uint8_t b = *t->r.pos;
    if (b == 0x40) {
        t->r.pos++;
        return true;
    }
    if (is_value_type(b)) {
        t->r.pos++;
        out->inline_result = b;
        return true;
    }
    int64_t idx;
    if (!rd_sleb(&t->r, 33, &idx))
        return fail_read(t);
    if (idx < 0 || (uint64_t)idx >= t->m->n_types)
        return fail(t, "unknown type");
    out->ft = &t->m->types[idx];
    return true;
}

static bool push_ctrl(Translator *t, uint8_t kind, const BlockType *bt)
{
    if (!grow_array(t, (void **)&t->ctrls, &t->ctrl_cap, t->n_ctrls, sizeof(Ctrl)))
        return false;
    Ctrl *c = &t->ctrls[t->n_ctrls++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->bt = *bt;
    c->height = t->height - bt_n_params(bt);
    c->patch_head = NO_POS;
    c->else_patch = NO_POS;
    c->start_pos = t->code_len;
    return true;
}

/* Pops a block's params (checking types) and pushes them back unchanged. */
static bool check_params(Translator *t, const BlockType *bt)
{
    uint32_t n = bt_n_params(bt);
    Entry saved[8];
    Entry *tmp = n <= 8 ? saved : mem_alloc(n * sizeof(Entry));
    if (!tmp)
        return fail(t, "allocate memory failed");
    bool ok = true;
    for (uint32_t i = n; ok && i-- > 0;)
        ok = pop_expect(t, bt_param(bt, i), &tmp[i]);
    for (uint32_t i = 0; ok && i < n; i++)
        ok = push_entry(t, bt_param(bt, i), tmp[i].slot);
    if (tmp != saved)
        mem_free(tmp);
    return ok;
}

static Ctrl *label_at(Translator *t, uint32_t depth)
{
    if (depth >= t->n_ctrls) {
        fail_index(t, "unknown label", depth);
        return NULL;
    }
    return &t->ctrls[t->n_ctrls - 1 - depth];
}

/* Checks that the top operands match label c's types without popping. */
static bool check_label_operands(Translator *t, const Ctrl *c)
{
    uint32_t n = label_arity(c);
    const Ctrl *cur = top_ctrl(t);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t want = label_type(c, n - 1 - i);
        if (t->height - cur->height <= i) {
            if (!cur->unreachable)
                return fail(t, "type mismatch: operand stack underflow");
            continue;
        }
        uint8_t got = t->stack[t->height - 1 - i].type;
        if (got != want && got != VT_UNKNOWN)
            return fail_type(t, want, got);
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* branches                                                             */
/* ------------------------------------------------------------------ */

/* Puts an entry's value into dst: a copy, or the constant itself. */
static void emit_value_to(Translator *t, uint32_t dst, const Entry *e)
{
    if (e->is_const)
        emit_const_to(t, dst, e->type, e->value);
    else
        emit_mov(t, dst, e->slot);
}

/* Moves the top n operands (values from src_base) into the label's slots. */
static void emit_label_moves(Translator *t, const Ctrl *c, uint32_t src_height)
{
    uint32_t n = label_arity(c);
    for (uint32_t i = 0; i < n; i++)
        emit_value_to(t, home(t, c->height + i), &t->stack[src_height + i]);
}

static bool label_needs_moves(Translator *t, const Ctrl *c, uint32_t src_height)
{
    uint32_t n = label_arity(c);
    for (uint32_t i = 0; i < n; i++)
        if (t->stack[src_height + i].is_const ||
            t->stack[src_height + i].slot != home(t, c->height + i))
            return true;
    return false;
}

/* Return: results go to slots 0..n-1 of the frame. Values still in locals
 * are first copied to their home slots, so every source lies at or above its
 * destination and an ascending copy never overwrites a value it still
 * needs. The compile-time stack is left alone: this may be one path only. */
static void emit_return_from(Translator *t, uint32_t src_height)
{
    uint32_t n = t->f->type->n_results;
    for (uint32_t i = 0; i < n; i++)
        if (!t->stack[src_height + i].is_const)
            emit_mov(t, home(t, src_height + i), t->stack[src_height + i].slot);
    for (uint32_t i = 0; i < n; i++) {
        const Entry *e = &t->stack[src_height + i];
        if (e->is_const)
            emit_const_to(t, i, e->type, e->value);
        else
            emit_mov(t, i, home(t, src_height + i));
    }
    emit_op(t, IOP_RETURN);
}

/* Unconditional branch to c, with the top operands already validated and
 * still on the stack at heights src_height... */
static void emit_branch(Translator *t, Ctrl *c, uint32_t src_height)
{
    if (c->kind == CTRL_FUNC) {
        emit_return_from(t, src_height);
        return;
    }
    emit_label_moves(t, c, src_height);
    if (c->kind == CTRL_LOOP) {
        uint32_t pos = emit_op(t, IOP_LOOP_BR);
        emit_word(t, c->start_pos - pos);
    } else {
        uint32_t pos = emit_op(t, IOP_BR);
        add_patch(t, c, pos, t->code_len);
        emit_word(t, 0);
    }
}

/* Makes the remainder of the current block unreachable (after br etc.). */
static void set_unreachable(Translator *t)
{
    Ctrl *c = top_ctrl(t);
    while (t->height > c->height) {
        t->height--;
        note_ref(t, t->stack[t->height].slot, -1);
        t->n_consts -= t->stack[t->height].is_const;
    }
    c->unreachable = true;
    forget_fusions(t);
}


/* ---- conditions: a compare feeding a branch is fused into it ---- */

/* The condition of br_if or if: a value in a slot, or (fused) a compare
 * the branch performs itself on the compare's operands. */
typedef struct Condition {
    IopCode cmp; /* IOP_COUNT: the plain value in slot */
    uint32_t slot; /* plain: the value; fused: the compare's first operand */
    uint32_t b; /* fused: the second operand's slot, or an immediate */
} Condition;

enum { N_CMP = 10 }; /* eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u */
static const IopCode cmp_i32[N_CMP] = {IOP_I32_EQ, IOP_I32_NE, IOP_I32_LT_S, IOP_I32_LT_U,
                                       IOP_I32_GT_S, IOP_I32_GT_U, IOP_I32_LE_S, IOP_I32_LE_U,
                                       IOP_I32_GE_S, IOP_I32_GE_U};
static const IopCode cmp_i32_imm[N_CMP] = {
    IOP_I32_EQ_IMM, IOP_I32_NE_IMM, IOP_I32_LT_S_IMM, IOP_I32_LT_U_IMM, IOP_I32_GT_S_IMM,
    IOP_I32_GT_U_IMM, IOP_I32_LE_S_IMM, IOP_I32_LE_U_IMM, IOP_I32_GE_S_IMM, IOP_I32_GE_U_IMM};
static const IopCode cmp_i64[N_CMP] = {IOP_I64_EQ, IOP_I64_NE, IOP_I64_LT_S, IOP_I64_LT_U,
                                       IOP_I64_GT_S, IOP_I64_GT_U, IOP_I64_LE_S, IOP_I64_LE_U,
                                       IOP_I64_GE_S, IOP_I64_GE_U};
static const IopCode br_i32[N_CMP] = {IOP_BR_I32_EQ, IOP_BR_I32_NE, IOP_BR_I32_LT_S,
                                      IOP_BR_I32_LT_U, IOP_BR_I32_GT_S, IOP_BR_I32_GT_U,
                                      IOP_BR_I32_LE_S, IOP_BR_I32_LE_U, IOP_BR_I32_GE_S,
                                      IOP_BR_I32_GE_U};
static const IopCode br_i32_imm[N_CMP] = {
    IOP_BR_I32_EQ_IMM, IOP_BR_I32_NE_IMM, IOP_BR_I32_LT_S_IMM, IOP_BR_I32_LT_U_IMM,
    IOP_BR_I32_GT_S_IMM, IOP_BR_I32_GT_U_IMM, IOP_BR_I32_LE_S_IMM, IOP_BR_I32_LE_U_IMM,
    IOP_BR_I32_GE_S_IMM, IOP_BR_I32_GE_U_IMM};
static const IopCode br_i64[N_CMP] = {IOP_BR_I64_EQ, IOP_BR_I64_NE, IOP_BR_I64_LT_S,
                                      IOP_BR_I64_LT_U, IOP_BR_I64_GT_S, IOP_BR_I64_GT_U,
                                      IOP_BR_I64_LE_S, IOP_BR_I64_LE_U, IOP_BR_I64_GE_S,
                                      IOP_BR_I64_GE_U};
/* The negation of each compare (integers only: no NaN). */
static const uint8_t cmp_inverse[N_CMP] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};

static int cmp_index(const IopCode *group, IopCode op)
{
    for (int k = 0; k < N_CMP; k++)
        if (group[k] == op)
            return k;
    return -1;
}

/* The branch testing compare cmp (or its negation), IOP_COUNT if none. */
static IopCode branch_form(IopCode cmp, bool when_true)
{
    static const struct {
        const IopCode *cmps, *branches;
    } groups[] = {{cmp_i32, br_i32}, {cmp_i32_imm, br_i32_imm}, {cmp_i64, br_i64}};
    if (cmp == IOP_I32_EQZ)
        return when_true ? IOP_BR_IF_NOT : IOP_BR_IF;
    if (cmp == IOP_I64_EQZ)
        return when_true ? IOP_BR_I64_EQZ : IOP_BR_I64_NEZ;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        int k = cmp_index(groups[g].cmps, cmp);
        if (k >= 0)
            return groups[g].branches[when_true ? k : cmp_inverse[k]];
    }
    return IOP_COUNT;
}

/* Pops the i32 condition of br_if/if. When the compare that produced it is
 * the last instruction emitted, it is taken back out of the code and the
 * branch will perform it. */
static bool pop_condition(Translator *t, Condition *out)
{
    bool fusable = t->fold_word != NO_POS && t->fold_height == t->height &&
                   t->height > top_ctrl(t)->height && !t->stack[t->height - 1].is_const &&
                   t->stack[t->height - 1].slot == home(t, t->height - 1) && !is_dead(t) &&
                   branch_form(t->fold_op, true) != IOP_COUNT;
    Entry e;
    if (!pop_expect(t, VT_I32, &e))
        return false;
    out->cmp = IOP_COUNT;
    out->slot = e.slot;
    out->b = 0;
    if (fusable) {
        uint32_t at = t->fold_word - 1; /* the compare's first word */
        out->cmp = t->fold_op;
        out->slot = t->code[at + 2];
        if (t->fold_op != IOP_I32_EQZ && t->fold_op != IOP_I64_EQZ)
            out->b = t->code[at + 3];
        t->code_len = at;
        forget_fusions(t);
    }
    return true;
}

/* Emits a branch taken when the condition holds (or, !when_true, when it
 * does not). Returns the instruction's position; *out_word is its target
 * word, left for the caller to fill. */
static uint32_t emit_cond_branch(Translator *t, const Condition *c, bool when_true,
                                 uint32_t *out_word)
{
    IopCode op = c->cmp == IOP_COUNT ? (when_true ? IOP_BR_IF : IOP_BR_IF_NOT)
                                     : branch_form(c->cmp, when_true);
    bool two = c->cmp != IOP_COUNT && c->cmp != IOP_I32_EQZ && c->cmp != IOP_I64_EQZ;
    uint32_t pos = emit_op(t, op);
    emit_word(t, c->slot);
    if (two)
        emit_word(t, c->b);
    *out_word = t->code_len;
    emit_word(t, 0);
    return pos;
}

/* ------------------------------------------------------------------ */
/* control instructions                                                 */
/* ------------------------------------------------------------------ */

static bool op_block(Translator *t, uint8_t kind)
{
    /* A loop's label is here, where paths merge; a block's and an if's are
     * at their else/end, which stop the tracking themselves. */
    if (kind == CTRL_LOOP)
        t->zero_tracking = false;
    BlockType bt;
    Condition cond;
    t->unclosed_blocks = 1; /* until its frame is pushed */
    if (!read_block_type(t, &bt))
        return false;
    if (kind == CTRL_IF && !pop_condition(t, &cond))
        return false;
    if (!check_params(t, &bt))
        return false;
    bool dead = is_dead(t);
    canonicalize_all(t);
    if (!push_ctrl(t, kind, &bt))
        return false;
    t->unclosed_blocks = 0;
    Ctrl *c = top_ctrl(t);
    c->emit_dead = dead;
    forget_fusions(t);
    if (kind != CTRL_IF || dead)
        return true;
    uint32_t n = bt_n_params(&bt);
    if (n) {
        /* The then arm may overwrite the params' slots; the else arm needs
         * them, so they are saved to spill slots first. */
        c->spill_base = t->n_spill;
        t->n_spill += n;
        for (uint32_t i = 0; i < n; i++) {
            emit_op(t, IOP_MOV);
            emit_spill_word(t, c->spill_base + i);
            emit_word(t, home(t, c->height + i));
        }
    }
    c->else_patch = emit_cond_branch(t, &cond, false, &c->else_word);
    return true;
}

/* Checks the block's results are exactly on the stack, and moves them home.
 * They are popped afterwards; their entries stay in the array, now home. */
static bool check_block_end(Translator *t, Ctrl *c)
{
    uint32_t n = bt_n_results(&c->bt);
    for (uint32_t i = n; i-- > 0;)
        if (!pop_type(t, bt_result(&c->bt, i)))
            return false;
    if (t->height != c->height)
        return fail(t, "type mismatch: values remaining on the stack at end of block");
    if (c->unreachable)
        return true;
    for (uint32_t i = 0; i < n; i++) {
        Entry *e = &t->stack[c->height + i];
        emit_mov(t, home(t, c->height + i), e->slot);
        e->slot = home(t, c->height + i);
    }
    return true;
}

static bool op_else(Translator *t)
{
    t->zero_tracking = false;
    Ctrl *c = top_ctrl(t);
    if (c->kind != CTRL_IF)
        return fail(t, "else without matching if");
    if (!check_block_end(t, c))
        return false;
    uint32_t pos = emit_op(t, IOP_BR);
    add_patch(t, c, pos, t->code_len);
    emit_word(t, 0);
    c->kind = CTRL_ELSE;
    c->unreachable = false;
    forget_fusions(t);
    if (c->else_patch != NO_POS) {
        t->code[c->else_word] = t->code_len - c->else_patch;
        c->else_patch = NO_POS;
    }
    uint32_t n = bt_n_params(&c->bt);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t slot = push(t, bt_param(&c->bt, i));
        emit_op(t, IOP_MOV);
        emit_word(t, slot);
        emit_spill_word(t, c->spill_base + i);
    }
    return true;
}

static bool op_end(Translator *t)
{
    t->zero_tracking = false;
    Ctrl *c = top_ctrl(t);
    if (!check_block_end(t, c))
        return false;
    if (c->kind == CTRL_FUNC) {
        /* check_block_end left the results home, at heights 0..n-1 */
        for (uint32_t i = 0; i < bt_n_results(&c->bt); i++)
            emit_mov(t, i, home(t, i));
        emit_op(t, IOP_RETURN);
        t->n_ctrls--;
        return true;
    }
    if (c->kind == CTRL_IF) {
        /* No else arm: the false path passes the params through. */
        uint32_t n = bt_n_params(&c->bt);
        if (n != bt_n_results(&c->bt))
            return fail(t, "type mismatch: if without else must not change the stack");
        for (uint32_t i = 0; i < n; i++)
            if (bt_param(&c->bt, i) != bt_result(&c->bt, i))
                return fail(t, "type mismatch: if without else must not change the stack");
    }
    forget_fusions(t);
    if (c->else_patch != NO_POS)
        t->code[c->else_word] = t->code_len - c->else_patch;
    resolve_patches(t, c, t->code_len);
    BlockType bt = c->bt;
    t->n_ctrls--;
    for (uint32_t i = 0; i < bt_n_results(&bt); i++)
        push(t, bt_result(&bt, i));
    return true;
}

static bool op_br(Translator *t)
{
    uint32_t depth;
    if (!rd_u32(&t->r, &depth))
        return fail_read(t);
    Ctrl *c = label_at(t, depth);
    if (!c || !check_label_operands(t, c))
        return false;
    if (!is_dead(t))
        emit_branch(t, c, t->height - label_arity(c));
    set_unreachable(t);
    return true;
}

/* Pops the label's operand types and pushes them back (as the label's
 * types, with their slots unchanged), as br_if's typing requires. */
static bool repush_label_operands(Translator *t, const Ctrl *c)
{
    uint32_t n = label_arity(c);
    Entry saved[8];
    Entry *tmp = n <= 8 ? saved : mem_alloc(n * sizeof(Entry));
    if (!tmp)
        return fail(t, "allocate memory failed");
    bool ok = true;
    for (uint32_t i = n; ok && i-- > 0;)
        ok = pop_expect(t, label_type(c, i), &tmp[i]);
    for (uint32_t i = 0; ok && i < n; i++)
        ok = push_entry(t, label_type(c, i), tmp[i].slot);
    if (tmp != saved)
        mem_free(tmp);
    return ok;
}

static bool op_br_if(Translator *t)
{
    uint32_t depth, word;
    Condition cond;
    if (!rd_u32(&t->r, &depth))
        return fail_read(t);
    Ctrl *c = label_at(t, depth);
    if (!c || !pop_condition(t, &cond) || !repush_label_operands(t, c))
        return false;
    forget_fusions(t);
    if (is_dead(t))
        return true;
    uint32_t src = t->height - label_arity(c);
    bool moves = label_needs_moves(t, c, src);
    if (c->kind == CTRL_LOOP && !moves && cond.cmp == IOP_COUNT) {
        uint32_t pos = emit_op(t, IOP_LOOP_BR_IF);
        emit_word(t, cond.slot);
        emit_word(t, c->start_pos - pos);
    } else if (c->kind == CTRL_LOOP && !moves) {
        /* Backward: the branch must check the interrupt flag. The fused
         * compare-branches do when their target is behind them; the two
         * plain tests have loop forms of their own. */
        uint32_t pos = emit_cond_branch(t, &cond, true, &word);
        if (!t->failed && t->code[pos] == interp_handler_word(IOP_BR_IF_NOT))
            t->code[pos] = interp_handler_word(IOP_LOOP_BR_IF_NOT);
        if (!t->failed && t->code[pos] == interp_handler_word(IOP_BR_IF))
            t->code[pos] = interp_handler_word(IOP_LOOP_BR_IF);
        if (!t->failed)
            t->code[word] = c->start_pos - pos;
    } else if (c->kind != CTRL_FUNC && c->kind != CTRL_LOOP && !moves) {
        uint32_t pos = emit_cond_branch(t, &cond, true, &word);
        add_patch(t, c, pos, word);
    } else {
        uint32_t skip = emit_cond_branch(t, &cond, false, &word);
        emit_branch(t, c, src);
        if (!t->failed)
            t->code[word] = t->code_len - skip;
    }
    forget_fusions(t);
    return true;
}

/* br_table l* l_default: arms needing moves (or reaching a loop, which must
 * check the interrupt flag, or the function, which returns) jump to a stub
 * emitted after the table. */
static bool op_br_table(Translator *t)
{
    uint32_t count, depth;
    Entry index;
    if (!rd_u32(&t->r, &count))
        return fail_read(t);
    if (count > rd_remaining(&t->r))
        return fail_read(t);
    uint32_t *depths = mem_alloc(((size_t)count + 1) * sizeof(uint32_t));
    if (!depths)
        return fail(t, "allocate memory failed");
    for (uint32_t i = 0; i <= count; i++) {
        if (!rd_u32(&t->r, &depth)) {
            mem_free(depths);
            return fail_read(t);
        }
        depths[i] = depth;
    }
    bool ok = pop_expect(t, VT_I32, &index);
    Ctrl *dflt = ok ? label_at(t, depths[count]) : NULL;
    ok = dflt != NULL;
    for (uint32_t i = 0; ok && i <= count; i++) {
        Ctrl *c = label_at(t, depths[i]);
        ok = c && (label_arity(c) == label_arity(dflt) ||
                   fail(t, "type mismatch: br_table labels differ in arity")) &&
             check_label_operands(t, c);
    }
    if (ok && !is_dead(t)) {
        uint32_t n = label_arity(dflt);
        uint32_t src = t->height - n;
        uint32_t pos = emit_op(t, IOP_BR_TABLE);
        emit_word(t, index.slot);
        emit_word(t, count);
        uint32_t table = t->code_len;
        for (uint32_t i = 0; i <= count; i++)
            emit_word(t, 0);
        for (uint32_t i = 0; i <= count && !t->failed; i++) {
            Ctrl *c = label_at(t, depths[i]);
            if (c->kind == CTRL_BLOCK || c->kind == CTRL_IF || c->kind == CTRL_ELSE) {
                if (!label_needs_moves(t, c, src)) {
                    add_patch(t, c, pos, table + i);
                    continue;
                }
            }
            t->code[table + i] = t->code_len - pos;
            emit_branch(t, c, src);
        }
    }
    mem_free(depths);
    if (ok)
        set_unreachable(t);
    return ok;
}

static bool op_return(Translator *t)
{
    Ctrl *fc = &t->ctrls[0];
    if (!check_label_operands(t, fc))
        return false;
    if (!is_dead(t))
        emit_return_from(t, t->height - t->f->type->n_results);
    set_unreachable(t);
    return true;
}

/* Pops a call's arguments, moves them home and returns their base height. */
static bool pop_call_args(Translator *t, const FuncType *ft, uint32_t *out_base)
{
    for (uint32_t i = ft->n_params; i-- > 0;)
        if (!pop_type(t, ft_params(ft)[i]))
            return false;
    uint32_t base = t->height;
    /* The popped entries are still in the array: move them home in place. */
    for (uint32_t i = 0; i < ft->n_params; i++) {
        uint32_t h = base + i;
        if (h < t->stack_cap && t->stack[h].slot != home(t, h) && !is_dead(t))
            emit_mov(t, home(t, h), t->stack[h].slot);
    }
    *out_base = base;
    return true;
}

static bool push_results(Translator *t, const FuncType *ft)
{
    for (uint32_t i = 0; i < ft->n_results; i++)
        push(t, ft_results(ft)[i]);
    return !t->failed;
}

/* A call's frame must fit its params and results at the argument base. */
static void reserve_call_area(Translator *t, uint32_t base, const FuncType *ft)
{
    uint32_t need = base + (ft->n_params > ft->n_results ? ft->n_params : ft->n_results);
    if (need > t->max_height)
        t->max_height = need;
}

static bool op_call(Translator *t)
{
    uint32_t fidx, base;
    WasmModule *m = t->m;
    if (!rd_u32(&t->r, &fidx))
        return fail_read(t);
    if (fidx >= m->n_func_imports + m->n_funcs)
        return fail_index(t, "unknown function", fidx);
    const FuncType *ft = ld_func_type(m, fidx);
    if (!pop_call_args(t, ft, &base))
        return false;
    reserve_call_area(t, base, ft);
    if (!is_dead(t)) {
        bool local = fidx >= m->n_func_imports;
        emit_op(t, local ? IOP_CALL : IOP_CALL_IMPORT);
        emit_word(t, local ? fidx - m->n_func_imports : fidx);
        emit_word(t, home(t, base));
    }
    return push_results(t, ft);
}

/* call_indirect -> typeidx:u32 tableidx:u32 */
static bool op_call_indirect(Translator *t)
{
    uint32_t tidx, table, base;
    Entry index;
    WasmModule *m = t->m;
    if (!rd_u32(&t->r, &tidx) || !rd_u32(&t->r, &table))
        return fail_read(t);
    if (table >= m->n_tables)
        return fail_index(t, "unknown table", table);
    if (tidx >= m->n_types)
        return fail(t, "unknown type");
    if (m->table_types[table].elem_type != VT_FUNCREF)
        return fail(t, "type mismatch: call_indirect needs a funcref table");
    const FuncType *ft = &m->types[tidx];
    if (!pop_expect(t, VT_I32, &index) || !pop_call_args(t, ft, &base))
        return false;
    reserve_call_area(t, base, ft);
    if (!is_dead(t)) {
        emit_op(t, IOP_CALL_INDIRECT);
        emit_word(t, tidx);
        emit_word(t, table);
        emit_word(t, index.slot);
        emit_word(t, home(t, base));
    }
    return push_results(t, ft);
}

/* ------------------------------------------------------------------ */
/* value producers                                                      */
/* ------------------------------------------------------------------ */

/* Emits op with a fresh destination for a result of type rt, followed by
 * nothing yet: the caller appends the remaining operands. The destination
 * word is remembered so a following local.set can retarget it. */
static void emit_producer(Translator *t, IopCode op, uint8_t rt)
{
    uint32_t dst = push(t, rt);
    if (is_dead(t))
        return;
    emit_op(t, op);
    t->fold_word = t->code_len;
    t->fold_height = t->height;
    t->fold_op = op;
    emit_word(t, dst);
}

static bool op_unary(Translator *t, IopCode op, uint8_t in, uint8_t out)
{
    Entry a;
    if (!pop_expect(t, in, &a))
        return false;
    emit_producer(t, op, out);
    if (!is_dead(t))
        emit_word(t, a.slot);
    return !t->failed;
}

/* ---- immediate operands ---- */

/* The immediate form of op with constant right operand v, if there is one:
 * *out_imm is the immediate word. Subtraction becomes addition of -v, a
 * right rotation a left one; i64 immediates must fit a sign-extended i32. */
static bool imm_form(IopCode op, uint64_t v, IopCode *out_op, uint32_t *out_imm)
{
    static const struct {
        IopCode op, imm_op;
    } same[] = {
        {IOP_I32_ADD, IOP_I32_ADD_IMM}, {IOP_I32_MUL, IOP_I32_MUL_IMM},
        {IOP_I32_AND, IOP_I32_AND_IMM}, {IOP_I32_OR, IOP_I32_OR_IMM},
        {IOP_I32_XOR, IOP_I32_XOR_IMM}, {IOP_I32_EQ, IOP_I32_EQ_IMM},
        {IOP_I32_NE, IOP_I32_NE_IMM}, {IOP_I32_LT_S, IOP_I32_LT_S_IMM},
        {IOP_I32_LT_U, IOP_I32_LT_U_IMM}, {IOP_I32_GT_S, IOP_I32_GT_S_IMM},
        {IOP_I32_GT_U, IOP_I32_GT_U_IMM}, {IOP_I32_LE_S, IOP_I32_LE_S_IMM},
        {IOP_I32_LE_U, IOP_I32_LE_U_IMM}, {IOP_I32_GE_S, IOP_I32_GE_S_IMM},
        {IOP_I32_GE_U, IOP_I32_GE_U_IMM}, {IOP_I64_ADD, IOP_I64_ADD_IMM},
        {IOP_I64_AND, IOP_I64_AND_IMM}, {IOP_I64_OR, IOP_I64_OR_IMM},
        {IOP_I64_XOR, IOP_I64_XOR_IMM}, {IOP_I64_EQ, IOP_I64_EQ_IMM},
        {IOP_I64_NE, IOP_I64_NE_IMM}, {IOP_I64_LT_S, IOP_I64_LT_S_IMM},
        {IOP_I64_LT_U, IOP_I64_LT_U_IMM}, {IOP_I64_GT_S, IOP_I64_GT_S_IMM},
        {IOP_I64_GT_U, IOP_I64_GT_U_IMM}, {IOP_I64_LE_S, IOP_I64_LE_S_IMM},
        {IOP_I64_LE_U, IOP_I64_LE_U_IMM}, {IOP_I64_GE_S, IOP_I64_GE_S_IMM},
        {IOP_I64_GE_U, IOP_I64_GE_U_IMM},
    };
    bool is64 = op >= IOP_I64_EQZ && op <= IOP_I64_ROTR;

    switch (op) {
    case IOP_I32_SUB: *out_op = IOP_I32_ADD_IMM; *out_imm = (uint32_t)-v; return true;
    case IOP_I32_SHL: *out_op = IOP_I32_SHL_IMM; *out_imm = v & 31; return true;
    case IOP_I32_SHR_S: *out_op = IOP_I32_SHR_S_IMM; *out_imm = v & 31; return true;
    case IOP_I32_SHR_U: *out_op = IOP_I32_SHR_U_IMM; *out_imm = v & 31; return true;
    case IOP_I32_ROTL: *out_op = IOP_I32_ROTL_IMM; *out_imm = v & 31; return true;
    case IOP_I32_ROTR: *out_op = IOP_I32_ROTL_IMM; *out_imm = (32 - (v & 31)) & 31; return true;
    case IOP_I64_SHL: *out_op = IOP_I64_SHL_IMM; *out_imm = v & 63; return true;
    case IOP_I64_SHR_S: *out_op = IOP_I64_SHR_S_IMM; *out_imm = v & 63; return true;
    case IOP_I64_SHR_U: *out_op = IOP_I64_SHR_U_IMM; *out_imm = v & 63; return true;
    case IOP_I64_ROTL: *out_op = IOP_I64_ROTL_IMM; *out_imm = v & 63; return true;
    case IOP_I64_ROTR: *out_op = IOP_I64_ROTL_IMM; *out_imm = (64 - (v & 63)) & 63; return true;
    case IOP_I64_SUB:
        v = (uint64_t)-v;
        op = IOP_I64_ADD;
        break;
    default: break;
    }
    if (is64 && (int64_t)v != (int64_t)(int32_t)(uint32_t)v)
        return false;
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        if (same[i].op == op) {
            *out_op = same[i].imm_op;
            *out_imm = (uint32_t)v;
            return true;
        }
    }
    return false;
}

/* op with its operands swapped (for a constant on the left), if valid. */
static bool swapped_form(IopCode op, IopCode *out)
{
    static const IopCode pairs[][2] = {
        {IOP_I32_ADD, IOP_I32_ADD}, {IOP_I32_MUL, IOP_I32_MUL}, {IOP_I32_AND, IOP_I32_AND},
        {IOP_I32_OR, IOP_I32_OR}, {IOP_I32_XOR, IOP_I32_XOR}, {IOP_I32_EQ, IOP_I32_EQ},
        {IOP_I32_NE, IOP_I32_NE}, {IOP_I32_LT_S, IOP_I32_GT_S}, {IOP_I32_GT_S, IOP_I32_LT_S},
        {IOP_I32_LT_U, IOP_I32_GT_U}, {IOP_I32_GT_U, IOP_I32_LT_U}, {IOP_I32_LE_S, IOP_I32_GE_S},
        {IOP_I32_GE_S, IOP_I32_LE_S}, {IOP_I32_LE_U, IOP_I32_GE_U}, {IOP_I32_GE_U, IOP_I32_LE_U},
        {IOP_I64_ADD, IOP_I64_ADD}, {IOP_I64_AND, IOP_I64_AND}, {IOP_I64_OR, IOP_I64_OR},
        {IOP_I64_XOR, IOP_I64_XOR}, {IOP_I64_EQ, IOP_I64_EQ}, {IOP_I64_NE, IOP_I64_NE},
        {IOP_I64_LT_S, IOP_I64_GT_S}, {IOP_I64_GT_S, IOP_I64_LT_S},
        {IOP_I64_LT_U, IOP_I64_GT_U}, {IOP_I64_GT_U, IOP_I64_LT_U},
        {IOP_I64_LE_S, IOP_I64_GE_S}, {IOP_I64_GE_S, IOP_I64_LE_S},
        {IOP_I64_LE_U, IOP_I64_GE_U}, {IOP_I64_GE_U, IOP_I64_LE_U},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (pairs[i][0] == op) {
            *out = pairs[i][1];
            return true;
        }
    }
    return false;
}

static bool emit_binary_imm(Translator *t, IopCode op, uint8_t out, Entry *reg, uint32_t imm)
{
    materialize(t, reg);
    emit_producer(t, op, out);
    if (!is_dead(t)) {
        emit_word(t, reg->slot);
        emit_word(t, imm);
    }
    return !t->failed;
}

/* ---- a load feeding arithmetic: the arithmetic reads memory itself ---- */

static IopCode mem_form(IopCode op)
{
    static const IopCode forms[][2] = {
        {IOP_F64_ADD, IOP_F64_ADD_MEM}, {IOP_F64_SUB, IOP_F64_SUB_MEM},
        {IOP_F64_MUL, IOP_F64_MUL_MEM}, {IOP_F32_ADD, IOP_F32_ADD_MEM},
        {IOP_F32_SUB, IOP_F32_SUB_MEM}, {IOP_F32_MUL, IOP_F32_MUL_MEM},
        {IOP_I32_ADD, IOP_I32_ADD_MEM}, {IOP_I64_ADD, IOP_I64_ADD_MEM},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (forms[i][0] == op)
            return forms[i][1];
    return IOP_COUNT;
}

/* When e is the result of the load emitted just before (no instruction and
 * no label since), takes the load back and returns its address operands:
 * base slot, address immediate (0 for a plain load) and offset. Only loads
 * of the op's width: i32/f32 ops need a 4-byte load, i64/f64 an 8-byte one. */
static bool take_load(Translator *t, const Entry *e, IopCode op, uint32_t out_addr[3])
{
    uint32_t d = t->fold_word;
    bool wide = op == IOP_F64_ADD || op == IOP_F64_SUB || op == IOP_F64_MUL || op == IOP_I64_ADD;
    IopCode plain = wide ? IOP_I64_LOAD : IOP_I32_LOAD, added = wide ? IOP_I64_LOAD_ADD : IOP_I32_LOAD_ADD;
    if (d == NO_POS || e->is_const || e->slot < t->n_locals || is_dead(t) || t->code[d] != e->slot)
        return false;
    if (t->fold_op == plain && t->code_len == d + 3) {
        out_addr[0] = t->code[d + 1];
        out_addr[1] = 0;
        out_addr[2] = t->code[d + 2];
    } else if (t->fold_op == added && t->code_len == d + 4) {
        out_addr[0] = t->code[d + 1];
        out_addr[1] = t->code[d + 2];
        out_addr[2] = t->code[d + 3];
    } else {
        return false;
    }
    t->code_len = d - 1;
    forget_fusions(t);
    return true;
}

static bool emit_binary_mem(Translator *t, IopCode op, uint8_t out, Entry *reg,
                            const uint32_t addr[3])
{
    materialize(t, reg);
    emit_producer(t, mem_form(op), out);
    emit_word(t, reg->slot);
    emit_word(t, addr[0]);
    emit_word(t, addr[1]);
    emit_word(t, addr[2]);
    return !t->failed;
}

/* When e is the result of the `i32.shl` by an immediate emitted just before
 * (no instruction and no label since), takes it back: *out_x << *out_k. */
static bool take_shift(Translator *t, const Entry *e, uint32_t *out_x, uint32_t *out_k)
{
    uint32_t d = t->fold_word;
    if (d == NO_POS || t->fold_op != IOP_I32_SHL_IMM || t->code_len != d + 3 || e->is_const ||
        e->slot < t->n_locals || t->code[d] != e->slot || is_dead(t))
        return false;
    *out_x = t->code[d + 1];
    *out_k = t->code[d + 2];
    t->code_len = d - 1;
    forget_fusions(t);
    return true;
}

/* a + (x << k): one instruction for C's array indexing. */
static bool emit_add_shl(Translator *t, Entry *a, uint32_t x, uint32_t k)
{
    materialize(t, a);
    emit_producer(t, IOP_I32_ADD_SHL, VT_I32);
    emit_word(t, a->slot);
    emit_word(t, x);
    emit_word(t, k);
    return !t->failed;
}

static bool op_binary(Translator *t, IopCode op, uint8_t in, uint8_t out)
{
    Entry a, b;
    IopCode imm_op, swapped;
    uint32_t imm, addr[3], x, k;

    if (!pop_operand(t, in, &b) || !pop_operand(t, in, &a))
        return false;
    if (op == IOP_I32_ADD && !a.is_const && take_shift(t, &b, &x, &k))
        return emit_add_shl(t, &a, x, k);
    if (op == IOP_I32_ADD && !b.is_const && b.slot < t->n_locals && take_shift(t, &a, &x, &k))
        return emit_add_shl(t, &b, x, k);
    if (mem_form(op) != IOP_COUNT) {
        if (take_load(t, &b, op, addr))
            return emit_binary_mem(t, op, out, &a, addr);
        /* the load on the left: only where the operands commute */
        if (op != IOP_F64_SUB && op != IOP_F32_SUB && !b.is_const && b.slot < t->n_locals &&
            take_load(t, &a, op, addr))
            return emit_binary_mem(t, op, out, &b, addr);
    }
    if (b.is_const && imm_form(op, b.value, &imm_op, &imm))
        return emit_binary_imm(t, imm_op, out, &a, imm);
    if (a.is_const && !b.is_const && swapped_form(op, &swapped) &&
        imm_form(swapped, a.value, &imm_op, &imm))
        return emit_binary_imm(t, imm_op, out, &b, imm);
    materialize(t, &a);
    materialize(t, &b);
    emit_producer(t, op, out);
    if (!is_dead(t)) {
        emit_word(t, a.slot);
        emit_word(t, b.slot);
    }
    return !t->failed;
}

static bool op_const32(Translator *t, uint8_t type, uint32_t bits)
{
    return push_const(t, type, bits);
}

static bool op_const64(Translator *t, uint8_t type, uint64_t bits)
{
    return push_const(t, type, bits);
}

/* ------------------------------------------------------------------ */
/* locals and globals                                                   */
/* ------------------------------------------------------------------ */

static bool read_local(Translator *t, uint32_t *out)
{
    if (!rd_u32(&t->r, out))
        return fail_read(t);
    if (*out >= t->n_locals)
        return fail_index(t, "unknown local", *out);
    return true;
}

static bool op_local_get(Translator *t)
{
    uint32_t x;
    if (!read_local(t, &x))
        return false;
    return push_entry(t, t->local_types[x], x);
}

/* Can the value on top be produced straight into local x? */
static bool can_fold_into(Translator *t, uint32_t x)
{
    return t->fold_word != NO_POS && t->fold_height == t->height &&
           !t->stack[t->height - 1].is_const &&
           t->stack[t->height - 1].slot == home(t, t->height - 1) && t->local_refs[x] == 0 &&
           !is_dead(t);
}

static bool op_local_set(Translator *t, bool tee)
{
    uint32_t x;
    Entry e;
    if (!read_local(t, &x))
        return false;
    bool was_zero = t->zero_tracking && t->zero_locals[x];
    t->zero_locals[x] = 0;
    if (can_fold_into(t, x)) {
        if (t->stack[t->height - 1].type != t->local_types[x])
            return fail_type(t, t->local_types[x], t->stack[t->height - 1].type);
        t->code[t->fold_word] = x;
        forget_fusions(t);
        t->height--;
        if (tee)
            push_entry(t, t->local_types[x], x);
        return !t->failed;
    }
    if (!pop_operand(t, t->local_types[x], &e))
        return false;
    if (was_zero && e.is_const && e.value == 0) {
        t->zero_locals[x] = 1; /* it already holds this zero */
        if (tee)
            push_const(t, e.type, e.value);
        return !t->failed;
    }
    preserve_local(t, x);
    emit_value_to(t, x, &e);
    forget_fusions(t);
    if (tee && e.is_const)
        push_const(t, e.type, e.value);
    else if (tee)
        push_entry(t, t->local_types[x], e.slot);
    return !t->failed;
}

static bool op_global_get(Translator *t)
{
    uint32_t g;
    if (!rd_u32(&t->r, &g))
        return fail_read(t);
    if (g >= t->m->n_globals)
        return fail_index(t, "unknown global", g);
    emit_producer(t, IOP_GLOBAL_GET, t->m->global_types[g].val_type);
    if (!is_dead(t))
        emit_word(t, g);
    return !t->failed;
}

/* Which global is the shadow-stack pointer (see module.h), decided once. */
static int32_t aux_stack_global(WasmModule *m)
{
    if (m->aux_stack_known)
        return m->aux_stack_global;
    m->aux_stack_known = true;
    m->aux_stack_global = -1;
    bool exports_layout = false;
    for (uint32_t i = 0; i < m->n_exports; i++)
        if (m->exports[i].kind == EXT_GLOBAL && (!strcmp(m->exports[i].name, "__heap_base") ||
                                                 !strcmp(m->exports[i].name, "__data_end")))
            exports_layout = true;
    if (exports_layout && m->n_global_imports == 0 && m->n_globals > 0 &&
        m->global_types[0].is_mutable && m->global_types[0].val_type == VT_I32)
        m->aux_stack_global = 0;
    return m->aux_stack_global;
}

static bool op_global_set(Translator *t)
{
    uint32_t g;
    Entry e;
    if (!rd_u32(&t->r, &g))
        return fail_read(t);
    if (g >= t->m->n_globals)
        return fail_index(t, "unknown global", g);
    if (!t->m->global_types[g].is_mutable)
        return fail(t, "global is immutable");
    if (!pop_expect(t, t->m->global_types[g].val_type, &e))
        return false;
    if (!is_dead(t)) {
        bool sp = (int32_t)g == aux_stack_global(t->m);
        emit_op(t, sp ? IOP_GLOBAL_SET_SP : IOP_GLOBAL_SET);
        emit_word(t, e.slot);
        emit_word(t, g);
    }
    return true;
}

/* select, select t* -> the typed form carries a vector of one value type */
static bool op_select(Translator *t, bool typed)
{
    Entry cond, a, b;
    uint8_t want = VT_UNKNOWN;
    if (typed) {
        uint32_t n;
        const uint8_t *types;
        if (!rd_u32(&t->r, &n) || !rd_bytes(&t->r, n, &types))
            return fail_read(t);
        for (uint32_t i = 0; i < n; i++)
            if (!is_value_type(types[i]))
                return fail_malformed(t, "malformed value type");
        if (n != 1)
            return fail(t, "invalid result arity");
        want = types[0];
    }
    if (!pop_expect(t, VT_I32, &cond) || !pop_expect(t, want, &b) || !pop_expect(t, want, &a))
        return false;
    uint8_t type = want;
    if (!typed) {
        if (vt_is_ref(a.type) || vt_is_ref(b.type) || a.type == VT_V128 || b.type == VT_V128)
            return fail(t, "type mismatch: select needs numeric operands");
        if (a.type != b.type && a.type != VT_UNKNOWN && b.type != VT_UNKNOWN)
            return fail_type(t, a.type, b.type);
        type = a.type != VT_UNKNOWN ? a.type : b.type;
    }
    emit_producer(t, IOP_SELECT, type);
    if (!is_dead(t)) {
        emit_word(t, a.slot);
        emit_word(t, b.slot);
        emit_word(t, cond.slot);
    }
    return !t->failed;
}

/* ------------------------------------------------------------------ */
/* memory                                                               */
/* ------------------------------------------------------------------ */

/* memarg -> align:u32 offset:u32 */
static bool read_memarg(Translator *t, uint32_t max_align, uint32_t *out_offset)
{
    uint32_t align;
    if (!rd_u32(&t->r, &align) || !rd_u32(&t->r, out_offset))
        return fail_read(t);
    if (t->m->n_memories == 0)
        return fail_index(t, "unknown memory", 0);
    if (align > max_align)
        return fail(t, "alignment must not be larger than natural");
    return true;
}

/* The access form that also adds an address immediate, or IOP_COUNT. */
static IopCode add_form(IopCode op)
{
    static const IopCode forms[][2] = {
        {IOP_I32_LOAD, IOP_I32_LOAD_ADD}, {IOP_I64_LOAD, IOP_I64_LOAD_ADD},
        {IOP_I32_LOAD8_U, IOP_I32_LOAD8_U_ADD}, {IOP_I32_LOAD8_S, IOP_I32_LOAD8_S_ADD},
        {IOP_I32_LOAD16_U, IOP_I32_LOAD16_U_ADD}, {IOP_I32_LOAD16_S, IOP_I32_LOAD16_S_ADD},
        {IOP_I32_STORE, IOP_I32_STORE_ADD}, {IOP_I64_STORE, IOP_I64_STORE_ADD},
        {IOP_I32_STORE8, IOP_I32_STORE8_ADD}, {IOP_I32_STORE16, IOP_I32_STORE16_ADD},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (forms[i][0] == op)
            return forms[i][1];
    return IOP_COUNT;
}

/* When the address is the result of an i32.add of an immediate emitted just
 * before (no instruction and no label since), the add is taken back and
 * the access performs it, wrapping at 32 bits exactly as i32.add does. */
static bool take_address_add(Translator *t, const Entry *addr, uint32_t *out_base,
                             uint32_t *out_imm)
{
    uint32_t d = t->fold_word;
    if (d == NO_POS || t->fold_op != IOP_I32_ADD_IMM || t->code_len != d + 3 || addr->is_const ||
        addr->slot < t->n_locals || t->code[d] != addr->slot || is_dead(t))
        return false;
    *out_base = t->code[d + 1];
    *out_imm = t->code[d + 2];
    t->code_len = d - 1;
    forget_fusions(t);
    return true;
}

static bool op_load(Translator *t, IopCode op, uint8_t type, uint32_t max_align)
{
    uint32_t offset, base, imm;
    Entry addr;
    if (!read_memarg(t, max_align, &offset) || !pop_operand(t, VT_I32, &addr))
        return false;
    if (add_form(op) != IOP_COUNT && take_address_add(t, &addr, &base, &imm)) {
        emit_producer(t, add_form(op), type);
        emit_word(t, base);
        emit_word(t, imm);
        emit_word(t, offset);
        return !t->failed;
    }
    materialize(t, &addr);
    emit_producer(t, op, type);
    if (!is_dead(t)) {
        emit_word(t, addr.slot);
        emit_word(t, offset);
    }
    return !t->failed;
}

/* The store-a-constant form for a constant value that fits its immediate
 * (the i64 form sign-extends 32 bits), or IOP_COUNT. */
static IopCode store_imm_form(IopCode op, uint8_t type, const Entry *val)
{
    if (!val->is_const)
        return IOP_COUNT;
    switch (op) {
    case IOP_I32_STORE: return type == VT_I32 || type == VT_F32 ? IOP_I32_STORE_IMM : IOP_COUNT;
    case IOP_I32_STORE8: return IOP_I32_STORE8_IMM;
    case IOP_I32_STORE16: return IOP_I32_STORE16_IMM;
    case IOP_I64_STORE:
        return (int64_t)val->value == (int64_t)(int32_t)(uint32_t)val->value ? IOP_I64_STORE_IMM
                                                                            : IOP_COUNT;
    default: return IOP_COUNT;
    }
}

static bool op_store(Translator *t, IopCode op, uint8_t type, uint32_t max_align)
{
    uint32_t offset, base, imm;
    Entry addr, val;
    if (!read_memarg(t, max_align, &offset) || !pop_operand(t, type, &val) ||
        !pop_operand(t, VT_I32, &addr))
        return false;
    IopCode with_imm = store_imm_form(op, type, &val);
    if (with_imm != IOP_COUNT) {
        materialize(t, &addr);
        if (!is_dead(t)) {
            emit_op(t, with_imm);
            emit_word(t, addr.slot);
            emit_word(t, (uint32_t)val.value);
            emit_word(t, offset);
        }
        return !t->failed;
    }
    bool fused = add_form(op) != IOP_COUNT && take_address_add(t, &addr, &base, &imm);
    materialize(t, &val);
    if (fused) {
        emit_op(t, add_form(op));
        emit_word(t, base);
        emit_word(t, val.slot);
        emit_word(t, imm);
        emit_word(t, offset);
        return !t->failed;
    }
    materialize(t, &addr);
    if (!is_dead(t)) {
        emit_op(t, op);
        emit_word(t, addr.slot);
        emit_word(t, val.slot);
        emit_word(t, offset);
    }
    return true;
}

static bool read_zero_byte(Translator *t)
{
    uint8_t b;
    if (!rd_u8(&t->r, &b))
        return fail_read(t);
    if (b != 0)
        return fail_malformed(t, "zero byte expected");
    return true;
}

static bool need_memory(Translator *t)
{
    if (t->m->n_memories == 0)
        return fail_index(t, "unknown memory", 0);
    return true;
}

static bool op_memory_size_grow(Translator *t, bool grow)
{
    Entry n;
    if (!read_zero_byte(t) || !need_memory(t))
        return false;
    if (grow && !pop_expect(t, VT_I32, &n))
        return false;
    emit_producer(t, grow ? IOP_MEMORY_GROW : IOP_MEMORY_SIZE, VT_I32);
    if (grow && !is_dead(t))
        emit_word(t, n.slot);
    return !t->failed;
}

/* Pops three operands (types c, b, a from the top) and emits op A B C. */
static bool emit_three(Translator *t, IopCode op, uint8_t ta, uint8_t tb, uint8_t tc)
{
    Entry a, b, c;
    if (!pop_expect(t, tc, &c) || !pop_expect(t, tb, &b) || !pop_expect(t, ta, &a))
        return false;
    if (!is_dead(t)) {
        emit_op(t, op);
        emit_word(t, a.slot);
        emit_word(t, b.slot);
        emit_word(t, c.slot);
    }
    return true;
}

/* Without a data count section the segment count is unknown until the data
 * section, after the code: the index is recorded and judged there. */
static bool read_data_index(Translator *t, uint32_t *out)
{
    if (!rd_u32(&t->r, out))
        return fail_read(t);
    if (!t->m->has_data_count && *out >= t->m->data_refs_without_count)
        t->m->data_refs_without_count = *out + 1;
    return true;
}

static bool check_data_index(Translator *t, uint32_t seg)
{
    if (t->m->has_data_count && seg >= t->m->data_count)
        return fail_index(t, "unknown data segment", seg);
    return true;
}

static bool op_memory_init(Translator *t)
{
    uint32_t seg;
    if (!read_data_index(t, &seg) || !read_zero_byte(t) || !need_memory(t) ||
        !check_data_index(t, seg))
        return false;
    if (!emit_three(t, IOP_MEMORY_INIT, VT_I32, VT_I32, VT_I32))
        return false;
    if (!is_dead(t))
        emit_word(t, seg);
    return true;
}

static bool op_data_drop(Translator *t)
{
    uint32_t seg;
    if (!read_data_index(t, &seg) || !check_data_index(t, seg))
        return false;
    if (!is_dead(t)) {
        emit_op(t, IOP_DATA_DROP);
        emit_word(t, seg);
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* atomics (threads proposal, prefix 0xFE)                              */
/* ------------------------------------------------------------------ */

/* Accesses 0x10-0x4E come in groups of seven, always in this order. */
static const struct {
    uint8_t size;
    uint8_t type;
} atomic_shapes[7] = {{4, VT_I32}, {8, VT_I64}, {1, VT_I32}, {2, VT_I32},
                      {1, VT_I64}, {2, VT_I64}, {4, VT_I64}};

/* memarg of an atomic: the alignment must be exactly the access size. */
static bool read_atomic_memarg(Translator *t, uint32_t size, uint32_t *out_offset)
{
    uint32_t align;
    if (!rd_u32(&t->r, &align) || !rd_u32(&t->r, out_offset))
        return fail_read(t);
    if (t->m->n_memories == 0)
        return fail_index(t, "unknown memory", 0);
    if (align >= 32 || (1u << align) > size)
        return fail(t, "alignment must not be larger than natural");
    if ((1u << align) != size)
        return fail(t, "alignment must be exactly natural for atomics");
    return true;
}

/* Pops n operands of the given types (last first) into slots. */
static bool pop_slots(Translator *t, const uint8_t *types, uint32_t n, uint32_t *out_slots)
{
    Entry e;
    for (uint32_t i = n; i-- > 0;) {
        if (!pop_expect(t, types[i], &e))
            return false;
        out_slots[i] = e.slot;
    }
    return true;
}

/* One atomic access: operands `in` popped, result `out` (0: none). */
static bool emit_atomic(Translator *t, IopCode op, const uint8_t *in, uint32_t n_in, uint8_t out,
                        uint32_t offset, uint32_t info)
{
    uint32_t slots[3];
    if (!pop_slots(t, in, n_in, slots))
        return false;
    uint32_t dst = out ? push(t, out) : 0;
    if (is_dead(t))
        return !t->failed;
    emit_op(t, op);
    if (out)
        emit_word(t, dst);
    for (uint32_t i = 0; i < n_in; i++)
        emit_word(t, slots[i]);
    emit_word(t, offset);
    if (op != IOP_ATOMIC_NOTIFY)
        emit_word(t, info);
    return !t->failed;
}

static bool op_atomic_access(Translator *t, uint32_t sub)
{
    uint32_t group = (sub - 0x10) / 7, shape = (sub - 0x10) % 7, offset;
    uint8_t size = atomic_shapes[shape].size, vt = atomic_shapes[shape].type;
    uint32_t info = size | (uint32_t)(vt == VT_I64) << 8;
    const uint8_t addr_val[3] = {VT_I32, vt, vt};

    if (!read_atomic_memarg(t, size, &offset))
        return false;
    if (group == 0)
        return emit_atomic(t, IOP_ATOMIC_LOAD, addr_val, 1, vt, offset, info);
    if (group == 1)
        return emit_atomic(t, IOP_ATOMIC_STORE, addr_val, 2, 0, offset, info);
    if (group == 8)
        return emit_atomic(t, IOP_ATOMIC_CMPXCHG, addr_val, 3, vt, offset, info);
    /* groups 2..7: add sub and or xor xchg, in ATOMIC_* order */
    return emit_atomic(t, IOP_ATOMIC_RMW, addr_val, 2, vt, offset, info | (group - 2) << 16);
}

static bool op_prefix_fe(Translator *t)
{
    static const uint8_t notify_in[2] = {VT_I32, VT_I32};
    static const uint8_t wait32_in[3] = {VT_I32, VT_I32, VT_I64};
    static const uint8_t wait64_in[3] = {VT_I32, VT_I64, VT_I64};
    uint32_t sub, offset;

    if (!rd_u32(&t->r, &sub))
        return fail_read(t);
    switch (sub) {
    case 0x00:
        return read_atomic_memarg(t, 4, &offset) &&
               emit_atomic(t, IOP_ATOMIC_NOTIFY, notify_in, 2, VT_I32, offset, 0);
    case 0x01:
        return read_atomic_memarg(t, 4, &offset) &&
               emit_atomic(t, IOP_ATOMIC_WAIT, wait32_in, 3, VT_I32, offset, 4);
    case 0x02:
        return read_atomic_memarg(t, 8, &offset) &&
               emit_atomic(t, IOP_ATOMIC_WAIT, wait64_in, 3, VT_I32, offset, 8);
    case 0x03:
        if (!read_zero_byte(t))
            return false;
        if (!is_dead(t))
            emit_op(t, IOP_ATOMIC_FENCE);
        return true;
    default:
        if (sub >= 0x10 && sub <= 0x4E)
            return op_atomic_access(t, sub);
        return fail_malformed(t, "illegal opcode");
    }
}

/* ------------------------------------------------------------------ */
/* references and tables                                                */
/* ------------------------------------------------------------------ */

static bool read_table(Translator *t, uint32_t *out)
{
    if (!rd_u32(&t->r, out))
        return fail_read(t);
    if (*out >= t->m->n_tables)
        return fail_index(t, "unknown table", *out);
    return true;
}

static bool read_elem(Translator *t, uint32_t *out)
{
    if (!rd_u32(&t->r, out))
        return fail_read(t);
    if (*out >= t->m->n_elems)
        return fail_index(t, "unknown elem segment", *out);
    return true;
}

static bool op_ref_null(Translator *t)
{
    uint8_t rt;
    if (!rd_u8(&t->r, &rt))
        return fail_read(t);
    if (!vt_is_ref(rt))
        return fail_malformed(t, "malformed reference type");
    emit_producer(t, IOP_REF_NULL, rt);
    return !t->failed;
}

static bool op_ref_is_null(Translator *t)
{
    Entry a;
    if (!pop_expect(t, VT_UNKNOWN, &a))
        return false;
    if (!vt_is_ref(a.type) && a.type != VT_UNKNOWN)
        return fail(t, "type mismatch: ref.is_null needs a reference");
    emit_producer(t, IOP_REF_IS_NULL, VT_I32);
    if (!is_dead(t))
        emit_word(t, a.slot);
    return !t->failed;
}

static bool op_ref_func(Translator *t)
{
    uint32_t f;
    if (!rd_u32(&t->r, &f))
        return fail_read(t);
    if (f >= t->m->n_func_imports + t->m->n_funcs)
        return fail_index(t, "unknown function", f);
    if (!t->m->func_declared || !t->m->func_declared[f])
        return fail(t, "undeclared function reference");
    emit_producer(t, IOP_REF_FUNC, VT_FUNCREF);
    if (!is_dead(t))
        emit_word(t, f);
    return !t->failed;
}

static bool op_table_get(Translator *t)
{
    uint32_t x;
    Entry i;
    if (!read_table(t, &x) || !pop_expect(t, VT_I32, &i))
        return false;
    emit_producer(t, IOP_TABLE_GET, t->m->table_types[x].elem_type);
    if (!is_dead(t)) {
        emit_word(t, i.slot);
        emit_word(t, x);
    }
    return !t->failed;
}

static bool op_table_set(Translator *t)
{
    uint32_t x;
    Entry i, v;
    if (!read_table(t, &x) || !pop_expect(t, t->m->table_types[x].elem_type, &v) ||
        !pop_expect(t, VT_I32, &i))
        return false;
    if (!is_dead(t)) {
        emit_op(t, IOP_TABLE_SET);
        emit_word(t, i.slot);
        emit_word(t, v.slot);
        emit_word(t, x);
    }
    return true;
}

static bool op_table_size(Translator *t)
{
    uint32_t x;
    if (!read_table(t, &x))
        return false;
    emit_producer(t, IOP_TABLE_SIZE, VT_I32);
    if (!is_dead(t))
        emit_word(t, x);
    return !t->failed;
}

static bool op_table_grow(Translator *t)
{
    uint32_t x;
    Entry init, n;
    if (!read_table(t, &x) || !pop_expect(t, VT_I32, &n) ||
        !pop_expect(t, t->m->table_types[x].elem_type, &init))
        return false;
    emit_producer(t, IOP_TABLE_GROW, VT_I32);
    if (!is_dead(t)) {
        emit_word(t, init.slot);
        emit_word(t, n.slot);
        emit_word(t, x);
    }
    return !t->failed;
}

static bool op_table_fill(Translator *t)
{
    uint32_t x;
    if (!read_table(t, &x) ||
        !emit_three(t, IOP_TABLE_FILL, VT_I32, t->m->table_types[x].elem_type, VT_I32))
        return false;
    if (!is_dead(t))
        emit_word(t, x);
    return true;
}

/* table.copy -> dst:tableidx src:tableidx */
static bool op_table_copy(Translator *t)
{
    uint32_t dst, src;
    if (!read_table(t, &dst) || !read_table(t, &src))
        return false;
    if (t->m->table_types[dst].elem_type != t->m->table_types[src].elem_type)
        return fail(t, "type mismatch: table.copy between tables of different types");
    if (!emit_three(t, IOP_TABLE_COPY, VT_I32, VT_I32, VT_I32))
        return false;
    if (!is_dead(t)) {
        emit_word(t, dst);
        emit_word(t, src);
    }
    return true;
}

/* table.init -> elemidx:u32 tableidx:u32 */
static bool op_table_init(Translator *t)
{
    uint32_t seg, x;
    if (!rd_u32(&t->r, &seg))
        return fail_read(t);
    /* The table is checked before the segment, as the reference does. */
    if (!read_table(t, &x))
        return false;
    if (seg >= t->m->n_elems)
        return fail_index(t, "unknown elem segment", seg);
    if (t->m->table_types[x].elem_type != t->m->elems[seg].elem_type)
        return fail(t, "type mismatch: table.init element type");
    if (!emit_three(t, IOP_TABLE_INIT, VT_I32, VT_I32, VT_I32))
        return false;
    if (!is_dead(t)) {
        emit_word(t, x);
        emit_word(t, seg);
    }
    return true;
}

static bool op_elem_drop(Translator *t)
{
    uint32_t seg;
    if (!read_elem(t, &seg))
        return false;
    if (!is_dead(t)) {
        emit_op(t, IOP_ELEM_DROP);
        emit_word(t, seg);
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* the numeric opcode table (0x45..0xC4 and the 0xFC saturating ones)   */
/* ------------------------------------------------------------------ */

typedef struct NumOp {
    uint16_t iop;
    uint8_t arity; /* 1 or 2; 0 = not a numeric opcode */
    uint8_t in;
    uint8_t out;
} NumOp;

#define I32 VT_I32
#define I64 VT_I64
#define F32 VT_F32
#define F64 VT_F64
#define UN(op, i, o) {IOP_##op, 1, i, o}
#define BI(op, i, o) {IOP_##op, 2, i, o}
/* reinterpret: same bits, only the type changes (no code) */
#define RE(i, o) {IOP_COUNT, 1, i, o}

static const NumOp num_ops[0xC5] = {
    [0x45] = UN(I32_EQZ, I32, I32), [0x46] = BI(I32_EQ, I32, I32),
    [0x47] = BI(I32_NE, I32, I32), [0x48] = BI(I32_LT_S, I32, I32),
    [0x49] = BI(I32_LT_U, I32, I32), [0x4A] = BI(I32_GT_S, I32, I32),
    [0x4B] = BI(I32_GT_U, I32, I32), [0x4C] = BI(I32_LE_S, I32, I32),
    [0x4D] = BI(I32_LE_U, I32, I32), [0x4E] = BI(I32_GE_S, I32, I32),
    [0x4F] = BI(I32_GE_U, I32, I32),
    [0x50] = UN(I64_EQZ, I64, I32), [0x51] = BI(I64_EQ, I64, I32),
    [0x52] = BI(I64_NE, I64, I32), [0x53] = BI(I64_LT_S, I64, I32),
    [0x54] = BI(I64_LT_U, I64, I32), [0x55] = BI(I64_GT_S, I64, I32),
    [0x56] = BI(I64_GT_U, I64, I32), [0x57] = BI(I64_LE_S, I64, I32),
    [0x58] = BI(I64_LE_U, I64, I32), [0x59] = BI(I64_GE_S, I64, I32),
    [0x5A] = BI(I64_GE_U, I64, I32),
    [0x5B] = BI(F32_EQ, F32, I32), [0x5C] = BI(F32_NE, F32, I32),
    [0x5D] = BI(F32_LT, F32, I32), [0x5E] = BI(F32_GT, F32, I32),
    [0x5F] = BI(F32_LE, F32, I32), [0x60] = BI(F32_GE, F32, I32),
    [0x61] = BI(F64_EQ, F64, I32), [0x62] = BI(F64_NE, F64, I32),
    [0x63] = BI(F64_LT, F64, I32), [0x64] = BI(F64_GT, F64, I32),
    [0x65] = BI(F64_LE, F64, I32), [0x66] = BI(F64_GE, F64, I32),
    [0x67] = UN(I32_CLZ, I32, I32), [0x68] = UN(I32_CTZ, I32, I32),
    [0x69] = UN(I32_POPCNT, I32, I32),
    [0x6A] = BI(I32_ADD, I32, I32), [0x6B] = BI(I32_SUB, I32, I32),
    [0x6C] = BI(I32_MUL, I32, I32), [0x6D] = BI(I32_DIV_S, I32, I32),
    [0x6E] = BI(I32_DIV_U, I32, I32), [0x6F] = BI(I32_REM_S, I32, I32),
    [0x70] = BI(I32_REM_U, I32, I32), [0x71] = BI(I32_AND, I32, I32),
    [0x72] = BI(I32_OR, I32, I32), [0x73] = BI(I32_XOR, I32, I32),
    [0x74] = BI(I32_SHL, I32, I32), [0x75] = BI(I32_SHR_S, I32, I32),
    [0x76] = BI(I32_SHR_U, I32, I32), [0x77] = BI(I32_ROTL, I32, I32),
    [0x78] = BI(I32_ROTR, I32, I32),
    [0x79] = UN(I64_CLZ, I64, I64), [0x7A] = UN(I64_CTZ, I64, I64),
    [0x7B] = UN(I64_POPCNT, I64, I64),
    [0x7C] = BI(I64_ADD, I64, I64), [0x7D] = BI(I64_SUB, I64, I64),
    [0x7E] = BI(I64_MUL, I64, I64), [0x7F] = BI(I64_DIV_S, I64, I64),
    [0x80] = BI(I64_DIV_U, I64, I64), [0x81] = BI(I64_REM_S, I64, I64),
    [0x82] = BI(I64_REM_U, I64, I64), [0x83] = BI(I64_AND, I64, I64),
    [0x84] = BI(I64_OR, I64, I64), [0x85] = BI(I64_XOR, I64, I64),
    [0x86] = BI(I64_SHL, I64, I64), [0x87] = BI(I64_SHR_S, I64, I64),
    [0x88] = BI(I64_SHR_U, I64, I64), [0x89] = BI(I64_ROTL, I64, I64),
    [0x8A] = BI(I64_ROTR, I64, I64),
    [0x8B] = UN(F32_ABS, F32, F32), [0x8C] = UN(F32_NEG, F32, F32),
    [0x8D] = UN(F32_CEIL, F32, F32), [0x8E] = UN(F32_FLOOR, F32, F32),
    [0x8F] = UN(F32_TRUNC, F32, F32), [0x90] = UN(F32_NEAREST, F32, F32),
    [0x91] = UN(F32_SQRT, F32, F32),
    [0x92] = BI(F32_ADD, F32, F32), [0x93] = BI(F32_SUB, F32, F32),
    [0x94] = BI(F32_MUL, F32, F32), [0x95] = BI(F32_DIV, F32, F32),
    [0x96] = BI(F32_MIN, F32, F32), [0x97] = BI(F32_MAX, F32, F32),
    [0x98] = BI(F32_COPYSIGN, F32, F32),
    [0x99] = UN(F64_ABS, F64, F64), [0x9A] = UN(F64_NEG, F64, F64),
    [0x9B] = UN(F64_CEIL, F64, F64), [0x9C] = UN(F64_FLOOR, F64, F64),
    [0x9D] = UN(F64_TRUNC, F64, F64), [0x9E] = UN(F64_NEAREST, F64, F64),
    [0x9F] = UN(F64_SQRT, F64, F64),
    [0xA0] = BI(F64_ADD, F64, F64), [0xA1] = BI(F64_SUB, F64, F64),
    [0xA2] = BI(F64_MUL, F64, F64), [0xA3] = BI(F64_DIV, F64, F64),
    [0xA4] = BI(F64_MIN, F64, F64), [0xA5] = BI(F64_MAX, F64, F64),
    [0xA6] = BI(F64_COPYSIGN, F64, F64),
    [0xA7] = UN(I32_WRAP_I64, I64, I32),
    [0xA8] = UN(I32_TRUNC_F32_S, F32, I32), [0xA9] = UN(I32_TRUNC_F32_U, F32, I32),
    [0xAA] = UN(I32_TRUNC_F64_S, F64, I32), [0xAB] = UN(I32_TRUNC_F64_U, F64, I32),
    [0xAC] = UN(I64_EXTEND_I32_S, I32, I64), [0xAD] = UN(I64_EXTEND_I32_U, I32, I64),
    [0xAE] = UN(I64_TRUNC_F32_S, F32, I64), [0xAF] = UN(I64_TRUNC_F32_U, F32, I64),
    [0xB0] = UN(I64_TRUNC_F64_S, F64, I64), [0xB1] = UN(I64_TRUNC_F64_U, F64, I64),
    [0xB2] = UN(F32_CONVERT_I32_S, I32, F32), [0xB3] = UN(F32_CONVERT_I32_U, I32, F32),
    [0xB4] = UN(F32_CONVERT_I64_S, I64, F32), [0xB5] = UN(F32_CONVERT_I64_U, I64, F32),
    [0xB6] = UN(F32_DEMOTE_F64, F64, F32),
    [0xB7] = UN(F64_CONVERT_I32_S, I32, F64), [0xB8] = UN(F64_CONVERT_I32_U, I32, F64),
    [0xB9] = UN(F64_CONVERT_I64_S, I64, F64), [0xBA] = UN(F64_CONVERT_I64_U, I64, F64),
    [0xBB] = UN(F64_PROMOTE_F32, F32, F64),
    [0xBC] = RE(F32, I32), [0xBD] = RE(F64, I64), [0xBE] = RE(I32, F32), [0xBF] = RE(I64, F64),
    [0xC0] = UN(I32_EXTEND8_S, I32, I32), [0xC1] = UN(I32_EXTEND16_S, I32, I32),
    [0xC2] = UN(I64_EXTEND8_S, I64, I64), [0xC3] = UN(I64_EXTEND16_S, I64, I64),
    [0xC4] = UN(I64_EXTEND32_S, I64, I64),
};

static const NumOp sat_ops[8] = {
    UN(I32_TRUNC_SAT_F32_S, F32, I32), UN(I32_TRUNC_SAT_F32_U, F32, I32),
    UN(I32_TRUNC_SAT_F64_S, F64, I32), UN(I32_TRUNC_SAT_F64_U, F64, I32),
    UN(I64_TRUNC_SAT_F32_S, F32, I64), UN(I64_TRUNC_SAT_F32_U, F32, I64),
    UN(I64_TRUNC_SAT_F64_S, F64, I64), UN(I64_TRUNC_SAT_F64_U, F64, I64),
};

#undef I32
#undef I64
#undef F32
#undef F64
#undef UN
#undef BI
#undef RE

static bool op_numeric(Translator *t, const NumOp *op)
{
    if (op->arity == 0)
        return fail_malformed(t, "illegal opcode");
    if (op->iop == IOP_COUNT) {
        /* reinterpret: retype the top entry in place */
        Entry e;
        if (!pop_operand(t, op->in, &e))
            return false;
        if (e.is_const)
            return push_const(t, op->out, e.value);
        return push_entry(t, op->out, e.slot);
    }
    if (op->arity == 1)
        return op_unary(t, (IopCode)op->iop, op->in, op->out);
    return op_binary(t, (IopCode)op->iop, op->in, op->out);
}

/* ------------------------------------------------------------------ */
/* instruction dispatch                                                 */
/* ------------------------------------------------------------------ */

static bool op_prefix_fc(Translator *t)
{
    uint32_t sub;
    if (!rd_u32(&t->r, &sub))
        return fail_read(t);
    if (sub < 8)
        return op_numeric(t, &sat_ops[sub]);
    switch (sub) {
    case 8: return op_memory_init(t);
    case 9: return op_data_drop(t);
    case 10:
        return read_zero_byte(t) && read_zero_byte(t) && need_memory(t) &&
               emit_three(t, IOP_MEMORY_COPY, VT_I32, VT_I32, VT_I32);
    case 11:
        return read_zero_byte(t) && need_memory(t) &&
               emit_three(t, IOP_MEMORY_FILL, VT_I32, VT_I32, VT_I32);
    case 12: return op_table_init(t);
    case 13: return op_elem_drop(t);
    case 14: return op_table_copy(t);
    case 15: return op_table_grow(t);
    case 16: return op_table_size(t);
    case 17: return op_table_fill(t);
    default: return fail_malformed(t, "illegal opcode");
    }
}

static bool op_memory(Translator *t, uint8_t op)
{
    switch (op) {
    case 0x28: return op_load(t, IOP_I32_LOAD, VT_I32, 2);
    case 0x29: return op_load(t, IOP_I64_LOAD, VT_I64, 3);
    case 0x2A: return op_load(t, IOP_I32_LOAD, VT_F32, 2);
    case 0x2B: return op_load(t, IOP_I64_LOAD, VT_F64, 3);
    case 0x2C: return op_load(t, IOP_I32_LOAD8_S, VT_I32, 0);
    case 0x2D: return op_load(t, IOP_I32_LOAD8_U, VT_I32, 0);
    case 0x2E: return op_load(t, IOP_I32_LOAD16_S, VT_I32, 1);
    case 0x2F: return op_load(t, IOP_I32_LOAD16_U, VT_I32, 1);
    case 0x30: return op_load(t, IOP_I64_LOAD8_S, VT_I64, 0);
    case 0x31: return op_load(t, IOP_I64_LOAD8_U, VT_I64, 0);
    case 0x32: return op_load(t, IOP_I64_LOAD16_S, VT_I64, 1);
    case 0x33: return op_load(t, IOP_I64_LOAD16_U, VT_I64, 1);
    case 0x34: return op_load(t, IOP_I64_LOAD32_S, VT_I64, 2);
    case 0x35: return op_load(t, IOP_I64_LOAD32_U, VT_I64, 2);
    case 0x36: return op_store(t, IOP_I32_STORE, VT_I32, 2);
    case 0x37: return op_store(t, IOP_I64_STORE, VT_I64, 3);
    case 0x38: return op_store(t, IOP_I32_STORE, VT_F32, 2);
    case 0x39: return op_store(t, IOP_I64_STORE, VT_F64, 3);
    case 0x3A: return op_store(t, IOP_I32_STORE8, VT_I32, 0);
    case 0x3B: return op_store(t, IOP_I32_STORE16, VT_I32, 1);
    case 0x3C: return op_store(t, IOP_I32_STORE8, VT_I64, 0);
    case 0x3D: return op_store(t, IOP_I32_STORE16, VT_I64, 1);
    case 0x3E: return op_store(t, IOP_I64_STORE32, VT_I64, 2);
    case 0x3F: return op_memory_size_grow(t, false);
    case 0x40: return op_memory_size_grow(t, true);
    default: return fail_malformed(t, "illegal opcode");
    }
}

static bool op_drop(Translator *t)
{
    Entry e;
    forget_fusions(t);
    return pop_operand(t, VT_UNKNOWN, &e);
}

static bool op_unreachable(Translator *t)
{
    if (!is_dead(t))
        emit_op(t, IOP_UNREACHABLE);
    set_unreachable(t);
    return true;
}

static bool translate_op(Translator *t, uint8_t op)
{
    int32_t i32;
    int64_t i64;
    uint32_t f32;
    uint64_t f64;

    if (op >= 0x45 && op <= 0xC4)
        return op_numeric(t, &num_ops[op]);
    if (op >= 0x28 && op <= 0x40)
        return op_memory(t, op);
    switch (op) {
    case 0x00: return op_unreachable(t);
    case 0x01: return true; /* nop */
    case 0x02: return op_block(t, CTRL_BLOCK);
    case 0x03: return op_block(t, CTRL_LOOP);
    case 0x04: return op_block(t, CTRL_IF);
    case 0x05: return op_else(t);
    case 0x0B: return op_end(t);
    case 0x0C: return op_br(t);
    case 0x0D: return op_br_if(t);
    case 0x0E: return op_br_table(t);
    case 0x0F: return op_return(t);
    case 0x10: return op_call(t);
    case 0x11: return op_call_indirect(t);
    case 0x1A: return op_drop(t);
    case 0x1B: return op_select(t, false);
    case 0x1C: return op_select(t, true);
    case 0x20: return op_local_get(t);
    case 0x21: return op_local_set(t, false);
    case 0x22: return op_local_set(t, true);
    case 0x23: return op_global_get(t);
    case 0x24: return op_global_set(t);
    case 0x25: return op_table_get(t);
    case 0x26: return op_table_set(t);
    case 0x41: return rd_s32(&t->r, &i32) ? op_const32(t, VT_I32, (uint32_t)i32) : fail_read(t);
    case 0x42: return rd_s64(&t->r, &i64) ? op_const64(t, VT_I64, (uint64_t)i64) : fail_read(t);
    case 0x43: return rd_fixed32(&t->r, &f32) ? op_const32(t, VT_F32, f32) : fail_read(t);
    case 0x44: return rd_fixed64(&t->r, &f64) ? op_const64(t, VT_F64, f64) : fail_read(t);
    case 0xD0: return op_ref_null(t);
    case 0xD1: return op_ref_is_null(t);
    case 0xD2: return op_ref_func(t);
    case 0xFC: return op_prefix_fc(t);
    case 0xFE: return op_prefix_fe(t);
    default: return fail_malformed(t, "illegal opcode");
    }
}

/* ------------------------------------------------------------------ */
/* function level                                                       */
/* ------------------------------------------------------------------ */

/* locals -> vec(n:u32 t:valtype); params come first in the local space */
static bool read_locals(Translator *t)
{
    const FuncType *ft = t->f->type;
    uint32_t n_groups;
    uint64_t total = ft->n_params;
    Reader probe;

    if (!rd_u32(&t->r, &n_groups))
        return fail_read(t);
    /* First pass: count, so the type array is allocated once. */
    probe = t->r;
    for (uint32_t i = 0; i < n_groups; i++) {
        uint32_t n;
        uint8_t type;
        if (!rd_u32(&probe, &n) || !rd_u8(&probe, &type)) {
            t->r = probe;
            return fail_read(t);
        }
        total += n;
        if (total > WR_MAX_LOCALS)
            return fail_malformed(t, "too many locals");
        if (!is_value_type(type))
            return fail_malformed(t, "malformed value type");
    }
    t->n_locals = (uint32_t)total;
    t->local_types = mem_alloc(total ? total : 1);
    t->local_refs = mem_calloc(total ? total : 1, sizeof(uint32_t));
    t->zero_locals = mem_calloc(total ? total : 1, 1);
    if (!t->local_types || !t->local_refs || !t->zero_locals)
        return fail(t, "allocate memory failed");
    memset(t->zero_locals + ft->n_params, 1, total - ft->n_params);
    t->zero_tracking = true;
    memcpy(t->local_types, ft_params(ft), ft->n_params);
    uint32_t at = ft->n_params;
    for (uint32_t i = 0; i < n_groups; i++) {
        uint32_t n;
        uint8_t type;
        rd_u32(&t->r, &n);
        rd_u8(&t->r, &type);
        memset(t->local_types + at, type, n);
        at += n;
    }
    return true;
}

static bool translate_body(Translator *t)
{
    BlockType fbt = {t->f->type, 0};
    if (!read_locals(t))
        return false;
    /* The function's label: the type has no params in the block sense. */
    if (!push_ctrl(t, CTRL_FUNC, &(BlockType){NULL, 0}))
        return false;
    t->ctrls[0].bt = fbt;
    t->ctrls[0].height = 0;
    while (t->n_ctrls > 0 && !t->failed) {
        uint8_t op;
        if (!rd_u8(&t->r, &op))
            return fail_read(t);
        t->current_op = op;
        if (!translate_op(t, op))
            return false;
    }
    if (t->failed)
        return false;
    if (t->r.pos != t->r.end)
        return fail_malformed(t, "section size mismatch: bytes after the function's end");
    return true;
}

/* ------------------------------------------------------------------ */
/* decoding the rest of an invalid body                                 */
/* ------------------------------------------------------------------ */

/* blocktype -> 0x40 | valtype | typeidx:s33, decoded without checks */
static bool skip_block_type(Reader *r)
{
    int64_t idx;
    if (r->pos < r->end && (*r->pos == 0x40 || is_value_type(*r->pos))) {
        r->pos++;
        return true;
    }
    return rd_sleb(r, 33, &idx);
}

static bool skip_u32s(Reader *r, unsigned n)
{
    uint32_t v;
    for (unsigned i = 0; i < n; i++)
        if (!rd_u32(r, &v))
            return false;
    return true;
}

static bool skip_zero_bytes(Translator *t, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (!read_zero_byte(t))
            return false;
    return true;
}

/* 0xFC subop immediates */
static bool skip_prefix_fc(Translator *t)
{
    uint32_t sub;
    Reader *r = &t->r;
    if (!rd_u32(r, &sub))
        return false;
    if (sub < 8)
        return true;
    switch (sub) {
    case 8: return skip_u32s(r, 1) && skip_zero_bytes(t, 1);
    case 10: return skip_zero_bytes(t, 2);
    case 11: return skip_zero_bytes(t, 1);
    case 12: case 14: return skip_u32s(r, 2);
    case 9: case 13: case 15: case 16: case 17: return skip_u32s(r, 1);
    default: return fail_malformed(t, "illegal opcode");
    }
}

/* 0xFE subop immediates: a memarg, or fence's zero byte */
static bool skip_prefix_fe(Translator *t)
{
    uint32_t sub;
    if (!rd_u32(&t->r, &sub))
        return false;
    if (sub == 0x03)
        return skip_zero_bytes(t, 1);
    if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4E))
        return skip_u32s(&t->r, 2);
    return fail_malformed(t, "illegal opcode");
}

/* Decodes one instruction's immediates, tracking block depth. */
static bool skip_instruction(Translator *t, uint8_t op, uint32_t *depth)
{
    Reader *r = &t->r;
    uint32_t n, u;
    int64_t v;
    const uint8_t *p;
    uint8_t b;

    if ((op >= 0x45 && op <= 0xC4) || op <= 0x01 || op == 0x05 || op == 0x0F || op == 0x1A ||
        op == 0x1B || op == 0xD1)
        return true;
    if (op >= 0x28 && op <= 0x3E)
        return skip_u32s(r, 2);
    if (op >= 0x20 && op <= 0x26)
        return skip_u32s(r, 1);
    switch (op) {
    case 0x02: case 0x03: case 0x04: (*depth)++; return skip_block_type(r);
    case 0x0B: (*depth)--; return true;
    case 0x0C: case 0x0D: case 0x10: case 0xD2: return skip_u32s(r, 1);
    case 0x11: return skip_u32s(r, 2);
    case 0x0E: return rd_u32(r, &n) && n < rd_remaining(r) && skip_u32s(r, n + 1);
    case 0x1C: return rd_u32(r, &n) && rd_bytes(r, n, &p);
    case 0x3F: case 0x40: return skip_zero_bytes(t, 1);
    case 0x41: return rd_sleb(r, 32, &v);
    case 0x42: return rd_sleb(r, 64, &v);
    case 0x43: return rd_fixed32(r, &u);
    case 0x44: return rd_bytes(r, 8, &p);
    case 0xD0: return rd_u8(r, &b);
    case 0xFC: return skip_prefix_fc(t);
    case 0xFE: return skip_prefix_fe(t);
    default: return fail_malformed(t, "illegal opcode");
    }
}

/* After a validation error the rest of the body is still decoded: a
 * malformed encoding anywhere in it is reported instead, as the spec decodes
 * a whole module before validating it. */
static void decode_rest_of_body(Translator *t)
{
    /* Every failure inside `end` happens before its frame is popped. */
    uint32_t depth = t->n_ctrls + t->unclosed_blocks - (t->current_op == 0x0B ? 1 : 0);
    /* fail_malformed only records a first error: clear the flag so that a
     * decoding error found now replaces the validation one. */
    t->failed = false;
    while (depth > 0 && !t->malformed) {
        uint8_t op;
        if (!rd_u8(&t->r, &op) || !skip_instruction(t, op, &depth)) {
            if (!t->malformed)
                fail_read(t);
            break;
        }
    }
    if (!t->malformed && depth == 0 && t->r.pos != t->r.end)
        fail_malformed(t, "section size mismatch: bytes after the function's end");
    t->failed = true;
}

/* Spill slots follow the operand stack, whose height is known only now. */
static void fix_spill_words(Translator *t)
{
    uint32_t base = t->n_locals + t->max_height;
    for (uint32_t i = 0; i < t->n_spill_words; i++)
        t->code[t->spill_words[i]] += base;
}

static void free_translator(Translator *t)
{
    mem_free(t->zero_locals);
    mem_free(t->local_refs);
    mem_free(t->stack);
    mem_free(t->ctrls);
    mem_free(t->patches);
    mem_free(t->spill_words);
}

bool ld_translate_function(WasmModule *m, uint32_t def_index, char *err, uint32_t err_size)
{
    Translator t;
    Func *f = &m->funcs[def_index];

    memset(&t, 0, sizeof t);
    t.m = m;
    t.f = f;
    t.err = err;
    t.err_size = err_size;
    t.fold_word = NO_POS;
    rd_init(&t.r, f->body, f->body_size);

    bool ok = translate_body(&t);
    if (!ok && !t.malformed && t.n_ctrls > 0) {
        char saved[160];
        rt_set_error(saved, sizeof saved, "%s", err ? err : "");
        decode_rest_of_body(&t);
        if (!t.malformed)
            rt_set_error(err, err_size, "%s", saved);
    }
    if (ok) {
        fix_spill_words(&t);
        f->n_locals = t.n_locals;
        f->n_params = f->type->n_params;
        f->local_types = t.local_types;
        f->frame_slots = t.n_locals + t.max_height + t.n_spill;
        f->code = mem_realloc(t.code, (t.code_len ? t.code_len : 1) * sizeof(uint32_t));
        f->code_words = t.code_len;
        if (!f->code) {
            f->code = t.code;
        }
    } else {
        mem_free(t.code);
        mem_free(t.local_types);
    }
    free_translator(&t);
    return ok;
}
