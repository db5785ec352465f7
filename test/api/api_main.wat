;; Fixture of test_api: main(argc, argv) as wasm_application_execute_main
;; calls it. It stores argc at 16 and the sum of all argument bytes at 20,
;; and traps unless argv[argc] is NULL.
(module
  (memory (export "memory") 1)
  (func (export "main") (param $argc i32) (param $argv i32) (result i32)
    (local $i i32) (local $p i32) (local $sum i32)
    (i32.store (i32.const 16) (local.get $argc))
    (block $done
      (loop $args
        (br_if $done (i32.ge_s (local.get $i) (local.get $argc)))
        (local.set $p (i32.load (i32.add (local.get $argv)
                                         (i32.shl (local.get $i) (i32.const 2)))))
        (block $eos
          (loop $chars
            (br_if $eos (i32.eqz (i32.load8_u (local.get $p))))
            (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $p))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $chars)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $args)))
    (if (i32.load (i32.add (local.get $argv) (i32.shl (local.get $argc) (i32.const 2))))
      (then unreachable))
    (i32.store (i32.const 20) (local.get $sum))
    (i32.const 0)))
