;; Loops forever in on_init: the watchdog must stop it and the install fail.
(module
  (memory (export "memory") 1)
  (func (export "on_init") (loop $l (br $l))))
