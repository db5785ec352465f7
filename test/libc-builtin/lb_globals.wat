;; libc-builtin's constant globals: "global.NaN" and "global.Infinity" from
;; "env", and WAMR's spelling, "NaN" and "Infinity" from "global".
;; check returns 1 when all four hold the expected bits.
(module
  (import "env" "global.NaN" (global $nan f64))
  (import "env" "global.Infinity" (global $inf f64))
  (import "global" "NaN" (global $nan2 f64))
  (import "global" "Infinity" (global $inf2 f64))
  (func (export "check") (result i32)
    (i32.and
      (i32.and
        (i64.eq (i64.reinterpret_f64 (global.get $nan)) (i64.const 0x7FF8000000000000))
        (i64.eq (i64.reinterpret_f64 (global.get $nan2)) (i64.const 0x7FF8000000000000)))
      (i32.and
        (f64.eq (global.get $inf) (f64.const inf))
        (f64.eq (global.get $inf2) (f64.const inf)))))
  (func (export "inf") (result f64) (global.get $inf)))
