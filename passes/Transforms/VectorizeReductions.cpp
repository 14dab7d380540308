//===- VectorizeReductions.cpp - Row reductions in vector registers -------===//
//
// A `linalg.generic` that reduces its innermost dimension (row maxima and
// sums of softmax, attention and the norms) lowers, through
// convert-linalg-to-parallel-loops, to a scalar loop that loads and stores
// the accumulator in memory at every element: LLVM cannot prove that the
// result does not alias the rows, so it neither keeps the accumulator in a
// register nor vectorizes the loop (a NaN-propagating maximum would not
// vectorize anyway). This pass, run on buffers, rewrites such a generic as
//
//   parallel over the leading dimensions:
//     acc = splat(identity of the combiner)
//     for j in steps of VL:  acc = combine(acc, f(row[j : j + VL]))
//     (last partial step masked, its idle lanes set to the identity)
//     out = reduce(acc, out)
//
// where `f` is the generic's body with its scalar ops applied to vectors.
// Operands indexed by the reduced dimension must be contiguous along it;
// the others are loaded once per row and broadcast.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Transforms/MicroKernelShape.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <limits>

namespace mlir::xf {
#define GEN_PASS_DEF_XFVECTORIZEREDUCTIONS
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {
/// How the body's result joins the accumulator.
struct Combiner {
  Operation *op;           // the scalar combiner in the body
  Value element;           // its operand that is not the accumulator
  vector::CombiningKind kind;
  double identity;
};
} // namespace

static std::optional<Combiner> matchCombiner(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  BlockArgument accumulator = body.getArguments().back();
  Operation *combiner = body.getTerminator()->getOperand(0).getDefiningOp();
  if (!combiner || combiner->getBlock() != &body ||
      combiner->getNumOperands() != 2 || !combiner->hasOneUse() ||
      !accumulator.hasOneUse() ||
      accumulator.getUses().begin()->getOwner() != combiner)
    return std::nullopt;
  // The accumulators start at +-inf, which `ninf` would make poison.
  if (auto fastMath = dyn_cast<arith::ArithFastMathInterface>(combiner))
    if (bitEnumContainsAny(fastMath.getFastMathFlagsAttr().getValue(),
                           arith::FastMathFlags::ninf))
      return std::nullopt;
  Value element = combiner->getOperand(0) == accumulator
                      ? combiner->getOperand(1)
                      : combiner->getOperand(0);
  double inf = std::numeric_limits<double>::infinity();
  using Kind = vector::CombiningKind;
  auto result = [&](Kind kind, double identity) {
    return Combiner{combiner, element, kind, identity};
  };
  return llvm::TypeSwitch<Operation *, std::optional<Combiner>>(combiner)
      .Case([&](arith::AddFOp) { return result(Kind::ADD, 0.0); })
      .Case([&](arith::MulFOp) { return result(Kind::MUL, 1.0); })
      .Case([&](arith::MaximumFOp) { return result(Kind::MAXIMUMF, -inf); })
      .Case([&](arith::MaxNumFOp) { return result(Kind::MAXNUMF, -inf); })
      .Case([&](arith::MinimumFOp) { return result(Kind::MINIMUMF, inf); })
      .Case([&](arith::MinNumFOp) { return result(Kind::MINNUMF, inf); })
      .Default([](Operation *) { return std::nullopt; });
}

/// Whether the scalar op `op` means the same applied lane by lane.
static bool isVectorizable(Operation &op) {
  if (isa<arith::ConstantOp>(op))
    return true;
  if (!isa<arith::ArithDialect, math::MathDialect>(op.getDialect()) ||
      !op.hasTrait<OpTrait::Elementwise>() || op.getNumRegions() != 0)
    return false;
  // The masked last step computes on zeros in its idle lanes: integer
  // division there would be undefined.
  if (isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
          arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>(op))
    return false;
  auto isScalar = [](Type type) { return type.isIntOrIndexOrFloat(); };
  return llvm::all_of(op.getOperandTypes(), isScalar) &&
         llvm::all_of(op.getResultTypes(), isScalar);
}

/// Whether `op` is a row reduction this pass rewrites: f32 buffers, every
/// loop parallel but the last, which only the output's map leaves out, and
/// a body of elementwise arith/math ops ending in a known combiner.
static std::optional<Combiner> matchRowReduction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1)
    return std::nullopt;
  unsigned loops = op.getNumLoops();
  if (loops == 0)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < loops; ++d)
    if ((iterators[d] == utils::IteratorType::reduction) != (d == loops - 1))
      return std::nullopt;
  unsigned reduced = loops - 1;
  // Each row's result has its own element: the output reads every leading
  // dimension once (else rows of the parallel loop would race on one);
  // constants index kept dimensions of size 1 (`keepdims`).
  AffineMap outputMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  llvm::SmallBitVector rowDims(reduced);
  for (AffineExpr expr : outputMap.getResults()) {
    if (isa<AffineConstantExpr>(expr))
      continue;
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim || dim.getPosition() >= reduced || rowDims.test(dim.getPosition()))
      return std::nullopt;
    rowDims.set(dim.getPosition());
  }
  if (!rowDims.all())
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    bool readsReduced = false;
    for (auto [position, expr] : llvm::enumerate(map.getResults())) {
      if (isa<AffineConstantExpr>(expr))
        continue;
      auto dim = dyn_cast<AffineDimExpr>(expr);
      if (!dim)
        return std::nullopt;
      if (dim.getPosition() == reduced) {
        // Rows are read with vector loads: the reduced dimension must be
        // the innermost, contiguous one.
        if (position + 1 != map.getNumResults())
          return std::nullopt;
        readsReduced = true;
      }
    }
    if (readsReduced) {
      SmallVector<int64_t> strides;
      int64_t offset;
      if (op.isDpsInit(&operand) ||
          failed(type.getStridesAndOffset(strides, offset)) ||
          strides.back() != 1)
        return std::nullopt;
    }
  }
  Block &body = op.getRegion().front();
  for (Operation &bodyOp : body.without_terminator())
    if (!isVectorizable(bodyOp))
      return std::nullopt;
  return matchCombiner(op);
}

