//===- Attention.cpp - xf.attention to tiled loops with online softmax ----===//
//
// Flash attention on tensors: an `scf.forall` over (batch, head, query
// block), and inside it an `scf.for` over key blocks that keeps, for every
// query row, the running maximum `m`, the running sum `l` of exp(s - m) and
// the unnormalized output `acc`. A new key block with scores `s` updates
//
//   m' = max(m, rowmax(s))      p = exp(s - m')      alpha = exp(m - m')
//   l' = l * alpha + rowsum(p)  acc' = acc * alpha + p V
//
// and the result is acc / l. Only a [query tile x key tile] block of scores
// ever exists, and the head split and merge are offsets of the slices. K is
// transposed once, for all heads, before the loops.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/XFToLinalg/Patterns.h"

#include "dialects/xf/XFOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::xf;

/// Queries per task and keys per step: a 64 x 64 block of f32 scores is
/// 16 KiB, which stays in L1 next to the Q, K and V tiles. (Measured on
/// AVX-512 at 128 and 512 tokens: 0.6 and 10 ms against 0.7 and 11-14 ms
/// with 32-query blocks; 32-key blocks were faster without a mask and
/// slower with a causal one.)
static constexpr int64_t kQueryTile = 64;
static constexpr int64_t kKeyTile = 64;

namespace {
/// Builds the loop nest of one `xf.attention`.
class AttentionBuilder {
public:
  AttentionBuilder(OpBuilder &b, Location loc, AttentionOp op, Value query,
                   Value key, Value value, Value mask)
      : b(b), loc(loc), query(query), key(key), value(value), mask(mask),
        elementType(cast<RankedTensorType>(query.getType()).getElementType()),
        heads(op.getNumHeads()), kvHeads(op.getKeyValueHeads()),
        causal(op.getMaskKind() == "causal"),
        causalFill(op.getCausalFill()
                       ? op.getCausalFillAttr().getValueAsDouble()
                       : -static_cast<double>(std::numeric_limits<float>::max())),
        maskBeforeCausal(op.getMaskBeforeCausal()),
        scale(op.getScaleAttr().getValueAsDouble()) {
    headDim = cast<RankedTensorType>(query.getType()).getDimSize(2) / heads;
    valueDim = cast<RankedTensorType>(value.getType()).getDimSize(2) / kvHeads;
  }

