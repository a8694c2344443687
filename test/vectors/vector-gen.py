#!/usr/bin/env python3
"""Generates test/vectors/vector-*.json (known answers for src/vector).

Run: python3 test/vectors/vector-gen.py   (deterministic; Python ints are exact, Python floats
are IEEE-754 doubles with correctly rounded * and /, the same as JavaScript numbers).
"""
import json, math, random
from fractions import Fraction

rng = random.Random(20171030)
HERE = __file__.rsplit('/', 1)[0]

def dump(name, obj):
    with open(f"{HERE}/{name}", "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")

# ---- modular arithmetic ----
cases = []
for bits in [1, 2, 3, 7, 8, 15, 16, 17, 24, 31, 32]:
    m = 1 << bits
    def vec():
        v = [rng.randrange(m) for _ in range(6)]
        return [0, m - 1] + v
    a, b, c = vec(), vec(), vec()
    cases.append({
        "bits": bits, "a": a, "b": b, "c": c,
        "add": [(x + y) % m for x, y in zip(a, b)],
        "sub": [(x - y) % m for x, y in zip(a, b)],
        "neg": [(-x) % m for x in a],
        "sum3": [(x + y + z) % m for x, y, z in zip(a, b, c)],
    })
dump("vector-arith.json", {
    "provenance": "test/vectors/vector-gen.py: Python exact integer arithmetic, (a+b) % 2**bits, (a-b) % 2**bits, (-a) % 2**bits, (a+b+c) % 2**bits; inputs from random.Random(20171030) plus the edge values 0 and 2**bits-1",
    "cases": cases,
})

# ---- quantisation, nearest rounding (ties toward +infinity, as JS Math.round) ----
def js_round(y):
    return math.floor(Fraction(y) + Fraction(1, 2))

def encode(q, bits):
    return q % (1 << bits)

qcases = []
for (clip, bits, clients, levels) in [(1.0, 16, 4, 100), (0.1, 20, 10, 5000), (8.0, 32, 1000, 1 << 20),
                                      (2.5, 12, 3, 7), (1e-3, 31, 2, 123456)]:
    scale = levels / clip
    xs = [0.0, clip, -clip, 2 * clip, -3 * clip, clip / 3, -clip / 7, 0.5 / scale, -0.5 / scale, 1.5 / scale,
          -2.5 / scale, 0.49999999999999994 / scale] + [rng.uniform(-1.2 * clip, 1.2 * clip) for _ in range(8)]
    q = []
    for x in xs:
        v = min(max(x, -clip), clip)
        y = v * scale
        r = max(-levels, min(levels, js_round(y)))
        q.append(r)
    # two "clients": xs and reversed xs; their modular sum and its decoding
    q2 = list(reversed(q))
    s = [encode(a + b, bits) for a, b in zip(q, q2)]
    qcases.append({
        "params": {"clip": clip, "bits": bits, "clients": clients, "levels": levels},
        "scale": scale,
        "values": xs,
        "quantized": [encode(r, bits) for r in q],
        "sumOfTwo": s,
        "dequantizedSumOfTwo": [(a + b) / scale for a, b in zip(q, q2)],
    })

# ---- weighted, nearest rounding ----
wcases = []
for (clip, bits, clients, max_weight, levels) in [(1.0, 32, 3, 100, 1000), (0.5, 24, 4, 60, 50)]:
    scale = levels / clip
    d = 6
    updates = [[rng.uniform(-1.3 * clip, 1.3 * clip) for _ in range(d)] for _ in range(3)]
    weights = [rng.randint(1, max_weight) for _ in range(3)]
    encs = []
    for u, w in zip(updates, weights):
        f = w * scale
        row = []
        for x in u:
            v = min(max(x, -clip), clip)
            r = max(-levels * max_weight, min(levels * max_weight, js_round(v * f)))
            row.append(r)
        encs.append(row + [w])
    total = [sum(col) for col in zip(*encs)]
    W = total[-1]
    wcases.append({
        "params": {"clip": clip, "bits": bits, "clients": clients, "maxWeight": max_weight, "levels": levels},
        "updates": updates, "weights": weights,
        "encoded": [[encode(r, bits) for r in row] for row in encs],
        "sum": [encode(t, bits) for t in total],
        "mean": [(t / scale) / W for t in total[:-1]],
        "totalWeight": W,
    })

dump("vector-quantize.json", {
    "provenance": "test/vectors/vector-gen.py: IEEE double products v*scale (scale = levels/clip, weighted factor = w*scale) as in JS; nearest rounding computed exactly with fractions.Fraction as floor(y + 1/2) (JS Math.round), clamped to the plan's maxLevel, encoded q % 2**bits; sums in exact integers; decoded as (sum/scale) and (sum/scale)/W in doubles",
    "plain": qcases,
    "weighted": wcases,
})
