;; Fixture of test_api: one import from module "extra", for registering and
;; unregistering natives.
(module
  (import "extra" "x_get" (func $x_get (result i32)))
  (func (export "get") (result i32) (call $x_get)))