  Value build(RankedTensorType resultType) {
    Value batch = getDim(query, 0);
    queryLength = getDim(query, 1);
    keyLength = getDim(key, 1);
    Value output = createEmpty(
        b, loc, resultType,
        {batch, queryLength, b.getIndexAttr(resultType.getDimSize(2))});
    // K^T of every head, [B, H * D, Sk], once: each query block reads its
    // key tiles from it, so that no tile is transposed again per query
    // block, and the product's innermost loop walks a row of K^T and of the
    // scores, contiguous in memory, with no reduction in it.
    int64_t keyWidth = cast<RankedTensorType>(key.getType()).getDimSize(2);
    Value keyTransposedInit = createEmpty(
        b, loc,
        RankedTensorType::get(
            {ShapedType::kDynamic, keyWidth, ShapedType::kDynamic},
            elementType),
        {batch, b.getIndexAttr(keyWidth), keyLength});
    using utils::IteratorType;
    keyTransposed = generic(
        {key}, keyTransposedInit, {map(3, {0, 2, 1}), map(3, {0, 1, 2})},
        {IteratorType::parallel, IteratorType::parallel,
         IteratorType::parallel},
        [](OpBuilder &, Location, ValueRange args) -> Value { return args[0]; });
    Value queryBlocks = arith::CeilDivSIOp::create(b, loc, queryLength,
                                                   index(kQueryTile));
    auto forall = scf::ForallOp::create(
        b, loc,
        ArrayRef<OpFoldResult>{batch, b.getIndexAttr(heads), queryBlocks},
        ValueRange{output}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    ValueRange ivs = forall.getInductionVars();
    buildQueryBlock(forall, ivs[0], ivs[1], ivs[2]);
    return forall.getResult(0);
  }

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value getDim(Value tensor, int64_t dim) {
    return getValueOrCreateConstantIndexOp(
        b, loc, tensor::getMixedSize(b, loc, tensor, dim));
  }
  Value constant(double v) {
    return createScalarConstant(b, loc, elementType, v);
  }
  Value filled(double v, ArrayRef<OpFoldResult> sizes) {
    Value empty = tensor::EmptyOp::create(b, loc, sizes, elementType);
    return linalg::FillOp::create(b, loc, constant(v), empty).getResult(0);
  }
  /// A [rows x cols] tile of the head `head` of a packed [B, S, H * D]
  /// tensor: rows from `row`, the head's D columns.
  /// The key and value head query head `head` reads (grouped-query
  /// attention: H / G consecutive query heads share one).
  Value keyValueHead(Value head) {
    if (kvHeads == heads)
      return head;
    return arith::DivUIOp::create(b, loc, head, index(heads / kvHeads));
  }

  Value headTile(Value packed, Value batch, Value head, Value row, Value rows,
                 int64_t width) {
    Value column = arith::MulIOp::create(b, loc, head, index(width));
    auto type = RankedTensorType::get({ShapedType::kDynamic, width},
                                      elementType);
    return tensor::ExtractSliceOp::create(
        b, loc, type, packed,
        ArrayRef<OpFoldResult>{batch, row, column},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), rows, b.getIndexAttr(width)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                               b.getIndexAttr(1)});
  }
  AffineMap map(unsigned numDims, ArrayRef<unsigned> dims) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : dims)
      exprs.push_back(b.getAffineDimExpr(d));
    return AffineMap::get(numDims, 0, exprs, b.getContext());
  }
  Value generic(ValueRange inputs, Value init, ArrayRef<AffineMap> maps,
                ArrayRef<utils::IteratorType> iterators,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
               maps, iterators,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
               })
        .getResult(0);
  }

  void buildQueryBlock(scf::ForallOp forall, Value batch, Value head,
                       Value block);
  Value buildScores(Value queryTile, Value batch, Value head, Value queryStart,
                    Value keyStart, Value rows, Value cols);
  Value maskTile(Value batch, Value head, Value queryStart, Value keyStart,
                 Value rows, Value cols, AffineMap &tileMap);

  OpBuilder &b;
  Location loc;
  Value query, key, value, mask;
  Value keyTransposed; // [B, H * D, Sk]
  Type elementType;
  int64_t heads, kvHeads, headDim = 0, valueDim = 0;
  bool causal;
  /// The score of a causally hidden key, and whether the mask is added
  /// before it replaces the score (else after, on top of it).
  double causalFill;
  bool maskBeforeCausal;
  double scale;
  Value queryLength, keyLength;
};
} // namespace

