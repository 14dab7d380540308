"""The zoo's index, zoo.json, as the export scripts write it and run_zoo.py
reads it; shared by every exporter's script (no dependencies, so that each
exporter's venv can import it)."""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Callable, Iterable


def export_all(names: Iterable[str], export: Callable[[str], list[dict]], out: str, exporter: str) -> int:
    """Runs `export(name)` for every name (each returns the records of the
    files it wrote), reports failures without stopping, and writes
    out/zoo.json: {exporter, models, failed}. Returns the exit status."""
    records, failed = [], []
    for name in names:
        try:
            records += export(name)
        except Exception as error:  # noqa: BLE001 - every failure is reported
            failed.append(name)
            print(f"FAILED to export {name}: {type(error).__name__}: {error}", file=sys.stderr)
            traceback.print_exc(limit=3)
    with open(os.path.join(out, "zoo.json"), "w") as f:
        json.dump({"exporter": exporter, "models": records, "failed": failed}, f, indent=1)
    return 1 if failed else 0
