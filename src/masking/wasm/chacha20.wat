;; chacha20.wat: the ChaCha20 keystream of secagg's portable mask backend, four blocks at a time
;; (WebAssembly SIMD, 128-bit).
;;
;; The source of truth for the second module in ../_simd-module.ts: `npm run build:wasm`
;; assembles it with wabt (scripts/build-wasm.ts) and CI (.ci/steps/20-wat.sh) checks that the
;; committed bytes are this file's assembly. ../_simd.ts loads it on the folds' memory and checks
;; it against @noble/ciphers (8 blocks across a counter wrap) before use; the tests check it
;; against RFC 8439's vectors, OpenSSL and the independent Python implementation's masks.
;;
;; What it computes
;; ----------------
;;   chacha20(key, counter, out, groups)
;;
;; writes groups * 256 bytes at `out`: the ChaCha20 blocks (RFC 8439 §2.3) under the 32-byte key
;; at `key`, with block counters counter, counter + 1, ..., counter + 4*groups - 1 (mod 2^32)
;; and the all-zero 96-bit nonce, block after block. That is the keystream secagg's masks use
;; (docs/masking.md, "Keystream": state words 12..15 = (j, 0, 0, 0) for block j). The counter
;; is added mod 2^32 (i32x4.add), so a last group may wrap past 2^32 - 1; the caller
;; (../_stream.ts) asks for whole groups but reads only the blocks it needs, and never one at
;; counter 2^32 - 1 or beyond (the specification stops at block 2^32 - 2).
;; `key` and `out` are byte addresses in the memory imported as m.memory (the folds' memory);
;; neither needs alignment.
;;
;; How: four blocks side by side
;; -----------------------------
;; RFC 8439 §2.3 builds a 4x4 state of 32-bit words,
;;
;;   s0  s1  s2  s3       "expa" "nd 3" "2-by" "te k"   (the constants)
;;   s4  s5  s6  s7       key words 0..3                (little-endian)
;;   s8  s9  s10 s11      key words 4..7
;;   s12 s13 s14 s15      block counter, nonce words 0..2 (here 0, 0, 0)
;;
;; copies it to a working state x0..x15, runs 20 rounds (10 double rounds: quarter rounds on the
;; four columns, then on the four diagonals), adds the initial state to the working state and
;; serialises the 16 words little-endian: 64 bytes of keystream.
;;
;; Here each $s<i> and $x<i> is a v128 holding word i of four consecutive blocks, one block per
;; 32-bit lane (lane L = block counter + L). All four blocks share every word but the counter,
;; so the state is the key and constants broadcast to all lanes, and $s12 = (c, c+1, c+2, c+3).
;; A quarter round on four blocks is then the same lane-wise arithmetic as on one: i32x4.add,
;; v128.xor, and a rotation. The rotations by 16 and 8 move whole bytes, one i8x16.shuffle; by
;; 12 and 7 they are (x << n) | (x >> (32 - n)). At the end the four lanes are transposed back
;; into four consecutive 64-byte blocks while they are stored.
;;
;; Four blocks is the width of 128-bit SIMD at one block per 32-bit lane. The 10 double rounds
;; are a loop rather than unrolled: unrolled, the module would pass the 4 KB that browsers
;; compile synchronously on a page's main thread.

(module
  ;; The folds' memory (../_simd.ts passes it as { m: { memory } }); at least one page.
  (import "m" "memory" (memory 1))

  (func $chacha20 (export "chacha20")
    (param $key i32)          ;; address of the 32-byte key
    (param $counter i32)      ;; block counter of the first block
    (param $out i32)          ;; where the keystream goes: 256 bytes per group
    (param $groups i32)       ;; how many groups of four blocks
    ;; working state x0..x15 (RFC 8439's working_state), word i of blocks L = 0..3 in lane L
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $x4 v128) (local $x5 v128) (local $x6 v128) (local $x7 v128)
    (local $x8 v128) (local $x9 v128) (local $x10 v128) (local $x11 v128)
    (local $x12 v128) (local $x13 v128) (local $x14 v128) (local $x15 v128)
    ;; a temporary: the value being rotated, and one row of the transpose
    (local $t v128)
    ;; initial state s0..s15 (RFC 8439's state), likewise four blocks wide
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $s4 v128) (local $s5 v128) (local $s6 v128) (local $s7 v128)
    (local $s8 v128) (local $s9 v128) (local $s10 v128) (local $s11 v128)
    (local $s12 v128) (local $s13 v128) (local $s14 v128) (local $s15 v128)
    ;; double rounds left in this group
    (local $round i32)

    ;; ---- the initial state (RFC 8439 §2.3), each word broadcast to the four lanes ----
    (local.set $s0 (i32x4.splat (i32.const 0x61707865)))          ;; "expa"
    (local.set $s1 (i32x4.splat (i32.const 0x3320646e)))          ;; "nd 3"
    (local.set $s2 (i32x4.splat (i32.const 0x79622d32)))          ;; "2-by"
    (local.set $s3 (i32x4.splat (i32.const 0x6b206574)))          ;; "te k"
    (local.set $s4 (i32x4.splat (i32.load (local.get $key))))     ;; key bytes 0..3, little-endian
    (local.set $s5 (i32x4.splat (i32.load offset=4 (local.get $key))))
    (local.set $s6 (i32x4.splat (i32.load offset=8 (local.get $key))))
    (local.set $s7 (i32x4.splat (i32.load offset=12 (local.get $key))))
    (local.set $s8 (i32x4.splat (i32.load offset=16 (local.get $key))))
    (local.set $s9 (i32x4.splat (i32.load offset=20 (local.get $key))))
    (local.set $s10 (i32x4.splat (i32.load offset=24 (local.get $key))))
    (local.set $s11 (i32x4.splat (i32.load offset=28 (local.get $key))))  ;; key bytes 28..31
    ;; the block counters of the first group: counter + lane (i32x4.add wraps mod 2^32)
    (local.set $s12 (i32x4.add (i32x4.splat (local.get $counter)) (v128.const i32x4 0 1 2 3)))
    ;; the nonce: 12 zero bytes
    (local.set $s13 (v128.const i32x4 0 0 0 0))
    (local.set $s14 (v128.const i32x4 0 0 0 0))
    (local.set $s15 (v128.const i32x4 0 0 0 0))

    ;; ---- one group of four blocks per iteration ----
    (block $done
      (loop $group
        (br_if $done (i32.eqz (local.get $groups)))

        ;; working_state = state
        (local.set $x0 (local.get $s0))
        (local.set $x1 (local.get $s1))
        (local.set $x2 (local.get $s2))
        (local.set $x3 (local.get $s3))
        (local.set $x4 (local.get $s4))
        (local.set $x5 (local.get $s5))
        (local.set $x6 (local.get $s6))
        (local.set $x7 (local.get $s7))
        (local.set $x8 (local.get $s8))
        (local.set $x9 (local.get $s9))
        (local.set $x10 (local.get $s10))
        (local.set $x11 (local.get $s11))
        (local.set $x12 (local.get $s12))
        (local.set $x13 (local.get $s13))
        (local.set $x14 (local.get $s14))
        (local.set $x15 (local.get $s15))

        ;; 20 rounds: 10 x (column round, diagonal round).
        ;;
        ;; Each quarter round QUARTERROUND(a, b, c, d) is RFC 8439 §2.1:
        ;;   a += b; d ^= a; d <<<= 16;
        ;;   c += d; b ^= c; b <<<= 12;
        ;;   a += b; d ^= a; d <<<= 8;
        ;;   c += d; b ^= c; b <<<= 7;
        ;; written below as two lines per step: $t = (a += b) ^ d, then d = $t <<< r. The byte
        ;; shuffles rotate each 32-bit lane left by 16 (bytes 2 3 0 1) and by 8 (bytes 3 0 1 2);
        ;; the shifts rotate by 12 and by 7.
        (local.set $round (i32.const 10))
        (loop $double_round
          ;; -- column round --
          ;; QUARTERROUND(0, 4, 8, 12)
          (local.set $t (v128.xor (local.tee $x0 (i32x4.add (local.get $x0) (local.get $x4))) (local.get $x12)))
          (local.set $x12 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x8 (i32x4.add (local.get $x8) (local.get $x12))) (local.get $x4)))
          (local.set $x4 (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $t (v128.xor (local.tee $x0 (i32x4.add (local.get $x0) (local.get $x4))) (local.get $x12)))
          (local.set $x12 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x8 (i32x4.add (local.get $x8) (local.get $x12))) (local.get $x4)))
          (local.set $x4 (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          ;; QUARTERROUND(1, 5, 9, 13)
          (local.set $t (v128.xor (local.tee $x1 (i32x4.add (local.get $x1) (local.get $x5))) (local.get $x13)))
          (local.set $x13 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x9 (i32x4.add (local.get $x9) (local.get $x13))) (local.get $x5)))
          (local.set $x5 (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $t (v128.xor (local.tee $x1 (i32x4.add (local.get $x1) (local.get $x5))) (local.get $x13)))
          (local.set $x13 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x9 (i32x4.add (local.get $x9) (local.get $x13))) (local.get $x5)))
          (local.set $x5 (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          ;; QUARTERROUND(2, 6, 10, 14)
          (local.set $t (v128.xor (local.tee $x2 (i32x4.add (local.get $x2) (local.get $x6))) (local.get $x14)))
          (local.set $x14 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x10 (i32x4.add (local.get $x10) (local.get $x14))) (local.get $x6)))
          (local.set $x6 (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $t (v128.xor (local.tee $x2 (i32x4.add (local.get $x2) (local.get $x6))) (local.get $x14)))
          (local.set $x14 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x10 (i32x4.add (local.get $x10) (local.get $x14))) (local.get $x6)))
          (local.set $x6 (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          ;; QUARTERROUND(3, 7, 11, 15)
          (local.set $t (v128.xor (local.tee $x3 (i32x4.add (local.get $x3) (local.get $x7))) (local.get $x15)))
          (local.set $x15 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x11 (i32x4.add (local.get $x11) (local.get $x15))) (local.get $x7)))
          (local.set $x7 (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $t (v128.xor (local.tee $x3 (i32x4.add (local.get $x3) (local.get $x7))) (local.get $x15)))
          (local.set $x15 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x11 (i32x4.add (local.get $x11) (local.get $x15))) (local.get $x7)))
          (local.set $x7 (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))

          ;; -- diagonal round --
          ;; QUARTERROUND(0, 5, 10, 15)
          (local.set $t (v128.xor (local.tee $x0 (i32x4.add (local.get $x0) (local.get $x5))) (local.get $x15)))
          (local.set $x15 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x10 (i32x4.add (local.get $x10) (local.get $x15))) (local.get $x5)))
          (local.set $x5 (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $t (v128.xor (local.tee $x0 (i32x4.add (local.get $x0) (local.get $x5))) (local.get $x15)))
          (local.set $x15 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x10 (i32x4.add (local.get $x10) (local.get $x15))) (local.get $x5)))
          (local.set $x5 (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          ;; QUARTERROUND(1, 6, 11, 12)
          (local.set $t (v128.xor (local.tee $x1 (i32x4.add (local.get $x1) (local.get $x6))) (local.get $x12)))
          (local.set $x12 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x11 (i32x4.add (local.get $x11) (local.get $x12))) (local.get $x6)))
          (local.set $x6 (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $t (v128.xor (local.tee $x1 (i32x4.add (local.get $x1) (local.get $x6))) (local.get $x12)))
          (local.set $x12 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x11 (i32x4.add (local.get $x11) (local.get $x12))) (local.get $x6)))
          (local.set $x6 (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          ;; QUARTERROUND(2, 7, 8, 13)
          (local.set $t (v128.xor (local.tee $x2 (i32x4.add (local.get $x2) (local.get $x7))) (local.get $x13)))
          (local.set $x13 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x8 (i32x4.add (local.get $x8) (local.get $x13))) (local.get $x7)))
          (local.set $x7 (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $t (v128.xor (local.tee $x2 (i32x4.add (local.get $x2) (local.get $x7))) (local.get $x13)))
          (local.set $x13 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x8 (i32x4.add (local.get $x8) (local.get $x13))) (local.get $x7)))
          (local.set $x7 (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))
          ;; QUARTERROUND(3, 4, 9, 14)
          (local.set $t (v128.xor (local.tee $x3 (i32x4.add (local.get $x3) (local.get $x4))) (local.get $x14)))
          (local.set $x14 (i8x16.shuffle 2 3 0 1 6 7 4 5 10 11 8 9 14 15 12 13 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x9 (i32x4.add (local.get $x9) (local.get $x14))) (local.get $x4)))
          (local.set $x4 (v128.or (i32x4.shl (local.get $t) (i32.const 12)) (i32x4.shr_u (local.get $t) (i32.const 20))))
          (local.set $t (v128.xor (local.tee $x3 (i32x4.add (local.get $x3) (local.get $x4))) (local.get $x14)))
          (local.set $x14 (i8x16.shuffle 3 0 1 2 7 4 5 6 11 8 9 10 15 12 13 14 (local.get $t) (local.get $t)))
          (local.set $t (v128.xor (local.tee $x9 (i32x4.add (local.get $x9) (local.get $x14))) (local.get $x4)))
          (local.set $x4 (v128.or (i32x4.shl (local.get $t) (i32.const 7)) (i32x4.shr_u (local.get $t) (i32.const 25))))

          (br_if $double_round (local.tee $round (i32.sub (local.get $round) (i32.const 1)))))

        ;; working_state += state (RFC 8439 §2.3, the last step of the block function)
        (local.set $x0 (i32x4.add (local.get $x0) (local.get $s0)))
        (local.set $x1 (i32x4.add (local.get $x1) (local.get $s1)))
        (local.set $x2 (i32x4.add (local.get $x2) (local.get $s2)))
        (local.set $x3 (i32x4.add (local.get $x3) (local.get $s3)))
        (local.set $x4 (i32x4.add (local.get $x4) (local.get $s4)))
        (local.set $x5 (i32x4.add (local.get $x5) (local.get $s5)))
        (local.set $x6 (i32x4.add (local.get $x6) (local.get $s6)))
        (local.set $x7 (i32x4.add (local.get $x7) (local.get $s7)))
        (local.set $x8 (i32x4.add (local.get $x8) (local.get $s8)))
        (local.set $x9 (i32x4.add (local.get $x9) (local.get $s9)))
        (local.set $x10 (i32x4.add (local.get $x10) (local.get $s10)))
        (local.set $x11 (i32x4.add (local.get $x11) (local.get $s11)))
        (local.set $x12 (i32x4.add (local.get $x12) (local.get $s12)))
        (local.set $x13 (i32x4.add (local.get $x13) (local.get $s13)))
        (local.set $x14 (i32x4.add (local.get $x14) (local.get $s14)))
        (local.set $x15 (i32x4.add (local.get $x15) (local.get $s15)))

        ;; Serialise: block L (L = 0..3) is lane L of x0..x15, 64 bytes at out + 64L. Words
        ;; j..j+3 of the four blocks (a = x_j, b = x_j+1, c = x_j+2, d = x_j+3; aL = lane L of a)
        ;; are a 4x4 transpose, in two steps of byte shuffles (indices 16..31 pick from the
        ;; second operand):
        ;;   interleave 32-bit lanes:  a0 b0 a1 b1 | a2 b2 a3 b3 | c0 d0 c1 d1 | c2 d2 c3 d3
        ;;   then 64-bit halves:       a0 b0 c0 d0 (block 0) | a1 b1 c1 d1 (block 1) | ...
        ;; and each row is one 16-byte store at out + 64L + 4j.

        ;; words 0..3
        (local.set $t (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x0) (local.get $x1)))      ;; a0 b0 a1 b1
        (local.set $x0 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x0) (local.get $x1)))  ;; a2 b2 a3 b3
        (local.set $x1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x2) (local.get $x3)))     ;; c0 d0 c1 d1
        (local.set $x2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x2) (local.get $x3)))  ;; c2 d2 c3 d3
        (v128.store (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $x1)))          ;; block 0
        (v128.store offset=64 (local.get $out)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t) (local.get $x1)))    ;; block 1
        (v128.store offset=128 (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x0) (local.get $x2)))         ;; block 2
        (v128.store offset=192 (local.get $out)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x0) (local.get $x2)))   ;; block 3

        ;; words 4..7
        (local.set $t (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x4) (local.get $x5)))
        (local.set $x4 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x4) (local.get $x5)))
        (local.set $x5 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x6) (local.get $x7)))
        (local.set $x6 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x6) (local.get $x7)))
        (v128.store offset=16 (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $x5)))
        (v128.store offset=80 (local.get $out)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t) (local.get $x5)))
        (v128.store offset=144 (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x4) (local.get $x6)))
        (v128.store offset=208 (local.get $out)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x4) (local.get $x6)))

        ;; words 8..11
        (local.set $t (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x8) (local.get $x9)))
        (local.set $x8 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x8) (local.get $x9)))
        (local.set $x9 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x10) (local.get $x11)))
        (local.set $x10 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x10) (local.get $x11)))
        (v128.store offset=32 (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $x9)))
        (v128.store offset=96 (local.get $out)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t) (local.get $x9)))
        (v128.store offset=160 (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x8) (local.get $x10)))
        (v128.store offset=224 (local.get $out)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x8) (local.get $x10)))

        ;; words 12..15
        (local.set $t (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x12) (local.get $x13)))
        (local.set $x12 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x12) (local.get $x13)))
        (local.set $x13 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x14) (local.get $x15)))
        (local.set $x14 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x14) (local.get $x15)))
        (v128.store offset=48 (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t) (local.get $x13)))
        (v128.store offset=112 (local.get $out)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t) (local.get $x13)))
        (v128.store offset=176 (local.get $out)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $x12) (local.get $x14)))
        (v128.store offset=240 (local.get $out)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $x12) (local.get $x14)))

        ;; Next group: counters + 4 in every lane, 256 bytes further on.
        (local.set $s12 (i32x4.add (local.get $s12) (i32x4.splat (i32.const 4))))
        (local.set $out (i32.add (local.get $out) (i32.const 256)))
        (local.set $groups (i32.sub (local.get $groups) (i32.const 1)))
        (br $group)))))
