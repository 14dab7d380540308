//===- MatmulMicroKernel.cpp - Register-blocked products by a matrix ------===//
//
// A product by a weight matrix (`xf.linear`, or `xf.matmul` by a 2-D right
// operand) lowers to a linalg.generic over (rows..., k, columns). Left to
// the generic loop lowering, its innermost loop loads and stores a row of
// the result for every k: memory operations bound it. This pass, run on
// buffers, replaces such a generic with the classic register-blocked
// kernel: a block of MR rows by NR columns of the result lives in vector
// registers for the whole k loop, each step loading NR/VL vectors of the
// weight row and broadcasting MR values of the left operand:
//
//   parallel over (column panel, row block):
//     acc[MR][NR/VL] = C[rows, panel]   (or the bias, or zero, when the op
//                                        before the product only sets them)
//     for k: b[j] = B[k, panel j]; acc[i][j] += broadcast(A[row i, k]) * b[j]
//     C[rows, panel] = acc
//
// Row blocks shorter than MR run as blocks of 8, 4, 2 and 1 rows; only the
// last panel is masked. MR and NR come from the vector width of the target
// and the number of columns: 6 x 64 with AVX-512 (24 of the 32 registers
// accumulate), 4 x 24 with AVX2; narrower products (32 columns: 12 x 32)
// trade columns for rows. A weight packed by xf-pack-weights is read panel
// after panel, contiguously and never masked.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "passes/Transforms/MicroKernelShape.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFMATMULMICROKERNEL
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using xf::KernelShape;

namespace {
/// The operands of a product by a matrix: `lhs` is [rows..., K], `out`
/// [rows..., N], each viewed as 2-D; `rhs` is [K, N], or, when `panelWidth`
/// is set, packed by `xf-pack-weights` into [ceil(N / P), K, P] panels of
/// P = `panelWidth` columns.
struct MatrixProduct {
  Value lhs, rhs, out;
  int64_t panelWidth = 0;
};

/// What the result holds before the product accumulates into it, when the
/// op just before the product writes it entirely: a scalar (`linalg.fill`:
/// zero without a bias) or a row vector broadcast over the rows (the
/// bias). The kernel then starts its accumulators from it and the op goes:
/// no pass writes the result only for the kernel to read it back.
struct InitialValue {
  Operation *op = nullptr;
  Value scalar;    // [f32]
  Value rowVector; // memref<N x f32>, contiguous
};

} // namespace

/// Whether `map` is (d0, ..., dn) -> (dims...).
static bool isProjection(AffineMap map, ArrayRef<unsigned> dims) {
  if (map.getNumResults() != dims.size())
    return false;
  for (auto [expr, dim] : llvm::zip(map.getResults(), dims)) {
    auto d = dyn_cast<AffineDimExpr>(expr);
    if (!d || d.getPosition() != dim)
      return false;
  }
  return true;
}

/// Whether `type` is an f32 memref whose innermost dimension is contiguous.
static bool hasUnitInnerStride(MemRefType type) {
  if (!type.getElementType().isF32())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         !strides.empty() && strides.back() == 1;
}

/// Recognizes the generic that convert-xf-to-linalg makes of a product by a
/// matrix: loops (rows..., k, n), multiply-accumulate body, f32 buffers.
static std::optional<MatrixProduct> matchProduct(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  unsigned loops = op.getNumLoops();
  if (loops < 3)
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < loops; ++d)
    if ((iterators[d] == utils::IteratorType::reduction) != (d == loops - 2))
      return std::nullopt;
  SmallVector<unsigned> rows = llvm::to_vector(llvm::seq<unsigned>(loops - 2));
  SmallVector<unsigned> lhsDims(rows), outDims(rows);
  lhsDims.push_back(loops - 2);
  outDims.push_back(loops - 1);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!isProjection(maps[0], lhsDims) || !isProjection(maps[2], outDims))
    return std::nullopt;
  // The weight: (k, n), or (n floordiv P, k, n mod P) when it is packed.
  int64_t panelWidth = 0;
  if (!isProjection(maps[1], {loops - 2, loops - 1})) {
    auto rhsType = cast<MemRefType>(op.getDpsInputs()[1].getType());
    if (rhsType.getRank() != 3 || !rhsType.hasStaticShape())
      return std::nullopt;
    panelWidth = rhsType.getDimSize(2);
    if (maps[1] != xf::getPackedWeightMap(op.getContext(), loops, panelWidth))
      return std::nullopt;
  }
  // The body is out + lhs * rhs.
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || body.getOperations().size() != 3)
    return std::nullopt;
  auto mul = add.getRhs().getDefiningOp<arith::MulFOp>();
  if (!mul || add.getLhs() != body.getArgument(2) ||
      mul.getLhs() != body.getArgument(0) || mul.getRhs() != body.getArgument(1))
    return std::nullopt;
  Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
  Value out = op.getDpsInits()[0];
  auto lhsType = cast<MemRefType>(lhs.getType());
  auto outType = cast<MemRefType>(out.getType());
  // Leading dimensions are collapsed into rows: they must be contiguous.
  if (!hasUnitInnerStride(cast<MemRefType>(rhs.getType())) ||
      !lhsType.getLayout().isIdentity() || !outType.getLayout().isIdentity() ||
      !lhsType.getElementType().isF32() || !outType.getElementType().isF32())
    return std::nullopt;
  return MatrixProduct{lhs, rhs, out, panelWidth};
}

