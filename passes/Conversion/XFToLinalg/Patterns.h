//===- Patterns.h - xf to linalg conversion patterns ------------*- C++ -*-===//
//
// Shared helpers of the xf-to-linalg conversion and the entry points of its
// op families, one file each.
//
//===----------------------------------------------------------------------===//

#ifndef XF_PASSES_CONVERSION_XFTOLINALG_PATTERNS_H
#define XF_PASSES_CONVERSION_XFTOLINALG_PATTERNS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::xf {

/// xf tensors may hold unsigned integers; upstream arithmetic is signless.
/// Converts uiN element types to iN; signedness is read from the xf op.
class XFToLinalgTypeConverter : public TypeConverter {
public:
  XFToLinalgTypeConverter();
};

/// The tensor type `type` converts to (its signless form).
inline RankedTensorType convertTensorType(const TypeConverter &converter,
                                          Type type) {
  return cast<RankedTensorType>(converter.convertType(type));
}

/// Converts a (possibly unsigned) element type to its signless form.
Type getSignlessType(Type type);

/// Whether `type` (a tensor or element type) holds unsigned integers
/// (booleans count as unsigned: they widen with zero extension).
bool isUnsignedElement(Type type);

/// Sizes of every dimension of a ranked tensor.
SmallVector<OpFoldResult> getDims(OpBuilder &b, Location loc, Value tensor);

/// A `tensor.empty` of `type` whose dynamic sizes come from `dims`.
Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> dims);

/// The result sizes of broadcasting `operands` to `resultType`. A dynamic
/// result dimension takes the size of the first operand dimension that is not
/// a static 1 (dynamic dimensions are assumed not to broadcast at run time).
SmallVector<OpFoldResult> getBroadcastDims(OpBuilder &b, Location loc,
                                           RankedTensorType resultType,
                                           ValueRange operands);

/// The indexing map that reads an operand of `operandType` broadcast to a
/// result of rank `resultRank` with shape `resultShape`.
AffineMap getBroadcastMap(MLIRContext *context, RankedTensorType operandType,
                          ArrayRef<int64_t> resultShape);

/// Builds a `linalg.generic` computing `scalarFn` elementwise over `operands`
/// broadcast to `resultType`. The result sizes are `dims` when given,
/// otherwise those of the broadcast.
Value buildElementwise(
    OpBuilder &b, Location loc, RankedTensorType resultType,
    ValueRange operands,
    function_ref<Value(OpBuilder &, Location, ValueRange)> scalarFn,
    std::optional<ArrayRef<OpFoldResult>> dims = std::nullopt);

/// GELU of a float scalar: the erf form, or the tanh approximation.
Value buildGelu(OpBuilder &b, Location loc, Value x, bool tanhForm);

/// The logistic sigmoid of a float scalar, 1 / (1 + exp(-x)).
Value buildSigmoid(OpBuilder &b, Location loc, Value x);

/// SiLU (swish) of a float scalar, x * sigmoid(x).
Value buildSilu(OpBuilder &b, Location loc, Value x);

/// An arith constant of `elementType` (float or integer) holding `value`.
Value createScalarConstant(OpBuilder &b, Location loc, Type elementType,
                           double value);

/// An index value read from a 0-D or 1-D integer tensor at `position`.
Value extractIndex(OpBuilder &b, Location loc, Value tensor, int64_t position);

/// `index` (an integer of any width) as an index, counted from the end of a
/// dimension of `size` when negative, as ONNX's gathers and scatters read it.
Value normalizeIndex(OpBuilder &b, Location loc, Value index, Value size);

/// The attribute that numbers an op whose assumptions are checked at run
/// time: its site in the module's `xf.check_sites` (see numberRunTimeChecks).
inline constexpr llvm::StringLiteral kCheckSiteAttr = "xf.check_site";
/// The runtime's function a failed check calls: (site, value, value), the
/// two values filling the site's message (runtime/ArtifactFormat.h's
/// kCheckFailedSymbol).
inline constexpr llvm::StringLiteral kCheckFailedFunction =
    "xf_rt_check_failed";
/// Calls the runtime's check-failed function with (`site`, `first`,
/// `second`), both i64, when the i1 `failed` holds at run time.
void reportCheckFailure(OpBuilder &b, Location loc, Value failed,
                        IntegerAttr site, Value first, Value second);
/// The operand dimensions a broadcasting op compares at run time, as
/// (operand, dimension, other operand, other dimension) quadruples.
inline constexpr llvm::StringLiteral kBroadcastPairsAttr =
    "xf.check_broadcast";

void populateAttentionPatterns(const TypeConverter &converter,
                               RewritePatternSet &patterns);
void populateElementwisePatterns(const TypeConverter &converter,
                                 RewritePatternSet &patterns);
void populateIndexingPatterns(const TypeConverter &converter,
                              RewritePatternSet &patterns);
void populateLinearAlgebraPatterns(const TypeConverter &converter,
                                   RewritePatternSet &patterns);
void populateReductionPatterns(const TypeConverter &converter,
                               RewritePatternSet &patterns);
void populateLayoutPatterns(const TypeConverter &converter,
                            RewritePatternSet &patterns);
void populateShapePatterns(const TypeConverter &converter,
                           RewritePatternSet &patterns);

} // namespace mlir::xf

#endif // XF_PASSES_CONVERSION_XFTOLINALG_PATTERNS_H
