#!/usr/bin/env python3
"""Exports the model zoo: Hugging Face architectures and torch.nn transformer
stacks, built from small configs with seeded random weights (no downloads),
exported by torch.onnx with dynamic batch and sequence axes.

    export_zoo.py --out DIR [--models bert,gpt2,...] [--list]

Runs in the exporter venv (`scripts/zoo/setup_exporter.sh`: Debian's
python3-torch 1.13 and transformers 4.40.2), not in the test venv. Writes
DIR/<name>-op<opset>.onnx for every model and opset, and DIR/zoo.json, the
index the zoo runner (`scripts/zoo/run_zoo.py`) reads: per file its
architecture, kind, opset, inputs, the shapes to test, and what the model
contains (attention layers, norms, activation), so that the runner can say
what was fused against what there was to fuse.

A model that fails to export is reported and left out of zoo.json; the exit
status is then 1.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import torch
import transformers
from zoo_index import export_all

# Small, fast configs: every model has 2 layers so that a fusion that works
# on the first layer only shows up as a miss.
VOCAB = 1000
HIDDEN = 64
HEADS = 4
LAYERS = 2
FFN = 128
POSITIONS = 128


@dataclass
class ZooModel:
    name: str
    build: Callable[[], torch.nn.Module]
    kind: str  # encoder | decoder | vision | audio | seq2seq-layer
    attention: int  # attention ops in the model (self and cross)
    activation: str  # gelu | gelu_tanh | quick_gelu | silu | relu
    opsets: tuple = (14,)
    # Inputs: name -> kind (ids | mask | type_ids | pixels | features | hidden)
    inputs: dict = field(default_factory=lambda: {"input_ids": "ids", "attention_mask": "mask"})
    output: str = "last_hidden_state"
    # Static input dimensions (vision and audio inputs): name -> shape with
    # -1 for the batch.
    static: dict = field(default_factory=dict)
    notes: str = ""


class FirstOutput(torch.nn.Module):
    """Keeps the first output of a Hugging Face model (the hidden states or
    logits), so the export has one output and no cache."""

    def __init__(self, model, input_names):
        super().__init__()
        self.model = model
        self.input_names = input_names

    def forward(self, *args):
        kwargs = dict(zip(self.input_names, args))
        if "use_cache" in inspect.signature(self.model.forward).parameters:
            kwargs["use_cache"] = False
        return self.model(**kwargs, return_dict=False)[0]


def hf(config_cls, model_cls, **config):
    def build():
        cfg = config_cls(**config)
        if hasattr(cfg, "_attn_implementation"):
            cfg._attn_implementation = "eager"
        return model_cls(cfg)
    return build


def whisper_encoder():
    cfg = transformers.WhisperConfig(
        vocab_size=VOCAB, num_mel_bins=16, encoder_layers=LAYERS, encoder_attention_heads=HEADS,
        decoder_layers=1, decoder_attention_heads=HEADS, d_model=HIDDEN, encoder_ffn_dim=FFN,
        decoder_ffn_dim=FFN, max_source_positions=32, max_target_positions=32, pad_token_id=1,
        bos_token_id=2, eos_token_id=3, decoder_start_token_id=2)
    return transformers.WhisperModel(cfg).get_encoder()


class TorchEncoder(torch.nn.Module):
    """torch.nn.TransformerEncoder, batch first, post-norm, ReLU: the layer
    users write themselves."""

    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(HIDDEN, HEADS, FFN, dropout=0.0, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)

    def forward(self, hidden):
        return self.encoder(hidden)


class TorchDecoder(torch.nn.Module):
    """torch.nn.TransformerDecoder, pre-norm, GELU, with a causal mask made in
    the graph (Trilu of ones) and cross-attention on a memory of the same
    length."""

    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerDecoderLayer(HIDDEN, HEADS, FFN, dropout=0.0, activation="gelu",
                                                 batch_first=True, norm_first=True)
        self.decoder = torch.nn.TransformerDecoder(layer, LAYERS)

    def forward(self, hidden, memory):
        n = hidden.shape[1]
        causal = torch.triu(torch.full((n, n), float("-inf")), diagonal=1)
        return self.decoder(hidden, memory, tgt_mask=causal)


T = transformers
ENCODER_IDS = {"input_ids": "ids", "attention_mask": "mask"}
BERT_IDS = {"input_ids": "ids", "attention_mask": "mask", "token_type_ids": "type_ids"}
common = dict(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
              intermediate_size=FFN, max_position_embeddings=POSITIONS)

ZOO = [
    # Encoders.
    ZooModel("bert", hf(T.BertConfig, T.BertModel, **common), "encoder", LAYERS, "gelu",
             opsets=(11, 14, 17), inputs=BERT_IDS),
    ZooModel("distilbert", hf(T.DistilBertConfig, T.DistilBertModel, vocab_size=VOCAB, dim=HIDDEN,
                              n_layers=LAYERS, n_heads=HEADS, hidden_dim=FFN,
                              max_position_embeddings=POSITIONS), "encoder", LAYERS, "gelu"),
    ZooModel("roberta", hf(T.RobertaConfig, T.RobertaModel, **{**common, "max_position_embeddings": POSITIONS + 2}),
             "encoder", LAYERS, "gelu", notes="position ids from CumSum of the mask"),
    ZooModel("albert", hf(T.AlbertConfig, T.AlbertModel, embedding_size=32, **common), "encoder", LAYERS,
             "gelu_tanh", inputs=BERT_IDS, notes="one layer's weights shared by every layer"),
    ZooModel("electra", hf(T.ElectraConfig, T.ElectraModel, embedding_size=32, **common), "encoder", LAYERS,
             "gelu", inputs=BERT_IDS),
    ZooModel("deberta-v2", hf(T.DebertaV2Config, T.DebertaV2Model, relative_attention=True, position_buckets=32,
                              pos_att_type=["p2c", "c2p"], max_relative_positions=-1, type_vocab_size=0,
                              **common), "encoder", LAYERS, "gelu",
             notes="disentangled relative-position attention bias"),
    ZooModel("t5-encoder", hf(T.T5Config, T.T5EncoderModel, vocab_size=VOCAB, d_model=HIDDEN, d_kv=HIDDEN // HEADS,
                              d_ff=FFN, num_layers=LAYERS, num_heads=HEADS, feed_forward_proj="gated-gelu"),
             "encoder", LAYERS, "gelu_tanh", notes="relative position buckets, RMS norm, unscaled scores"),
    ZooModel("vit", hf(T.ViTConfig, T.ViTModel, image_size=32, patch_size=8, num_channels=3, hidden_size=HIDDEN,
                       num_hidden_layers=LAYERS, num_attention_heads=HEADS, intermediate_size=FFN),
             "vision", LAYERS, "gelu", inputs={"pixel_values": "pixels"}, static={"pixel_values": [-1, 3, 32, 32]},
             notes="Conv patch embedding"),
    ZooModel("whisper-encoder", whisper_encoder, "audio", LAYERS, "gelu", inputs={"input_features": "features"},
             static={"input_features": [-1, 16, 64]}, notes="two Conv1d layers"),
    # Decoders (causal LMs: logits over the vocabulary).
    ZooModel("gpt2", hf(T.GPT2Config, T.GPT2LMHeadModel, vocab_size=VOCAB, n_embd=HIDDEN, n_layer=LAYERS,
                        n_head=HEADS, n_positions=POSITIONS), "decoder", LAYERS, "gelu_tanh", opsets=(11, 14, 17),
             output="logits"),
    ZooModel("gpt-neo", hf(T.GPTNeoConfig, T.GPTNeoForCausalLM, vocab_size=VOCAB, hidden_size=HIDDEN,
                           num_layers=LAYERS, num_heads=HEADS, attention_types=[[["global", "local"], 1]],
                           window_size=16, max_position_embeddings=POSITIONS, intermediate_size=FFN),
             "decoder", LAYERS, "gelu_tanh", output="logits", notes="local attention layers, unscaled scores"),
    ZooModel("gpt-neox", hf(T.GPTNeoXConfig, T.GPTNeoXForCausalLM, rotary_pct=0.25, **common), "decoder", LAYERS,
             "gelu", output="logits", notes="partial rotary, parallel residual"),
    ZooModel("gpt-j", hf(T.GPTJConfig, T.GPTJForCausalLM, vocab_size=VOCAB, n_embd=HIDDEN, n_layer=LAYERS,
                         n_head=HEADS, rotary_dim=8, n_positions=POSITIONS, n_inner=FFN), "decoder", LAYERS,
             "gelu_tanh", output="logits", notes="interleaved rotary"),
    ZooModel("opt", hf(T.OPTConfig, T.OPTForCausalLM, vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                       num_attention_heads=HEADS, ffn_dim=FFN, word_embed_proj_dim=HIDDEN,
                       max_position_embeddings=POSITIONS), "decoder", LAYERS, "relu", output="logits",
             notes="positions from CumSum of the mask"),
    ZooModel("bloom", hf(T.BloomConfig, T.BloomForCausalLM, vocab_size=VOCAB, hidden_size=HIDDEN, n_layer=LAYERS,
                         n_head=HEADS), "decoder", LAYERS, "gelu_tanh", output="logits", notes="ALiBi"),
    ZooModel("falcon", hf(T.FalconConfig, T.FalconForCausalLM, vocab_size=VOCAB, hidden_size=HIDDEN,
                          num_hidden_layers=LAYERS, num_attention_heads=HEADS), "decoder", LAYERS, "gelu",
             output="logits", notes="multi-query, parallel attention and MLP"),
    ZooModel("phi", hf(T.PhiConfig, T.PhiForCausalLM, partial_rotary_factor=0.5, **common), "decoder", LAYERS,
             "gelu_tanh", output="logits", notes="partial rotary, parallel residual"),
    ZooModel("llama", hf(T.LlamaConfig, T.LlamaForCausalLM, num_key_value_heads=2, **common), "decoder", LAYERS,
             "silu", opsets=(14, 17), output="logits", notes="GQA, RoPE, RMS norm, SwiGLU"),
    ZooModel("mistral", hf(T.MistralConfig, T.MistralForCausalLM, num_key_value_heads=2, sliding_window=16,
                           **common), "decoder", LAYERS, "silu", output="logits", notes="sliding window of 16"),
    ZooModel("qwen2", hf(T.Qwen2Config, T.Qwen2ForCausalLM, num_key_value_heads=2, **common), "decoder", LAYERS,
             "silu", output="logits", notes="biased Q/K/V"),
    ZooModel("gemma", hf(T.GemmaConfig, T.GemmaForCausalLM, num_key_value_heads=1, head_dim=16,
                         hidden_activation="gelu_pytorch_tanh", **common), "decoder", LAYERS, "gelu_tanh",
             output="logits", notes="RMS norm with 1 + w, scaled embeddings"),
    # torch.nn stacks.
    ZooModel("torch-encoder", TorchEncoder, "encoder", LAYERS, "relu", inputs={"hidden": "hidden"},
             output="output", static={"hidden": [-1, -2, HIDDEN]}, notes="nn.TransformerEncoderLayer"),
    ZooModel("torch-decoder", TorchDecoder, "seq2seq-layer", 2 * LAYERS, "gelu",
             inputs={"hidden": "hidden", "memory": "hidden"}, output="output",
             static={"hidden": [-1, -2, HIDDEN], "memory": [-1, -2, HIDDEN]},
             notes="nn.TransformerDecoderLayer, causal self-attention and cross-attention"),
]


# The benchmark's real exports (bench/compare_ort.py): larger than the test
# zoo's, so exported only with --bench.
BENCH = [
    ZooModel("bench-bert-minilm", hf(T.BertConfig, T.BertModel, vocab_size=30522, hidden_size=384,
                                     num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536,
                                     max_position_embeddings=512), "encoder", 6, "gelu", inputs=BERT_IDS,
             notes="MiniLM shape: 6 layers, hidden 384, 12 heads"),
    ZooModel("bench-llama", hf(T.LlamaConfig, T.LlamaForCausalLM, vocab_size=32000, hidden_size=768,
                               num_hidden_layers=4, num_attention_heads=12, num_key_value_heads=4,
                               intermediate_size=2048, max_position_embeddings=2048), "decoder", 4, "silu",
             output="logits", notes="4 layers, hidden 768, 12 heads, 4 KV heads, FFN 2048, vocab 32000"),
]


def count_norms(model: torch.nn.Module) -> int:
    """Normalization layers the forward pass runs: modules whose class is a
    layer or RMS norm (shared modules count once per use in ALBERT, which
    this count does not see, so ALBERT's config is what counts there)."""
    names = ("LayerNorm", "RMSNorm", "RmsNorm")
    return sum(1 for m in model.modules() if isinstance(m, torch.nn.LayerNorm) or
               (type(m).__name__.endswith(names) and not isinstance(m, torch.nn.LayerNorm)))


def example_inputs(entry: ZooModel, batch: int, seq: int):
    gen = torch.Generator().manual_seed(0)
    values = []
    for name, kind in entry.inputs.items():
        if kind == "ids":
            values.append(torch.randint(0, VOCAB, (batch, seq), generator=gen))
        elif kind == "mask":
            values.append(torch.ones(batch, seq, dtype=torch.int64))
        elif kind == "type_ids":
            values.append(torch.zeros(batch, seq, dtype=torch.int64))
        else:
            shape = [batch if d == -1 else seq if d == -2 else d for d in entry.static[name]]
            values.append(torch.randn(*shape, generator=gen))
    return tuple(values)


def dynamic_axes(entry: ZooModel):
    axes = {}
    for name, kind in entry.inputs.items():
        if name in entry.static:
            axes[name] = {i: ("batch" if d == -1 else "sequence")
                          for i, d in enumerate(entry.static[name]) if d < 0}
        else:
            axes[name] = {0: "batch", 1: "sequence"}
    seq_out = entry.kind not in ("vision", "audio")
    axes[entry.output] = {0: "batch", 1: "sequence"} if seq_out else {0: "batch"}
    return axes


def randomize_norms(model: torch.nn.Module) -> None:
    """Gives every norm weights of its own, as training would: freshly built
    models share ones and zeros, which the exporter deduplicates and
    common-subexpression elimination then merges (GPT-NeoX's two norms of
    one input became one), so the zoo would not test what real models
    contain."""
    names = ("LayerNorm", "RMSNorm", "RmsNorm")
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.LayerNorm) or type(module).__name__.endswith(names):
                for name in ("weight", "bias"):
                    param = getattr(module, name, None)
                    if isinstance(param, torch.nn.Parameter):
                        param.add_(0.1 * torch.randn_like(param))