void AttentionBuilder::buildQueryBlock(scf::ForallOp forall, Value batch,
                                       Value head, Value block) {
  using utils::IteratorType;
  auto par = IteratorType::parallel, red = IteratorType::reduction;
  Value queryStart = arith::MulIOp::create(b, loc, block, index(kQueryTile));
  Value rows = arith::MinSIOp::create(
      b, loc, index(kQueryTile),
      arith::SubIOp::create(b, loc, queryLength, queryStart));
  // The scale is applied to Q once rather than to every score.
  Value queryTile = headTile(query, batch, head, queryStart, rows, headDim);
  Value scaleValue = constant(scale);
  queryTile = generic(
      {queryTile},
      tensor::EmptyOp::create(
          b, loc, ArrayRef<OpFoldResult>{rows, b.getIndexAttr(headDim)},
          elementType),
      {map(2, {0, 1}), map(2, {0, 1})}, {par, par},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::MulFOp::create(nb, nloc, args[0], scaleValue);
      });

  double inf = std::numeric_limits<double>::infinity();
  Value maxInit = filled(-inf, {rows});
  Value sumInit = filled(0.0, {rows});
  Value accInit = filled(0.0, {rows, b.getIndexAttr(valueDim)});

  // Causal: key blocks past the last key the block's queries see are
  // skipped altogether. Not with a mask: in a row whose every visible key
  // it hides, the hidden keys' scores (the fill, with the mask or not)
  // weigh as much as the visible ones.
  Value keyEnd = keyLength;
  if (causal && !mask) {
    Value lastVisible = arith::AddIOp::create(
        b, loc, arith::AddIOp::create(b, loc, queryStart, rows),
        arith::SubIOp::create(b, loc, keyLength, queryLength));
    keyEnd = arith::MinSIOp::create(b, loc, keyLength, lastVisible);
  }
  auto loop = scf::ForOp::create(
      b, loc, index(0), keyEnd, index(kKeyTile),
      ValueRange{maxInit, sumInit, accInit},
      [&](OpBuilder &, Location, Value keyStart, ValueRange state) {
        Value runningMax = state[0], runningSum = state[1], acc = state[2];
        Value cols = arith::MinSIOp::create(
            b, loc, index(kKeyTile),
            arith::SubIOp::create(b, loc, keyEnd, keyStart));
        Value valueTile =
            headTile(value, batch, keyValueHead(head), keyStart, cols,
                     valueDim);
        Value scores = buildScores(queryTile, batch, head, queryStart,
                                   keyStart, rows, cols);
        // m' = max(m, rowmax(s)) and alpha = exp(m - m'), which rescales
        // what was accumulated so far. Every loop-carried value is updated
        // in place, so that its buffer is reused across key blocks.
        Value tileMax = filled(-inf, {rows});
        tileMax = generic(
            {scores}, tileMax, {map(2, {0, 1}), map(2, {0})}, {par, red},
            [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
              return arith::MaximumFOp::create(nb, nloc, args[1], args[0]);
            });
        Value alphaInit = tensor::EmptyOp::create(
            b, loc, ArrayRef<OpFoldResult>{rows}, elementType);
        Value negativeInf = constant(-inf), oneValue = constant(1.0);
        bool mayBeInfinite = mask || std::isinf(causalFill);
        auto update = linalg::GenericOp::create(
            b, loc, TypeRange{runningMax.getType(), alphaInit.getType()},
            ValueRange{tileMax}, ValueRange{runningMax, alphaInit},
            {map(1, {0}), map(1, {0}), map(1, {0})}, {par},
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              Value max = arith::MaximumFOp::create(nb, nloc, args[1], args[0]);
              Value alpha = math::ExpOp::create(
                  nb, nloc, arith::SubFOp::create(nb, nloc, args[1], max));
              // While every score of a row so far is -inf (a mask's lowest
              // float added twice), exp(-inf - -inf) would be NaN: nothing
              // was accumulated, so nothing is rescaled. Scores are finite
              // without a mask or an infinite causal fill.
              if (mayBeInfinite)
                alpha = arith::SelectOp::create(
                    nb, nloc,
                    arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OEQ,
                                          max, negativeInf),
                    oneValue, alpha);
              linalg::YieldOp::create(nb, nloc, ValueRange{max, alpha});
            });
        Value newMax = update.getResult(0), alpha = update.getResult(1);
        // p = exp(s - m'), in place of the scores. Masked scores (the lowest
        // float) would underflow, which libm handles on a slow path that
        // sets errno, once per masked element, and so does libmvec's vector
        // exp for any result below the smallest normal float (exp(-87.4)):
        // the exponent is clamped at -80, whose exp (1.8e-35) is as good as
        // 0 next to the row's maximum, exp(0) = 1.
        Value minExponent = constant(-80.0);
        Value zeroValue = constant(0.0);
        Value probs = generic(
            {newMax}, scores, {map(2, {0}), map(2, {0, 1})}, {par, par},
            [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
              Value exponent =
                  arith::SubFOp::create(nb, nloc, args[1], args[0]);
              Value p = math::ExpOp::create(
                  nb, nloc,
                  arith::MaximumFOp::create(nb, nloc, exponent, minExponent));
              if (!mayBeInfinite)
                return p;
              // A row without a finite score yet weighs nothing (-inf - -inf
              // is NaN); a later block with one starts it afresh.
              Value stillNone = arith::CmpFOp::create(
                  nb, nloc, arith::CmpFPredicate::OEQ, args[0], negativeInf);
              return arith::SelectOp::create(nb, nloc, stillNone, zeroValue,
                                             p);
            });
        auto multiplyByAlpha = [](OpBuilder &nb, Location nloc,
                                  ValueRange args) -> Value {
          return arith::MulFOp::create(nb, nloc, args[1], args[0]);
        };
        auto accumulate = [](OpBuilder &nb, Location nloc,
                             ValueRange args) -> Value {
          return arith::AddFOp::create(nb, nloc, args[1], args[0]);
        };
        // l' = l * alpha + rowsum(p).
        Value newSum = generic({alpha}, runningSum,
                               {map(1, {0}), map(1, {0})}, {par},
                               multiplyByAlpha);
        newSum = generic({probs}, newSum, {map(2, {0, 1}), map(2, {0})},
                         {par, red}, accumulate);
        // acc' = acc * alpha + p V, over (row, key, column): the innermost
        // loop walks a row of V and of acc, contiguous in memory.
        Value newAcc = generic({alpha}, acc, {map(2, {0}), map(2, {0, 1})},
                               {par, par}, multiplyByAlpha);
        newAcc = generic(
            {probs, valueTile}, newAcc,
            {map(3, {0, 1}), map(3, {1, 2}), map(3, {0, 2})},
            {par, red, par},
            [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
              return arith::AddFOp::create(
                  nb, nloc, args[2],
                  arith::MulFOp::create(nb, nloc, args[0], args[1]));
            });
        scf::YieldOp::create(b, loc, ValueRange{newMax, newSum, newAcc});
      });

  // out = acc / l, computed straight into the head's columns of the packed
  // output: the slice it writes is the one inserted, so bufferization
  // writes in place instead of copying a strided tile.
  Value column = arith::MulIOp::create(b, loc, head, index(valueDim));
  SmallVector<OpFoldResult> offsets = {batch, queryStart, column};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), rows,
                                     b.getIndexAttr(valueDim)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  Value outputTile = tensor::ExtractSliceOp::create(
      b, loc,
      RankedTensorType::get({ShapedType::kDynamic, valueDim}, elementType),
      forall.getRegionIterArgs()[0], offsets, sizes, strides);
  Value result = generic(
      {loop.getResult(1), loop.getResult(2)}, outputTile,
      {map(2, {0}), map(2, {0, 1}), map(2, {0, 1})}, {par, par},
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::DivFOp::create(nb, nloc, args[1], args[0]);
      });
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, result,
                                        forall.getRegionIterArgs()[0], offsets,
                                        sizes, strides);
}

