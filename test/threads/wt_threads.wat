;; wasi-threads cases: the module imports wasi.thread-spawn and exports
;; wasi_thread_start(tid, arg); threads join with memory.atomic.wait32 on a
;; count of live threads. thread_test calls one export per case.
;;
;; Memory: 0 counter, 4 live threads, 8 release flag, 12 never changes,
;; 16.. tids as threads saw them, 1024.. tids as thread-spawn returned them.
;; arg of a thread: low 16 bits its slot, high bits what it does
;; (0 count, 1 wait for release, 2 trap, 3 wait forever).
(module
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (memory (export "memory") 1 1 shared)

  (func $count (local $i i32)
    (loop $l
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000)))))

  (func $wait_release
    (loop $l
      (if (i32.eqz (i32.atomic.load (i32.const 8)))
        (then
          (drop (memory.atomic.wait32 (i32.const 8) (i32.const 0) (i64.const -1)))
          (br $l)))))

  (func $wait_forever
    (loop $l
      (drop (memory.atomic.wait32 (i32.const 12) (i32.const 0) (i64.const -1)))
      (br $l)))

  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (local $what i32)
    (i32.atomic.store
      (i32.add (i32.const 16) (i32.shl (i32.and (local.get $arg) (i32.const 0xffff)) (i32.const 2)))
      (local.get $tid))
    (local.set $what (i32.shr_u (local.get $arg) (i32.const 16)))
    (if (i32.eq (local.get $what) (i32.const 0)) (then (call $count)))
    (if (i32.eq (local.get $what) (i32.const 1)) (then (call $wait_release)))
    (if (i32.eq (local.get $what) (i32.const 2)) (then (unreachable)))
    (if (i32.eq (local.get $what) (i32.const 3)) (then (call $wait_forever)))
    (drop (i32.atomic.rmw.sub (i32.const 4) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 4) (i32.const -1))))

  ;; Starts thread `slot` doing `what`; its tid (or the error) is returned
  ;; and kept at 1024 + 4 * slot. Counts it live when it started.
  (func $start (param $slot i32) (param $what i32) (result i32)
    (local $tid i32)
    (drop (i32.atomic.rmw.add (i32.const 4) (i32.const 1)))
    (local.set $tid
      (call $spawn (i32.or (local.get $slot) (i32.shl (local.get $what) (i32.const 16)))))
    (if (i32.le_s (local.get $tid) (i32.const 0))
      (then (drop (i32.atomic.rmw.sub (i32.const 4) (i32.const 1)))))
    (i32.store (i32.add (i32.const 1024) (i32.shl (local.get $slot) (i32.const 2)))
               (local.get $tid))
    (local.get $tid))

  ;; Waits until no thread is live.
  (func $join_all (local $live i32)
    (block $done
      (loop $l
        (local.set $live (i32.atomic.load (i32.const 4)))
        (br_if $done (i32.eqz (local.get $live)))
        (drop (memory.atomic.wait32 (i32.const 4) (local.get $live) (i64.const -1)))
        (br $l))))

  ;; 0 when threads 0..n-1 saw the tids thread-spawn returned, all > 0 and
  ;; distinct; else -2.
  (func $check_tids (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $tid i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $tid (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
        (if (i32.or (i32.le_s (local.get $tid) (i32.const 0))
                    (i32.ne (local.get $tid)
                            (i32.atomic.load (i32.add (i32.const 16) (i32.shl (local.get $i) (i32.const 2))))))
          (then (return (i32.const -2))))
        (local.set $j (i32.const 0))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $j) (local.get $i)))
            (if (i32.eq (local.get $tid)
                        (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $j) (i32.const 2)))))
              (then (return (i32.const -3))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.const 0))

  ;; rounds times: n counting threads, joined; returns the counter
  ;; (rounds * n * 1000), or -1 when a spawn failed, -2/-3 for bad tids.
  (func (export "counter") (param $n i32) (param $rounds i32) (result i32)
    (local $i i32) (local $r i32) (local $bad i32)
    (block $all
      (loop $round
        (br_if $all (i32.ge_u (local.get $r) (local.get $rounds)))
        (local.set $i (i32.const 0))
        (block $spawned
          (loop $l
            (br_if $spawned (i32.ge_u (local.get $i) (local.get $n)))
            (if (i32.le_s (call $start (local.get $i) (i32.const 0)) (i32.const 0))
              (then (call $join_all) (return (i32.const -1))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (call $join_all)
        (local.set $bad (call $check_tids (local.get $n)))
        (if (local.get $bad) (then (return (local.get $bad))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $round)))
    (i32.atomic.load (i32.const 0)))

  ;; Run with --max-threads=2: two threads wait, a third spawn must fail;
  ;; returns that spawn's (negative) result once the two have ended.
  (func (export "full") (result i32)
    (local $third i32)
    (if (i32.le_s (call $start (i32.const 0) (i32.const 1)) (i32.const 0))
      (then (return (i32.const 1))))
    (if (i32.le_s (call $start (i32.const 1) (i32.const 1)) (i32.const 0))
      (then (return (i32.const 2))))
    (local.set $third (call $start (i32.const 2) (i32.const 1)))
    (i32.atomic.store (i32.const 8) (i32.const 1))
    (drop (memory.atomic.notify (i32.const 8) (i32.const -1)))
    (call $join_all)
    (local.get $third))

  ;; A thread traps while another waits and main waits for both: the
  ;; whole group must end with the trap.
  (func (export "trap") (result i32)
    (drop (call $start (i32.const 0) (i32.const 3)))
    (drop (call $start (i32.const 1) (i32.const 2)))
    (call $join_all)
    (i32.const 99))

  ;; Every thread and main wait forever: for wasm_runtime_terminate.
  (func (export "block") (result i32)
    (drop (call $start (i32.const 0) (i32.const 3)))
    (drop (call $start (i32.const 1) (i32.const 3)))
    (call $wait_forever)
    (i32.const 99))
)
