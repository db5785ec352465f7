;; Seed: the numeric instructions, in the flat (stack) text form. Each
;; function threads one running value through every unary, binary,
;; comparison, conversion, saturating truncation, sign extension and
;; reinterpretation of its type, so that none of them is dead code.
(module
  (func $i32ops (param $a i32) (param $b i32) (result i32)
    local.get $b  i32.const 3  i32.or  local.set $b  ;; never divide by 0
    local.get $a
    i32.clz  i32.ctz  i32.popcnt  i32.eqz  i32.extend8_s  i32.extend16_s
    local.get $b i32.add    local.get $b i32.sub    local.get $b i32.mul
    local.get $b i32.div_s  local.get $b i32.div_u  local.get $b i32.rem_s
    local.get $b i32.rem_u  local.get $b i32.and    local.get $b i32.or
    local.get $b i32.xor    local.get $b i32.shl    local.get $b i32.shr_s
    local.get $b i32.shr_u  local.get $b i32.rotl   local.get $b i32.rotr
    local.get $b i32.eq     local.get $b i32.ne     local.get $b i32.lt_s
    local.get $b i32.lt_u   local.get $b i32.gt_s   local.get $b i32.gt_u
    local.get $b i32.le_s   local.get $b i32.le_u   local.get $b i32.ge_s
    local.get $b i32.ge_u)

  (func $i64ops (param $a i64) (param $b i64) (result i64)
    local.get $b  i64.const 5  i64.or  local.set $b
    local.get $a
    i64.clz  i64.ctz  i64.popcnt  i64.extend8_s  i64.extend16_s  i64.extend32_s
    local.get $b i64.add    local.get $b i64.sub    local.get $b i64.mul
    local.get $b i64.div_s  local.get $b i64.div_u  local.get $b i64.rem_s
    local.get $b i64.rem_u  local.get $b i64.and    local.get $b i64.or
    local.get $b i64.xor    local.get $b i64.shl    local.get $b i64.shr_s
    local.get $b i64.shr_u  local.get $b i64.rotl   local.get $b i64.rotr
    local.get $b i64.eq  i64.extend_i32_u   local.get $b i64.ne   i64.extend_i32_s
    local.get $b i64.lt_s i64.extend_i32_u  local.get $b i64.lt_u i64.extend_i32_u
    local.get $b i64.gt_s i64.extend_i32_u  local.get $b i64.gt_u i64.extend_i32_u
    local.get $b i64.le_s i64.extend_i32_u  local.get $b i64.le_u i64.extend_i32_u
    local.get $b i64.ge_s i64.extend_i32_u  local.get $b i64.ge_u i64.extend_i32_u
    i64.eqz  i64.extend_i32_u  i32.wrap_i64  i64.extend_i32_s)

  (func $f32ops (param $x f32) (param $y f32) (result f32)
    local.get $x
    f32.abs  f32.neg  f32.ceil  f32.floor  f32.trunc  f32.nearest  f32.sqrt
    local.get $y f32.add  local.get $y f32.sub  local.get $y f32.mul
    local.get $y f32.div  local.get $y f32.min  local.get $y f32.max
    local.get $y f32.copysign
    local.get $y f32.eq f32.convert_i32_u  local.get $y f32.ne f32.convert_i32_s
    local.get $y f32.lt f32.convert_i32_u  local.get $y f32.gt f32.convert_i32_u
    local.get $y f32.le f32.convert_i32_u  local.get $y f32.ge f32.convert_i32_u)

  (func $f64ops (param $x f64) (param $y f64) (result f64)
    local.get $x
    f64.abs  f64.neg  f64.ceil  f64.floor  f64.trunc  f64.nearest  f64.sqrt
    local.get $y f64.add  local.get $y f64.sub  local.get $y f64.mul
    local.get $y f64.div  local.get $y f64.min  local.get $y f64.max
    local.get $y f64.copysign
    local.get $y f64.eq f64.convert_i32_u  local.get $y f64.ne f64.convert_i32_s
    local.get $y f64.lt f64.convert_i32_u  local.get $y f64.gt f64.convert_i32_u
    local.get $y f64.le f64.convert_i32_u  local.get $y f64.ge f64.convert_i32_u)

  (func $conversions (param $x f64) (result i64)
    local.get $x
    f32.demote_f64  i32.trunc_sat_f32_s  f32.convert_i32_s
    i32.trunc_sat_f32_u  f64.convert_i32_u
    i32.trunc_sat_f64_s  f64.convert_i32_s
    i32.trunc_sat_f64_u  f32.convert_i32_u
    i64.trunc_sat_f32_s  f32.convert_i64_s
    i64.trunc_sat_f32_u  f64.convert_i64_u
    i64.trunc_sat_f64_s  f64.convert_i64_s
    i64.trunc_sat_f64_u  f32.convert_i64_u
    f64.promote_f32  i32.trunc_f64_s  f32.convert_i32_s
    i32.trunc_f32_u  f64.convert_i32_s
    i64.trunc_f64_u  f32.convert_i64_s
    i64.trunc_f32_s  f64.convert_i64_u
    i64.trunc_f64_s  f64.convert_i64_s
    f32.demote_f64  i32.trunc_f32_s  f64.convert_i32_u
    i32.trunc_f64_u  f32.convert_i32_u
    i64.trunc_f32_u
    f64.reinterpret_i64  i64.reinterpret_f64  i32.wrap_i64
    f32.reinterpret_i32  i32.reinterpret_f32  i64.extend_i32_u)

  (func $trap_conv (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func $div_zero (result i64) (i64.div_s (i64.const 1) (i64.const 0)))
  (func $overflow (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))

  (export "i32ops" (func $i32ops))
  (export "i64ops" (func $i64ops))
  (export "f32ops" (func $f32ops))
  (export "f64ops" (func $f64ops))
  (export "conversions" (func $conversions))
  (export "trap_conv" (func $trap_conv))
  (export "div_zero" (func $div_zero))
  (export "overflow" (func $overflow)))
