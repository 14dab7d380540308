"""Replaces the first OLD in an artifact's manifest by NEW, of the same
length, so that no section moves: edit_manifest.py IN OUT OLD NEW [--rehash].
With --rehash the manifest's checksum is recomputed (the checksum as
docs/artifact.md defines it), so that only the edit itself is wrong."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "python"))
from xfm_format import manifest_span, rehash_manifest  # noqa: E402

source, target = sys.argv[1], sys.argv[2]
old, new = sys.argv[3].encode(), sys.argv[4].encode()
assert len(old) == len(new), "the edit must keep the manifest's length"
data = bytearray(open(source, "rb").read())
offset, size = manifest_span(data)
at = data.find(old, offset, offset + size)
assert at >= 0, f"{old!r} is not in the manifest"
data[at:at + len(old)] = new
if "--rehash" in sys.argv[5:]:
    assert rehash_manifest(data)
open(target, "wb").write(data)
