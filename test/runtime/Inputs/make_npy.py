"""Writes the .npy inputs of the runtime tests: make_npy.py DIR."""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
save = lambda name, array: np.save(os.path.join(out, name), array)
save("ids.npy", np.array([[1, 2, 9, -1]], dtype=np.int64))
save("mask.npy", np.array([[1.0, 0.5, 1.0, 2.0]], dtype=np.float32))
save("ids_int32.npy", np.array([[1, 2, 9, 3]], dtype=np.int32))
save("ids_rank1.npy", np.array([1, 2, 9, 3], dtype=np.int64))
save("ids_len5.npy", np.array([[1, 2, 3, 4, 5]], dtype=np.int64))
save("mask_len5.npy", np.ones((1, 5), dtype=np.float32))
save("ids_out_of_range.npy", np.array([[1, 10, 2, 3]], dtype=np.int64))
save("mask_fortran.npy", np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
with open(os.path.join(out, "garbage.npy"), "wb") as f:
    f.write(b"this is not numpy")
with open(os.path.join(out, "ids.npy"), "rb") as f:
    data = f.read()
with open(os.path.join(out, "truncated.npy"), "wb") as f:
    f.write(data[:-5])
# The reference output: table[ids] * mask[..., None].
table = np.arange(10, dtype=np.float32)[:, None] + np.array([0.0, 0.1, 0.2], dtype=np.float32)
ids = np.array([[1, 2, 9, -1]])
save("expected_y.npy", table[ids] * np.array([[1.0, 0.5, 1.0, 2.0]], dtype=np.float32)[..., None])
