/* dispatch: a small stack-machine bytecode interpreter whose handlers are
 * called through a table of function pointers (call_indirect in wasm). The
 * program counts the steps of the Collatz sequences of 1..LIMIT. */
#include <stdint.h>
#include <stdio.h>

#define LIMIT 60000

typedef struct Vm {
    const uint32_t *code;
    uint32_t pc;
    uint32_t sp;
    uint32_t running;
    uint32_t stack[64];
    uint32_t locals[8];
} Vm;

typedef void (*Handler)(Vm *vm);

enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_MUL, OP_AND, OP_SHR, OP_LT, OP_EQ, OP_NOT,
       OP_JMP, OP_JZ, OP_HALT, N_OPS };

/* ---- handlers: one per opcode; operands follow the opcode in code ---- */
static void op_push(Vm *vm) { vm->stack[vm->sp++] = vm->code[vm->pc++]; }
static void op_load(Vm *vm) { vm->stack[vm->sp++] = vm->locals[vm->code[vm->pc++]]; }
static void op_store(Vm *vm) { vm->locals[vm->code[vm->pc++]] = vm->stack[--vm->sp]; }
static void op_add(Vm *vm) { vm->sp--; vm->stack[vm->sp - 1] += vm->stack[vm->sp]; }
static void op_mul(Vm *vm) { vm->sp--; vm->stack[vm->sp - 1] *= vm->stack[vm->sp]; }
static void op_and(Vm *vm) { vm->sp--; vm->stack[vm->sp - 1] &= vm->stack[vm->sp]; }
static void op_shr(Vm *vm) { vm->sp--; vm->stack[vm->sp - 1] >>= vm->stack[vm->sp] & 31; }
static void op_lt(Vm *vm) { vm->sp--; vm->stack[vm->sp - 1] = vm->stack[vm->sp - 1] < vm->stack[vm->sp]; }
static void op_eq(Vm *vm) { vm->sp--; vm->stack[vm->sp - 1] = vm->stack[vm->sp - 1] == vm->stack[vm->sp]; }
static void op_not(Vm *vm) { vm->stack[vm->sp - 1] = !vm->stack[vm->sp - 1]; }
static void op_jmp(Vm *vm) { vm->pc = vm->code[vm->pc]; }
static void op_jz(Vm *vm)
{
    uint32_t target = vm->code[vm->pc++];
    if (vm->stack[--vm->sp] == 0)
        vm->pc = target;
}
static void op_halt(Vm *vm) { vm->running = 0; }

static Handler handlers[N_OPS] = {op_push, op_load, op_store, op_add, op_mul, op_and, op_shr,
                                  op_lt,   op_eq,   op_not,   op_jmp, op_jz,  op_halt};

/* ---- a tiny assembler with back-patched forward jumps ---- */
static uint32_t code[128];
static uint32_t code_len;

static void emit(uint32_t op) { code[code_len++] = op; }
static void emit1(uint32_t op, uint32_t operand) { emit(op), emit(operand); }
/* a jump whose target is patched later; returns the operand's slot */
static uint32_t emit_forward(uint32_t op) { emit1(op, 0); return code_len - 1; }
static void patch_here(uint32_t slot) { code[slot] = code_len; }

enum { N, X, STEPS, LIMIT_VAR };

/* for n in 1..limit-1: x = n; while x != 1: x = odd(x) ? 3x+1 : x/2; steps++ */
static void assemble(void)
{
    emit1(OP_PUSH, 1), emit1(OP_STORE, N);
    uint32_t outer = code_len;
    emit1(OP_LOAD, N), emit1(OP_LOAD, LIMIT_VAR), emit(OP_LT);
    uint32_t exit_outer = emit_forward(OP_JZ);
    emit1(OP_LOAD, N), emit1(OP_STORE, X);
    uint32_t inner = code_len;
    emit1(OP_LOAD, X), emit1(OP_PUSH, 1), emit(OP_EQ), emit(OP_NOT);
    uint32_t exit_inner = emit_forward(OP_JZ);
    emit1(OP_LOAD, X), emit1(OP_PUSH, 1), emit(OP_AND);
    uint32_t even = emit_forward(OP_JZ);
    emit1(OP_LOAD, X), emit1(OP_PUSH, 3), emit(OP_MUL), emit1(OP_PUSH, 1), emit(OP_ADD);
    uint32_t join = emit_forward(OP_JMP);
    patch_here(even);
    emit1(OP_LOAD, X), emit1(OP_PUSH, 1), emit(OP_SHR);
    patch_here(join);
    emit1(OP_STORE, X);
    emit1(OP_LOAD, STEPS), emit1(OP_PUSH, 1), emit(OP_ADD), emit1(OP_STORE, STEPS);
    emit1(OP_JMP, inner);
    patch_here(exit_inner);
    emit1(OP_LOAD, N), emit1(OP_PUSH, 1), emit(OP_ADD), emit1(OP_STORE, N);
    emit1(OP_JMP, outer);
    patch_here(exit_outer);
    emit(OP_HALT);
}

int main(void)
{
    assemble();
    Vm vm = {.code = code, .running = 1};
    vm.locals[LIMIT_VAR] = LIMIT;
    uint64_t dispatched = 0;
    while (vm.running) {
        handlers[vm.code[vm.pc++]](&vm);
        dispatched++;
    }
    printf("dispatch: collatz 1..%d: %u steps, %llu ops\n", LIMIT - 1, vm.locals[STEPS],
           (unsigned long long)dispatched);
    return 0;
}
