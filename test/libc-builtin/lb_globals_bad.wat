;; A constant global cannot be imported as mutable: instantiation fails.
(module
  (import "env" "global.NaN" (global $nan (mut f64)))
  (func (export "get") (result f64) (global.get $nan)))
