;; Exports neither on_init nor _start: the install must be refused.
(module
  (memory (export "memory") 1)
  (func (export "on_request") (param i32 i32)))
