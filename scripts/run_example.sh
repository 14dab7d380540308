#!/usr/bin/env bash
# The main job: builds xfc, generates the example transformer (a BERT
# encoder exported the way torch.onnx does at opset 11, from the same
# generator the tests use), compiles it, and runs it on a sample input,
# printing the outputs, the time per inference and the agreement with
# onnxruntime.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"

OUT="$ROOT/build/example"
PY="$ROOT/.venv/bin/python"
mkdir -p "$OUT"
"$PY" "$ROOT/scripts/fixtures/gen_models.py" --out "$OUT" --models bert_opset11 >/dev/null
MODEL="$OUT/bert_opset11.onnx"

echo "== xfc $MODEL -o example.xfm"
start=$(date +%s.%N)
"$ROOT/build/bin/xfc" "$MODEL" -o "$OUT/example.xfm" --max-dim sequence=512
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v f="$(stat -c %s "$OUT/example.xfm")" \
  'BEGIN { printf "compiled in %.2f s into %.1f KiB\n", e - s, f / 1024 }'

echo "== a sample input: 2 sentences of 16 tokens"
"$PY" - "$OUT" <<'PYEOF'
import sys
import numpy as np
out = sys.argv[1]
rng = np.random.default_rng(0)
ids = rng.integers(0, 1000, size=(2, 16)).astype(np.int64)
mask = np.ones((2, 16), dtype=np.int64)
mask[1, 12:] = 0
np.save(f"{out}/input_ids.npy", ids)
np.save(f"{out}/attention_mask.npy", mask)
np.save(f"{out}/token_type_ids.npy", np.zeros((2, 16), dtype=np.int64))
PYEOF

echo "== xf-run example.xfm"
"$ROOT/build/bin/xf-run" "$OUT/example.xfm" --iterations 20 \
  --input input_ids="$OUT/input_ids.npy" \
  --input attention_mask="$OUT/attention_mask.npy" \
  --input token_type_ids="$OUT/token_type_ids.npy" --output-dir "$OUT/outputs"

echo "== the same inputs through onnxruntime"
"$PY" - "$OUT" "$MODEL" <<'PYEOF'
import sys
import numpy as np
import onnxruntime as ort
out, model = sys.argv[1], sys.argv[2]
feeds = {n: np.load(f"{out}/{n}.npy") for n in ("input_ids", "attention_mask", "token_type_ids")}
want = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, feeds)[0]
got = np.load(f"{out}/outputs/last_hidden_state.npy")
print(f"max |xfc - onnxruntime| = {np.abs(got - want).max():.3g} (max |onnxruntime| = {np.abs(want).max():.3g})")
PYEOF
