;; Fixture of the api-seed-guide test: the functions the WAMR embedding
;; guide's snippets call. fib(n); mixed(char, int, double, int64) -> double;
;; process(buf, size) upper-cases the text in buf and remembers its length,
;; which processed() returns.
(module
  (memory (export "memory") 1)
  (global $processed (mut i32) (i32.const -1))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "mixed") (param i32 i32 f64 i64) (result f64)
    (f64.add (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i32_s (local.get 1)))
             (f64.add (local.get 2) (f64.convert_i64_s (local.get 3)))))
  (func (export "process") (param $buf i32) (param $size i32) (result i32)
    (local $n i32) (local $c i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $n) (local.get $size)))
        (local.set $c (i32.load8_u (i32.add (local.get $buf) (local.get $n))))
        (br_if $done (i32.eqz (local.get $c)))
        (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
          (then (i32.store8 (i32.add (local.get $buf) (local.get $n))
                            (i32.sub (local.get $c) (i32.const 32)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (global.set $processed (local.get $n))
    (local.get $n))
  (func (export "processed") (result i32) (global.get $processed)))
