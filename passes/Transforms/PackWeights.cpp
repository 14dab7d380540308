//===- PackWeights.cpp - Weights in the layout of the matrix kernel ------===//
//
// The CPU matrix kernel keeps an MR x P block of results in registers and,
// per k, loads P consecutive columns of the weight's row k. Read in place,
// a K x N weight gives it K short rows N floats apart: a new page every few
// rows and a masked last panel. Packed at compile time into
// [ceil(N / P), K, P], panel after panel, each panel is one contiguous
// stream that the hardware prefetcher follows, and the padded last panel
// needs no masks. The packing is done once, here, on the constant; the
// product becomes an `xf.packed_linear`.
//
// A weight reached through a transpose (a language model's head tied to
// the token embedding, `MatMul(x, Transpose(E))`) is packed straight from
// the transposed constant, so no transpose runs at inference time.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/ConstantData.h"
#include "passes/Transforms/MicroKernelShape.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFPACKWEIGHTS
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {
/// A constant K x N f32 weight, possibly read through a 2-D transpose.
struct WeightSource {
  ConstantOp constant;
  bool transposed = false;
  int64_t rows = 0, columns = 0; // K, N
  std::string name;
};
} // namespace

/// The constant weight behind `value`, when it is a static 2-D f32 one.
static std::optional<WeightSource> findWeight(Value value) {
  WeightSource source;
  if (auto transpose = value.getDefiningOp<TransposeOp>()) {
    if (!llvm::equal(transpose.getPerm(), ArrayRef<int64_t>{1, 0}))
      return std::nullopt;
    source.transposed = true;
    value = transpose.getInput();
  }
  source.constant = value.getDefiningOp<ConstantOp>();
  if (!source.constant)
    return std::nullopt;
  auto type = cast<RankedTensorType>(source.constant.getType());
  if (type.getRank() != 2 || !type.hasStaticShape() ||
      !type.getElementType().isF32())
    return std::nullopt;
  source.rows = type.getDimSize(source.transposed ? 1 : 0);
  source.columns = type.getDimSize(source.transposed ? 0 : 1);
  if (source.rows == 0 || source.columns == 0)
    return std::nullopt;
  if (auto resource =
          dyn_cast<DenseResourceElementsAttr>(source.constant.getValue()))
    source.name = resource.getRawHandle().getKey().str();
  else
    source.name = "weight";
  return source;
}

/// The weight of `source` packed into panels of `width` columns, as a new
/// constant; nothing when its data cannot be read.
static Value pack(OpBuilder &b, Location loc, WeightSource source,
                  int64_t width) {
  std::optional<std::vector<float>> data =
      readF32Elements(source.constant.getValue());
  if (!data)
    return {};
  int64_t k = source.rows, n = source.columns;
  int64_t panels = llvm::divideCeil(n, width);
  auto type = RankedTensorType::get({panels, k, width}, b.getF32Type());
  std::vector<float> packed(panels * k * width, 0.0f); // padding: zeros
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t row = 0; row < k; ++row)
      for (int64_t j = 0; j < width && p * width + j < n; ++j) {
        int64_t column = p * width + j;
        packed[(p * k + row) * width + j] =
            source.transposed ? (*data)[column * k + row]
                              : (*data)[row * n + column];
      }
  std::string name = source.name + (source.transposed ? ".t" : "") +
                     ".packed" + std::to_string(width);
  return createF32Constant(
      b, loc, type, packed, name,
      isa<DenseResourceElementsAttr>(source.constant.getValue()));
}

namespace {
struct PackWeightsPass : xf::impl::XFPackWeightsBase<PackWeightsPass> {
  using XFPackWeightsBase::XFPackWeightsBase;

  void runOnOperation() override {
    if (!isSupportedVectorWidth(vectorBits)) {
      getOperation().emitError("vector-bits must be 128, 256 or 512, got ")
          << static_cast<int64_t>(vectorBits);
      return signalPassFailure();
    }
    // Products by a constant: xf.linear, and xf.matmul by a 2-D right
    // operand with an f32 left operand of rank 2 or more.
    SmallVector<Operation *> products;
    getOperation().walk([&](Operation *op) {
      if (auto linear = dyn_cast<LinearOp>(op)) {
        if (linear.getInput().getType().getElementType().isF32() &&
            linear.getInput().getType().getRank() >= 2)
          products.push_back(op);
      } else if (auto matmul = dyn_cast<MatMulOp>(op)) {
        auto lhs = cast<RankedTensorType>(matmul.getLhs().getType());
        if (lhs.getElementType().isF32() && lhs.getRank() >= 2 &&
            cast<RankedTensorType>(matmul.getRhs().getType()).getRank() == 2)
          products.push_back(op);
      }
    });
    IRRewriter rewriter(&getContext());
    // One packed copy per weight (and orientation), however many products
    // share it.
    llvm::DenseMap<std::pair<Value, int64_t>, Value> packedWeights;
    for (Operation *op : products) {
      Value weight = op->getOperand(1);
      std::optional<WeightSource> source = findWeight(weight);
      if (!source)
        continue;
      KernelShape shape = chooseKernelShape(vectorBits, source->columns);
      int64_t width = shape.columns();
      Value &packed = packedWeights[{weight, width}];
      if (!packed) {
        rewriter.setInsertionPointAfterValue(weight);
        packed = pack(rewriter, op->getLoc(), *source, width);
        if (!packed)
          continue;
        numBytes += source->rows * source->columns * sizeof(float);
      }
      rewriter.setInsertionPoint(op);
      Value bias;
      StringRef activation = "none";
      if (auto linear = dyn_cast<LinearOp>(op)) {
        bias = linear.getBias();
        activation = linear.getActivation();
      }
      rewriter.replaceOpWithNewOp<PackedLinearOp>(
          op, op->getResult(0).getType(), op->getOperand(0), packed, bias,
          source->columns, activation);
      ++numPacked;
    }
    // Weights (and transposes) that only fed packed products are gone.
    llvm::SetVector<Operation *> unused;
    for (auto &entry : packedWeights)
      if (Operation *producer = entry.first.first.getDefiningOp())
        unused.insert(producer);
    while (!unused.empty()) {
      Operation *producer = unused.pop_back_val();
      if (!producer->use_empty())
        continue;
      for (Value operand : producer->getOperands())
        if (Operation *input = operand.getDefiningOp())
          unused.insert(input);
      rewriter.eraseOp(producer);
    }
  }
};
} // namespace
