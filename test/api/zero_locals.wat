;; The translator drops `local.set x 0` while x still holds its initial
;; zero. Each function here stores 0 where it must NOT be dropped; each
;; returns 0 when the store was kept, 1 otherwise.
(module
  ;; a non-zero store first
  (func (export "after_store") (result i32) (local i32)
    (local.set 0 (i32.const 5))
    (local.set 0 (i32.const 0))
    (local.get 0))
  ;; a store folded into its producer first
  (func (export "after_fold") (param i32) (result i32) (local i32)
    (local.set 1 (i32.add (local.get 0) (i32.const 1)))
    (local.set 1 (i32.const 0))
    (local.get 1))
  ;; a parameter is never known to be zero
  (func (export "param") (param i32) (result i32)
    (local.set 0 (i32.const 0))
    (local.get 0))
  ;; the second iteration meets x = 1 from the first
  (func (export "in_loop") (result i32) (local i32 i32)
    (loop $l
      (if (i32.eq (local.get 1) (i32.const 1))
        (then (local.set 0 (i32.const 0)))
        (else (local.set 0 (i32.const 1))))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (i32.const 2))))
    (local.get 0))
  ;; a tee of 0 into a zero local still leaves the value on the stack
  (func (export "tee") (result i32) (local i32)
    (i32.add (local.tee 0 (i32.const 0)) (local.get 0))))
