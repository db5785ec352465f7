;; Seed: structured control flow (block, loop, if/else, br, br_if, br_table,
;; return, unreachable), multi-value blocks with parameters, direct, recursive
;; and indirect calls, locals of every type, select (plain and typed), drop.
(module
  (type $i_i (func (param i32) (result i32)))
  (type $v_ii (func (result i32 i32)))
  (table $fns 4 funcref)
  (elem (i32.const 0) $fac $classify $pair)

  (func $fac (type $i_i)
    (if (result i32) (i32.le_u (local.get 0) (i32.const 1))
      (then (i32.const 1))
      (else (i32.mul (local.get 0)
                     (call $fac (i32.sub (local.get 0) (i32.const 1)))))))

  (func $classify (type $i_i)
    (block $d
      (block $c
        (block $b
          (block $a
            (br_table $a $b $c $d (local.get 0)))
          (return (i32.const 10)))
        (return (i32.const 20)))
      (return (i32.const 30)))
    (i32.const 40))

  (func $pair (type $v_ii) (i32.const 6) (i32.const 7))

  (func $sum_loop (param $n i32) (result i32)
    (local $i i32) (local $acc i64) (local $f f32) (local $d f64)
    (local $fr funcref) (local $er externref)
    (local.set $i (i32.add (local.get $n) (i32.const 10)))
    (loop $top
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
      (local.set $f (f32.add (local.get $f) (f32.const 0.5)))
      (local.set $d (f64.add (local.get $d) (f64.const 0.25)))
      (local.tee $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $top))
    (drop (ref.is_null (local.get $fr)))
    (drop (ref.is_null (local.get $er)))
    (i32.add (i32.wrap_i64 (local.get $acc))
             (i32.trunc_f32_s (local.get $f))))

  (func $multi_block (result i32)
    (i32.const 1) (i32.const 2)
    (block (param i32 i32) (result i32)
      (i32.add))
    (call_indirect (type $v_ii) (i32.const 2))
    (loop (param i32 i32) (result i32) (i32.mul))
    (i32.add))

  (func $branches (param $x i32) (result i32)
    (local $r i32)
    (block $out (result i32)
      (if (i32.eqz (local.get $x))
        (then (local.set $r (i32.const 5)))
        (else (br $out (i32.const 99))))
      (drop (br_if $out (local.get $r) (i32.const 0)))
      (nop)
      (if (i32.const 0) (then (unreachable)))
      (select (local.get $r) (i32.const 3) (local.get $x))
      (select (result i32) (i32.const 4) (i32.const 8) (i32.const 1))
      (i32.add)))

  (func $dispatch (result i32)
    (i32.add
      (call_indirect (type $i_i) (i32.const 5) (i32.const 0))
      (call_indirect (type $i_i) (i32.const 2) (i32.const 1))))

  (export "fac" (func $fac))
  (export "classify" (func $classify))
  (export "sum_loop" (func $sum_loop))
  (export "multi_block" (func $multi_block))
  (export "branches" (func $branches))
  (export "dispatch" (func $dispatch))
  (export "trap" (func $trap))
  (func $trap (call_indirect (i32.const 3))))