/// s = Q K^T (Q already scaled), plus the mask, with causally hidden scores
/// set to the causal fill as exporters' `Where` does, in the exporter's
/// order.
Value AttentionBuilder::buildScores(Value queryTile, Value batch, Value head,
                                    Value queryStart, Value keyStart,
                                    Value rows, Value cols) {
  using utils::IteratorType;
  auto par = IteratorType::parallel, red = IteratorType::reduction;
  // The head's [D x cols] block of K^T.
  Value keyTile = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({headDim, ShapedType::kDynamic}, elementType),
      keyTransposed,
      ArrayRef<OpFoldResult>{
          batch,
          arith::MulIOp::create(b, loc, keyValueHead(head), index(headDim))
              .getResult(),
          keyStart},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(headDim), cols},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(1)});
  Value scores = filled(0.0, {rows, cols});
  scores = generic(
      {queryTile, keyTile}, scores,
      {map(3, {0, 1}), map(3, {1, 2}), map(3, {0, 2})}, {par, red, par},
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::AddFOp::create(
            nb, nloc, args[2],
            arith::MulFOp::create(nb, nloc, args[0], args[1]));
      });
  if (!mask && !causal)
    return scores;

  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (mask) {
    AffineMap tileMap;
    inputs.push_back(maskTile(batch, head, queryStart, keyStart, rows, cols,
                              tileMap));
    maps.push_back(tileMap);
  }
  maps.push_back(map(2, {0, 1}));
  // Query i sees key j when keyStart + j <= queryStart + i + (Sk - Sq).
  Value diagonal;
  if (causal)
    diagonal = arith::SubIOp::create(
        b, loc,
        arith::AddIOp::create(
            b, loc, queryStart,
            arith::SubIOp::create(b, loc, keyLength, queryLength)),
        keyStart);
  bool hasMask = static_cast<bool>(mask);
  bool isCausal = causal;
  Type type = elementType;
  return generic(
      inputs, scores, maps, {par, par},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value score = args.back();
        auto addMask = [&](Value s) -> Value {
          return hasMask ? arith::AddFOp::create(nb, nloc, s, args[0])
                         : s;
        };
        if (!isCausal || maskBeforeCausal)
          score = addMask(score);
        if (!isCausal)
          return score;
        Value i = linalg::IndexOp::create(nb, nloc, 0);
        Value j = linalg::IndexOp::create(nb, nloc, 1);
        Value visible = arith::CmpIOp::create(
            nb, nloc, arith::CmpIPredicate::sle, j,
            arith::AddIOp::create(nb, nloc, i, diagonal));
        Value fill = createScalarConstant(nb, nloc, type, causalFill);
        score = arith::SelectOp::create(nb, nloc, visible, score, fill);
        return maskBeforeCausal ? score : addMask(score);
      });
}