namespace {
class RowReductionBuilder {
public:
  RowReductionBuilder(OpBuilder &b, linalg::GenericOp op, Combiner combiner,
                      int64_t lanes)
      : b(b), loc(op.getLoc()), op(op), combiner(combiner),
        vectorType(VectorType::get({lanes}, b.getF32Type())),
        maskType(VectorType::get({lanes}, b.getI1Type())) {}

  void build() {
    // createLoopRanges is a LinalgOp interface method only.
    SmallVector<Range> ranges =
        cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc);
    auto bound = [&](unsigned d) {
      return getValueOrCreateConstantIndexOp(b, loc, ranges[d].size);
    };
    unsigned rank = ranges.size();
    Value length = bound(rank - 1);
    if (rank == 1) {
      buildRow({}, length);
      return;
    }
    SmallVector<Value> lower, upper, steps;
    for (unsigned d = 0; d + 1 < rank; ++d) {
      lower.push_back(index(0));
      upper.push_back(bound(d));
      steps.push_back(index(1));
    }
    scf::ParallelOp::create(b, loc, lower, upper, steps,
                            [&](OpBuilder &, Location, ValueRange ivs) {
                              buildRow(ivs, length);
                              scf::ReduceOp::create(b, loc);
                            });
  }

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// The indices of `operand` at row `rowIvs` and position `column` of the
  /// reduced dimension (unused when the operand does not read it).
  SmallVector<Value> indices(OpOperand &operand, ValueRange rowIvs,
                             Value column) {
    SmallVector<Value> result;
    for (AffineExpr expr : op.getMatchingIndexingMap(&operand).getResults()) {
      if (auto constant = dyn_cast<AffineConstantExpr>(expr)) {
        result.push_back(index(constant.getValue()));
        continue;
      }
      unsigned d = cast<AffineDimExpr>(expr).getPosition();
      result.push_back(d < rowIvs.size() ? rowIvs[d] : column);
    }
    return result;
  }

