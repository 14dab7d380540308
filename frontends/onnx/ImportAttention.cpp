//===- ImportAttention.cpp - The ONNX Attention operator ------------------===//
//
// Attention (opset 23) expanded into the graph its specification gives:
// heads split from 3-D inputs, the KV cache concatenated, grouped KV heads
// repeated, scaled Q K^T plus the mask, causal and padding biases, softcap,
// softmax and the product with V. FuseAttention then matches this graph
// like any exporter's, so the operator and its expansion compile the same.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/NodeImporter.h"

#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xf;

static RankedTensorType typeOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

namespace {
class AttentionExpansion {
public:
  AttentionExpansion(NodeImporter &n, Expansion &e) : n(n), e(e) {}

  LogicalResult build();

private:
  /// [B, S, H * D] to [B, H, S, D].
  Value splitHeads(Value x, int64_t heads) {
    Value split = e.reshape(x, {e.constI64({0, 0, heads, -1})});
    return e.create<TransposeOp>(split, ArrayRef<int64_t>{0, 2, 1, 3});
  }
  /// [B, H, S, D] to [B, S, H * D].
  Value mergeHeads(Value x) {
    Value merged = e.create<TransposeOp>(x, ArrayRef<int64_t>{0, 2, 1, 3});
    return e.reshape(merged, {e.constI64({0, 0, -1})});
  }
  /// [B, G, S, D] to [B, G * repeats, S, D], each head `repeats` times in a
  /// row (head h of the result is head h / repeats of `x`).
  Value repeatHeads(Value x, int64_t repeats) {
    Value grouped = e.create<UnsqueezeOp>(x, ArrayRef<int64_t>{2});
    Value repeated = e.create<ExpandOp>(
        grouped, e.create<ConcatOp>(
                     ValueRange{e.dims(x, 0, 2), e.constI64({repeats}),
                                e.dims(x, 2, 4)},
                     int64_t(0)));
    return e.reshape(repeated, {e.dims(x, 0, 1), e.constI64({-1}),
                                e.dims(x, 2, 4)});
  }
  /// Dimension `i` of `x` as a 0-D i64 tensor.
  Value dimScalar(Value x, int64_t i) {
    return e.create<SqueezeOp>(e.dims(x, i, i + 1), ArrayRef<int64_t>{0});
  }
  /// 0 where `allowed`, -inf elsewhere, in the scores' type.
  Value biasWhere(Value allowed) {
    return e.create<WhereOp>(allowed, e.scalarLike(scores, 0),
                             e.scalarLike(scores, -INFINITY));
  }
  /// [Sq, total]: 0 where key j <= query i + past, -inf after.
  Value causalBias(Value q, Value k, Value pastLength);
  /// The attention mask as an additive bias, padded with -inf to the total
  /// key length when it is shorter.
  FailureOr<Value> maskBias(Value mask, Value k);

  NodeImporter &n;
  Expansion &e;
  Value scores;
};
} // namespace

Value AttentionExpansion::causalBias(Value q, Value k, Value pastLength) {
  Value queryLength = dimScalar(q, 2);
  Value queries = e.create<RangeOp>(
      pastLength, e.create<AddOp>(pastLength, queryLength), e.scalarI64(1));
  Value keys = e.positions(k, 2);
  Value allowed =
      e.create<LessEqualOp>(e.create<UnsqueezeOp>(keys, ArrayRef<int64_t>{0}),
                            e.create<UnsqueezeOp>(queries, ArrayRef<int64_t>{1}));
  return biasWhere(allowed);
}

FailureOr<Value> AttentionExpansion::maskBias(Value mask, Value k) {
  Type scoreType = getElementTypeOrSelf(scores);
  auto maskType = typeOf(mask);
  Value bias;
  if (maskType.getElementType().isInteger(1))
    bias = biasWhere(mask);
  else if (maskType.getElementType() != scoreType)
    bias = e.create<CastOp>(maskType.clone(scoreType), mask);
  else
    bias = mask;
  if (e.failed())
    return failure();
  if (maskType.getRank() == 0)
    return bias;
  int64_t maskLength = maskType.getShape().back();
  int64_t total = typeOf(k).getDimSize(2);
  if (ShapedType::isDynamic(maskLength) || ShapedType::isDynamic(total) ||
      maskLength == total)
    return bias;
  if (maskLength > total) {
    n.emitError() << "attn_mask " << maskType << " is longer than the "
                  << total << " keys";
    return failure();
  }
  SmallVector<int64_t> padShape(typeOf(bias).getShape());
  padShape.back() = total - maskLength;
  if (ShapedType::isDynamicShape(padShape)) {
    n.emitError() << "attn_mask " << maskType
                  << " shorter than the keys needs a static shape";
    return failure();
  }
  auto padType = RankedTensorType::get(padShape, scoreType);
  Value pad = ConstantOp::create(
      n.getBuilder(), n.getLoc(),
      cast<ElementsAttr>(DenseElementsAttr::get(
          padType, n.getBuilder().getFloatAttr(scoreType, -INFINITY)
                       .getValue())));
  return e.create<ConcatOp>(ValueRange{bias, pad},
                            int64_t(padShape.size() - 1));
}

