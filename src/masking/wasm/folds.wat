;; folds.wat: the fold and reduce kernels of secagg's masks (WebAssembly SIMD, 128-bit).
;;
;; The source of truth for the first module in ../_simd-module.ts: `npm run build:wasm`
;; assembles it with wabt (scripts/build-wasm.ts) and CI (.ci/steps/20-wat.sh) checks that the
;; committed bytes are this file's assembly. ../_simd.ts loads it and self-tests it against a
;; scalar loop before use.
;;
;; What the kernels compute
;; ------------------------
;; A mask is a sequence of elements mod 2^bits (1 <= bits <= 32). Element i is the little-endian
;; integer of ChaCha20 keystream bytes [w*i, w*i + w), where w = ceil(bits / 8) is the element's
;; width, 1..4 bytes (docs/masking.md, "Specification"). The caller keeps a vector of 32-bit
;; words (the accumulator, one word per element) and combines masks into it:
;;
;;   add<w>(acc, ks, count):  acc[i] = acc[i] + ks_i  mod 2^32   for i < count
;;   sub<w>(acc, ks, count):  acc[i] = acc[i] - ks_i  mod 2^32
;;   set<w>(acc, ks, count):  acc[i] = ks_i
;;   reduce(acc, count, mask): acc[i] = acc[i] AND mask            (mask = 2^bits - 1)
;;
;; where acc and ks are byte addresses in this module's memory and ks_i is the 32-bit
;; little-endian word read at ks + w*i: its low 8*w bits are element i, the bytes above them
;; belong to the next elements (junk for this element).
;;
;; Why the junk is harmless, and why reduce runs once: 2^bits divides 2^32, so arithmetic
;; mod 2^32 followed by one AND with 2^bits - 1 equals arithmetic mod 2^bits. The junk bytes sit
;; at bit 8*w >= bits and above; carries and borrows only move upwards, so they never reach the
;; low `bits` bits. The caller folds any number of masks into a span of the accumulator and then
;; calls reduce once, instead of masking after every fold.
;;
;; Layout of each fold: 16 elements per iteration (four 128-bit vectors of four 32-bit lanes),
;; then the remaining 0..15 elements one at a time with scalar i32 loads.
;;
;;   Vector k (k = 0..3) of an iteration covers elements 4k .. 4k+3, whose keystream bytes start
;;   at ks + 4*w*k. One 16-byte load from there holds all four (4*w <= 16 bytes), and
;;   i8x16.swizzle moves bytes [j*w, j*w + 4) into lane j: the same 32-bit little-endian word a
;;   scalar i32.load at ks + w*(4k + j) would read. The swizzle patterns are
;;
;;     w = 1:  0 1 2 3   1 2 3 4   2 3 4 5    3 4 5 6
;;     w = 2:  0 1 2 3   2 3 4 5   4 5 6 7    6 7 8 9
;;     w = 3:  0 1 2 3   3 4 5 6   6 7 8 9    9 10 11 12
;;     w = 4:  none (the load is already four whole elements)
;;
;;   A swizzle with a constant pattern rather than an i8x16.shuffle of the load with itself:
;;   V8 compiles that shuffle to a slower sequence on x64 (measured when the kernels were
;;   written).
;;
;; Memory contract (kept by ../_stream.ts): loads may read up to 12 bytes past the last element's
;; keystream (the last vector load of an iteration at w = 1 reads 16 bytes for 4 elements; the
;; scalar tail reads 4 bytes per element of w < 4), so callers leave that much room. Addresses
;; need no alignment (the align hints are hints). WebAssembly memory is little-endian, as the
;; keystream's elements are; ../_simd.ts only loads the module on little-endian hosts, where JS
;; typed arrays over the same memory agree.
;;
;; Exports, in this order (../_simd.ts looks them up by name): add1..add4, sub1..sub4,
;; set1..set4 (the digit is w), reduce, memory (one 64 KiB page to start; the caller grows it).
;; The module stays under 4 KB: browsers compile modules that small synchronously on a page's
;; main thread.