  bool readsReducedDim(OpOperand &operand) {
    return op.getMatchingIndexingMap(&operand).isFunctionOfDim(
        op.getNumLoops() - 1);
  }

  /// Loads of the inputs that do not depend on the position in the row.
  void loadRowInvariants(ValueRange rowIvs, IRMapping &mapping) {
    Block &body = op.getRegion().front();
    for (OpOperand *operand : op.getDpsInputOperands())
      if (!readsReducedDim(*operand))
        mapping.map(body.getArgument(operand->getOperandNumber()),
                    memref::LoadOp::create(b, loc, operand->get(),
                                           indices(*operand, rowIvs, {})));
  }

  Value splat(Value scalar) {
    return vector::BroadcastOp::create(b, loc, vectorType, scalar);
  }

  /// f(row[column : column + VL]) as a vector, masked when `mask` is set.
  Value buildElements(ValueRange rowIvs, Value column, Value mask,
                      IRMapping mapping) {
    Block &body = op.getRegion().front();
    DenseSet<Value> vectors;
    for (OpOperand *operand : op.getDpsInputOperands()) {
      if (!readsReducedDim(*operand))
        continue;
      SmallVector<Value> at = indices(*operand, rowIvs, column);
      Value loaded;
      if (mask) {
        Value zero = arith::ConstantOp::create(
            b, loc, vectorType,
            DenseElementsAttr::get(vectorType, b.getF32FloatAttr(0.0)));
        loaded = vector::MaskedLoadOp::create(b, loc, vectorType,
                                              operand->get(), at, mask, zero);
      } else {
        loaded = vector::LoadOp::create(b, loc, vectorType, operand->get(), at);
      }
      mapping.map(body.getArgument(operand->getOperandNumber()), loaded);
      vectors.insert(loaded);
    }
    // Ops whose operands are all row-invariant stay scalar; the others
    // apply to vectors, their scalar operands broadcast.
    for (Operation &bodyOp : body.without_terminator()) {
      if (&bodyOp == combiner.op)
        continue;
      bool varies = llvm::any_of(bodyOp.getOperands(), [&](Value v) {
        return vectors.contains(mapping.lookupOrDefault(v));
      });
      if (!varies) {
        b.clone(bodyOp, mapping);
        continue;
      }
      SmallVector<Value> operands;
      for (Value v : bodyOp.getOperands()) {
        Value mapped = mapping.lookupOrDefault(v);
        if (!vectors.contains(mapped))
          mapped = vector::BroadcastOp::create(
              b, loc, VectorType::get(vectorType.getShape(), mapped.getType()),
              mapped);
        operands.push_back(mapped);
      }
      SmallVector<Type> types;
      for (Type t : bodyOp.getResultTypes())
        types.push_back(VectorType::get(vectorType.getShape(), t));
      OperationState state(loc, bodyOp.getName(), operands, types,
                           bodyOp.getAttrs());
      Operation *vectorOp = b.create(state);
      for (auto [from, to] :
           llvm::zip(bodyOp.getResults(), vectorOp->getResults())) {
        mapping.map(from, to);
        vectors.insert(to);
      }
    }
    Value element = mapping.lookupOrDefault(combiner.element);
    if (!vectors.contains(element))
      element = splat(element);
    if (mask)
      element = arith::SelectOp::create(b, loc, mask, element, identity());
    return element;
  }

  Value identity() {
    return arith::ConstantOp::create(
        b, loc, vectorType,
        DenseElementsAttr::get(
            vectorType, b.getF32FloatAttr(static_cast<float>(combiner.identity))));
  }

  /// combine(acc, element), with the body's combiner (its fast-math flags
  /// included), on vectors or scalars.
  Value combine(Value acc, Value element) {
    OperationState state(loc, combiner.op->getName(), {acc, element},
                         {acc.getType()}, combiner.op->getAttrs());
    return b.create(state)->getResult(0);
  }

