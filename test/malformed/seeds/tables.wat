;; Seed: reference types and table operations. Three tables (funcref and
;; externref); active, passive and declarative elem segments with function
;; indices or expressions and implicit or explicit tables (encodings 0-6;
;; wat2wasm writes 7 as 3); table.get/set/size/grow/fill/copy/init,
;; elem.drop, ref.func/ref.null/ref.is_null; mutable globals of every type.
(module
  (type $v_i (func (result i32)))
  (table $funcs 4 8 funcref)
  (table $externs 2 externref)
  (table $more 2 funcref)

  (global $gi (mut i32) (i32.const -7))
  (global $gl (mut i64) (i64.const 0x7fffffffffffffff))
  (global $gf (mut f32) (f32.const -0.0))
  (global $gd (mut f64) (f64.const nan:0x4))
  (global $gfr (mut funcref) (ref.func $one))
  (global $ger (mut externref) (ref.null extern))

  (elem $act (i32.const 0) $one $two)
  (elem $act2 (table $funcs) (i32.const 2) funcref (ref.func $three) (ref.null func))
  (elem $pas funcref (ref.func $one) (ref.null func) (item ref.func $two))
  (elem $pas_idx func $three $two)
  (elem $act3 (table $more) (i32.const 0) func $two)
  (elem $act4 (table $externs) (i32.const 1) externref (ref.null extern))
  (elem $decl declare func $declared)
  (elem $decl2 declare funcref (ref.func $three))
  (elem $ext externref (ref.null extern))

  (func $one (type $v_i) (i32.const 1))
  (func $two (type $v_i) (i32.const 2))
  (func $three (type $v_i) (i32.const 3))
  (func $declared (type $v_i) (i32.const 4))

  (func $ops (result i32)
    (local $r funcref)
    (table.set $funcs (i32.const 3) (ref.func $declared))
    (local.set $r (table.get $funcs (i32.const 0)))
    (drop (table.grow $funcs (local.get $r) (i32.const 2)))
    (table.fill $funcs (i32.const 4) (ref.null func) (i32.const 2))
    (table.copy $funcs $funcs (i32.const 4) (i32.const 0) (i32.const 2))
    (table.copy $more $funcs (i32.const 0) (i32.const 2) (i32.const 2))
    (table.init $funcs $pas (i32.const 1) (i32.const 0) (i32.const 3))
    (table.init $funcs $pas_idx (i32.const 0) (i32.const 1) (i32.const 1))
    (elem.drop $pas)
    (elem.drop $act)
    (table.set $externs (i32.const 1) (global.get $ger))
    (table.fill $externs (i32.const 0) (table.get $externs (i32.const 1)) (i32.const 2))
    (table.init $externs $ext (i32.const 1) (i32.const 0) (i32.const 1))
    (drop (table.grow $externs (ref.null extern) (i32.const 1)))
    (global.set $gfr (table.get $funcs (i32.const 5)))
    (i32.add
      (i32.add (table.size $funcs) (table.size $externs))
      (i32.add (call_indirect $funcs (type $v_i) (i32.const 0))
               (ref.is_null (global.get $gfr)))))

  (func $refs (param $e externref) (result externref i32)
    (global.set $ger (local.get $e))
    (global.set $gi (i32.add (global.get $gi) (ref.is_null (ref.func $two))))
    (global.set $gl (i64.sub (global.get $gl) (i64.const 1)))
    (global.set $gf (f32.neg (global.get $gf)))
    (global.set $gd (f64.sqrt (global.get $gd)))
    (ref.null extern)
    (ref.is_null (ref.null func)))

  (func $bad_init
    (table.init $funcs $act (i32.const 0) (i32.const 0) (i32.const 1)))

  (export "ops" (func $ops))
  (export "refs" (func $refs))
  (export "bad_init" (func $bad_init))
  (export "funcs" (table $funcs))
  (export "externs" (table $externs))
  (export "gfr" (global $gfr))
  (export "ger" (global $ger))
  (export "gd" (global $gd)))
