;; on_init with the wrong type and no _start: refused like no on_init.
(module
  (memory (export "memory") 1)
  (func (export "on_init") (param i32)))