  void buildRow(ValueRange rowIvs, Value length) {
    IRMapping mapping;
    loadRowInvariants(rowIvs, mapping);
    int64_t lanes = vectorType.getNumElements();
    Value fullEnd = arith::SubIOp::create(
        b, loc, length,
        arith::RemSIOp::create(b, loc, length, index(lanes)));
    auto loop = scf::ForOp::create(
        b, loc, index(0), fullEnd, index(lanes), ValueRange{identity()},
        [&](OpBuilder &, Location, Value column, ValueRange acc) {
          Value element = buildElements(rowIvs, column, {}, mapping);
          scf::YieldOp::create(b, loc, combine(acc[0], element));
        });
    Value remaining = arith::SubIOp::create(b, loc, length, fullEnd);
    Value hasTail = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                          remaining, index(0));
    auto tail = scf::IfOp::create(
        b, loc, hasTail,
        [&](OpBuilder &, Location) {
          Value mask = vector::CreateMaskOp::create(b, loc, maskType,
                                                    ValueRange{remaining});
          Value element = buildElements(rowIvs, fullEnd, mask, mapping);
          scf::YieldOp::create(b, loc, combine(loop.getResult(0), element));
        },
        [&](OpBuilder &, Location) {
          scf::YieldOp::create(b, loc, loop.getResult(0));
        });
    // out = reduce(acc) combined with the output's initial value; sums may
    // be reassociated (they already are, lane by lane).
    OpOperand *init = op.getDpsInitOperand(0);
    SmallVector<Value> at = indices(*init, rowIvs, {});
    Value initial = memref::LoadOp::create(b, loc, init->get(), at);
    memref::StoreOp::create(b, loc, reduceLanes(tail.getResult(0), initial),
                            init->get(), at);
  }

  /// combine(initial, lanes of `acc`...). Sums and products are one
  /// `vector.reduction`, which LLVM lowers to a tree of shuffles once it
  /// may reassociate. LLVM expands a NaN-propagating maximum's reduction
  /// lane by lane (a dozen scalar instructions per lane); minima and
  /// maxima are folded in halves instead, combining vectors each step.
  Value reduceLanes(Value acc, Value initial) {
    using Kind = vector::CombiningKind;
    if (combiner.kind == Kind::ADD || combiner.kind == Kind::MUL) {
      auto flags = arith::FastMathFlags::reassoc;
      if (auto fastMath = dyn_cast<arith::ArithFastMathInterface>(combiner.op))
        flags = flags | fastMath.getFastMathFlagsAttr().getValue();
      return vector::ReductionOp::create(b, loc, combiner.kind, acc, initial,
                                         flags);
    }
    for (int64_t width = vectorType.getNumElements() / 2; width >= 1;
         width /= 2) {
      auto half = [&](int64_t offset) {
        return vector::ExtractStridedSliceOp::create(
            b, loc, acc, ArrayRef<int64_t>{offset}, ArrayRef<int64_t>{width},
            ArrayRef<int64_t>{1});
      };
      acc = combine(half(0), half(width));
    }
    Value lane = vector::ExtractOp::create(b, loc, acc, ArrayRef<int64_t>{0});
    return combine(initial, lane);
  }

  OpBuilder &b;
  Location loc;
  linalg::GenericOp op;
  Combiner combiner;
  VectorType vectorType, maskType;
};

struct VectorizeReductionsPass
    : xf::impl::XFVectorizeReductionsBase<VectorizeReductionsPass> {
  using XFVectorizeReductionsBase::XFVectorizeReductionsBase;

  void runOnOperation() override {
    if (!xf::isSupportedVectorWidth(vectorBits)) {
      getOperation().emitError("vector-bits must be 128, 256 or 512, got ")
          << static_cast<int64_t>(vectorBits);
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::GenericOp, Combiner>> reductions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (auto combiner = matchRowReduction(op))
        reductions.emplace_back(op, *combiner);
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, combiner] : reductions) {
      rewriter.setInsertionPoint(op);
      RowReductionBuilder(rewriter, op, combiner, vectorBits / 32).build();
      rewriter.eraseOp(op);
      ++numReductions;
    }
  }
};
} // namespace