(module
  ;; fold(acc, ks, count) and reduce(acc, count, mask) share this signature.
  (type $kernel (func (param i32 i32 i32)))

  (memory $memory 1)

  ;; ---------------------------------------------------------------------------------------
  ;; add<w>: acc[i] += ks_i (mod 2^32)
  ;; ---------------------------------------------------------------------------------------

  (func $add1 (export "add1") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    ;; 16 elements per iteration.
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        ;; vector k: accumulator words at acc + 16k, keystream bytes at ks + 4k (w = 1)
        (v128.store (local.get $acc)
          (i32x4.add (v128.load (local.get $acc))
                     (i8x16.swizzle (v128.load (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6))))
        (v128.store offset=16 (local.get $acc)
          (i32x4.add (v128.load offset=16 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=4 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6))))
        (v128.store offset=32 (local.get $acc)
          (i32x4.add (v128.load offset=32 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=8 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6))))
        (v128.store offset=48 (local.get $acc)
          (i32x4.add (v128.load offset=48 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=12 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))     ;; 16 words
        (local.set $ks (i32.add (local.get $ks) (i32.const 16)))       ;; 16 elements of 1 byte
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    ;; The remaining 0..15 elements, one at a time.
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc)
          (i32.add (i32.load (local.get $acc)) (i32.load (local.get $ks))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 1)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func $add2 (export "add2") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        ;; vector k: keystream bytes at ks + 8k (w = 2)
        (v128.store (local.get $acc)
          (i32x4.add (v128.load (local.get $acc))
                     (i8x16.swizzle (v128.load (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9))))
        (v128.store offset=16 (local.get $acc)
          (i32x4.add (v128.load offset=16 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=8 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9))))
        (v128.store offset=32 (local.get $acc)
          (i32x4.add (v128.load offset=32 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=16 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9))))
        (v128.store offset=48 (local.get $acc)
          (i32x4.add (v128.load offset=48 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=24 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 32)))       ;; 16 elements of 2 bytes
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc)
          (i32.add (i32.load (local.get $acc)) (i32.load (local.get $ks))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 2)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func $add3 (export "add3") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        ;; vector k: keystream bytes at ks + 12k (w = 3)
        (v128.store (local.get $acc)
          (i32x4.add (v128.load (local.get $acc))
                     (i8x16.swizzle (v128.load (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12))))
        (v128.store offset=16 (local.get $acc)
          (i32x4.add (v128.load offset=16 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=12 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12))))
        (v128.store offset=32 (local.get $acc)
          (i32x4.add (v128.load offset=32 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=24 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12))))
        (v128.store offset=48 (local.get $acc)
          (i32x4.add (v128.load offset=48 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=36 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 48)))       ;; 16 elements of 3 bytes
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc)
          (i32.add (i32.load (local.get $acc)) (i32.load (local.get $ks))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 3)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func $add4 (export "add4") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        ;; vector k: keystream bytes at ks + 16k, already four whole elements (w = 4)
        (v128.store (local.get $acc)
          (i32x4.add (v128.load (local.get $acc)) (v128.load (local.get $ks))))
        (v128.store offset=16 (local.get $acc)
          (i32x4.add (v128.load offset=16 (local.get $acc)) (v128.load offset=16 (local.get $ks))))
        (v128.store offset=32 (local.get $acc)
          (i32x4.add (v128.load offset=32 (local.get $acc)) (v128.load offset=32 (local.get $ks))))
        (v128.store offset=48 (local.get $acc)
          (i32x4.add (v128.load offset=48 (local.get $acc)) (v128.load offset=48 (local.get $ks))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 64)))       ;; 16 elements of 4 bytes
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc)
          (i32.add (i32.load (local.get $acc)) (i32.load (local.get $ks))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  ;; ---------------------------------------------------------------------------------------
  ;; sub<w>: acc[i] -= ks_i (mod 2^32). The same loops as add<w>, with i32x4.sub / i32.sub.
  ;; ---------------------------------------------------------------------------------------

  (func $sub1 (export "sub1") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        (v128.store (local.get $acc)
          (i32x4.sub (v128.load (local.get $acc))
                     (i8x16.swizzle (v128.load (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6))))
        (v128.store offset=16 (local.get $acc)
          (i32x4.sub (v128.load offset=16 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=4 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6))))
        (v128.store offset=32 (local.get $acc)
          (i32x4.sub (v128.load offset=32 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=8 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6))))
        (v128.store offset=48 (local.get $acc)
          (i32x4.sub (v128.load offset=48 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=12 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 16)))
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc)
          (i32.sub (i32.load (local.get $acc)) (i32.load (local.get $ks))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 1)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func $sub2 (export "sub2") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        (v128.store (local.get $acc)
          (i32x4.sub (v128.load (local.get $acc))
                     (i8x16.swizzle (v128.load (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9))))
        (v128.store offset=16 (local.get $acc)
          (i32x4.sub (v128.load offset=16 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=8 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9))))
        (v128.store offset=32 (local.get $acc)
          (i32x4.sub (v128.load offset=32 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=16 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9))))
        (v128.store offset=48 (local.get $acc)
          (i32x4.sub (v128.load offset=48 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=24 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 32)))
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc)
          (i32.sub (i32.load (local.get $acc)) (i32.load (local.get $ks))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 2)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func $sub3 (export "sub3") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        (v128.store (local.get $acc)
          (i32x4.sub (v128.load (local.get $acc))
                     (i8x16.swizzle (v128.load (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12))))
        (v128.store offset=16 (local.get $acc)
          (i32x4.sub (v128.load offset=16 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=12 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12))))
        (v128.store offset=32 (local.get $acc)
          (i32x4.sub (v128.load offset=32 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=24 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12))))
        (v128.store offset=48 (local.get $acc)
          (i32x4.sub (v128.load offset=48 (local.get $acc))
                     (i8x16.swizzle (v128.load offset=36 (local.get $ks))
                                    (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 48)))
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc)
          (i32.sub (i32.load (local.get $acc)) (i32.load (local.get $ks))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 3)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func $sub4 (export "sub4") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        (v128.store (local.get $acc)
          (i32x4.sub (v128.load (local.get $acc)) (v128.load (local.get $ks))))
        (v128.store offset=16 (local.get $acc)
          (i32x4.sub (v128.load offset=16 (local.get $acc)) (v128.load offset=16 (local.get $ks))))
        (v128.store offset=32 (local.get $acc)
          (i32x4.sub (v128.load offset=32 (local.get $acc)) (v128.load offset=32 (local.get $ks))))
        (v128.store offset=48 (local.get $acc)
          (i32x4.sub (v128.load offset=48 (local.get $acc)) (v128.load offset=48 (local.get $ks))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 64)))
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc)
          (i32.sub (i32.load (local.get $acc)) (i32.load (local.get $ks))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  ;; ---------------------------------------------------------------------------------------
  ;; set<w>: acc[i] = ks_i. The same loops without reading the accumulator (expandMask, and
  ;; the first term of applyMasksInto when it overwrites).
  ;; ---------------------------------------------------------------------------------------

  (func $set1 (export "set1") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        (v128.store (local.get $acc)
          (i8x16.swizzle (v128.load (local.get $ks))
                         (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6)))
        (v128.store offset=16 (local.get $acc)
          (i8x16.swizzle (v128.load offset=4 (local.get $ks))
                         (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6)))
        (v128.store offset=32 (local.get $acc)
          (i8x16.swizzle (v128.load offset=8 (local.get $ks))
                         (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6)))
        (v128.store offset=48 (local.get $acc)
          (i8x16.swizzle (v128.load offset=12 (local.get $ks))
                         (v128.const i8x16 0 1 2 3 1 2 3 4 2 3 4 5 3 4 5 6)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 16)))
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc) (i32.load (local.get $ks)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 1)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func $set2 (export "set2") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        (v128.store (local.get $acc)
          (i8x16.swizzle (v128.load (local.get $ks))
                         (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9)))
        (v128.store offset=16 (local.get $acc)
          (i8x16.swizzle (v128.load offset=8 (local.get $ks))
                         (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9)))
        (v128.store offset=32 (local.get $acc)
          (i8x16.swizzle (v128.load offset=16 (local.get $ks))
                         (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9)))
        (v128.store offset=48 (local.get $acc)
          (i8x16.swizzle (v128.load offset=24 (local.get $ks))
                         (v128.const i8x16 0 1 2 3 2 3 4 5 4 5 6 7 6 7 8 9)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 32)))
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc) (i32.load (local.get $ks)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 2)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func $set3 (export "set3") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        (v128.store (local.get $acc)
          (i8x16.swizzle (v128.load (local.get $ks))
                         (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12)))
        (v128.store offset=16 (local.get $acc)
          (i8x16.swizzle (v128.load offset=12 (local.get $ks))
                         (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12)))
        (v128.store offset=32 (local.get $acc)
          (i8x16.swizzle (v128.load offset=24 (local.get $ks))
                         (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12)))
        (v128.store offset=48 (local.get $acc)
          (i8x16.swizzle (v128.load offset=36 (local.get $ks))
                         (v128.const i8x16 0 1 2 3 3 4 5 6 6 7 8 9 9 10 11 12)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 48)))
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc) (i32.load (local.get $ks)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 3)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  (func $set4 (export "set4") (type $kernel) (param $acc i32) (param $ks i32) (param $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 16)))
        (v128.store (local.get $acc) (v128.load (local.get $ks)))
        (v128.store offset=16 (local.get $acc) (v128.load offset=16 (local.get $ks)))
        (v128.store offset=32 (local.get $acc) (v128.load offset=32 (local.get $ks)))
        (v128.store offset=48 (local.get $acc) (v128.load offset=48 (local.get $ks)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 64)))
        (local.set $count (i32.sub (local.get $count) (i32.const 16)))
        (br $next)))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc) (i32.load (local.get $ks)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $ks (i32.add (local.get $ks) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  ;; ---------------------------------------------------------------------------------------
  ;; reduce(acc, count, mask): acc[i] &= mask for the `count` 32-bit words at acc. With
  ;; mask = 2^bits - 1 this takes the folded words from mod 2^32 to mod 2^bits (see the top).
  ;; ---------------------------------------------------------------------------------------

  (func $reduce (export "reduce") (type $kernel) (param $acc i32) (param $count i32) (param $mask i32)
    (local $mask4 v128)                                                ;; mask in all four lanes
    (local.set $mask4 (i32x4.splat (local.get $mask)))
    ;; Four words per iteration.
    (block $done
      (loop $next
        (br_if $done (i32.lt_u (local.get $count) (i32.const 4)))
        (v128.store (local.get $acc) (v128.and (v128.load (local.get $acc)) (local.get $mask4)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
        (local.set $count (i32.sub (local.get $count) (i32.const 4)))
        (br $next)))
    ;; The remaining 0..3 words.
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (i32.store (local.get $acc) (i32.and (i32.load (local.get $acc)) (local.get $mask)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next))))

  ;; Last, after the kernels (the export order ../_simd.ts was written against).
  (export "memory" (memory $memory)))
