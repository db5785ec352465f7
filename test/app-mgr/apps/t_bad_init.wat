;; Traps in on_init: the install must fail with the trap text and leave
;; nothing behind.
(module
  (memory (export "memory") 1)
  (func (export "on_init") unreachable))
