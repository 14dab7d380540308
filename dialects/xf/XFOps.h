//===- XFOps.h - Operations of the xf dialect -------------------*- C++ -*-===//

#ifndef XF_DIALECT_XFOPS_H
#define XF_DIALECT_XFOPS_H

#include "dialects/xf/XFDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/xf/XFOps.h.inc"

namespace mlir::xf {

/// Broadcasts two shapes with numpy rules. A `?` against 1 or `?` stays `?`;
/// fails when two static dimensions differ and neither is 1.
FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                ArrayRef<int64_t> rhs);

/// What is known of the elements of a 0-D or 1-D integer tensor of static
/// size: the value where it can be derived from constants and from the static
/// dimensions reaching it through shape computations (`xf.shape_of`,
/// `xf.concat`, `xf.gather`, ...), `ShapedType::kDynamic` where it cannot.
/// Returns std::nullopt when the value is not such a tensor.
std::optional<SmallVector<int64_t>> getKnownIntValues(Value value);

/// The ONNX node an op was imported from, for messages: "node 'NAME'" from
/// its location, or the op's name when it has none.
std::string describeNode(Operation *op);

/// A dimension of a tensor value: `value`'s dimension `dim`.
struct DimRef {
  Value value;
  int64_t dim = 0;
  bool operator==(const DimRef &other) const {
    return value == other.value && dim == other.dim;
  }
};

/// The dimension element `i` of the 0-D or 1-D integer tensor `shape` is
/// read from, when it is one: `shape_of(x)[i]` traced through concats,
/// slices and gathers of shapes and through unsqueezes, squeezes, casts
/// and reshapes, so that exporters' shape arithmetic is understood
/// symbolically.
std::optional<DimRef> getShapeElementDim(Value shape, int64_t i,
                                         int depth = 0);

/// Where a 0-D or one-element integer tensor gets its value, when it is a
/// dimension: `gather(shape_of(x), i)`, through unsqueezes, squeezes, casts
/// and reshapes.
std::optional<DimRef> getDimSource(Value scalar);

/// Element `i` of a 1-D shape tensor built by `xf.concat` of one-element
/// pieces (or the single piece itself); null where it is not such a piece.
Value getShapePiece(Value shape, int64_t i);

/// Whether the 1-D i64 tensor `shape` provably holds the shape of `tensor`
/// at run time: every element is a constant equal to a static dimension, or
/// is read from that very dimension of `tensor`. `keepValue`, where given,
/// is a value that stands for "this dimension of the input" (0 for Reshape
/// without allowzero, 1 for Expand).
bool isShapeOf(Value shape, Value tensor,
               std::optional<int64_t> keepValue = std::nullopt);

/// Whether a value of `operand`'s type broadcast against one of `target`'s
/// leaves `target`'s shape unchanged whatever the dynamic sizes are: no
/// more dimensions, each a static 1 or equal to a static target dimension.
bool broadcastsInto(Type operand, Type target);

/// Two lists of types are compatible when they pair up as ranked tensors of
/// one element type whose static dimensions agree.
bool areCompatibleTensorTypes(TypeRange lhs, TypeRange rhs);

/// Normalizes `axis` into [0, rank); fails when it is out of [-rank, rank).
FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

} // namespace mlir::xf

#endif // XF_DIALECT_XFOPS_H