/// The op just before `product` when it fills the product's result with a
/// scalar or broadcasts a contiguous vector of N elements over its rows.
static InitialValue matchInitialValue(linalg::GenericOp product, Value out) {
  Operation *previous = product->getPrevNode();
  if (!previous)
    return {};
  if (auto fill = dyn_cast<linalg::FillOp>(previous)) {
    if (fill.hasPureBufferSemantics() && fill.getDpsInits()[0] == out &&
        fill.getDpsInputs()[0].getType().isF32())
      return {fill, fill.getDpsInputs()[0], {}};
    return {};
  }
  auto broadcast = dyn_cast<linalg::GenericOp>(previous);
  if (!broadcast || !broadcast.hasPureBufferSemantics() ||
      broadcast.getNumDpsInputs() != 1 || broadcast.getNumDpsInits() != 1 ||
      broadcast.getDpsInits()[0] != out ||
      broadcast.getNumParallelLoops() != broadcast.getNumLoops())
    return {};
  Value row = broadcast.getDpsInputs()[0];
  auto rowType = dyn_cast<MemRefType>(row.getType());
  unsigned loops = broadcast.getNumLoops();
  SmallVector<AffineMap> maps = broadcast.getIndexingMapsArray();
  Block &body = broadcast.getRegion().front();
  if (!rowType || rowType.getRank() != 1 || !hasUnitInnerStride(rowType) ||
      !isProjection(maps[0], {loops - 1}) || !maps[1].isIdentity() ||
      body.getOperations().size() != 1 ||
      body.getTerminator()->getOperand(0) != body.getArgument(0))
    return {};
  return {broadcast, {}, row};
}

/// `value` ([rows..., n]) as a 2-D memref.
static Value collapseToMatrix(OpBuilder &b, Location loc, Value value) {
  auto type = cast<MemRefType>(value.getType());
  if (type.getRank() == 2)
    return value;
  ReassociationIndices leading =
      llvm::to_vector(llvm::seq<int64_t>(type.getRank() - 1));
  return memref::CollapseShapeOp::create(
      b, loc, value,
      SmallVector<ReassociationIndices>{leading, {type.getRank() - 1}});
}

