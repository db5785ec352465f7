;; Seed: linear memory with a data count section, active and passive data,
;; loads and stores of every width with offsets and alignments, memory.size
;; and memory.grow, and bulk memory (memory.init/copy/fill, data.drop).
(module
  (memory $m 1 4)
  (data $hello (i32.const 16) "hello, world")
  (data $passive "\de\ad\be\ef\00\01\7f\80\ff")
  (data $empty "")

  (func $loads (result i64)
    (i64.add
      (i64.add (i64.load offset=16 align=8 (i32.const 0))
               (i64.load8_s offset=17 (i32.const 0)))
      (i64.add
        (i64.add (i64.load8_u (i32.const 18)) (i64.load16_s offset=3 align=1 (i32.const 16)))
        (i64.add (i64.load16_u (i32.const 20)) (i64.add (i64.load32_s (i32.const 21))
                                                         (i64.load32_u offset=1 (i32.const 22)))))))

  (func $loads32 (result i32)
    (i32.add (i32.load (i32.const 16))
      (i32.add (i32.load8_s offset=1 (i32.const 16))
        (i32.add (i32.load8_u (i32.const 18))
          (i32.add (i32.load16_s align=1 (i32.const 19)) (i32.load16_u offset=4 (i32.const 16)))))))

  (func $floats (result f64)
    (f32.store offset=64 (i32.const 0) (f32.const 1.5))
    (f64.store offset=72 align=4 (i32.const 0) (f64.const -2.25))
    (f64.add (f64.promote_f32 (f32.load offset=64 (i32.const 0)))
             (f64.load offset=8 (i32.const 64))))

  (func $stores
    (i32.store (i32.const 100) (i32.const -1))
    (i32.store8 offset=4 (i32.const 100) (i32.const 0x1234))
    (i32.store16 offset=6 (i32.const 100) (i32.const 0x5678))
    (i64.store (i32.const 112) (i64.const 0x0102030405060708))
    (i64.store8 (i32.const 120) (i64.const 1))
    (i64.store16 align=1 (i32.const 121) (i64.const 2))
    (i64.store32 offset=4 (i32.const 120) (i64.const 3)))

  (func $grow (result i32)
    (drop (memory.grow (i32.const 1)))
    (i32.add (memory.size) (memory.grow (i32.const 0))))

  (func $bulk (result i32)
    (memory.init $passive (i32.const 200) (i32.const 1) (i32.const 8))
    (memory.copy (i32.const 300) (i32.const 200) (i32.const 8))
    (memory.copy (i32.const 202) (i32.const 200) (i32.const 8))
    (memory.fill (i32.const 400) (i32.const 0xaa) (i32.const 32))
    (data.drop $passive)
    (data.drop $empty)
    (memory.init $empty (i32.const 0) (i32.const 0) (i32.const 0))
    (i32.load (i32.const 300)))

  (func $oob (result i32)
    (i32.load offset=65536 (memory.size)))

  (export "loads" (func $loads))
  (export "loads32" (func $loads32))
  (export "floats" (func $floats))
  (export "stores" (func $stores))
  (export "grow" (func $grow))
  (export "bulk" (func $bulk))
  (export "oob" (func $oob))
  (export "mem" (memory $m)))
