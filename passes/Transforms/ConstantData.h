//===- ConstantData.h - Reading and writing f32 constants ------*- C++ -*-===//
//
// Passes that rewrite weights at compile time (packing, merging) read a
// constant's f32 elements whether they are inline or in a resource blob,
// and write new ones in the same form.
//
//===----------------------------------------------------------------------===//

#ifndef XF_PASSES_TRANSFORMS_CONSTANTDATA_H
#define XF_PASSES_TRANSFORMS_CONSTANTDATA_H

#include "dialects/xf/XFOps.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::xf {

/// The f32 elements of `value` in row-major order, or nothing when they are
/// not available (a resource without data, another element type).
inline std::optional<std::vector<float>> readF32Elements(ElementsAttr value) {
  if (!value.getElementType().isF32())
    return std::nullopt;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<float> data = blob->getDataAs<float>();
    if (static_cast<int64_t>(data.size()) != value.getNumElements())
      return std::nullopt;
    return std::vector<float>(data.begin(), data.end());
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return std::nullopt;
  auto values = dense.getValues<float>();
  return std::vector<float>(values.begin(), values.end());
}

/// A new f32 `xf.constant` of `type` holding `data`: a resource blob named
/// `name` when `asResource`, else inline (weights written in a test's IR
/// stay readable there).
inline Value createF32Constant(OpBuilder &b, Location loc,
                               RankedTensorType type, ArrayRef<float> data,
                               StringRef name, bool asResource) {
  if (!asResource)
    return ConstantOp::create(b, loc, DenseElementsAttr::get(type, data));
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(reinterpret_cast<const char *>(data.data()),
                     data.size() * sizeof(float)),
      alignof(float) * 16);
  return ConstantOp::create(
      b, loc, DenseResourceElementsAttr::get(type, name, std::move(blob)));
}

} // namespace mlir::xf

#endif // XF_PASSES_TRANSFORMS_CONSTANTDATA_H
