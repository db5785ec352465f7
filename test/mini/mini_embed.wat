;; The module test/mini's embedder runs: recursive calls in the interpreter
;; and a libc-builtin printf with a wasm32 varargs buffer.
(module
  (import "env" "printf" (func $printf (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "fib(%d) = %d\n\00")
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "main") (result i32)
    (i32.store (i32.const 64) (i32.const 24))
    (i32.store (i32.const 68) (call $fib (i32.const 24)))
    (drop (call $printf (i32.const 16) (i32.const 64)))
    (i32.const 0)))
