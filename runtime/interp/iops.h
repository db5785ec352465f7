/* The internal instruction set: the single table of every operation the
 * translator emits and the interpreter executes. One line per operation:
 * IOP(name, operands, what it does).
 *
 * Code is a stream of 32-bit words. Each instruction is a handler word
 * (interp_handler_word) followed by its operands, in the order listed:
 *   D  destination slot index       A B C  source slot indices
 *   I  32-bit immediate             L      64-bit immediate (low word first)
 *   T  branch offset in words, relative to the instruction's first word
 *   N  count (br_table: N+1 targets T follow)
 * Slots are 8-byte frame cells addressed from the frame pointer: locals
 * first, then operand stack temporaries at fixed heights. */
#ifndef WR_IOPS_H
#define WR_IOPS_H

/* clang-format off */
#define IOP_LIST(IOP) \
    /* control */ \
    IOP(UNREACHABLE,   "",     "trap: unreachable") \
    IOP(BR,            "T",    "jump") \
    IOP(BR_IF,         "AT",   "jump if A.i32 != 0") \
    IOP(BR_IF_NOT,     "AT",   "jump if A.i32 == 0") \
    IOP(LOOP_BR,       "T",    "backward jump; checks the interrupt flag") \
    IOP(LOOP_BR_IF,    "AT",   "backward jump if A.i32 != 0; checks the interrupt flag") \
    IOP(LOOP_BR_IF_NOT, "AT",  "backward jump if A.i32 == 0; checks the interrupt flag") \
    IOP(BR_TABLE,      "AN",   "jump to target min(A.u32, N) of the N+1 T words that follow") \
    IOP(RETURN,        "",     "return; results already in slots 0..n-1") \
    IOP(CALL,          "II",   "call defined function I1 (code index); frame of callee at slot I2") \
    IOP(CALL_IMPORT,   "II",   "call function I1 of the index space via the instance; frame at I2") \
    IOP(CALL_INDIRECT, "IIAI", "call table I2 element A.u32 checked against type I1; frame at I3") \
    /* moves and constants */ \
    IOP(MOV,           "DA",   "D = A (whole slot)") \
    IOP(CONST32,       "DI",   "D.u32 = I") \
    IOP(CONST64,       "DL",   "D.u64 = L") \
    IOP(SELECT,        "DABC", "D = C.i32 ? A : B") \
    /* variables */ \
    IOP(GLOBAL_GET,    "DI",   "D = global I") \
    IOP(GLOBAL_SET,    "AI",   "global I = A") \
    IOP(GLOBAL_SET_SP, "AI",   "global I = A, the shadow-stack pointer: traps below the stack") \
    /* references and tables */ \
    IOP(REF_NULL,      "D",    "D.ref = NULL") \
    IOP(REF_IS_NULL,   "DA",   "D.i32 = A.ref == NULL") \
    IOP(REF_FUNC,      "DI",   "D.ref = function I of the instance") \
    IOP(TABLE_GET,     "DAI",  "D = table I [A]") \
    IOP(TABLE_SET,     "ABI",  "table I [A] = B") \
    IOP(TABLE_SIZE,    "DI",   "D = size of table I") \
    IOP(TABLE_GROW,    "DABI", "D = grow table I by B entries of A, old size or -1") \
    IOP(TABLE_FILL,    "ABCI", "table I [A .. A+C) = B") \
    IOP(TABLE_COPY,    "ABCII","table I1 [A..] = table I2 [B..], C entries") \
    IOP(TABLE_INIT,    "ABCII","table I1 [A..] = elem segment I2 [B..], C entries") \
    IOP(ELEM_DROP,     "I",    "drop elem segment I") \
    /* memory: loads D = mem[A + I], stores mem[A + I] = B */ \
    IOP(I32_LOAD,      "DAI",  "i32.load, f32.load") \
    IOP(I64_LOAD,      "DAI",  "i64.load, f64.load") \
    IOP(I32_LOAD8_S,   "DAI",  "") \
    IOP(I32_LOAD8_U,   "DAI",  "") \
    IOP(I32_LOAD16_S,  "DAI",  "") \
    IOP(I32_LOAD16_U,  "DAI",  "") \
    IOP(I64_LOAD8_S,   "DAI",  "") \
    IOP(I64_LOAD8_U,   "DAI",  "") \
    IOP(I64_LOAD16_S,  "DAI",  "") \
    IOP(I64_LOAD16_U,  "DAI",  "") \
    IOP(I64_LOAD32_S,  "DAI",  "") \
    IOP(I64_LOAD32_U,  "DAI",  "") \
    IOP(I32_STORE,     "ABI",  "i32.store, f32.store") \
    IOP(I64_STORE,     "ABI",  "i64.store, f64.store") \
    IOP(I32_STORE8,    "ABI",  "i32.store8, i64.store8") \
    IOP(I32_STORE16,   "ABI",  "i32.store16, i64.store16") \
    IOP(I64_STORE32,   "ABI",  "") \
    IOP(MEMORY_SIZE,   "D",    "D = pages") \
    IOP(MEMORY_GROW,   "DA",   "D = grow by A pages, old pages or -1") \
    IOP(MEMORY_FILL,   "ABC",  "mem[A .. A+C) = B.u8") \
    IOP(MEMORY_COPY,   "ABC",  "mem[A..] = mem[B..], C bytes") \
    IOP(MEMORY_INIT,   "ABCI", "mem[A..] = data segment I [B..], C bytes") \
    IOP(DATA_DROP,     "I",    "drop data segment I") \
    /* i32 */ \
    IOP(I32_EQZ, "DA", "") IOP(I32_EQ, "DAB", "") IOP(I32_NE, "DAB", "") \
    IOP(I32_LT_S, "DAB", "") IOP(I32_LT_U, "DAB", "") IOP(I32_GT_S, "DAB", "") \
    IOP(I32_GT_U, "DAB", "") IOP(I32_LE_S, "DAB", "") IOP(I32_LE_U, "DAB", "") \
    IOP(I32_GE_S, "DAB", "") IOP(I32_GE_U, "DAB", "") \
    IOP(I32_CLZ, "DA", "") IOP(I32_CTZ, "DA", "") IOP(I32_POPCNT, "DA", "") \
    IOP(I32_ADD, "DAB", "") IOP(I32_SUB, "DAB", "") IOP(I32_MUL, "DAB", "") \
    IOP(I32_DIV_S, "DAB", "") IOP(I32_DIV_U, "DAB", "") IOP(I32_REM_S, "DAB", "") \
    IOP(I32_REM_U, "DAB", "") IOP(I32_AND, "DAB", "") IOP(I32_OR, "DAB", "") \
    IOP(I32_XOR, "DAB", "") IOP(I32_SHL, "DAB", "") IOP(I32_SHR_S, "DAB", "") \
    IOP(I32_SHR_U, "DAB", "") IOP(I32_ROTL, "DAB", "") IOP(I32_ROTR, "DAB", "") \
    /* i64 (comparisons give i32) */ \
    IOP(I64_EQZ, "DA", "") IOP(I64_EQ, "DAB", "") IOP(I64_NE, "DAB", "") \
    IOP(I64_LT_S, "DAB", "") IOP(I64_LT_U, "DAB", "") IOP(I64_GT_S, "DAB", "") \
    IOP(I64_GT_U, "DAB", "") IOP(I64_LE_S, "DAB", "") IOP(I64_LE_U, "DAB", "") \
    IOP(I64_GE_S, "DAB", "") IOP(I64_GE_U, "DAB", "") \
    IOP(I64_CLZ, "DA", "") IOP(I64_CTZ, "DA", "") IOP(I64_POPCNT, "DA", "") \
    IOP(I64_ADD, "DAB", "") IOP(I64_SUB, "DAB", "") IOP(I64_MUL, "DAB", "") \
    IOP(I64_DIV_S, "DAB", "") IOP(I64_DIV_U, "DAB", "") IOP(I64_REM_S, "DAB", "") \
    IOP(I64_REM_U, "DAB", "") IOP(I64_AND, "DAB", "") IOP(I64_OR, "DAB", "") \
    IOP(I64_XOR, "DAB", "") IOP(I64_SHL, "DAB", "") IOP(I64_SHR_S, "DAB", "") \
    IOP(I64_SHR_U, "DAB", "") IOP(I64_ROTL, "DAB", "") IOP(I64_ROTR, "DAB", "") \
    /* f32 */ \
    IOP(F32_EQ, "DAB", "") IOP(F32_NE, "DAB", "") IOP(F32_LT, "DAB", "") \
    IOP(F32_GT, "DAB", "") IOP(F32_LE, "DAB", "") IOP(F32_GE, "DAB", "") \
    IOP(F32_ABS, "DA", "") IOP(F32_NEG, "DA", "") IOP(F32_CEIL, "DA", "") \
    IOP(F32_FLOOR, "DA", "") IOP(F32_TRUNC, "DA", "") IOP(F32_NEAREST, "DA", "") \
    IOP(F32_SQRT, "DA", "") IOP(F32_ADD, "DAB", "") IOP(F32_SUB, "DAB", "") \
    IOP(F32_MUL, "DAB", "") IOP(F32_DIV, "DAB", "") IOP(F32_MIN, "DAB", "") \
    IOP(F32_MAX, "DAB", "") IOP(F32_COPYSIGN, "DAB", "") \
    /* f64 */ \
    IOP(F64_EQ, "DAB", "") IOP(F64_NE, "DAB", "") IOP(F64_LT, "DAB", "") \
    IOP(F64_GT, "DAB", "") IOP(F64_LE, "DAB", "") IOP(F64_GE, "DAB", "") \
    IOP(F64_ABS, "DA", "") IOP(F64_NEG, "DA", "") IOP(F64_CEIL, "DA", "") \
    IOP(F64_FLOOR, "DA", "") IOP(F64_TRUNC, "DA", "") IOP(F64_NEAREST, "DA", "") \
    IOP(F64_SQRT, "DA", "") IOP(F64_ADD, "DAB", "") IOP(F64_SUB, "DAB", "") \
    IOP(F64_MUL, "DAB", "") IOP(F64_DIV, "DAB", "") IOP(F64_MIN, "DAB", "") \
    IOP(F64_MAX, "DAB", "") IOP(F64_COPYSIGN, "DAB", "") \
    /* conversions (reinterpret is MOV) */ \
    IOP(I32_WRAP_I64, "DA", "") \
    IOP(I32_TRUNC_F32_S, "DA", "") IOP(I32_TRUNC_F32_U, "DA", "") \
    IOP(I32_TRUNC_F64_S, "DA", "") IOP(I32_TRUNC_F64_U, "DA", "") \
    IOP(I64_EXTEND_I32_S, "DA", "") IOP(I64_EXTEND_I32_U, "DA", "") \
    IOP(I64_TRUNC_F32_S, "DA", "") IOP(I64_TRUNC_F32_U, "DA", "") \
    IOP(I64_TRUNC_F64_S, "DA", "") IOP(I64_TRUNC_F64_U, "DA", "") \
    IOP(F32_CONVERT_I32_S, "DA", "") IOP(F32_CONVERT_I32_U, "DA", "") \
    IOP(F32_CONVERT_I64_S, "DA", "") IOP(F32_CONVERT_I64_U, "DA", "") \
    IOP(F32_DEMOTE_F64, "DA", "") \
    IOP(F64_CONVERT_I32_S, "DA", "") IOP(F64_CONVERT_I32_U, "DA", "") \
    IOP(F64_CONVERT_I64_S, "DA", "") IOP(F64_CONVERT_I64_U, "DA", "") \
    IOP(F64_PROMOTE_F32, "DA", "") \
    IOP(I32_EXTEND8_S, "DA", "") IOP(I32_EXTEND16_S, "DA", "") \
    IOP(I64_EXTEND8_S, "DA", "") IOP(I64_EXTEND16_S, "DA", "") IOP(I64_EXTEND32_S, "DA", "") \
    IOP(I32_TRUNC_SAT_F32_S, "DA", "") IOP(I32_TRUNC_SAT_F32_U, "DA", "") \
    IOP(I32_TRUNC_SAT_F64_S, "DA", "") IOP(I32_TRUNC_SAT_F64_U, "DA", "") \
    IOP(I64_TRUNC_SAT_F32_S, "DA", "") IOP(I64_TRUNC_SAT_F32_U, "DA", "") \
    IOP(I64_TRUNC_SAT_F64_S, "DA", "") IOP(I64_TRUNC_SAT_F64_U, "DA", "") \
    /* immediate operands: D = A op I (i64: I sign-extended) */ \
    IOP(I32_ADD_IMM, "DAI", "") \
    IOP(I32_MUL_IMM, "DAI", "") \
    IOP(I32_AND_IMM, "DAI", "") \
    IOP(I32_OR_IMM, "DAI", "") \
    IOP(I32_XOR_IMM, "DAI", "") \
    IOP(I32_SHL_IMM, "DAI", "I already masked") \
    IOP(I32_SHR_S_IMM, "DAI", "I already masked") \
    IOP(I32_SHR_U_IMM, "DAI", "I already masked") \
    IOP(I32_ROTL_IMM, "DAI", "rotr k is rotl (32-k)") \
    IOP(I32_EQ_IMM, "DAI", "") \
    IOP(I32_NE_IMM, "DAI", "") \
    IOP(I32_LT_S_IMM, "DAI", "") \
    IOP(I32_LT_U_IMM, "DAI", "") \
    IOP(I32_GT_S_IMM, "DAI", "") \
    IOP(I32_GT_U_IMM, "DAI", "") \
    IOP(I32_LE_S_IMM, "DAI", "") \
    IOP(I32_LE_U_IMM, "DAI", "") \
    IOP(I32_GE_S_IMM, "DAI", "") \
    IOP(I32_GE_U_IMM, "DAI", "") \
    IOP(I64_ADD_IMM, "DAI", "") \
    IOP(I64_AND_IMM, "DAI", "") \
    IOP(I64_OR_IMM, "DAI", "") \
    IOP(I64_XOR_IMM, "DAI", "") \
    IOP(I64_SHL_IMM, "DAI", "I already masked") \
    IOP(I64_SHR_S_IMM, "DAI", "I already masked") \
    IOP(I64_SHR_U_IMM, "DAI", "I already masked") \
    IOP(I64_ROTL_IMM, "DAI", "") \
    IOP(I64_EQ_IMM, "DAI", "") \
    IOP(I64_NE_IMM, "DAI", "") \
    IOP(I64_LT_S_IMM, "DAI", "") \
    IOP(I64_LT_U_IMM, "DAI", "") \
    IOP(I64_GT_S_IMM, "DAI", "") \
    IOP(I64_GT_U_IMM, "DAI", "") \
    IOP(I64_LE_S_IMM, "DAI", "") \
    IOP(I64_LE_U_IMM, "DAI", "") \
    IOP(I64_GE_S_IMM, "DAI", "") \
    IOP(I64_GE_U_IMM, "DAI", "") \
    /* fused compare and branch: jump to T if A op B (or A op I) */ \
    IOP(BR_I32_EQ, "ABT", "") \
    IOP(BR_I32_NE, "ABT", "") \
    IOP(BR_I32_LT_S, "ABT", "") \
    IOP(BR_I32_LT_U, "ABT", "") \
    IOP(BR_I32_GT_S, "ABT", "") \
    IOP(BR_I32_GT_U, "ABT", "") \
    IOP(BR_I32_LE_S, "ABT", "") \
    IOP(BR_I32_LE_U, "ABT", "") \
    IOP(BR_I32_GE_S, "ABT", "") \
    IOP(BR_I32_GE_U, "ABT", "") \
    IOP(BR_I32_EQ_IMM, "AIT", "") \
    IOP(BR_I32_NE_IMM, "AIT", "") \
    IOP(BR_I32_LT_S_IMM, "AIT", "") \
    IOP(BR_I32_LT_U_IMM, "AIT", "") \
    IOP(BR_I32_GT_S_IMM, "AIT", "") \
    IOP(BR_I32_GT_U_IMM, "AIT", "") \
    IOP(BR_I32_LE_S_IMM, "AIT", "") \
    IOP(BR_I32_LE_U_IMM, "AIT", "") \
    IOP(BR_I32_GE_S_IMM, "AIT", "") \
    IOP(BR_I32_GE_U_IMM, "AIT", "") \
    IOP(BR_I64_EQ, "ABT", "") \
    IOP(BR_I64_NE, "ABT", "") \
    IOP(BR_I64_LT_S, "ABT", "") \
    IOP(BR_I64_LT_U, "ABT", "") \
    IOP(BR_I64_GT_S, "ABT", "") \
    IOP(BR_I64_GT_U, "ABT", "") \
    IOP(BR_I64_LE_S, "ABT", "") \
    IOP(BR_I64_LE_U, "ABT", "") \
    IOP(BR_I64_GE_S, "ABT", "") \
    IOP(BR_I64_GE_U, "ABT", "") \
    IOP(BR_I64_EQZ, "AT", "") \
    IOP(BR_I64_NEZ, "AT", "") \
    /* accesses at (A + I1, wrapping at 32 bits) + I2: an address add folded in */ \
    IOP(I32_LOAD_ADD, "DAII", "") \
    IOP(I64_LOAD_ADD, "DAII", "") \
    IOP(I32_LOAD8_U_ADD, "DAII", "") \
    IOP(I32_LOAD8_S_ADD, "DAII", "") \
    IOP(I32_LOAD16_U_ADD, "DAII", "") \
    IOP(I32_LOAD16_S_ADD, "DAII", "") \
    IOP(I32_STORE_ADD, "ABII", "") \
    IOP(I64_STORE_ADD, "ABII", "") \
    IOP(I32_STORE8_ADD, "ABII", "") \
    IOP(I32_STORE16_ADD, "ABII", "") \
    IOP(I32_ADD_SHL, "DABI", "D = A + (B << I): scaled array indexing") \
    /* stores of a constant: mem[A + I2] = I1 (i64: sign-extended) */ \
    IOP(I32_STORE_IMM, "AII", "") \
    IOP(I64_STORE_IMM, "AII", "") \
    IOP(I32_STORE8_IMM, "AII", "") \
    IOP(I32_STORE16_IMM, "AII", "") \
    /* threads proposal: I1 offset, I2 size | is64 << 8 | rmw op << 16 */ \
    IOP(ATOMIC_LOAD,    "DAII",   "D = atomic load at A + I1") \
    IOP(ATOMIC_STORE,   "ABII",   "atomic store of B at A + I1") \
    IOP(ATOMIC_RMW,     "DABII",  "D = old value; memory = old op B") \
    IOP(ATOMIC_CMPXCHG, "DABCII", "D = old value; memory = C if old == B") \
    IOP(ATOMIC_NOTIFY,  "DABI",   "D = waiters woken at A + I, at most B") \
    IOP(ATOMIC_WAIT,    "DABCII", "D = wait at A + I1 while value == B, timeout C ns") \
    IOP(ATOMIC_FENCE,   "",       "sequentially consistent fence") \
    /* a load feeding arithmetic: D = A op mem[(A2 + I1, wrapping) + I2] */ \
    IOP(F64_ADD_MEM, "DAAII", "") \
    IOP(F64_SUB_MEM, "DAAII", "") \
    IOP(F64_MUL_MEM, "DAAII", "") \
    IOP(F32_ADD_MEM, "DAAII", "") \
    IOP(F32_SUB_MEM, "DAAII", "") \
    IOP(F32_MUL_MEM, "DAAII", "") \
    IOP(I32_ADD_MEM, "DAAII", "") \
    IOP(I64_ADD_MEM, "DAAII", "") \
    /* the load-add-store of C's `x[i] += v`: mem[(A2 + I1, wrapping) + I2] += A1 */ \
    IOP(F64_ADD_TO_MEM, "AAII", "") \
    /* a loop counter step and its test: D = A + I1, then jump to T if D op I2 (or B) */ \
    IOP(I32_ADD_IMM_BR_EQ_IMM, "DAIIT", "") \
    IOP(I32_ADD_IMM_BR_NE_IMM, "DAIIT", "") \
    IOP(I32_ADD_IMM_BR_LT_S_IMM, "DAIIT", "") \
    IOP(I32_ADD_IMM_BR_LT_U_IMM, "DAIIT", "") \
    IOP(I32_ADD_IMM_BR_GT_S_IMM, "DAIIT", "") \
    IOP(I32_ADD_IMM_BR_GT_U_IMM, "DAIIT", "") \
    IOP(I32_ADD_IMM_BR_NE, "DAIBT", "") \
    IOP(I32_ADD_IMM_BR_LT_S, "DAIBT", "") \
    IOP(I32_ADD_IMM_BR_LT_U, "DAIBT", "") \
    /* the last move before a return, and two moves in a row */ \
    IOP(RETURN1, "A", "slot 0 = A, then return") \
    IOP(MOV2, "DADA", "D1 = A1, then D2 = A2") \
    /* f64 arithmetic and compares with a constant right operand */ \
    IOP(F64_ADD_IMM, "DAL", "") \
    IOP(F64_SUB_IMM, "DAL", "") \
    IOP(F64_MUL_IMM, "DAL", "") \
    IOP(F64_DIV_IMM, "DAL", "") \
    IOP(F64_LT_IMM, "DAL", "") \
    IOP(F64_GT_IMM, "DAL", "") \
    IOP(F64_LE_IMM, "DAL", "") \
    IOP(F64_GE_IMM, "DAL", "") \
    /* accesses at a constant address I (the wasm address plus offset, < 2^32) */ \
    IOP(I32_LOAD_ABS, "DI", "") \
    IOP(I64_LOAD_ABS, "DI", "") \
    IOP(I32_STORE_ABS, "AI", "") \
    IOP(I64_STORE_ABS, "AI", "") \
    /* bit mixing: an operand shifted or rotated by a constant, as hashes do */ \
    IOP(I32_XOR_ROTL, "DABI", "D = A ^ rotl(B, I)") \
    IOP(I32_XOR_SHR_U, "DABI", "D = A ^ (B >> I)") \
    IOP(I32_SHR_U_AND_IMM, "DAII", "D = (A >> I1) & I2: a bit field") \
    IOP(I32_ADD_IMM2, "DAIDAI", "D1 = A1 + I1, then D2 = A2 + I2") \
    IOP(I32_ADD2, "DABDAB", "D1 = A1 + B1, then D2 = A2 + B2") \
    /* `p->n += k`, keeping the old value: D = mem[A + I2]; mem[A + I2] = D + I1 */ \
    IOP(I32_LOAD_ADD_IMM_STORE, "DAII", "") \
    /* a product feeding a sum, each rounded as the two wasm instructions are */ \
    IOP(F64_MUL_ADD, "DABC", "D = A * B + C") \
    IOP(F64_MUL_SUB, "DABC", "D = A * B - C") \
    IOP(F64_MUL_RSUB, "DABC", "D = C - A * B") \
    /* `y[i] += a * x[i]`: mem[(A2 + I1) + I2] += A1 * mem[(A3 + I3) + I4] */ \
    IOP(F64_MULADD_TO_MEM, "AAIIAII", "") \
    /* a loop counter stepped by a register: D = A + B, then jump to T if D op C */ \
    IOP(I32_ADD_BR_NE, "DABCT", "") \
    IOP(I32_ADD_BR_LT_S, "DABCT", "") \
    IOP(I32_ADD_BR_LT_U, "DABCT", "") \
    IOP(I32_ADD_BR_LE_U, "DABCT", "") \
    /* array elements: mem[(A + (B << I1), wrapping) + I2], mem[(A + B, wrapping) + I] */ \
    IOP(I32_LOAD_SHL, "DABII", "") \
    IOP(I64_LOAD_SHL, "DABII", "") \
    IOP(I32_LOAD_SHL_IMM, "DAIII", "D = mem[((A << I1) + I2, wrapping) + I3]: table[i]") \
    IOP(BR_I32_AND_IMM_NZ, "AIT", "jump if A & I != 0: a flag bit test") \
    IOP(BR_I32_AND_IMM_Z, "AIT", "jump if A & I == 0") \
    IOP(I32_DIV_U_IMM, "DAI", "D = A / I, I != 0") \
    IOP(I32_REM_U_IMM, "DAI", "D = A % I, I != 0") \
    IOP(I32_LOAD8_U_IDX, "DABI", "") \
    IOP(I32_LOAD16_U_IDX, "DABI", "") \
    IOP(I32_LOAD16_S_IDX, "DABI", "") \
    IOP(I32_LOAD_IDX, "DABI", "") \
    IOP(I32_STORE8_IMM_IDX, "ABII", "mem[(A + B, wrapping) + I2] = I1") \
    IOP(I32_ADD3, "DABC", "D = A + B + C") \
    IOP(I32_MUL_ADD, "DABC", "D = A * B + C") \
    IOP(I32_ROTL_XOR_ROTL, "DAIBI", "D = rotl(A, I1) ^ rotl(B, I2)") \
    IOP(F64_MUL3, "DABC", "D = (A * B) * C") \
    IOP(F64_MUL_ADD_TO_MEM, "ABCII", "mem[(C + I1, wrapping) + I2] += A * B (f64)")
/* clang-format on */

typedef enum {
#define IOP_ENUM(name, operands, doc) IOP_##name,
    IOP_LIST(IOP_ENUM)
#undef IOP_ENUM
    IOP_COUNT
} IopCode;

#endif