def export(entry: ZooModel, out_dir: str) -> list:
    torch.manual_seed(0)
    model = entry.build().eval()
    randomize_norms(model)
    norms = count_norms(model)
    if entry.name == "albert":
        norms = 1 + 2 * LAYERS  # the embedding norm, then two per (shared) layer
    names = list(entry.inputs)
    hf_model = isinstance(model, transformers.PreTrainedModel)
    wrapped = FirstOutput(model, names) if hf_model else model
    args = example_inputs(entry, 2, 12)
    records = []
    for opset in entry.opsets:
        path = os.path.join(out_dir, f"{entry.name}-op{opset}.onnx")
        start = time.time()
        # Gradients stay on for torch.nn's layers: under no_grad they take
        # the fused fast path (aten::_transformer_encoder_layer_fwd), which
        # torch.onnx cannot export.
        with torch.set_grad_enabled(not hf_model), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapped, args, path, input_names=names, output_names=[entry.output],
                              dynamic_axes=dynamic_axes(entry), opset_version=opset, do_constant_folding=True)
        records.append({
            "name": f"{entry.name}-op{opset}", "file": os.path.basename(path), "architecture": entry.name,
            "model_class": type(model).__name__, "kind": entry.kind, "opset": opset,
            "inputs": entry.inputs, "static": entry.static, "output": entry.output,
            "contains": {"attention": entry.attention, "norms": norms, "activation": entry.activation,
                         "layers": LAYERS},
            "notes": entry.notes,
        })
        print(f"exported {records[-1]['name']:<22} {os.path.getsize(path) / 1e6:6.2f} MB "
              f"{time.time() - start:5.1f} s", flush=True)
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=False)
    parser.add_argument("--models", default="", help="comma-separated names (default: all)")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--bench", action="store_true", help="export the benchmark's models instead")
    args = parser.parse_args()
    if args.list:
        for entry in ZOO:
            print(f"{entry.name:<16} {entry.kind:<14} opsets {','.join(map(str, entry.opsets)):<9} {entry.notes}")
        return 0
    if not args.out:
        parser.error("--out is required")
    zoo = BENCH if args.bench else ZOO
    wanted = [m for m in args.models.split(",") if m]
    unknown = set(wanted) - {e.name for e in zoo}
    if unknown:
        parser.error(f"unknown models: {', '.join(sorted(unknown))}")
    os.makedirs(args.out, exist_ok=True)
    transformers.logging.set_verbosity_error()
    print(f"torch {torch.__version__}, transformers {transformers.__version__}", flush=True)
    by_name = {entry.name: entry for entry in zoo if not wanted or entry.name in wanted}
    return export_all(by_name, lambda name: export(by_name[name], args.out), args.out,
                      f"torch.onnx (torch {torch.__version__}), transformers {transformers.__version__}")


if __name__ == "__main__":
    sys.exit(main())
