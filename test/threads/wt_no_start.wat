;; wasi-threads: a module that imports thread-spawn but exports no
;; wasi_thread_start; spawn must fail with a negative result.
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (memory (export "memory") 1 1 shared)
  (func (export "spawn") (result i32)
    (call $spawn (i32.const 0))))
