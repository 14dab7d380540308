"""Replaces the first OLD in an artifact's manifest by NEW, of the same
length, so that no section moves: edit_manifest.py IN OUT OLD NEW [--rehash].
With --rehash the manifest's checksum is recomputed (the checksum as
docs/artifact.md defines it), so that only the edit itself is wrong."""
import struct
import sys

MASK = (1 << 64) - 1


def rotl(v, bits):
    return ((v << bits) | (v >> (64 - bits))) & MASK


def section_hash(data: bytes) -> int:
    lanes = [0x60ea27eeadc0b5d6, 0xc2b2ae3d27d4eb4f, 0, 0x61c8864e7a143579]

    def round_(lane, word):
        lane = (lane + word * 0xc2b2ae3d27d4eb4f) & MASK
        return (rotl(lane, 31) * 0x9e3779b185ebca87) & MASK

    padded = data + bytes(-len(data) % 8)
    words = struct.unpack(f"<{len(padded) // 8}Q", padded)
    for i, word in enumerate(words):
        lanes[i % 4] = round_(lanes[i % 4], word)
    h = (rotl(lanes[0], 1) + rotl(lanes[1], 7) + rotl(lanes[2], 12) + rotl(lanes[3], 18)) & MASK
    h ^= len(data)
    for multiplier in (0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53):
        h ^= h >> 33
        h = (h * multiplier) & MASK
    return h ^ (h >> 33)


source, target = sys.argv[1], sys.argv[2]
old, new = sys.argv[3].encode(), sys.argv[4].encode()
assert len(old) == len(new), "the edit must keep the manifest's length"
data = bytearray(open(source, "rb").read())
offset, size = struct.unpack_from("<QQ", data, 16)
at = data.find(old, offset, offset + size)
assert at >= 0, f"{old!r} is not in the manifest"
data[at:at + len(old)] = new
if "--rehash" in sys.argv[5:]:
    key = b'"manifest_checksum": "'
    digits = data.find(key, offset, offset + size) + len(key)
    text = bytes(data[offset:digits]) + b"0" * 16 + bytes(data[digits + 16:offset + size])
    data[digits:digits + 16] = b"%016x" % section_hash(text)
open(target, "wb").write(data)
