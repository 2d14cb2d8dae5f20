#!/usr/bin/env python3
"""Writes the image benchmark's input: about 200 MB in 20,000 files under DIR, in 200 folders.

    images-data.py DIR

Deterministic (seeded) and half compressible, like build output: each file is a mix of
repeated text and random bytes, 4 to 16 KiB (mean 10 KiB).
"""
import os
import random
import sys

root = sys.argv[1]
rng = random.Random(20261127)
words = b"offgridflow deploy image layer registry digest plan apply " * 4
total = 0
for i in range(20000):
    d = os.path.join(root, f"pkg{i % 200:03d}")
    os.makedirs(d, exist_ok=True)
    size = rng.randint(4096, 16384)
    half = size // 2
    data = (words * (half // len(words) + 1))[:half] + rng.randbytes(size - half)
    with open(os.path.join(d, f"file{i:05d}.bin"), "wb") as f:
        f.write(data)
    total += size
print(f"{total / 1e6:.1f} MB in 20000 files under {root}")
