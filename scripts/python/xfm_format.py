"""The .xfm artifact format as Python reads and writes it (for tests that
tamper with artifacts): the header, the manifest, and the section checksum
that runtime/ArtifactFormat.h defines (docs/artifact.md)."""

import struct

MASK = (1 << 64) - 1
CHECKSUM_KEY = b'\n  "manifest_checksum": "'


def _rotl(v, bits):
    return ((v << bits) | (v >> (64 - bits))) & MASK


def section_hash(data: bytes) -> int:
    """SectionHash: the bytes as little-endian 64-bit words mixed into four
    lanes in turn, combined with the length."""
    lanes = [0x60ea27eeadc0b5d6, 0xc2b2ae3d27d4eb4f, 0, 0x61c8864e7a143579]

    def round_(lane, word):
        lane = (lane + word * 0xc2b2ae3d27d4eb4f) & MASK
        return (_rotl(lane, 31) * 0x9e3779b185ebca87) & MASK

    padded = data + bytes(-len(data) % 8)
    words = struct.unpack(f"<{len(padded) // 8}Q", padded)
    for i, word in enumerate(words):
        lanes[i % 4] = round_(lanes[i % 4], word)
    h = (_rotl(lanes[0], 1) + _rotl(lanes[1], 7) + _rotl(lanes[2], 12) + _rotl(lanes[3], 18)) & MASK
    h ^= len(data)
    for multiplier in (0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53):
        h ^= h >> 33
        h = (h * multiplier) & MASK
    return h ^ (h >> 33)


def manifest_span(data) -> tuple[int, int]:
    """(offset, size) of the manifest, from the header."""
    return struct.unpack_from("<QQ", data, 16)


def rehash_manifest(data: bytearray) -> bool:
    """Rewrites the manifest's own checksum in place; False when the
    manifest has no top-level manifest_checksum."""
    offset, size = manifest_span(data)
    if offset + size > len(data):
        return False
    at = bytes(data[offset:offset + size]).find(CHECKSUM_KEY)
    if at < 0 or at + len(CHECKSUM_KEY) + 16 > size:
        return False
    digits = offset + at + len(CHECKSUM_KEY)
    text = bytes(data[offset:digits]) + b"0" * 16 + bytes(data[digits + 16:offset + size])
    data[digits:digits + 16] = b"%016x" % section_hash(text)
    return True
