;; Its start function (the start section, run at instantiation) loops
;; forever: the watchdog must stop it and the install fail, as for on_init.
(module
  (memory (export "memory") 1)
  (func $spin (loop $l (br $l)))
  (start $spin)
  (func (export "on_init")))
