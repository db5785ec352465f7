;; A WASI-mode module (it imports from WASI and exports _start) whose start
;; function traps: instantiation fails after the API has set up the WASI
;; context and the app heap, which must then be freed (regression: leaked).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $boom unreachable)
  (func (export "_start"))
  (start $boom))
