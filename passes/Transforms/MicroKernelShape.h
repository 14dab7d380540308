//===- MicroKernelShape.h - Register blocks of the CPU matrix kernel ------===//
//
// The register block of `xf-matmul-microkernel`, which `xf-pack-weights`
// needs too: a weight is packed into panels as wide as the block.
//
//===----------------------------------------------------------------------===//

#ifndef XF_PASSES_TRANSFORMS_MICROKERNELSHAPE_H
#define XF_PASSES_TRANSFORMS_MICROKERNELSHAPE_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

namespace mlir::xf {

/// MR rows by NR = vectors x VL columns of results in registers.
struct KernelShape {
  int64_t rows;        // MR
  int64_t vectors;     // NR / VL
  int64_t vectorWidth; // VL, in f32 lanes
  int64_t columns() const { return vectors * vectorWidth; }
};

/// The register block for `vectorBits`-wide registers and `columns`
/// result columns (dynamic or not): about three quarters of the registers
/// (32 with AVX-512, 16 otherwise) accumulate. Up to four vectors of
/// columns; a narrower product (an attention head's 32 columns) gets more
/// rows instead, so that it keeps as many accumulators in flight.
inline KernelShape chooseKernelShape(int64_t vectorBits, int64_t columns) {
  int64_t lanes = vectorBits / 32;
  int64_t accumulators = vectorBits == 512 ? 24 : 12;
  int64_t vectors = vectorBits == 512 ? 4 : 3;
  if (!ShapedType::isDynamic(columns))
    vectors = std::clamp<int64_t>(llvm::divideCeil(columns, lanes), 1,
                                  vectors);
  int64_t rows = std::min<int64_t>(accumulators / vectors, 12);
  return KernelShape{rows, vectors, lanes};
}

/// How a product with loops (rows..., k, n) reads a weight packed into
/// panels of `panelWidth` columns, [ceil(N / P), K, P]:
/// (n floordiv P, k, n mod P).
inline AffineMap getPackedWeightMap(MLIRContext *context, unsigned numLoops,
                                    int64_t panelWidth) {
  AffineExpr k = getAffineDimExpr(numLoops - 2, context);
  AffineExpr n = getAffineDimExpr(numLoops - 1, context);
  return AffineMap::get(numLoops, 0,
                        {n.floorDiv(panelWidth), k, n % panelWidth}, context);
}

/// Whether `vectorBits` is a register width the kernels are built for.
inline bool isSupportedVectorWidth(int64_t vectorBits) {
  return vectorBits == 128 || vectorBits == 256 || vectorBits == 512;
}

} // namespace mlir::xf

#endif // XF_PASSES_TRANSFORMS_MICROKERNELSHAPE_H
