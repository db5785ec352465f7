;; Fixture of test_api: a module with its own malloc and free, which
;; wasm_runtime_module_malloc/free must use. A bump allocator that counts
;; calls; malloc(12345) returns an address outside memory, which the runtime
;; must refuse.
(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (global $mallocs (mut i32) (i32.const 0))
  (global $frees (mut i32) (i32.const 0))
  (global $last_free (mut i32) (i32.const 0))
  (func (export "malloc") (param $n i32) (result i32) (local $p i32)
    (global.set $mallocs (i32.add (global.get $mallocs) (i32.const 1)))
    (if (i32.eq (local.get $n) (i32.const 12345))
      (then (return (i32.const 0xfffff000))))
    (local.set $p (global.get $next))
    (global.set $next (i32.add (global.get $next)
                               (i32.and (i32.add (local.get $n) (i32.const 15)) (i32.const -16))))
    (local.get $p))
  (func (export "free") (param i32)
    (global.set $frees (i32.add (global.get $frees) (i32.const 1)))
    (global.set $last_free (local.get 0)))
  (func (export "mallocs") (result i32) (global.get $mallocs))
  (func (export "frees") (result i32) (global.get $frees))
  (func (export "last_free") (result i32) (global.get $last_free)))
