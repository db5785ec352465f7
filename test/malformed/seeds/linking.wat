;; Seed built with `wat2wasm -r`: a relocatable object, so the binary carries
;; the custom sections "linking" and "reloc.Code" besides "name", and its
;; relocated indices are padded 5-byte LEB128s.
(module
  (import "spectest" "print_i32" (func $print (param i32)))
  (memory 1)
  (global $sp (mut i32) (i32.const 1024))
  (table 2 funcref)
  (elem (i32.const 0) $get $main)
  (data (i32.const 8) "reloc")
  (func $get (result i32)
    (call $print (i32.load (i32.const 8)))
    (global.get $sp))
  (func $main (export "main") (result i32)
    (global.set $sp (i32.sub (global.get $sp) (i32.const 16)))
    (i32.add (call $get) (call_indirect (result i32) (i32.const 0)))))
