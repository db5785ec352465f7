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
 * the interpreter never decodes wasm bytes. This file is the core; the
 * value-producing instruction families are in translate_values.c. */
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "../config.h"
#include "../interp/interp.h"
#include "../mem/mem.h"
#include "module.h"
#include "reader.h"
#include "translate_internal.h"

/* ------------------------------------------------------------------ */
/* errors and growable arrays                                          */
/* ------------------------------------------------------------------ */

bool tr_fail(Translator *t, const char *msg)
{
    if (!t->failed) {
        t->failed = true;
        rt_set_error(t->err, t->err_size, "%s", msg);
    }
    return false;
}

bool tr_fail_index(Translator *t, const char *what, uint32_t index)
{
    if (!t->failed) {
        t->failed = true;
        rt_set_error(t->err, t->err_size, "%s %u", what, index);
    }
    return false;
}

/* Decoding errors (the binary is malformed) as opposed to validation ones. */
bool tr_fail_malformed(Translator *t, const char *msg)
{
    if (!t->failed)
        t->malformed = true;
    return tr_fail(t, msg);
}

/* A read past the body is reported in the suite's wording for bodies. */
bool tr_fail_read(Translator *t)
{
    const char *msg = t->r.error ? t->r.error : "unexpected end";
    if (strcmp(msg, "unexpected end") == 0)
        msg = "unexpected end of section or function";
    return tr_fail_malformed(t, msg);
}

