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

/// Two lists of types are compatible when they pair up as ranked tensors of
/// one element type whose static dimensions agree.
bool areCompatibleTensorTypes(TypeRange lhs, TypeRange rhs);

/// Normalizes `axis` into [0, rank); fails when it is out of [-rank, rank).
FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

} // namespace mlir::xf

#endif // XF_DIALECT_XFOPS_H
