"""Replaces the first OLD in an artifact's manifest by NEW, of the same
length, so that no section moves: edit_manifest.py IN OUT OLD NEW."""
import struct
import sys

source, target, old, new = sys.argv[1], sys.argv[2], sys.argv[3].encode(), sys.argv[4].encode()
assert len(old) == len(new), "the edit must keep the manifest's length"
data = bytearray(open(source, "rb").read())
offset, size = struct.unpack_from("<QQ", data, 16)
at = data.find(old, offset, offset + size)
assert at >= 0, f"{old!r} is not in the manifest"
data[at:at + len(old)] = new
open(target, "wb").write(data)