namespace {
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, MatrixProduct product,
                InitialValue initial, KernelShape shape)
      : b(b), loc(loc), a(product.lhs), w(product.rhs), c(product.out),
        packed(product.panelWidth != 0), initial(initial), shape(shape) {
    vectorType = VectorType::get({shape.vectorWidth}, b.getF32Type());
    maskType = VectorType::get({shape.vectorWidth}, b.getI1Type());
  }

  void build() {
    Value zero = index(0), one = index(1);
    Value m = memref::DimOp::create(b, loc, a, 0);
    Value k = memref::DimOp::create(b, loc, a, 1);
    Value n = memref::DimOp::create(b, loc, c, 1);
    Value panels = arith::CeilDivSIOp::create(b, loc, n, index(shape.columns()));
    Value blocks = arith::CeilDivSIOp::create(b, loc, m, index(shape.rows));
    // Panels outside, row blocks inside: consecutive tasks reuse the panel
    // of the weight, which stays in L2.
    scf::ParallelOp::create(
        b, loc, ValueRange{zero, zero}, ValueRange{panels, blocks},
        ValueRange{one, one},
        [&](OpBuilder &, Location, ValueRange ivs) {
          panel = ivs[0];
          Value col = arith::MulIOp::create(b, loc, ivs[0],
                                            index(shape.columns()));
          Value row = arith::MulIOp::create(b, loc, ivs[1], index(shape.rows));
          Value width = arith::MinSIOp::create(
              b, loc, index(shape.columns()),
              arith::SubIOp::create(b, loc, n, col));
          Value height = arith::MinSIOp::create(
              b, loc, index(shape.rows), arith::SubIOp::create(b, loc, m, row));
          Value fullWidth = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::eq, width, index(shape.columns()));
          Value fullHeight = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::eq, height, index(shape.rows));
          // Full blocks take the unmasked kernel; edges the masked one.
          scf::IfOp::create(
              b, loc, arith::AndIOp::create(b, loc, fullWidth, fullHeight),
              [&](OpBuilder &, Location) {
                buildBlock(row, col, k, shape.rows, /*width=*/nullptr);
                scf::YieldOp::create(b, loc);
              },
              [&](OpBuilder &, Location) {
                // Masks only in the last panel. There, a block of the full
                // MR rows is one masked kernel: MR need not be a sum of
                // the edge blocks' sizes (4 = 2 + 1 is not).
                scf::IfOp::create(
                    b, loc, fullWidth,
                    [&](OpBuilder &, Location) {
                      buildEdgeRows(row, height, col, k, nullptr);
                      scf::YieldOp::create(b, loc);
                    },
                    [&](OpBuilder &, Location) {
                      scf::IfOp::create(
                          b, loc, fullHeight,
                          [&](OpBuilder &, Location) {
                            buildBlock(row, col, k, shape.rows, width);
                            scf::YieldOp::create(b, loc);
                          },
                          [&](OpBuilder &, Location) {
                            buildEdgeRows(row, height, col, k, width);
                            scf::YieldOp::create(b, loc);
                          });
                      scf::YieldOp::create(b, loc);
                    });
                scf::YieldOp::create(b, loc);
              });
          scf::ReduceOp::create(b, loc);
        });
  }

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// The `height` (< MR) rows from `row` of a block, as register blocks of
  /// the powers of two below MR (8, 4, 2, 1: the binary digits of
  /// `height`, which they cover since MR <= 2 x the largest): a row alone
  /// would leave the FMA units waiting on its few accumulators' latency.
  void buildEdgeRows(Value row, Value height, Value col, Value k,
                     Value width) {
    int64_t rows = 1;
    while (rows * 2 < shape.rows)
      rows *= 2;
    for (; rows >= 1; rows /= 2) {
      Value digit = arith::AndIOp::create(b, loc, height, index(rows));
      Value present = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                            digit, index(0));
      Value start = row;
      scf::IfOp::create(b, loc, present, [&](OpBuilder &, Location) {
        buildBlock(start, col, k, rows, width);
        scf::YieldOp::create(b, loc);
      });
      row = arith::AddIOp::create(b, loc, row, digit);
    }
  }

  /// The masks of the panel's vectors for a panel `width` columns wide.
  SmallVector<Value> masks(Value width) {
    SmallVector<Value> result;
    for (int64_t j = 0; j < shape.vectors; ++j) {
      Value remaining = arith::SubIOp::create(
          b, loc, width, index(j * shape.vectorWidth));
      result.push_back(vector::CreateMaskOp::create(b, loc, maskType,
                                                    ValueRange{remaining}));
    }
    return result;
  }

  Value loadVector(Value memref, ValueRange indices, Value mask) {
    if (!mask)
      return vector::LoadOp::create(b, loc, vectorType, memref, indices);
    Value passThrough = arith::ConstantOp::create(
        b, loc, vectorType,
        DenseElementsAttr::get(vectorType, b.getF32FloatAttr(0.0)));
    return vector::MaskedLoadOp::create(b, loc, vectorType, memref, indices,
                                        mask, passThrough);
  }

  void storeVector(Value value, Value memref, ValueRange indices, Value mask) {
    if (!mask)
      vector::StoreOp::create(b, loc, value, memref, indices);
    else
      vector::MaskedStoreOp::create(b, loc, memref, indices, mask, value);
  }

  /// `rows` rows from `row` of the result, columns from `col`: masked to
  /// `width` columns when it is given.
  void buildBlock(Value row, Value col, Value k, int64_t rows, Value width) {
    SmallVector<Value> columnMasks;
    if (width)
      columnMasks = masks(width);
    auto maskOf = [&](int64_t j) { return width ? columnMasks[j] : Value(); };
    SmallVector<Value> rowIndex, colIndex;
    for (int64_t i = 0; i < rows; ++i)
      rowIndex.push_back(arith::AddIOp::create(b, loc, row, index(i)));
    for (int64_t j = 0; j < shape.vectors; ++j)
      colIndex.push_back(
          arith::AddIOp::create(b, loc, col, index(j * shape.vectorWidth)));
    // The accumulators start from the result's initial value: the same
    // vector in every row for a bias or a fill, else what the result holds.
    SmallVector<Value> start;
    for (int64_t j = 0; j < shape.vectors; ++j) {
      if (initial.rowVector)
        start.push_back(
            loadVector(initial.rowVector, {colIndex[j]}, maskOf(j)));
      else if (initial.scalar)
        start.push_back(
            vector::BroadcastOp::create(b, loc, vectorType, initial.scalar));
    }
    SmallVector<Value> acc;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < shape.vectors; ++j)
        acc.push_back(initial.op ? start[j]
                                 : loadVector(c, {rowIndex[i], colIndex[j]},
                                              maskOf(j)));
    auto loop = scf::ForOp::create(
        b, loc, index(0), k, index(1), acc,
        [&](OpBuilder &, Location, Value kk, ValueRange sums) {
          SmallVector<Value> weights;
          // A packed panel is padded to its full width: never masked.
          for (int64_t j = 0; j < shape.vectors; ++j)
            weights.push_back(
                packed ? loadVector(w,
                                    {panel, kk, index(j * shape.vectorWidth)},
                                    nullptr)
                       : loadVector(w, {kk, colIndex[j]}, maskOf(j)));
          SmallVector<Value> next;
          for (int64_t i = 0; i < rows; ++i) {
            Value scalar = memref::LoadOp::create(b, loc, a,
                                                  ValueRange{rowIndex[i], kk});
            Value broadcast =
                vector::BroadcastOp::create(b, loc, vectorType, scalar);
            for (int64_t j = 0; j < shape.vectors; ++j)
              next.push_back(vector::FMAOp::create(
                  b, loc, broadcast, weights[j], sums[i * shape.vectors + j]));
          }
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < shape.vectors; ++j)
        storeVector(loop.getResult(i * shape.vectors + j), c,
                    {rowIndex[i], colIndex[j]}, maskOf(j));
  }

  OpBuilder &b;
  Location loc;
  Value a, w, c;
  bool packed;
  InitialValue initial;
  Value panel; // the current column panel
  KernelShape shape;
  VectorType vectorType, maskType;
};

