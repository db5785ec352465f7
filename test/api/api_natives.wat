;; Fixture of test_api: imports of every kind of native test_api registers
;; (module "env"), with an export calling each. n_mismatch is registered
;; with a signature that does not match its type here, n_missing is never
;; registered: both stay unlinked and trap when called.
(module
  (import "env" "n_ptr" (func $n_ptr (param i32) (result i32)))          ;; (*)i
  (import "env" "n_buf" (func $n_buf (param i32 i32) (result i32)))      ;; (*~)i
  (import "env" "n_str" (func $n_str (param i32) (result i32)))          ;; ($)i
  (import "env" "n_mixed" (func $n_mixed (param i32 i64 f32 f64) (result f64))) ;; (iIfF)F
  (import "env" "n_unchecked" (func $n_unchecked (param i32 i64) (result i64)))  ;; no signature
  (import "env" "n_reenter" (func $n_reenter (param i32) (result i32)))  ;; (i)i
  (import "env" "n_att" (func $n_att (param i32) (result i32)))          ;; (i)i + attachment
  (import "env" "n_data" (func $n_data (result i32)))                    ;; ()i user/custom data
  (import "env" "n_fail" (func $n_fail (param i32)))                     ;; (i) sets an exception
  (import "env" "n_raw" (func $n_raw (param i32 i32) (result i32)))      ;; raw (ii)i
  (import "env" "n_raw_buf" (func $n_raw_buf (param i32 i32) (result i32))) ;; raw (*~)i
  (import "env" "_n_under" (func $n_under (result i32)))                 ;; binds to n_under
  (import "env" "n_newest" (func $n_newest (result i32)))                ;; registered twice
  (import "env" "n_mismatch" (func $n_mismatch (param i32 i32) (result i32)))
  (import "env" "n_missing" (func $n_missing (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "wasm\00")
  (func (export "call_ptr") (param i32) (result i32) (call $n_ptr (local.get 0)))
  (func (export "call_buf") (param i32 i32) (result i32)
    (call $n_buf (local.get 0) (local.get 1)))
  (func (export "call_str") (param i32) (result i32) (call $n_str (local.get 0)))
  (func (export "call_mixed") (param i32 i64 f32 f64) (result f64)
    (call $n_mixed (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "call_unchecked") (param i32 i64) (result i64)
    (call $n_unchecked (local.get 0) (local.get 1)))
  (func (export "call_att") (param i32) (result i32) (call $n_att (local.get 0)))
  (func (export "call_data") (result i32) (call $n_data))
  (func (export "call_fail") (param i32) (call $n_fail (local.get 0)))
  (func (export "call_raw") (param i32 i32) (result i32)
    (call $n_raw (local.get 0) (local.get 1)))
  (func (export "call_raw_buf") (param i32 i32) (result i32)
    (call $n_raw_buf (local.get 0) (local.get 1)))
  (func (export "call_under") (result i32) (call $n_under))
  (func (export "call_newest") (result i32) (call $n_newest))
  (func (export "call_mismatch") (result i32)
    (call $n_mismatch (i32.const 1) (i32.const 2)))
  (func (export "call_missing") (call $n_missing (i32.const 1)))
  ;; down(n) = n, through n levels of wasm -> native -> wasm
  (func (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $n_reenter (i32.sub (local.get 0) (i32.const 1)))
                     (i32.const 1))))))
