;; Turns the wasm inlined in the script tag (src/js/inline-wasm.mjs: one character per byte)
;; back into bytes, at native speed: the same work in a JavaScript loop takes 1 to 6 ms of
;; every page load, cold code over 100,000 characters (measured).
;;
;; script.js writes the table (character code -> byte, 0x200 bytes) at 0 and the text, as the
;; browser's TextEncoder writes it in UTF-8, from 0x200. Every character is below U+0800: one
;; byte below 0x80, else two. `d(start, end, table)` looks each one up in the table, writes the
;; bytes in place from `start` (never ahead of what it reads) and returns where they end.
;;
;; Built by build.sh with binaryen's wasm-as and wasm-opt; inlined by inline-wasm.mjs.
(module
  (memory (export "m") 1)
  (func (export "d") (param $s i32) (param $e i32) (param $t i32) (result i32)
    (local $c i32) (local $d i32)
    (local.set $d (local.get $s))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $s) (local.get $e)))
        ;; (Loaded with sign, so that a byte from 0x80 up is negative: every byte of this module
        ;; stays below 0x80, and script.js takes it from TextEncoder as it takes the text.)
        (local.set $c (i32.load8_s (local.get $s)))
        (if (i32.lt_s (local.get $c) (i32.const 0))
          (then
            (local.set $c
              (i32.or
                (i32.shl (i32.and (local.get $c) (i32.const 0x1f)) (i32.const 6))
                (i32.and (i32.load8_u offset=1 (local.get $s)) (i32.const 0x3f))))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))))
        (i32.store8 (local.get $d) (i32.load8_u (i32.add (local.get $t) (local.get $c))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $next)))
    (local.get $d)))