LogicalResult AttentionExpansion::build() {
  auto qIn = n.requiredInput(0), kIn = n.requiredInput(1),
       vIn = n.requiredInput(2);
  if (failed(qIn) || failed(kIn) || failed(vIn))
    return failure();
  Value q = *qIn, k = *kIn, v = *vIn;
  int64_t rank = typeOf(q).getRank();
  if ((rank != 3 && rank != 4) || typeOf(k).getRank() != rank ||
      typeOf(v).getRank() != rank) {
    n.emitError() << "Q, K and V must all be 3-D or all 4-D, got "
                  << q.getType() << ", " << k.getType() << " and "
                  << v.getType();
    return failure();
  }
  if (!isa<FloatType>(getElementTypeOrSelf(q))) {
    n.emitError() << "Q of type " << q.getType()
                  << " is not supported (only floating-point)";
    return failure();
  }
  int64_t queryHeads = n.getInt("q_num_heads", 0);
  int64_t kvHeads = n.getInt("kv_num_heads", 0);
  if (rank == 3) {
    if (queryHeads <= 0 || kvHeads <= 0) {
      n.emitError() << "3-D inputs need positive q_num_heads and "
                       "kv_num_heads";
      return failure();
    }
    q = splitHeads(q, queryHeads);
    k = splitHeads(k, kvHeads);
    v = splitHeads(v, kvHeads);
  } else {
    queryHeads = typeOf(q).getDimSize(1);
    kvHeads = typeOf(k).getDimSize(1);
  }
  if (e.failed())
    return failure();
  Value pastLength = e.scalarI64(0);
  if (Value pastKey = n.input(4)) {
    pastLength = dimScalar(pastKey, 2);
    k = e.create<ConcatOp>(ValueRange{pastKey, k}, int64_t(2));
  }
  if (Value pastValue = n.input(5))
    v = e.create<ConcatOp>(ValueRange{pastValue, v}, int64_t(2));
  e.setResult(1, k);
  e.setResult(2, v);
  if (e.failed())
    return failure();

  if (queryHeads != kvHeads) {
    if (ShapedType::isDynamic(queryHeads) || ShapedType::isDynamic(kvHeads) ||
        queryHeads % kvHeads != 0) {
      n.emitError() << "the " << queryHeads
                    << " query heads are not a known multiple of the "
                    << kvHeads << " key/value heads";
      return failure();
    }
    k = repeatHeads(k, queryHeads / kvHeads);
    v = repeatHeads(v, queryHeads / kvHeads);
  }

  double scale;
  if (n.hasAttr("scale")) {
    scale = n.getFloat("scale", 1.0f);
  } else {
    int64_t headSize = typeOf(q).getShape().back();
    if (ShapedType::isDynamic(headSize)) {
      n.emitError() << "a dynamic head size is not supported without the "
                       "'scale' attribute";
      return failure();
    }
    scale = 1.0 / std::sqrt(static_cast<double>(headSize));
  }
  Value keysT = e.create<TransposeOp>(k, ArrayRef<int64_t>{0, 1, 3, 2});
  scores = e.create<MulOp>(e.create<MatMulOp>(q, keysT),
                           e.scalarLike(q, scale));
  Value raw = scores;
  if (e.failed())
    return failure();

  if (Value mask = n.input(3)) {
    auto bias = maskBias(mask, k);
    if (failed(bias))
      return failure();
    scores = e.create<AddOp>(scores, *bias);
  }
  if (n.getInt("is_causal", 0))
    scores = e.create<AddOp>(scores, causalBias(q, k, pastLength));
  if (Value nonPadLength = n.input(6)) {
    // Key j of batch b is padding from nonpad_kv_seqlen[b] on.
    Value keys = e.positions(k, 2);
    Value lengths = e.create<UnsqueezeOp>(nonPadLength,
                                          ArrayRef<int64_t>{1, 2, 3});
    scores = e.create<AddOp>(scores,
                             biasWhere(e.create<LessOp>(keys, lengths)));
  }
  if (e.failed())
    return failure();
  Value biased = scores;
  if (float softcap = n.getFloat("softcap", 0.0f); softcap > 0.0f) {
    Value cap = e.scalarLike(scores, softcap);
    scores = e.create<MulOp>(
        e.create<TanhOp>(e.create<DivOp>(scores, cap)), cap);
  }
  Value capped = scores;
  // softmax_precision needs no cast: xf.softmax of half-precision input
  // accumulates in float32 already.
  Value probabilities = e.create<SoftmaxOp>(scores, int64_t(3));
  Value output = e.create<MatMulOp>(probabilities, v);
  if (rank == 3)
    output = mergeHeads(output);
  e.setResult(0, output);
  if (n.hasOutput(3)) {
    int64_t mode = n.getInt("qk_matmul_output_mode", 0);
    if (mode < 0 || mode > 3) {
      n.emitError() << "unsupported qk_matmul_output_mode " << mode;
      return failure();
    }
    Value stages[] = {raw, biased, capped, probabilities};
    e.setResult(3, stages[mode]);
  }
  return e.status();
}

static LogicalResult importAttention(NodeImporter &n) {
  Expansion e(n);
  AttentionExpansion expansion(n, e);
  return expansion.build();
}

void xf::addAttentionImporters(OpImporterTable &table) {
  table["Attention"] = {importAttention, 23};
}
