/* Translation of the instruction families that produce and consume
 * values: binary operations with immediates and memory operands, locals and
 * globals, select, memory accesses, atomics, references and tables, and the
 * numeric opcode table (see translate_internal.h for the split). */
#include <string.h>

#include "../common/error.h"
#include "../config.h"
#include "../interp/interp.h"
#include "../mem/mem.h"
#include "translate_internal.h"

/* ------------------------------------------------------------------ */
/* value producers                                                      */
/* ------------------------------------------------------------------ */

/* Emits op with a fresh destination for a result of type rt, followed by
 * nothing yet: the caller appends the remaining operands. The destination
 * word is remembered so a following local.set can retarget it. */
static void emit_producer(Translator *t, IopCode op, uint8_t rt)
{
    uint32_t dst = tr_push(t, rt);
    if (tr_is_dead(t))
        return;
    tr_emit_op(t, op);
    t->fold_word = t->code_len;
    t->fold_height = t->height;
    t->fold_op = op;
    tr_emit_word(t, dst);
}

static bool op_unary(Translator *t, IopCode op, uint8_t in, uint8_t out)
{
    Entry a;
    if (!tr_pop_expect(t, in, &a))
        return false;
    emit_producer(t, op, out);
    if (!tr_is_dead(t))
        tr_emit_word(t, a.slot);
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
    case IOP_I32_DIV_U:
    case IOP_I32_REM_U:
        /* a constant divisor other than zero: no trap to check at run time */
        if ((uint32_t)v == 0)
            return false;
        *out_op = op == IOP_I32_DIV_U ? IOP_I32_DIV_U_IMM : IOP_I32_REM_U_IMM;
        *out_imm = (uint32_t)v;
        return true;
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

/* When e is the result of op (an operation of three operand words: D and
 * two more, e.g. "DAI" or "DAB") emitted just before (no instruction and no
 * label since), takes it back: its other two words in *out_x and *out_k. */
static bool take_op3(Translator *t, const Entry *e, IopCode op, uint32_t *out_x,
                        uint32_t *out_k)
{
    if (!e->is_const && e->slot >= t->n_locals)
        tr_unpair_last(t, op, 4, e->slot);
    uint32_t d = t->fold_word;
    if (d == NO_POS || t->fold_op != op || t->code_len != d + 3 || e->is_const ||
        e->slot < t->n_locals || t->code[d] != e->slot || tr_is_dead(t))
        return false;
    *out_x = t->code[d + 1];
    *out_k = t->code[d + 2];
    tr_take_back(t, d - 1);
    return true;
}

/* Emits the second half of pair, an op of a destination and two words,
 * into the last instruction, which tr_merge_into_last made the pair. */
static bool emit_second_half(Translator *t, IopCode pair, uint8_t out, uint32_t w1, uint32_t w2)
{
    uint32_t dst = tr_push(t, out);
    t->fold_word = t->code_len;
    t->fold_height = t->height;
    t->fold_op = pair;
    tr_emit_word(t, dst);
    tr_emit_word(t, w1);
    tr_emit_word(t, w2);
    return !t->failed;
}

static bool emit_binary_imm(Translator *t, IopCode op, uint8_t out, Entry *reg, uint32_t imm)
{
    uint32_t x, k;
    tr_materialize(t, reg);
    if (op == IOP_I32_AND_IMM && take_op3(t, reg, IOP_I32_SHR_U_IMM, &x, &k)) {
        emit_producer(t, IOP_I32_SHR_U_AND_IMM, out);
        tr_emit_word(t, x);
        tr_emit_word(t, k);
        tr_emit_word(t, imm);
        return !t->failed;
    }
    /* a second add of an immediate in a row: one I32_ADD_IMM2 */
    if (op == IOP_I32_ADD_IMM && tr_merge_into_last(t, IOP_I32_ADD_IMM, 4, IOP_I32_ADD_IMM2))
        return emit_second_half(t, IOP_I32_ADD_IMM2, out, reg->slot, imm);
    emit_producer(t, op, out);
    if (!tr_is_dead(t)) {
        tr_emit_word(t, reg->slot);
        tr_emit_word(t, imm);
    }
    return !t->failed;
}

/* The form of f64 op with a constant right operand (swapped: the constant
 * is on the left, and the form computes the same with the operands
 * exchanged, exact for IEEE add, mul and compares). */
static bool f64_imm_form(IopCode op, bool swapped, IopCode *out)
{
    static const IopCode forms[][3] = {
        /* op, constant on the right, constant on the left */
        {IOP_F64_ADD, IOP_F64_ADD_IMM, IOP_F64_ADD_IMM},
        {IOP_F64_MUL, IOP_F64_MUL_IMM, IOP_F64_MUL_IMM},
        {IOP_F64_SUB, IOP_F64_SUB_IMM, IOP_COUNT},
        {IOP_F64_DIV, IOP_F64_DIV_IMM, IOP_COUNT},
        {IOP_F64_LT, IOP_F64_LT_IMM, IOP_F64_GT_IMM},
        {IOP_F64_GT, IOP_F64_GT_IMM, IOP_F64_LT_IMM},
        {IOP_F64_LE, IOP_F64_LE_IMM, IOP_F64_GE_IMM},
        {IOP_F64_GE, IOP_F64_GE_IMM, IOP_F64_LE_IMM},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        if (forms[i][0] == op) {
            *out = forms[i][swapped ? 2 : 1];
            return *out != IOP_COUNT;
        }
    }
    return false;
}

static bool emit_binary_imm64(Translator *t, IopCode op, uint8_t out, Entry *reg, uint64_t imm)
{
    tr_materialize(t, reg);
    emit_producer(t, op, out);
    if (!tr_is_dead(t)) {
        tr_emit_word(t, reg->slot);
        tr_emit_word(t, (uint32_t)imm);
        tr_emit_word(t, (uint32_t)(imm >> 32));
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
    if (d == NO_POS || e->is_const || e->slot < t->n_locals || tr_is_dead(t) || t->code[d] != e->slot)
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
    tr_take_back(t, d - 1);
    return true;
}

static bool emit_binary_mem(Translator *t, IopCode op, uint8_t out, Entry *reg,
                            const uint32_t addr[3])
{
    tr_materialize(t, reg);
    emit_producer(t, mem_form(op), out);
    tr_emit_word(t, reg->slot);
    tr_emit_word(t, addr[0]);
    tr_emit_word(t, addr[1]);
    tr_emit_word(t, addr[2]);
    return !t->failed;
}


/* An operation "DABC" on slots x and y (from an instruction taken back)
 * and c: F64_MUL_ADD, F64_MUL_SUB, F64_MUL_RSUB, I32_ADD3. */
static bool emit_fused3(Translator *t, IopCode op, uint8_t type, uint32_t x, uint32_t y,
                        const Entry *c)
{
    emit_producer(t, op, type);
    tr_emit_word(t, x);
    tr_emit_word(t, y);
    tr_emit_word(t, c->slot);
    return !t->failed;
}

/* a op (x shifted by k): I32_XOR_ROTL, I32_XOR_SHR_U. */
static bool emit_mixed(Translator *t, IopCode op, Entry *a, uint32_t x, uint32_t k)
{
    uint32_t rot = op == IOP_I32_XOR_ROTL && a->slot >= t->n_locals
                       ? tr_last_op_if(t, IOP_I32_ROTL_IMM, 4)
                       : NO_POS;
    if (rot != NO_POS && t->code[rot + 1] == a->slot && x != a->slot) {
        /* the other operand is a rotation too, just before: both in one */
        uint32_t y = t->code[rot + 2], j = t->code[rot + 3];
        tr_take_back(t, rot);
        emit_producer(t, IOP_I32_ROTL_XOR_ROTL, VT_I32);
        tr_emit_word(t, y);
        tr_emit_word(t, j);
        tr_emit_word(t, x);
        tr_emit_word(t, k);
        return !t->failed;
    }
    emit_producer(t, op, VT_I32);
    tr_emit_word(t, a->slot);
    tr_emit_word(t, x);
    tr_emit_word(t, k);
    return !t->failed;
}

/* a + (x << k): one instruction for C's array indexing. */
static bool emit_add_shl(Translator *t, Entry *a, uint32_t x, uint32_t k)
{
    tr_materialize(t, a);
    emit_producer(t, IOP_I32_ADD_SHL, VT_I32);
    tr_emit_word(t, a->slot);
    tr_emit_word(t, x);
    tr_emit_word(t, k);
    return !t->failed;
}

static bool op_binary(Translator *t, IopCode op, uint8_t in, uint8_t out)
{
    Entry a, b;
    IopCode imm_op, swapped;
    uint32_t imm, addr[3], x, k;

    if (!tr_pop_operand(t, in, &b) || !tr_pop_operand(t, in, &a))
        return false;
    if (op == IOP_I32_ADD && !a.is_const && take_op3(t, &b, IOP_I32_SHL_IMM, &x, &k))
        return emit_add_shl(t, &a, x, k);
    if (op == IOP_I32_ADD && !b.is_const && b.slot < t->n_locals && take_op3(t, &a, IOP_I32_SHL_IMM, &x, &k))
        return emit_add_shl(t, &b, x, k);
    if (op == IOP_I32_ADD && !a.is_const && !b.is_const) {
        /* a sum just computed, on either side: three terms at once */
        if (take_op3(t, &b, IOP_I32_ADD, &x, &k))
            return emit_fused3(t, IOP_I32_ADD3, VT_I32, x, k, &a);
        if (b.slot < t->n_locals && take_op3(t, &a, IOP_I32_ADD, &x, &k))
            return emit_fused3(t, IOP_I32_ADD3, VT_I32, x, k, &b);
        /* or a product: multiply-accumulate */
        if (take_op3(t, &b, IOP_I32_MUL, &x, &k))
            return emit_fused3(t, IOP_I32_MUL_ADD, VT_I32, x, k, &a);
        if (b.slot < t->n_locals && take_op3(t, &a, IOP_I32_MUL, &x, &k))
            return emit_fused3(t, IOP_I32_MUL_ADD, VT_I32, x, k, &b);
    }
    if (op == IOP_F64_MUL && !a.is_const && !b.is_const) {
        /* a product of three, rounded after each multiply as wasm does */
        if (take_op3(t, &b, IOP_F64_MUL, &x, &k))
            return emit_fused3(t, IOP_F64_MUL3, VT_F64, x, k, &a);
        if (b.slot < t->n_locals && take_op3(t, &a, IOP_F64_MUL, &x, &k))
            return emit_fused3(t, IOP_F64_MUL3, VT_F64, x, k, &b);
    }
    if (op == IOP_I32_XOR && !a.is_const && !b.is_const) {
        /* either operand rotated or shifted just before (the left one only
         * when the right one is a local: then the left one came last) */
        static const IopCode mixed[][2] = {{IOP_I32_ROTL_IMM, IOP_I32_XOR_ROTL},
                                           {IOP_I32_SHR_U_IMM, IOP_I32_XOR_SHR_U}};
        for (size_t i = 0; i < 2; i++) {
            if (take_op3(t, &b, mixed[i][0], &x, &k))
                return emit_mixed(t, mixed[i][1], &a, x, k);
            if (b.slot < t->n_locals && take_op3(t, &a, mixed[i][0], &x, &k))
                return emit_mixed(t, mixed[i][1], &b, x, k);
        }
    }
    if ((op == IOP_F64_ADD || op == IOP_F64_SUB) && !a.is_const && !b.is_const) {
        /* a product just computed, on either side (the left one only when the
         * right one is a local: then the left one came last) */
        if (take_op3(t, &b, IOP_F64_MUL, &x, &k))
            return emit_fused3(t, op == IOP_F64_ADD ? IOP_F64_MUL_ADD : IOP_F64_MUL_RSUB, VT_F64, x, k, &a);
        if (b.slot < t->n_locals && take_op3(t, &a, IOP_F64_MUL, &x, &k))
            return emit_fused3(t, op == IOP_F64_ADD ? IOP_F64_MUL_ADD : IOP_F64_MUL_SUB, VT_F64, x, k, &b);
    }
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
    if (b.is_const && f64_imm_form(op, false, &imm_op))
        return emit_binary_imm64(t, imm_op, out, &a, b.value);
    if (a.is_const && !b.is_const && f64_imm_form(op, true, &imm_op))
        return emit_binary_imm64(t, imm_op, out, &b, a.value);
    tr_materialize(t, &a);
    tr_materialize(t, &b);
    /* a second add of two slots in a row: one I32_ADD2 */
    if (op == IOP_I32_ADD && tr_merge_into_last(t, IOP_I32_ADD, 4, IOP_I32_ADD2))
        return emit_second_half(t, IOP_I32_ADD2, out, a.slot, b.slot);
    emit_producer(t, op, out);
    if (!tr_is_dead(t)) {
        tr_emit_word(t, a.slot);
        tr_emit_word(t, b.slot);
    }
    return !t->failed;
}

bool tr_op_const32(Translator *t, uint8_t type, uint32_t bits)
{
    return tr_push_const(t, type, bits);
}

bool tr_op_const64(Translator *t, uint8_t type, uint64_t bits)
{
    return tr_push_const(t, type, bits);
}

/* ------------------------------------------------------------------ */
/* locals and globals                                                   */
/* ------------------------------------------------------------------ */

static bool read_local(Translator *t, uint32_t *out)
{
    if (!rd_u32(&t->r, out))
        return tr_fail_read(t);
    if (*out >= t->n_locals)
        return tr_fail_index(t, "unknown local", *out);
    return true;
}

bool tr_op_local_get(Translator *t)
{
    uint32_t x;
    if (!read_local(t, &x))
        return false;
    return tr_push_entry(t, t->local_types[x], x);
}

/* Can the value on top be produced straight into local x? */
static bool can_fold_into(Translator *t, uint32_t x)
{
    return t->fold_word != NO_POS && t->fold_height == t->height &&
           !t->stack[t->height - 1].is_const &&
           t->stack[t->height - 1].slot == tr_home(t, t->height - 1) && t->local_refs[x] == 0 &&
           !tr_is_dead(t);
}

bool tr_op_local_set(Translator *t, bool tee)
{
    uint32_t x;
    Entry e;
    if (!read_local(t, &x))
        return false;
    bool was_zero = t->zero_tracking && t->zero_locals[x];
    t->zero_locals[x] = 0;
    if (can_fold_into(t, x)) {
        if (t->stack[t->height - 1].type != t->local_types[x])
            return tr_fail_type(t, t->local_types[x], t->stack[t->height - 1].type);
        t->code[t->fold_word] = x;
        tr_forget_fusions(t);
        t->height--;
        if (tee)
            tr_push_entry(t, t->local_types[x], x);
        return !t->failed;
    }
    if (!tr_pop_operand(t, t->local_types[x], &e))
        return false;
    if (was_zero && e.is_const && e.value == 0) {
        t->zero_locals[x] = 1; /* it already holds this zero */
        if (tee)
            tr_push_const(t, e.type, e.value);
        return !t->failed;
    }
    tr_preserve_local(t, x);
    tr_emit_value_to(t, x, &e);
    tr_forget_fusions(t);
    if (tee && e.is_const)
        tr_push_const(t, e.type, e.value);
    else if (tee)
        tr_push_entry(t, t->local_types[x], e.slot);
    return !t->failed;
}

bool tr_op_global_get(Translator *t)
{
    uint32_t g;
    if (!rd_u32(&t->r, &g))
        return tr_fail_read(t);
    if (g >= t->m->n_globals)
        return tr_fail_index(t, "unknown global", g);
    emit_producer(t, IOP_GLOBAL_GET, t->m->global_types[g].val_type);
    if (!tr_is_dead(t))
        tr_emit_word(t, g);
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

bool tr_op_global_set(Translator *t)
{
    uint32_t g;
    Entry e;
    if (!rd_u32(&t->r, &g))
        return tr_fail_read(t);
    if (g >= t->m->n_globals)
        return tr_fail_index(t, "unknown global", g);
    if (!t->m->global_types[g].is_mutable)
        return tr_fail(t, "global is immutable");
    if (!tr_pop_expect(t, t->m->global_types[g].val_type, &e))
        return false;
    if (!tr_is_dead(t)) {
        bool sp = (int32_t)g == aux_stack_global(t->m);
        tr_emit_op(t, sp ? IOP_GLOBAL_SET_SP : IOP_GLOBAL_SET);
        tr_emit_word(t, e.slot);
        tr_emit_word(t, g);
    }
    return true;
}

/* select, select t* -> the typed form carries a vector of one value type */
bool tr_op_select(Translator *t, bool typed)
{
    Entry cond, a, b;
    uint8_t want = VT_UNKNOWN;
    if (typed) {
        uint32_t n;
        const uint8_t *types;
        if (!rd_u32(&t->r, &n) || !rd_bytes(&t->r, n, &types))
            return tr_fail_read(t);
        for (uint32_t i = 0; i < n; i++)
            if (!tr_is_value_type(types[i]))
                return tr_fail_malformed(t, "malformed value type");
        if (n != 1)
            return tr_fail(t, "invalid result arity");
        want = types[0];
    }
    if (!tr_pop_expect(t, VT_I32, &cond) || !tr_pop_expect(t, want, &b) || !tr_pop_expect(t, want, &a))
        return false;
    uint8_t type = want;
    if (!typed) {
        if (vt_is_ref(a.type) || vt_is_ref(b.type) || a.type == VT_V128 || b.type == VT_V128)
            return tr_fail(t, "type mismatch: select needs numeric operands");
        if (a.type != b.type && a.type != VT_UNKNOWN && b.type != VT_UNKNOWN)
            return tr_fail_type(t, a.type, b.type);
        type = a.type != VT_UNKNOWN ? a.type : b.type;
    }
    emit_producer(t, IOP_SELECT, type);
    if (!tr_is_dead(t)) {
        tr_emit_word(t, a.slot);
        tr_emit_word(t, b.slot);
        tr_emit_word(t, cond.slot);
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
        return tr_fail_read(t);
    if (t->m->n_memories == 0)
        return tr_fail_index(t, "unknown memory", 0);
    if (align > max_align)
        return tr_fail(t, "alignment must not be larger than natural");
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
    return take_op3(t, addr, IOP_I32_ADD_IMM, out_base, out_imm);
}

/* The access at a constant address, for the widths that have one. */
static IopCode abs_form(IopCode op, uint8_t type)
{
    switch (op) {
    case IOP_I32_LOAD: return IOP_I32_LOAD_ABS;
    case IOP_I64_LOAD: return IOP_I64_LOAD_ABS;
    case IOP_I32_STORE: return type == VT_I32 || type == VT_F32 ? IOP_I32_STORE_ABS : IOP_COUNT;
    case IOP_I64_STORE: return type == VT_I64 || type == VT_F64 ? IOP_I64_STORE_ABS : IOP_COUNT;
    default: return IOP_COUNT;
    }
}

/* When the address is the I32_ADD_SHL emitted just before (no instruction
 * and no label since), takes it back: base, index and shift in out[]. */
static bool take_add_shl(Translator *t, const Entry *addr, uint32_t out[3])
{
    uint32_t d = t->fold_word;
    if (d == NO_POS || t->fold_op != IOP_I32_ADD_SHL || t->code_len != d + 4 || addr->is_const ||
        addr->slot < t->n_locals || t->code[d] != addr->slot || tr_is_dead(t))
        return false;
    out[0] = t->code[d + 1];
    out[1] = t->code[d + 2];
    out[2] = t->code[d + 3];
    tr_take_back(t, d - 1);
    return true;
}

/* `x[i] += v` in f64: when the stored value is the F64_ADD_MEM emitted just
 * before (no instruction and no label since), reading the very address the
 * store writes, both become one read-modify-write. */
static bool take_add_to_mem(Translator *t, const Entry *addr, const Entry *val, uint32_t offset)
{
    uint32_t d = t->fold_word;
    if (d == NO_POS || t->fold_op != IOP_F64_ADD_MEM || t->code_len != d + 5 || val->is_const ||
        addr->is_const || val->slot < t->n_locals || t->code[d] != val->slot ||
        t->code[d + 2] != addr->slot || t->code[d + 3] != 0 || t->code[d + 4] != offset ||
        tr_is_dead(t))
        return false;
    uint32_t a = t->code[d + 1];
    tr_take_back(t, d - 1);
    uint32_t mul = tr_last_op_if(t, IOP_F64_MUL_MEM, 6);
    if (mul != NO_POS && t->code[mul + 1] == a && a >= t->n_locals) {
        /* and the value added is a product with memory just computed */
        uint32_t factor = t->code[mul + 2], base = t->code[mul + 3], imm = t->code[mul + 4],
                 off = t->code[mul + 5];
        tr_take_back(t, mul);
        tr_emit_op(t, IOP_F64_MULADD_TO_MEM);
        tr_emit_word(t, factor);
        tr_emit_word(t, addr->slot);
        tr_emit_word(t, 0);
        tr_emit_word(t, offset);
        tr_emit_word(t, base);
        tr_emit_word(t, imm);
        tr_emit_word(t, off);
        return true;
    }
    mul = tr_last_op_if(t, IOP_F64_MUL, 4);
    if (mul != NO_POS && t->code[mul + 1] == a && a >= t->n_locals) {
        /* a product of two slots */
        uint32_t x = t->code[mul + 2], y = t->code[mul + 3];
        tr_take_back(t, mul);
        tr_emit_op(t, IOP_F64_MUL_ADD_TO_MEM);
        tr_emit_word(t, x);
        tr_emit_word(t, y);
        tr_emit_word(t, addr->slot);
        tr_emit_word(t, 0);
        tr_emit_word(t, offset);
        return true;
    }
    tr_emit_op(t, IOP_F64_ADD_TO_MEM);
    tr_emit_word(t, a);
    tr_emit_word(t, addr->slot);
    tr_emit_word(t, 0);
    tr_emit_word(t, offset);
    return true;
}

/* `p->n += k`: when the stored value is an I32_ADD_IMM emitted just before,
 * whose operand the I32_LOAD before it read from the very address the store
 * writes (no other instruction and no label between), all three become one.
 * The load's destination is still written: the old value may be used. */
static bool take_load_add_store(Translator *t, const Entry *addr, const Entry *val,
                                uint32_t offset)
{
    uint32_t d = t->fold_word, p = t->prev_op_pos;
    if (d == NO_POS || t->fold_op != IOP_I32_ADD_IMM || t->code_len != d + 3 || val->is_const ||
        addr->is_const || val->slot < t->n_locals || t->code[d] != val->slot ||
        t->last_op_pos != d - 1 || p == NO_POS || p + 4 != d - 1 || tr_is_dead(t) ||
        t->code[p] != interp_handler_word(IOP_I32_LOAD) || t->code[p + 1] != t->code[d + 1] ||
        t->code[p + 2] != addr->slot || t->code[p + 3] != offset || t->code[p + 1] == addr->slot)
        return false;
    uint32_t loaded = t->code[p + 1], imm = t->code[d + 2];
    tr_take_back(t, d - 1);
    tr_take_back(t, p);
    tr_emit_op(t, IOP_I32_LOAD_ADD_IMM_STORE);
    tr_emit_word(t, loaded);
    tr_emit_word(t, addr->slot);
    tr_emit_word(t, imm);
    tr_emit_word(t, offset);
    return true;
}

static bool op_load(Translator *t, IopCode op, uint8_t type, uint32_t max_align)
{
    uint32_t offset, base, imm;
    Entry addr;
    if (!read_memarg(t, max_align, &offset) || !tr_pop_operand(t, VT_I32, &addr))
        return false;
    IopCode abs_op = abs_form(op, type);
    if (abs_op != IOP_COUNT && addr.is_const &&
        (uint64_t)(uint32_t)addr.value + offset <= UINT32_MAX) {
        emit_producer(t, abs_op, type);
        if (!tr_is_dead(t))
            tr_emit_word(t, (uint32_t)addr.value + offset);
        return !t->failed;
    }
    uint32_t index[3];
    IopCode shl_op = op == IOP_I32_LOAD ? IOP_I32_LOAD_SHL : op == IOP_I64_LOAD ? IOP_I64_LOAD_SHL
                                                                                 : IOP_COUNT;
    if (shl_op != IOP_COUNT && take_add_shl(t, &addr, index)) {
        emit_producer(t, shl_op, type);
        tr_emit_word(t, index[0]);
        tr_emit_word(t, index[1]);
        tr_emit_word(t, index[2]);
        tr_emit_word(t, offset);
        return !t->failed;
    }
    IopCode idx_op = op == IOP_I32_LOAD8_U    ? IOP_I32_LOAD8_U_IDX
                     : op == IOP_I32_LOAD16_U ? IOP_I32_LOAD16_U_IDX
                     : op == IOP_I32_LOAD16_S ? IOP_I32_LOAD16_S_IDX
                     : op == IOP_I32_LOAD     ? IOP_I32_LOAD_IDX
                                              : IOP_COUNT;
    if (idx_op != IOP_COUNT && take_op3(t, &addr, IOP_I32_ADD, &index[0], &index[1])) {
        emit_producer(t, idx_op, type);
        tr_emit_word(t, index[0]);
        tr_emit_word(t, index[1]);
        tr_emit_word(t, offset);
        return !t->failed;
    }
    if (add_form(op) != IOP_COUNT && take_address_add(t, &addr, &base, &imm)) {
        uint32_t shl = op == IOP_I32_LOAD && base >= t->n_locals
                           ? tr_last_op_if(t, IOP_I32_SHL_IMM, 4)
                           : NO_POS;
        if (shl != NO_POS && t->code[shl + 1] == base) {
            /* and the base was scaled just before: a static table's element */
            uint32_t x = t->code[shl + 2], k = t->code[shl + 3];
            tr_take_back(t, shl);
            emit_producer(t, IOP_I32_LOAD_SHL_IMM, type);
            tr_emit_word(t, x);
            tr_emit_word(t, k);
            tr_emit_word(t, imm);
            tr_emit_word(t, offset);
            return !t->failed;
        }
        emit_producer(t, add_form(op), type);
        tr_emit_word(t, base);
        tr_emit_word(t, imm);
        tr_emit_word(t, offset);
        return !t->failed;
    }
    tr_materialize(t, &addr);
    emit_producer(t, op, type);
    if (!tr_is_dead(t)) {
        tr_emit_word(t, addr.slot);
        tr_emit_word(t, offset);
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
    if (!read_memarg(t, max_align, &offset) || !tr_pop_operand(t, type, &val) ||
        !tr_pop_operand(t, VT_I32, &addr))
        return false;
    IopCode with_imm = store_imm_form(op, type, &val);
    uint32_t x, y;
    if (with_imm == IOP_I32_STORE8_IMM && take_op3(t, &addr, IOP_I32_ADD, &x, &y)) {
        tr_emit_op(t, IOP_I32_STORE8_IMM_IDX);
        tr_emit_word(t, x);
        tr_emit_word(t, y);
        tr_emit_word(t, (uint32_t)val.value);
        tr_emit_word(t, offset);
        return !t->failed;
    }
    if (with_imm != IOP_COUNT) {
        tr_materialize(t, &addr);
        if (!tr_is_dead(t)) {
            tr_emit_op(t, with_imm);
            tr_emit_word(t, addr.slot);
            tr_emit_word(t, (uint32_t)val.value);
            tr_emit_word(t, offset);
        }
        return !t->failed;
    }
    if (op == IOP_I64_STORE && take_add_to_mem(t, &addr, &val, offset))
        return !t->failed;
    if (op == IOP_I32_STORE && type == VT_I32 && take_load_add_store(t, &addr, &val, offset))
        return !t->failed;
    IopCode abs_op = abs_form(op, type);
    if (abs_op != IOP_COUNT && addr.is_const &&
        (uint64_t)(uint32_t)addr.value + offset <= UINT32_MAX) {
        tr_materialize(t, &val);
        if (!tr_is_dead(t)) {
            tr_emit_op(t, abs_op);
            tr_emit_word(t, val.slot);
            tr_emit_word(t, (uint32_t)addr.value + offset);
        }
        return !t->failed;
    }
    bool fused = add_form(op) != IOP_COUNT && take_address_add(t, &addr, &base, &imm);
    tr_materialize(t, &val);
    if (fused) {
        tr_emit_op(t, add_form(op));
        tr_emit_word(t, base);
        tr_emit_word(t, val.slot);
        tr_emit_word(t, imm);
        tr_emit_word(t, offset);
        return !t->failed;
    }
    tr_materialize(t, &addr);
    if (!tr_is_dead(t)) {
        tr_emit_op(t, op);
        tr_emit_word(t, addr.slot);
        tr_emit_word(t, val.slot);
        tr_emit_word(t, offset);
    }
    return true;
}

bool tr_read_zero_byte(Translator *t)
{
    uint8_t b;
    if (!rd_u8(&t->r, &b))
        return tr_fail_read(t);
    if (b != 0)
        return tr_fail_malformed(t, "zero byte expected");
    return true;
}

static bool need_memory(Translator *t)
{
    if (t->m->n_memories == 0)
        return tr_fail_index(t, "unknown memory", 0);
    return true;
}

static bool op_memory_size_grow(Translator *t, bool grow)
{
    Entry n;
    if (!tr_read_zero_byte(t) || !need_memory(t))
        return false;
    if (grow && !tr_pop_expect(t, VT_I32, &n))
        return false;
    emit_producer(t, grow ? IOP_MEMORY_GROW : IOP_MEMORY_SIZE, VT_I32);
    if (grow && !tr_is_dead(t))
        tr_emit_word(t, n.slot);
    return !t->failed;
}

/* Pops three operands (types c, b, a from the top) and emits op A B C. */
static bool emit_three(Translator *t, IopCode op, uint8_t ta, uint8_t tb, uint8_t tc)
{
    Entry a, b, c;
    if (!tr_pop_expect(t, tc, &c) || !tr_pop_expect(t, tb, &b) || !tr_pop_expect(t, ta, &a))
        return false;
    if (!tr_is_dead(t)) {
        tr_emit_op(t, op);
        tr_emit_word(t, a.slot);
        tr_emit_word(t, b.slot);
        tr_emit_word(t, c.slot);
    }
    return true;
}

/* Without a data count section the segment count is unknown until the data
 * section, after the code: the index is recorded and judged there. */
static bool read_data_index(Translator *t, uint32_t *out)
{
    if (!rd_u32(&t->r, out))
        return tr_fail_read(t);
    if (!t->m->has_data_count && *out >= t->m->data_refs_without_count)
        t->m->data_refs_without_count = *out + 1;
    return true;
}

static bool check_data_index(Translator *t, uint32_t seg)
{
    if (t->m->has_data_count && seg >= t->m->data_count)
        return tr_fail_index(t, "unknown data segment", seg);
    return true;
}

static bool op_memory_init(Translator *t)
{
    uint32_t seg;
    if (!read_data_index(t, &seg) || !tr_read_zero_byte(t) || !need_memory(t) ||
        !check_data_index(t, seg))
        return false;
    if (!emit_three(t, IOP_MEMORY_INIT, VT_I32, VT_I32, VT_I32))
        return false;
    if (!tr_is_dead(t))
        tr_emit_word(t, seg);
    return true;
}

static bool op_data_drop(Translator *t)
{
    uint32_t seg;
    if (!read_data_index(t, &seg) || !check_data_index(t, seg))
        return false;
    if (!tr_is_dead(t)) {
        tr_emit_op(t, IOP_DATA_DROP);
        tr_emit_word(t, seg);
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
        return tr_fail_read(t);
    if (t->m->n_memories == 0)
        return tr_fail_index(t, "unknown memory", 0);
    if (align >= 32 || (1u << align) > size)
        return tr_fail(t, "alignment must not be larger than natural");
    if ((1u << align) != size)
        return tr_fail(t, "alignment must be exactly natural for atomics");
    return true;
}

/* Pops n operands of the given types (last first) into slots. */
static bool pop_slots(Translator *t, const uint8_t *types, uint32_t n, uint32_t *out_slots)
{
    Entry e;
    for (uint32_t i = n; i-- > 0;) {
        if (!tr_pop_expect(t, types[i], &e))
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
    uint32_t dst = out ? tr_push(t, out) : 0;
    if (tr_is_dead(t))
        return !t->failed;
    tr_emit_op(t, op);
    if (out)
        tr_emit_word(t, dst);
    for (uint32_t i = 0; i < n_in; i++)
        tr_emit_word(t, slots[i]);
    tr_emit_word(t, offset);
    if (op != IOP_ATOMIC_NOTIFY)
        tr_emit_word(t, info);
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

bool tr_op_prefix_fe(Translator *t)
{
    static const uint8_t notify_in[2] = {VT_I32, VT_I32};
    static const uint8_t wait32_in[3] = {VT_I32, VT_I32, VT_I64};
    static const uint8_t wait64_in[3] = {VT_I32, VT_I64, VT_I64};
    uint32_t sub, offset;

    if (!rd_u32(&t->r, &sub))
        return tr_fail_read(t);
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
        if (!tr_read_zero_byte(t))
            return false;
        if (!tr_is_dead(t))
            tr_emit_op(t, IOP_ATOMIC_FENCE);
        return true;
    default:
        if (sub >= 0x10 && sub <= 0x4E)
            return op_atomic_access(t, sub);
        return tr_fail_malformed(t, "illegal opcode");
    }
}

/* ------------------------------------------------------------------ */
/* references and tables                                                */
/* ------------------------------------------------------------------ */

static bool read_table(Translator *t, uint32_t *out)
{
    if (!rd_u32(&t->r, out))
        return tr_fail_read(t);
    if (*out >= t->m->n_tables)
        return tr_fail_index(t, "unknown table", *out);
    return true;
}

static bool read_elem(Translator *t, uint32_t *out)
{
    if (!rd_u32(&t->r, out))
        return tr_fail_read(t);
    if (*out >= t->m->n_elems)
        return tr_fail_index(t, "unknown elem segment", *out);
    return true;
}

bool tr_op_ref_null(Translator *t)
{
    uint8_t rt;
    if (!rd_u8(&t->r, &rt))
        return tr_fail_read(t);
    if (!vt_is_ref(rt))
        return tr_fail_malformed(t, "malformed reference type");
    emit_producer(t, IOP_REF_NULL, rt);
    return !t->failed;
}

bool tr_op_ref_is_null(Translator *t)
{
    Entry a;
    if (!tr_pop_expect(t, VT_UNKNOWN, &a))
        return false;
    if (!vt_is_ref(a.type) && a.type != VT_UNKNOWN)
        return tr_fail(t, "type mismatch: ref.is_null needs a reference");
    emit_producer(t, IOP_REF_IS_NULL, VT_I32);
    if (!tr_is_dead(t))
        tr_emit_word(t, a.slot);
    return !t->failed;
}

bool tr_op_ref_func(Translator *t)
{
    uint32_t f;
    if (!rd_u32(&t->r, &f))
        return tr_fail_read(t);
    if (f >= t->m->n_func_imports + t->m->n_funcs)
        return tr_fail_index(t, "unknown function", f);
    if (!t->m->func_declared || !t->m->func_declared[f])
        return tr_fail(t, "undeclared function reference");
    emit_producer(t, IOP_REF_FUNC, VT_FUNCREF);
    if (!tr_is_dead(t))
        tr_emit_word(t, f);
    return !t->failed;
}

bool tr_op_table_get(Translator *t)
{
    uint32_t x;
    Entry i;
    if (!read_table(t, &x) || !tr_pop_expect(t, VT_I32, &i))
        return false;
    emit_producer(t, IOP_TABLE_GET, t->m->table_types[x].elem_type);
    if (!tr_is_dead(t)) {
        tr_emit_word(t, i.slot);
        tr_emit_word(t, x);
    }
    return !t->failed;
}

bool tr_op_table_set(Translator *t)
{
    uint32_t x;
    Entry i, v;
    if (!read_table(t, &x) || !tr_pop_expect(t, t->m->table_types[x].elem_type, &v) ||
        !tr_pop_expect(t, VT_I32, &i))
        return false;
    if (!tr_is_dead(t)) {
        tr_emit_op(t, IOP_TABLE_SET);
        tr_emit_word(t, i.slot);
        tr_emit_word(t, v.slot);
        tr_emit_word(t, x);
    }
    return true;
}

static bool op_table_size(Translator *t)
{
    uint32_t x;
    if (!read_table(t, &x))
        return false;
    emit_producer(t, IOP_TABLE_SIZE, VT_I32);
    if (!tr_is_dead(t))
        tr_emit_word(t, x);
    return !t->failed;
}

static bool op_table_grow(Translator *t)
{
    uint32_t x;
    Entry init, n;
    if (!read_table(t, &x) || !tr_pop_expect(t, VT_I32, &n) ||
        !tr_pop_expect(t, t->m->table_types[x].elem_type, &init))
        return false;
    emit_producer(t, IOP_TABLE_GROW, VT_I32);
    if (!tr_is_dead(t)) {
        tr_emit_word(t, init.slot);
        tr_emit_word(t, n.slot);
        tr_emit_word(t, x);
    }
    return !t->failed;
}

static bool op_table_fill(Translator *t)
{
    uint32_t x;
    if (!read_table(t, &x) ||
        !emit_three(t, IOP_TABLE_FILL, VT_I32, t->m->table_types[x].elem_type, VT_I32))
        return false;
    if (!tr_is_dead(t))
        tr_emit_word(t, x);
    return true;
}

/* table.copy -> dst:tableidx src:tableidx */
static bool op_table_copy(Translator *t)
{
    uint32_t dst, src;
    if (!read_table(t, &dst) || !read_table(t, &src))
        return false;
    if (t->m->table_types[dst].elem_type != t->m->table_types[src].elem_type)
        return tr_fail(t, "type mismatch: table.copy between tables of different types");
    if (!emit_three(t, IOP_TABLE_COPY, VT_I32, VT_I32, VT_I32))
        return false;
    if (!tr_is_dead(t)) {
        tr_emit_word(t, dst);
        tr_emit_word(t, src);
    }
    return true;
}

/* table.init -> elemidx:u32 tableidx:u32 */
static bool op_table_init(Translator *t)
{
    uint32_t seg, x;
    if (!rd_u32(&t->r, &seg))
        return tr_fail_read(t);
    /* The table is checked before the segment, as the reference does. */
    if (!read_table(t, &x))
        return false;
    if (seg >= t->m->n_elems)
        return tr_fail_index(t, "unknown elem segment", seg);
    if (t->m->table_types[x].elem_type != t->m->elems[seg].elem_type)
        return tr_fail(t, "type mismatch: table.init element type");
    if (!emit_three(t, IOP_TABLE_INIT, VT_I32, VT_I32, VT_I32))
        return false;
    if (!tr_is_dead(t)) {
        tr_emit_word(t, x);
        tr_emit_word(t, seg);
    }
    return true;
}

static bool op_elem_drop(Translator *t)
{
    uint32_t seg;
    if (!read_elem(t, &seg))
        return false;
    if (!tr_is_dead(t)) {
        tr_emit_op(t, IOP_ELEM_DROP);
        tr_emit_word(t, seg);
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
        return tr_fail_malformed(t, "illegal opcode");
    if (op->iop == IOP_COUNT) {
        /* reinterpret: retype the top entry in place */
        Entry e;
        if (!tr_pop_operand(t, op->in, &e))
            return false;
        if (e.is_const)
            return tr_push_const(t, op->out, e.value);
        return tr_push_entry(t, op->out, e.slot);
    }
    if (op->arity == 1)
        return op_unary(t, (IopCode)op->iop, op->in, op->out);
    return op_binary(t, (IopCode)op->iop, op->in, op->out);
}

bool tr_op_prefix_fc(Translator *t)
{
    uint32_t sub;
    if (!rd_u32(&t->r, &sub))
        return tr_fail_read(t);
    if (sub < 8)
        return op_numeric(t, &sat_ops[sub]);
    switch (sub) {
    case 8: return op_memory_init(t);
    case 9: return op_data_drop(t);
    case 10:
        return tr_read_zero_byte(t) && tr_read_zero_byte(t) && need_memory(t) &&
               emit_three(t, IOP_MEMORY_COPY, VT_I32, VT_I32, VT_I32);
    case 11:
        return tr_read_zero_byte(t) && need_memory(t) &&
               emit_three(t, IOP_MEMORY_FILL, VT_I32, VT_I32, VT_I32);
    case 12: return op_table_init(t);
    case 13: return op_elem_drop(t);
    case 14: return op_table_copy(t);
    case 15: return op_table_grow(t);
    case 16: return op_table_size(t);
    case 17: return op_table_fill(t);
    default: return tr_fail_malformed(t, "illegal opcode");
    }
}

bool tr_op_memory(Translator *t, uint8_t op)
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
    default: return tr_fail_malformed(t, "illegal opcode");
    }
}

/* Numeric opcodes 0x45..0xC4, by the table. */
bool tr_op_numeric_code(Translator *t, uint8_t opcode)
{
    return op_numeric(t, &num_ops[opcode]);
}
