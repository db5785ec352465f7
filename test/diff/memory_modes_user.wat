;; Fixture of test_memory_modes: an instance whose code calls "load" of
;; another instance, which may run in the other interpreter loop.
(module
  (import "first" "load" (func $load (param i32) (result i32)))
  (memory 1)
  (func (export "load_there") (param i32) (result i32)
    (call $load (local.get 0)))
  (func (export "load_here") (param i32) (result i32)
    (i32.load (local.get 0))))