struct MatmulMicroKernelPass
    : xf::impl::XFMatmulMicroKernelBase<MatmulMicroKernelPass> {
  using XFMatmulMicroKernelBase::XFMatmulMicroKernelBase;

  void runOnOperation() override {
    if (!xf::isSupportedVectorWidth(vectorBits)) {
      getOperation().emitError("vector-bits must be 128, 256 or 512, got ")
          << static_cast<int64_t>(vectorBits);
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::GenericOp, MatrixProduct>> products;
    getOperation().walk([&](linalg::GenericOp op) {
      if (auto product = matchProduct(op))
        products.emplace_back(op, *product);
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, product] : products) {
      KernelShape shape = xf::chooseKernelShape(
          vectorBits, cast<MemRefType>(product.out.getType()).getShape().back());
      // A weight packed for another register block keeps the loops.
      if (product.panelWidth && product.panelWidth != shape.columns())
        continue;
      // Matched before the collapses below are inserted between the two.
      InitialValue initial = matchInitialValue(op, product.out);
      rewriter.setInsertionPoint(op);
      Location loc = op.getLoc();
      MatrixProduct matrices{collapseToMatrix(rewriter, loc, product.lhs),
                             product.rhs,
                             collapseToMatrix(rewriter, loc, product.out),
                             product.panelWidth};
      KernelBuilder(rewriter, loc, matrices, initial, shape).build();
      rewriter.eraseOp(op);
      if (initial.op) {
        rewriter.eraseOp(initial.op);
        ++numFoldedInits;
      }
      ++numKernels;
    }
  }
};
} // namespace
