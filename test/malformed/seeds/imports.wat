;; Seed: imports of every kind from "spectest", exports of every kind (an
;; import re-exported too), multi-value function types, a start function,
;; immutable globals initialised from imported ones, and an active data
;; segment and elem segment written into the imported memory and table.
(module
  (type $v_v (func))
  (type $i_v (func (param i32)))
  (type $ii_ii (func (param i32 i32) (result i32 i32)))
  (type $multi (func (param i64 f32 f64) (result f64 f32 i64 i32)))

  (import "spectest" "print_i32" (func $print_i32 (type $i_v)))
  (import "spectest" "print" (func $print (type $v_v)))
  (import "spectest" "table" (table $t 10 20 funcref))
  (import "spectest" "memory" (memory $mem 1 2))
  (import "spectest" "global_i32" (global $gi i32))
  (import "spectest" "global_i64" (global $gl i64))
  (import "spectest" "global_f32" (global $gf f32))
  (import "spectest" "global_f64" (global $gd f64))

  (global $counter (mut i32) (i32.const 0))
  (global $copy_i32 i32 (global.get $gi))
  (global $copy_f64 f64 (global.get $gd))

  (func $swap (type $ii_ii) (local.get 1) (local.get 0))

  (func $multi (type $multi)
    (local.get 2) (local.get 1) (local.get 0) (global.get $counter))

  (func $init (type $v_v)
    (global.set $counter (i32.add (global.get $copy_i32) (i32.const 1)))
    (i32.store offset=16 (i32.const 0) (global.get $counter))
    (call $print_i32 (global.get $counter))
    (call $print))

  (func $use_imports (result i32)
    (local $a i32) (local $b i32)
    (call_indirect (type $ii_ii) (i32.const 3) (i32.const 4) (i32.const 0))
    (local.set $b)
    (local.set $a)
    (call $multi (global.get $gl) (global.get $gf) (global.get $copy_f64))
    (drop) (drop) (drop) (drop)
    (i32.add (i32.sub (local.get $a) (local.get $b))
             (i32.load8_u offset=2 (i32.const 1))))

  (elem (table $t) (i32.const 0) func $swap $multi)
  (data (memory $mem) (i32.const 0) "seed\01\02\03")

  (start $init)
  (export "swap" (func $swap))
  (export "multi" (func $multi))
  (export "use_imports" (func $use_imports))
  (export "print" (func $print))
  (export "table" (table $t))
  (export "memory" (memory $mem))
  (export "counter" (global $counter))
  (export "global_i64" (global $gl)))
