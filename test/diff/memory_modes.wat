;; Fixture of test_memory_modes: accesses at and past the end of a memory,
;; growth, and a host function that calls back into wasm.
(module
  (import "host" "call_back" (func $call_back (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (func $load (export "load") (param i32) (result i32)
    (i32.load (local.get 0)))
  (func (export "load8_far") (param i32) (result i32)
    (i32.load8_u offset=65535 (local.get 0)))
  (func (export "store64") (param i32 i64)
    (i64.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32)
    (memory.grow (local.get 0)))
  ;; the host calls "load" at the first address; then one access here
  (func (export "via_host") (param i32 i32) (result i32)
    (i32.add (call $call_back (local.get 0)) (i32.load (local.get 1))))
  ;; n loads at addr, in a loop (threads)
  (func (export "load_loop") (param $addr i32) (param $n i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $addr))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $sum)))