/// The [rows x cols] block of the 4-D mask that the current scores see;
/// `tileMap` reads it, broadcasting its dimensions of size 1.
Value AttentionBuilder::maskTile(Value batch, Value head, Value queryStart,
                                 Value keyStart, Value rows, Value cols,
                                 AffineMap &tileMap) {
  auto type = cast<RankedTensorType>(mask.getType());
  auto isOne = [&](int64_t d) { return type.getDimSize(d) == 1; };
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  SmallVector<OpFoldResult> offsets = {
      isOne(0) ? zero : OpFoldResult(batch),
      isOne(1) ? zero : OpFoldResult(head),
      isOne(2) ? zero : OpFoldResult(queryStart),
      isOne(3) ? zero : OpFoldResult(keyStart)};
  SmallVector<OpFoldResult> sizes = {one, one,
                                     isOne(2) ? one : OpFoldResult(rows),
                                     isOne(3) ? one : OpFoldResult(cols)};
  SmallVector<int64_t> shape = {isOne(2) ? 1 : ShapedType::kDynamic,
                                isOne(3) ? 1 : ShapedType::kDynamic};
  SmallVector<AffineExpr> exprs = {
      isOne(2) ? b.getAffineConstantExpr(0) : b.getAffineDimExpr(0),
      isOne(3) ? b.getAffineConstantExpr(0) : b.getAffineDimExpr(1)};
  tileMap = AffineMap::get(2, 0, exprs, b.getContext());
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), mask,
      offsets, sizes, SmallVector<OpFoldResult>(4, one));
}

namespace {
struct AttentionToLinalg : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    AttentionBuilder builder(rewriter, op.getLoc(), op, adaptor.getQuery(),
                             adaptor.getKey(), adaptor.getValue(),
                             adaptor.getMask());
    Value result = builder.build(resultType);
    // Softmax already sums in its own order here (block by block): let LLVM
    // reassociate the row sums and maxima so that it vectorizes them, and
    // contract products and sums into FMAs.
    auto flags = arith::FastMathFlagsAttr::get(
        rewriter.getContext(),
        arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
    result.getDefiningOp()->walk([&](arith::ArithFastMathInterface arithOp) {
      arithOp->setAttr(arithOp.getFastMathAttrName(), flags);
    });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void xf::populateAttentionPatterns(const TypeConverter &converter,
                                   RewritePatternSet &patterns) {
  patterns.add<AttentionToLinalg>(converter, patterns.getContext());
}