/* Makes room for one more element of size elem in *arr (capacity *cap). */
static bool grow_array(Translator *t, void **arr, uint32_t *cap, uint32_t used, size_t elem)
{
    if (used < *cap)
        return true;
    uint32_t new_cap = *cap ? *cap * 2 : 16;
    if (new_cap < *cap)
        return tr_fail(t, "allocate memory failed");
    void *p = mem_realloc(*arr, (size_t)new_cap * elem);
    if (!p)
        return tr_fail(t, "allocate memory failed");
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

bool tr_fail_type(Translator *t, uint8_t expected, uint8_t got)
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
bool tr_is_dead(Translator *t)
{
    return top_ctrl(t)->unreachable || top_ctrl(t)->emit_dead;
}

void tr_emit_word(Translator *t, uint32_t w)
{
    if (t->failed || tr_is_dead(t) ||
        !grow_array(t, (void **)&t->code, &t->code_cap, t->code_len, sizeof(uint32_t)))
        return;
    t->code[t->code_len++] = w;
}

/* No fusion reaches back across this point: another instruction was
 * emitted, or the current position may be a branch target. */
void tr_forget_fusions(Translator *t)
{
    t->fold_word = NO_POS;
}

uint32_t tr_emit_op(Translator *t, IopCode op)
{
    uint32_t pos = t->code_len;
    tr_forget_fusions(t);
    tr_emit_word(t, interp_handler_word(op));
    if (!tr_is_dead(t)) {
        t->prev_op_pos = t->last_op_pos;
        t->last_op_pos = pos;
    }
    return pos;
}

/* Removes the code from pos on: the last instruction, taken back to be
 * merged into the one that replaces it. */
void tr_take_back(Translator *t, uint32_t pos)
{
    t->code_len = pos;
    if (t->last_op_pos == pos) {
        t->last_op_pos = t->prev_op_pos;
        t->prev_op_pos = NO_POS;
    }
    tr_forget_fusions(t);
}

/* A branch may land at the current position: nothing before it merges
 * with what follows. */
static void label_here(Translator *t)
{
    tr_forget_fusions(t);
    t->last_op_pos = t->prev_op_pos = NO_POS;
}

/* The last instruction, when it is op and ends at the current position
 * with no label since; NO_POS otherwise. */
uint32_t tr_last_op_if(const Translator *t, IopCode op, uint32_t length)
{
    uint32_t pos = t->last_op_pos;
    if (pos == NO_POS || tr_is_dead((Translator *)t) || pos + length != t->code_len ||
        t->code[pos] != interp_handler_word(op))
        return NO_POS;
    return pos;
}

uint32_t tr_home(const Translator *t, uint32_t height)
{
    return t->n_locals + height;
}

/* The instruction doing op twice in a row, IOP_COUNT if there is none. */
static IopCode pair_of(IopCode op)
{
    switch (op) {
    case IOP_MOV: return IOP_MOV2;
    case IOP_I32_ADD_IMM: return IOP_I32_ADD_IMM2;
    case IOP_I32_ADD: return IOP_I32_ADD2;
    default: return IOP_COUNT;
    }
}

/* When the last instruction is the pair of op (length words each, see
 * tr_merge_into_last) and its second half writes slot dst, splits it back
 * into two instructions, so that the second can be taken back and fused
 * into what follows. */
void tr_unpair_last(Translator *t, IopCode op, uint32_t length, uint32_t dst)
{
    IopCode pair = pair_of(op);
    uint32_t pos = t->last_op_pos, n = length - 1;
    if (pair == IOP_COUNT || pos == NO_POS || tr_is_dead(t) || pos + 1 + 2 * n != t->code_len ||
        t->code[pos] != interp_handler_word(pair) || t->code[pos + n + 1] != dst)
        return;
    tr_emit_word(t, 0);
    if (t->failed)
        return;
    memmove(&t->code[pos + n + 2], &t->code[pos + n + 1], n * sizeof(uint32_t));
    t->code[pos] = t->code[pos + n + 1] = interp_handler_word(op);
    t->prev_op_pos = pos;
    t->last_op_pos = pos + n + 1;
    if (t->fold_word == pos + n + 1) {
        t->fold_word++;
        t->fold_op = op;
    }
}

/* When the last instruction is op (length words, no label since), turns
 * it into pair, whose first half it already is: the caller appends the
 * second half's operands. Same order of effects, operands in place. */
bool tr_merge_into_last(Translator *t, IopCode op, uint32_t length, IopCode pair)
{
    uint32_t prev = tr_last_op_if(t, op, length);
    if (prev == NO_POS)
        return false;
    t->code[prev] = interp_handler_word(pair);
    tr_forget_fusions(t);
    return true;
}

static void emit_mov(Translator *t, uint32_t dst, uint32_t src)
{
    if (dst == src)
        return;
    if (tr_merge_into_last(t, IOP_MOV, 3, IOP_MOV2)) {
        tr_emit_word(t, dst);
        tr_emit_word(t, src);
        return;
    }
    tr_emit_op(t, IOP_MOV);
    tr_emit_word(t, dst);
    tr_emit_word(t, src);
}

/* A spill slot operand: its index is fixed up after the body is done. */
static void emit_spill_word(Translator *t, uint32_t spill_index)
{
    if (t->failed || tr_is_dead(t) ||
        !grow_array(t, (void **)&t->spill_words, &t->spill_words_cap,
                                 t->n_spill_words, sizeof(uint32_t)))
        return;
    t->spill_words[t->n_spill_words++] = t->code_len;
    tr_emit_word(t, spill_index);
}

/* Records that code[word] of the instruction at instr branches to the end
 * of ctrl, still unknown. */
static void add_patch(Translator *t, Ctrl *ctrl, uint32_t instr, uint32_t word)
{
    if (t->failed || tr_is_dead(t) ||
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

bool tr_push_entry(Translator *t, uint8_t type, uint32_t slot)
{
    if (!grow_array(t, (void **)&t->stack, &t->stack_cap, t->height, sizeof(Entry)))
        return false;
    if (t->height >= WR_MAX_STACK_HEIGHT)
        return tr_fail(t, "function too complex: operand stack too high");
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
uint32_t tr_push(Translator *t, uint8_t type)
{
    uint32_t slot = tr_home(t, t->height);
    tr_push_entry(t, type, slot);
    return slot;
}

/* A constant costs nothing until an operand slot is really needed. */
bool tr_push_const(Translator *t, uint8_t type, uint64_t value)
{
    uint32_t h = t->height;
    if (!tr_push_entry(t, type, tr_home(t, h)))
        return false;
    t->stack[h].is_const = true;
    t->stack[h].value = value;
    t->n_consts++;
    return true;
}

static void emit_const_to(Translator *t, uint32_t dst, uint8_t type, uint64_t value)
{
    if (type == VT_I64 || type == VT_F64) {
        tr_emit_op(t, IOP_CONST64);
        tr_emit_word(t, dst);
        tr_emit_word(t, (uint32_t)value);
        tr_emit_word(t, (uint32_t)(value >> 32));
    } else {
        tr_emit_op(t, IOP_CONST32);
        tr_emit_word(t, dst);
        tr_emit_word(t, (uint32_t)value);
    }
}

/* Writes a popped constant entry into its home slot. */
void tr_materialize(Translator *t, Entry *e)
{
    if (!e->is_const)
        return;
    emit_const_to(t, e->slot, e->type, e->value);
    e->is_const = false;
}

/* Pops one operand of the expected type (VT_UNKNOWN: any), leaving a
 * constant virtual: the caller may use its value as an immediate. */
bool tr_pop_operand(Translator *t, uint8_t expected, Entry *out)
{
    Ctrl *c = top_ctrl(t);
    if (t->height == c->height) {
        if (!c->unreachable)
            return tr_fail(t, "type mismatch: operand stack underflow");
        out->type = VT_UNKNOWN;
        out->is_const = false;
        out->slot = tr_home(t, t->height);
        out->value = 0;
        return true;
    }
    Entry e = t->stack[--t->height];
    note_ref(t, e.slot, -1);
    t->n_consts -= e.is_const;
    if (e.type != expected && e.type != VT_UNKNOWN && expected != VT_UNKNOWN)
        return tr_fail_type(t, expected, e.type);
    *out = e;
    return true;
}

/* Pops one operand of the expected type into a slot. */
bool tr_pop_expect(Translator *t, uint8_t expected, Entry *out)
{
    if (!tr_pop_operand(t, expected, out))
        return false;
    tr_materialize(t, out);
    return true;
}

static bool pop_type(Translator *t, uint8_t expected)
{
    Entry e;
    return tr_pop_expect(t, expected, &e);
}

/* Moves entry i to its home slot if it names a local or is a constant. */
static void canonicalize(Translator *t, uint32_t i)
{
    Entry *e = &t->stack[i];
    if (e->is_const) {
        tr_materialize(t, e);
        t->n_consts--;
        return;
    }
    if (e->slot == tr_home(t, i))
        return;
    emit_mov(t, tr_home(t, i), e->slot);
    note_ref(t, e->slot, -1);
    e->slot = tr_home(t, i);
}

static void canonicalize_all(Translator *t)
{
    for (uint32_t i = 0; (t->total_local_refs || t->n_consts) && i < t->height; i++)
        canonicalize(t, i);
}

/* Before local x is overwritten, entries still naming it get their own copy. */
void tr_preserve_local(Translator *t, uint32_t x)
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

bool tr_is_value_type(uint8_t b)
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
        return tr_fail_read(t);
    uint8_t b = *t->r.pos;
    if (b == 0x40) {
        t->r.pos++;
        return true;
    }
    if (tr_is_value_type(b)) {
        t->r.pos++;
        out->inline_result = b;
        return true;
    }
    int64_t idx;
    if (!rd_sleb(&t->r, 33, &idx))
        return tr_fail_read(t);
    if (idx < 0 || (uint64_t)idx >= t->m->n_types)
        return tr_fail(t, "unknown type");
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
        return tr_fail(t, "allocate memory failed");
    bool ok = true;
    for (uint32_t i = n; ok && i-- > 0;)
        ok = tr_pop_expect(t, bt_param(bt, i), &tmp[i]);
    for (uint32_t i = 0; ok && i < n; i++)
        ok = tr_push_entry(t, bt_param(bt, i), tmp[i].slot);
    if (tmp != saved)
        mem_free(tmp);
    return ok;
}

static Ctrl *label_at(Translator *t, uint32_t depth)
{
    if (depth >= t->n_ctrls) {
        tr_fail_index(t, "unknown label", depth);
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
                return tr_fail(t, "type mismatch: operand stack underflow");
            continue;
        }
        uint8_t got = t->stack[t->height - 1 - i].type;
        if (got != want && got != VT_UNKNOWN)
            return tr_fail_type(t, want, got);
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* branches                                                             */
/* ------------------------------------------------------------------ */

/* Puts an entry's value into dst: a copy, or the constant itself. */
void tr_emit_value_to(Translator *t, uint32_t dst, const Entry *e)
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
        tr_emit_value_to(t, tr_home(t, c->height + i), &t->stack[src_height + i]);
}

static bool label_needs_moves(Translator *t, const Ctrl *c, uint32_t src_height)
{
    uint32_t n = label_arity(c);
    for (uint32_t i = 0; i < n; i++)
        if (t->stack[src_height + i].is_const ||
            t->stack[src_height + i].slot != tr_home(t, c->height + i))
            return true;
    return false;
}

/* Returns the single result in slot src. When the instruction just
 * emitted produced it (no instruction or label since), it writes slot 0
 * itself; otherwise the return copies it. */
static void emit_return_one(Translator *t, uint32_t src)
{
    if (t->fold_word != NO_POS && t->code[t->fold_word] == src && src >= t->n_locals &&
        !tr_is_dead(t)) {
        t->code[t->fold_word] = 0;
        tr_emit_op(t, IOP_RETURN);
    } else if (src != 0) {
        tr_emit_op(t, IOP_RETURN1);
        tr_emit_word(t, src);
    } else {
        tr_emit_op(t, IOP_RETURN);
    }
}

/* Return: results go to slots 0..n-1 of the frame. Values still in locals
 * are first copied to their home slots, so every source lies at or above its
 * destination and an ascending copy never overwrites a value it still
 * needs. The compile-time stack is left alone: this may be one path only. */
static void emit_return_from(Translator *t, uint32_t src_height)
{
    uint32_t n = t->f->type->n_results;
    if (n == 1 && !t->stack[src_height].is_const) {
        emit_return_one(t, t->stack[src_height].slot);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        if (!t->stack[src_height + i].is_const)
            emit_mov(t, tr_home(t, src_height + i), t->stack[src_height + i].slot);
    for (uint32_t i = 0; i < n; i++) {
        const Entry *e = &t->stack[src_height + i];
        if (e->is_const)
            emit_const_to(t, i, e->type, e->value);
        else
            emit_mov(t, i, tr_home(t, src_height + i));
    }
    tr_emit_op(t, IOP_RETURN);
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
        uint32_t pos = tr_emit_op(t, IOP_LOOP_BR);
        tr_emit_word(t, c->start_pos - pos);
    } else {
        uint32_t pos = tr_emit_op(t, IOP_BR);
        add_patch(t, c, pos, t->code_len);
        tr_emit_word(t, 0);
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
    tr_forget_fusions(t);
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
    if (cmp == IOP_I32_AND_IMM) /* a condition that is a bit test */
        return when_true ? IOP_BR_I32_AND_IMM_NZ : IOP_BR_I32_AND_IMM_Z;
    if (cmp == IOP_BR_I32_AND_IMM_Z) /* its negation (see pop_condition) */
        return when_true ? IOP_BR_I32_AND_IMM_Z : IOP_BR_I32_AND_IMM_NZ;
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
                   t->stack[t->height - 1].slot == tr_home(t, t->height - 1) && !tr_is_dead(t) &&
                   branch_form(t->fold_op, true) != IOP_COUNT;
    Entry e;
    if (!tr_pop_expect(t, VT_I32, &e))
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
        tr_take_back(t, at);
        uint32_t test = out->cmp == IOP_I32_EQZ && out->slot >= t->n_locals
                            ? tr_last_op_if(t, IOP_I32_AND_IMM, 4)
                            : NO_POS;
        if (test != NO_POS && t->code[test + 1] == out->slot) {
            /* !(x & m): the bit test's negation, named by its branch */
            out->cmp = IOP_BR_I32_AND_IMM_Z;
            out->slot = t->code[test + 2];
            out->b = t->code[test + 3];
            tr_take_back(t, test);
        }
    }
    return true;
}

/* The superinstruction doing `i32.add` of an immediate and then branch op
 * on its result, IOP_COUNT if there is none. */
static IopCode counter_step_form(IopCode op)
{
    static const IopCode pairs[][2] = {
        {IOP_BR_I32_EQ_IMM, IOP_I32_ADD_IMM_BR_EQ_IMM},
        {IOP_BR_I32_NE_IMM, IOP_I32_ADD_IMM_BR_NE_IMM},
        {IOP_BR_I32_LT_S_IMM, IOP_I32_ADD_IMM_BR_LT_S_IMM},
        {IOP_BR_I32_LT_U_IMM, IOP_I32_ADD_IMM_BR_LT_U_IMM},
        {IOP_BR_I32_GT_S_IMM, IOP_I32_ADD_IMM_BR_GT_S_IMM},
        {IOP_BR_I32_GT_U_IMM, IOP_I32_ADD_IMM_BR_GT_U_IMM},
        {IOP_BR_I32_NE, IOP_I32_ADD_IMM_BR_NE},
        {IOP_BR_I32_LT_S, IOP_I32_ADD_IMM_BR_LT_S},
        {IOP_BR_I32_LT_U, IOP_I32_ADD_IMM_BR_LT_U},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i][0] == op)
            return pairs[i][1];
    return IOP_COUNT;
}

/* The same for an `i32.add` of two slots. */
static IopCode counter_step_reg_form(IopCode op)
{
    switch (op) {
    case IOP_BR_I32_NE: return IOP_I32_ADD_BR_NE;
    case IOP_BR_I32_LT_S: return IOP_I32_ADD_BR_LT_S;
    case IOP_BR_I32_LT_U: return IOP_I32_ADD_BR_LT_U;
    case IOP_BR_I32_LE_U: return IOP_I32_ADD_BR_LE_U;
    default: return IOP_COUNT;
    }
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
    IopCode stepped = counter_step_form(op);
    if (stepped != IOP_COUNT)
        tr_unpair_last(t, IOP_I32_ADD_IMM, 4, c->slot);
    if (counter_step_reg_form(op) != IOP_COUNT)
        tr_unpair_last(t, IOP_I32_ADD, 4, c->slot);
    uint32_t step = stepped == IOP_COUNT ? NO_POS : tr_last_op_if(t, IOP_I32_ADD_IMM, 4);
    IopCode stepped_reg = counter_step_reg_form(op);
    uint32_t step_reg = stepped_reg == IOP_COUNT ? NO_POS : tr_last_op_if(t, IOP_I32_ADD, 4);
    if (step_reg != NO_POS && t->code[step_reg + 1] == c->slot) {
        /* the same with a step in a register */
        uint32_t dst = t->code[step_reg + 1], a = t->code[step_reg + 2], b = t->code[step_reg + 3];
        tr_take_back(t, step_reg);
        uint32_t pos = tr_emit_op(t, stepped_reg);
        tr_emit_word(t, dst);
        tr_emit_word(t, a);
        tr_emit_word(t, b);
        tr_emit_word(t, c->b);
        *out_word = t->code_len;
        tr_emit_word(t, 0);
        return pos;
    }
    if (step != NO_POS && t->code[step + 1] == c->slot) {
        /* the loop counter's add, just before: both in one instruction */
        uint32_t dst = t->code[step + 1], a = t->code[step + 2], imm = t->code[step + 3];
        tr_take_back(t, step);
        uint32_t pos = tr_emit_op(t, stepped);
        tr_emit_word(t, dst);
        tr_emit_word(t, a);
        tr_emit_word(t, imm);
        tr_emit_word(t, c->b);
        *out_word = t->code_len;
        tr_emit_word(t, 0);
        return pos;
    }
    uint32_t pos = tr_emit_op(t, op);
    tr_emit_word(t, c->slot);
    if (two)
        tr_emit_word(t, c->b);
    *out_word = t->code_len;
    tr_emit_word(t, 0);
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
    bool dead = tr_is_dead(t);
    canonicalize_all(t);
    if (!push_ctrl(t, kind, &bt))
        return false;
    t->unclosed_blocks = 0;
    Ctrl *c = top_ctrl(t);
    c->emit_dead = dead;
    tr_forget_fusions(t);
    if (kind == CTRL_LOOP)
        label_here(t);
    if (kind != CTRL_IF || dead)
        return true;
    uint32_t n = bt_n_params(&bt);
    if (n) {
        /* The then arm may overwrite the params' slots; the else arm needs
         * them, so they are saved to spill slots first. */
        c->spill_base = t->n_spill;
        t->n_spill += n;
        for (uint32_t i = 0; i < n; i++) {
            tr_emit_op(t, IOP_MOV);
            emit_spill_word(t, c->spill_base + i);
            tr_emit_word(t, tr_home(t, c->height + i));
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
        return tr_fail(t, "type mismatch: values remaining on the stack at end of block");
    if (c->unreachable)
        return true;
    for (uint32_t i = 0; i < n; i++) {
        Entry *e = &t->stack[c->height + i];
        emit_mov(t, tr_home(t, c->height + i), e->slot);
        e->slot = tr_home(t, c->height + i);
    }
    return true;
}

static bool op_else(Translator *t)
{
    t->zero_tracking = false;
    Ctrl *c = top_ctrl(t);
    if (c->kind != CTRL_IF)
        return tr_fail(t, "else without matching if");
    if (!check_block_end(t, c))
        return false;
    uint32_t pos = tr_emit_op(t, IOP_BR);
    add_patch(t, c, pos, t->code_len);
    tr_emit_word(t, 0);
    c->kind = CTRL_ELSE;
    c->unreachable = false;
    label_here(t);
    if (c->else_patch != NO_POS) {
        t->code[c->else_word] = t->code_len - c->else_patch;
        c->else_patch = NO_POS;
    }
    uint32_t n = bt_n_params(&c->bt);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t slot = tr_push(t, bt_param(&c->bt, i));
        tr_emit_op(t, IOP_MOV);
        tr_emit_word(t, slot);
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
        tr_unpair_last(t, IOP_MOV, 3, tr_home(t, 0));
        uint32_t mov = tr_last_op_if(t, IOP_MOV, 3);
        if (bt_n_results(&c->bt) == 1 && mov != NO_POS && t->code[mov + 1] == tr_home(t, 0)) {
            /* the result was just moved home: return it from where it was */
            uint32_t src = t->code[mov + 2];
            tr_take_back(t, mov);
            emit_return_one(t, src);
        } else if (bt_n_results(&c->bt) == 1) {
            emit_return_one(t, tr_home(t, 0));
        } else {
            for (uint32_t i = 0; i < bt_n_results(&c->bt); i++)
                emit_mov(t, i, tr_home(t, i));
            tr_emit_op(t, IOP_RETURN);
        }
        t->n_ctrls--;
        return true;
    }
    if (c->kind == CTRL_IF) {
        /* No else arm: the false path passes the params through. */
        uint32_t n = bt_n_params(&c->bt);
        if (n != bt_n_results(&c->bt))
            return tr_fail(t, "type mismatch: if without else must not change the stack");
        for (uint32_t i = 0; i < n; i++)
            if (bt_param(&c->bt, i) != bt_result(&c->bt, i))
                return tr_fail(t, "type mismatch: if without else must not change the stack");
    }
    label_here(t);
    if (c->else_patch != NO_POS)
        t->code[c->else_word] = t->code_len - c->else_patch;
    resolve_patches(t, c, t->code_len);
    BlockType bt = c->bt;
    t->n_ctrls--;
    for (uint32_t i = 0; i < bt_n_results(&bt); i++)
        tr_push(t, bt_result(&bt, i));
    return true;
}

static bool op_br(Translator *t)
{
    uint32_t depth;
    if (!rd_u32(&t->r, &depth))
        return tr_fail_read(t);
    Ctrl *c = label_at(t, depth);
    if (!c || !check_label_operands(t, c))
        return false;
    if (!tr_is_dead(t))
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
        return tr_fail(t, "allocate memory failed");
    bool ok = true;
    for (uint32_t i = n; ok && i-- > 0;)
        ok = tr_pop_expect(t, label_type(c, i), &tmp[i]);
    for (uint32_t i = 0; ok && i < n; i++)
        ok = tr_push_entry(t, label_type(c, i), tmp[i].slot);
    if (tmp != saved)
        mem_free(tmp);
    return ok;
}

static bool op_br_if(Translator *t)
{
    uint32_t depth, word;
    Condition cond;
    if (!rd_u32(&t->r, &depth))
        return tr_fail_read(t);
    Ctrl *c = label_at(t, depth);
    if (!c || !pop_condition(t, &cond) || !repush_label_operands(t, c))
        return false;
    tr_forget_fusions(t);
    if (tr_is_dead(t))
        return true;
    uint32_t src = t->height - label_arity(c);
    bool moves = label_needs_moves(t, c, src);
    if (c->kind == CTRL_LOOP && !moves && cond.cmp == IOP_COUNT) {
        uint32_t pos = tr_emit_op(t, IOP_LOOP_BR_IF);
        tr_emit_word(t, cond.slot);
        tr_emit_word(t, c->start_pos - pos);
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
        label_here(t);
    }
    tr_forget_fusions(t);
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
        return tr_fail_read(t);
    if (count > rd_remaining(&t->r))
        return tr_fail_read(t);
    uint32_t *depths = mem_alloc(((size_t)count + 1) * sizeof(uint32_t));
    if (!depths)
        return tr_fail(t, "allocate memory failed");
    for (uint32_t i = 0; i <= count; i++) {
        if (!rd_u32(&t->r, &depth)) {
            mem_free(depths);
            return tr_fail_read(t);
        }
        depths[i] = depth;
    }
    bool ok = tr_pop_expect(t, VT_I32, &index);
    Ctrl *dflt = ok ? label_at(t, depths[count]) : NULL;
    ok = dflt != NULL;
    for (uint32_t i = 0; ok && i <= count; i++) {
        Ctrl *c = label_at(t, depths[i]);
        ok = c && (label_arity(c) == label_arity(dflt) ||
                   tr_fail(t, "type mismatch: br_table labels differ in arity")) &&
             check_label_operands(t, c);
    }
    if (ok && !tr_is_dead(t)) {
        uint32_t n = label_arity(dflt);
        uint32_t src = t->height - n;
        uint32_t pos = tr_emit_op(t, IOP_BR_TABLE);
        tr_emit_word(t, index.slot);
        tr_emit_word(t, count);
        uint32_t table = t->code_len;
        for (uint32_t i = 0; i <= count; i++)
            tr_emit_word(t, 0);
        for (uint32_t i = 0; i <= count && !t->failed; i++) {
            Ctrl *c = label_at(t, depths[i]);
            if (c->kind == CTRL_BLOCK || c->kind == CTRL_IF || c->kind == CTRL_ELSE) {
                if (!label_needs_moves(t, c, src)) {
                    add_patch(t, c, pos, table + i);
                    continue;
                }
            }
            t->code[table + i] = t->code_len - pos;
            label_here(t);
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
    if (!tr_is_dead(t))
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
        if (h < t->stack_cap && t->stack[h].slot != tr_home(t, h) && !tr_is_dead(t))
            emit_mov(t, tr_home(t, h), t->stack[h].slot);
    }
    *out_base = base;
    return true;
}

static bool push_results(Translator *t, const FuncType *ft)
{
    for (uint32_t i = 0; i < ft->n_results; i++)
        tr_push(t, ft_results(ft)[i]);
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
        return tr_fail_read(t);
    if (fidx >= m->n_func_imports + m->n_funcs)
        return tr_fail_index(t, "unknown function", fidx);
    const FuncType *ft = ld_func_type(m, fidx);
    if (!pop_call_args(t, ft, &base))
        return false;
    reserve_call_area(t, base, ft);
    if (!tr_is_dead(t)) {
        bool local = fidx >= m->n_func_imports;
        tr_emit_op(t, local ? IOP_CALL : IOP_CALL_IMPORT);
        tr_emit_word(t, local ? fidx - m->n_func_imports : fidx);
        tr_emit_word(t, tr_home(t, base));
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
        return tr_fail_read(t);
    if (table >= m->n_tables)
        return tr_fail_index(t, "unknown table", table);
    if (tidx >= m->n_types)
        return tr_fail(t, "unknown type");
    if (m->table_types[table].elem_type != VT_FUNCREF)
        return tr_fail(t, "type mismatch: call_indirect needs a funcref table");
    const FuncType *ft = &m->types[tidx];
    if (!tr_pop_expect(t, VT_I32, &index) || !pop_call_args(t, ft, &base))
        return false;
    reserve_call_area(t, base, ft);
    if (!tr_is_dead(t)) {
        tr_emit_op(t, IOP_CALL_INDIRECT);
        tr_emit_word(t, tidx);
        tr_emit_word(t, table);
        tr_emit_word(t, index.slot);
        tr_emit_word(t, tr_home(t, base));
    }
    return push_results(t, ft);
}

/* ------------------------------------------------------------------ */
/* instruction dispatch                                                 */
/* ------------------------------------------------------------------ */

static bool op_drop(Translator *t)
{
    Entry e;
    tr_forget_fusions(t);
    return tr_pop_operand(t, VT_UNKNOWN, &e);
}

static bool op_unreachable(Translator *t)
{
    if (!tr_is_dead(t))
        tr_emit_op(t, IOP_UNREACHABLE);
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
        return tr_op_numeric_code(t, op);
    if (op >= 0x28 && op <= 0x40)
        return tr_op_memory(t, op);
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
    case 0x1B: return tr_op_select(t, false);
    case 0x1C: return tr_op_select(t, true);
    case 0x20: return tr_op_local_get(t);
    case 0x21: return tr_op_local_set(t, false);
    case 0x22: return tr_op_local_set(t, true);
    case 0x23: return tr_op_global_get(t);
    case 0x24: return tr_op_global_set(t);
    case 0x25: return tr_op_table_get(t);
    case 0x26: return tr_op_table_set(t);
    case 0x41: return rd_s32(&t->r, &i32) ? tr_op_const32(t, VT_I32, (uint32_t)i32) : tr_fail_read(t);
    case 0x42: return rd_s64(&t->r, &i64) ? tr_op_const64(t, VT_I64, (uint64_t)i64) : tr_fail_read(t);
    case 0x43: return rd_fixed32(&t->r, &f32) ? tr_op_const32(t, VT_F32, f32) : tr_fail_read(t);
    case 0x44: return rd_fixed64(&t->r, &f64) ? tr_op_const64(t, VT_F64, f64) : tr_fail_read(t);
    case 0xD0: return tr_op_ref_null(t);
    case 0xD1: return tr_op_ref_is_null(t);
    case 0xD2: return tr_op_ref_func(t);
    case 0xFC: return tr_op_prefix_fc(t);
    case 0xFE: return tr_op_prefix_fe(t);
    default: return tr_fail_malformed(t, "illegal opcode");
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
        return tr_fail_read(t);
    /* First pass: count, so the type array is allocated once. */
    probe = t->r;
    for (uint32_t i = 0; i < n_groups; i++) {
        uint32_t n;
        uint8_t type;
        if (!rd_u32(&probe, &n) || !rd_u8(&probe, &type)) {
            t->r = probe;
            return tr_fail_read(t);
        }
        total += n;
        if (total > WR_MAX_LOCALS)
            return tr_fail_malformed(t, "too many locals");
        if (!tr_is_value_type(type))
            return tr_fail_malformed(t, "malformed value type");
    }
    t->n_locals = (uint32_t)total;
    t->local_types = mem_alloc(total ? total : 1);
    t->local_refs = mem_calloc(total ? total : 1, sizeof(uint32_t));
    t->zero_locals = mem_calloc(total ? total : 1, 1);
    if (!t->local_types || !t->local_refs || !t->zero_locals)
        return tr_fail(t, "allocate memory failed");
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
            return tr_fail_read(t);
        t->current_op = op;
        if (!translate_op(t, op))
            return false;
    }
    if (t->failed)
        return false;
    if (t->r.pos != t->r.end)
        return tr_fail_malformed(t, "section size mismatch: bytes after the function's end");
    return true;
}

/* ------------------------------------------------------------------ */
/* decoding the rest of an invalid body                                 */
/* ------------------------------------------------------------------ */

/* blocktype -> 0x40 | valtype | typeidx:s33, decoded without checks */
static bool skip_block_type(Reader *r)
{
    int64_t idx;
    if (r->pos < r->end && (*r->pos == 0x40 || tr_is_value_type(*r->pos))) {
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
        if (!tr_read_zero_byte(t))
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
    default: return tr_fail_malformed(t, "illegal opcode");
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
    return tr_fail_malformed(t, "illegal opcode");
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
    default: return tr_fail_malformed(t, "illegal opcode");
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
                tr_fail_read(t);
            break;
        }
    }
    if (!t->malformed && depth == 0 && t->r.pos != t->r.end)
        tr_fail_malformed(t, "section size mismatch: bytes after the function's end");
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
    t.last_op_pos = t.prev_op_pos = NO_POS;
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
