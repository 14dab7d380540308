//===- XFDialect.td - The xf dialect ------------------------*- tablegen -*-===//
//
// The xf dialect models transformer graphs at the level of ONNX: value
// semantics on ranked tensors, numpy broadcasting, dynamic dimensions kept
// as `?`. It is the dialect every xfc graph optimization runs on.
//
//===----------------------------------------------------------------------===//

#ifndef XF_DIALECT_TD
#define XF_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def XF_Dialect : Dialect {
  let name = "xf";
  let cppNamespace = "::mlir::xf";
  let summary = "Tensor-level operations of transformer graphs";
  let description = [{
    The `xf` dialect is the graph-level IR of xfc. Every op works on ranked
    tensors with value semantics. Elementwise ops broadcast their operands
    following numpy (and ONNX) rules. Shapes are inferred: static dimensions
    are computed at construction, unknown ones are `?`. Weights are
    `dense_resource` constants so that large models stay cheap to build and
    to print.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 0;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def XF_Tensor : RankedTensorOf<[AnyType]>;
def XF_FloatTensor : RankedTensorOf<[AnyFloat]>;
def XF_BoolTensor : RankedTensorOf<[I1]>;
def XF_IntOrBoolTensor : RankedTensorOf<[AnyInteger]>;
def XF_IndexTensor : RankedTensorOf<[I32, I64]>;
def XF_ShapeTensor : 1DTensorOf<[I64]>;
def XF_ScalarTensor : 0DTensorOf<[AnyInteger, AnyFloat]>;

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

/// Every xf op is free of side effects.
class XF_Op<string mnemonic, list<Trait> traits = []>
    : Op<XF_Dialect, mnemonic, traits # [Pure]>;

/// An op whose result types are computed from its operands and attributes.
/// Declared result types may be more or less refined than the inferred ones
/// as long as they are compatible, so folding an operand into a constant never
/// invalidates its users.
class XF_InferredOp<string mnemonic, list<Trait> traits = []>
    : XF_Op<mnemonic, traits # [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let extraClassDeclaration = [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange lhs,
                                        ::mlir::TypeRange rhs);
  }];
}

#endif // XF_DIALECT_TD
