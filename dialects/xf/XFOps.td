//===- XFOps.td - Operations of the xf dialect --------------*- tablegen -*-===//

#ifndef XF_OPS_TD
#define XF_OPS_TD

include "dialects/xf/XFDialect.td"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def XF_ConstantOp : XF_Op<"constant", [ConstantLike,
    AllTypesMatch<["value", "output"]>]> {
  let summary = "A constant tensor";
  let description = [{
    Holds a tensor value. Small constants are `dense` attributes; weights are
    `dense_resource` blobs, which are created without copying and printed
    elided when large.

    ```mlir
    %0 = xf.constant dense<[1, 128]> : tensor<2xi64>
    %w = xf.constant dense_resource<layer0_q_weight> : tensor<384x384xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def XF_WeightOp : XF_Op<"weight"> {
  let summary = "A weight stored outside the IR, in the artifact's weights blob";
  let description = [{
    What an `xf.constant` holding a weight becomes after
    `xf-externalize-weights`: a reference by byte offset into the weights
    blob that the artifact carries next to the code. Code generation reads
    the weight from the blob at run time, so neither compile time nor code
    size grows with the parameter count.

    ```mlir
    %w = xf.weight "encoder.layer.0.attention.self.query.weight" at 4096 : tensor<384x384xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, I64Attr:$offset);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = "$name `at` $offset attr-dict `:` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

class XF_UnaryOp<string mnemonic, Type tensorType, list<Trait> traits = []>
    : XF_Op<mnemonic, traits # [SameOperandsAndResultType]> {
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

def XF_NegOp : XF_UnaryOp<"neg", XF_Tensor> {
  let summary = "Elementwise negation";
  let description = "`xf.neg %x : tensor<4xf32>` computes `-x`.";
}
def XF_AbsOp : XF_UnaryOp<"abs", XF_Tensor> {
  let summary = "Elementwise absolute value";
  let description = "`xf.abs %x : tensor<4xf32>` computes `|x|`.";
}
def XF_SqrtOp : XF_UnaryOp<"sqrt", XF_FloatTensor> {
  let summary = "Elementwise square root";
  let description = "`xf.sqrt %x : tensor<4xf32>`.";
}
def XF_ExpOp : XF_UnaryOp<"exp", XF_FloatTensor> {
  let summary = "Elementwise natural exponential";
  let description = "`xf.exp %x : tensor<4xf32>`.";
}
def XF_LogOp : XF_UnaryOp<"log", XF_FloatTensor> {
  let summary = "Elementwise natural logarithm";
  let description = "`xf.log %x : tensor<4xf32>`.";
}
def XF_ErfOp : XF_UnaryOp<"erf", XF_FloatTensor> {
  let summary = "Elementwise Gauss error function";
  let description = "`xf.erf %x : tensor<4xf32>`.";
}
def XF_TanhOp : XF_UnaryOp<"tanh", XF_FloatTensor> {
  let summary = "Elementwise hyperbolic tangent";
  let description = "`xf.tanh %x : tensor<4xf32>`.";
}
def XF_SigmoidOp : XF_UnaryOp<"sigmoid", XF_FloatTensor> {
  let summary = "Elementwise logistic sigmoid";
  let description = "`xf.sigmoid %x : tensor<4xf32>` computes `1 / (1 + exp(-x))`.";
}
def XF_ReciprocalOp : XF_UnaryOp<"reciprocal", XF_FloatTensor> {
  let summary = "Elementwise reciprocal";
  let description = "`xf.reciprocal %x : tensor<4xf32>` computes `1 / x`.";
}
def XF_ReluOp : XF_UnaryOp<"relu", XF_Tensor> {
  let summary = "Elementwise rectified linear unit";
  let description = "`xf.relu %x : tensor<4xf32>` computes `max(x, 0)`.";
}
def XF_SinOp : XF_UnaryOp<"sin", XF_FloatTensor> {
  let summary = "Elementwise sine";
  let description = "`xf.sin %x : tensor<4xf32>`: rotary embeddings' tables.";
}
def XF_CosOp : XF_UnaryOp<"cos", XF_FloatTensor> {
  let summary = "Elementwise cosine";
  let description = "`xf.cos %x : tensor<4xf32>`.";
}
def XF_TanOp : XF_UnaryOp<"tan", XF_FloatTensor> {
  let summary = "Elementwise tangent";
  let description = "`xf.tan %x : tensor<4xf32>`.";
}
def XF_AsinOp : XF_UnaryOp<"asin", XF_FloatTensor> {
  let summary = "Elementwise arcsine";
  let description = "`xf.asin %x : tensor<4xf32>`.";
}
def XF_AcosOp : XF_UnaryOp<"acos", XF_FloatTensor> {
  let summary = "Elementwise arccosine";
  let description = "`xf.acos %x : tensor<4xf32>`.";
}
def XF_AtanOp : XF_UnaryOp<"atan", XF_FloatTensor> {
  let summary = "Elementwise arctangent";
  let description = "`xf.atan %x : tensor<4xf32>`.";
}
def XF_SinhOp : XF_UnaryOp<"sinh", XF_FloatTensor> {
  let summary = "Elementwise hyperbolic sine";
  let description = "`xf.sinh %x : tensor<4xf32>`.";
}
def XF_CoshOp : XF_UnaryOp<"cosh", XF_FloatTensor> {
  let summary = "Elementwise hyperbolic cosine";
  let description = "`xf.cosh %x : tensor<4xf32>`.";
}
def XF_AsinhOp : XF_UnaryOp<"asinh", XF_FloatTensor> {
  let summary = "Elementwise inverse hyperbolic sine";
  let description = "`xf.asinh %x : tensor<4xf32>`.";
}
def XF_AcoshOp : XF_UnaryOp<"acosh", XF_FloatTensor> {
  let summary = "Elementwise inverse hyperbolic cosine";
  let description = "`xf.acosh %x : tensor<4xf32>`.";
}
def XF_AtanhOp : XF_UnaryOp<"atanh", XF_FloatTensor> {
  let summary = "Elementwise inverse hyperbolic tangent";
  let description = "`xf.atanh %x : tensor<4xf32>`.";
}
def XF_CeilOp : XF_UnaryOp<"ceil", XF_FloatTensor> {
  let summary = "Elementwise rounding up";
  let description = "`xf.ceil %x : tensor<4xf32>`.";
}
def XF_FloorOp : XF_UnaryOp<"floor", XF_FloatTensor> {
  let summary = "Elementwise rounding down";
  let description = "`xf.floor %x : tensor<4xf32>`.";
}
def XF_RoundOp : XF_UnaryOp<"round", XF_FloatTensor> {
  let summary = "Elementwise rounding to the nearest, ties to even";
  let description = "`xf.round %x : tensor<4xf32>` (ONNX Round).";
}
def XF_SignOp : XF_UnaryOp<"sign", XF_Tensor> {
  let summary = "Elementwise sign";
  let description = "`xf.sign %x : tensor<4xf32>` is -1, 0 or 1.";
}
def XF_NotOp : XF_UnaryOp<"not", XF_IntOrBoolTensor> {
  let summary = "Elementwise negation of every bit";
  let description = "`xf.not %c : tensor<4xi1>`: logical on i1, bitwise on integers.";
}

def XF_GeluOp : XF_Op<"gelu", [SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `approximate = "none"` computes `0.5 * x * (1 + erf(x / sqrt(2)))`;
    `approximate = "tanh"` computes
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.

    ```mlir
    %y = xf.gelu %x {approximate = "tanh"} : tensor<2x8xf32>
    ```
  }];
  let arguments = (ins XF_FloatTensor:$input,
                       DefaultValuedStrAttr<StrAttr, "none">:$approximate);
  let results = (outs XF_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops with numpy broadcasting
//===----------------------------------------------------------------------===//

class XF_BinaryOp<string mnemonic, Type operandType, Type resultType,
                  list<Trait> traits = []>
    : XF_InferredOp<mnemonic, traits # [SameOperandsElementType]> {
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs resultType:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

class XF_ArithOp<string mnemonic, Type t = XF_Tensor, list<Trait> traits = []>
    : XF_BinaryOp<mnemonic, t, t, traits # [SameOperandsAndResultElementType]>;
class XF_CompareOp<string mnemonic>
    : XF_BinaryOp<mnemonic, XF_Tensor, XF_BoolTensor>;

def XF_AddOp : XF_ArithOp<"add", XF_Tensor, [Commutative]> {
  let summary = "Elementwise addition with broadcasting";
  let description = [{
    ```mlir
    %z = xf.add %x, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
    ```
  }];
}
def XF_SubOp : XF_ArithOp<"sub"> {
  let summary = "Elementwise subtraction with broadcasting";
  let description = "`xf.sub %x, %y` computes `x - y`.";
}
def XF_MulOp : XF_ArithOp<"mul", XF_Tensor, [Commutative]> {
  let summary = "Elementwise multiplication with broadcasting";
  let description = "`xf.mul %x, %y` computes `x * y`.";
}
def XF_DivOp : XF_ArithOp<"div"> {
  let summary = "Elementwise division with broadcasting";
  let description = "`xf.div %x, %y` computes `x / y` (integer division truncates).";
}
def XF_PowOp : XF_ArithOp<"pow"> {
  let summary = "Elementwise power with broadcasting";
  let description = "`xf.pow %x, %y` computes `x ^ y`.";
}
def XF_ModOp : XF_InferredOp<"mod", [SameOperandsAndResultElementType]> {
  let summary = "Elementwise remainder with broadcasting";
  let description = [{
    With `fmod = false` (integers only) the remainder takes the sign of the
    divisor, as Python's `%`; with `fmod = true` it takes the sign of the
    dividend, as C's `fmod`. ONNX Mod.

    ```mlir
    %r = xf.mod %x, %y {fmod = false} : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
    ```
  }];
  let arguments = (ins XF_Tensor:$lhs, XF_Tensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$fmod);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}
def XF_MaxOp : XF_ArithOp<"max", XF_Tensor, [Commutative]> {
  let summary = "Elementwise maximum with broadcasting";
  let description = "`xf.max %x, %y`.";
}
def XF_MinOp : XF_ArithOp<"min", XF_Tensor, [Commutative]> {
  let summary = "Elementwise minimum with broadcasting";
  let description = "`xf.min %x, %y`.";
}
def XF_AndOp : XF_ArithOp<"and", XF_IntOrBoolTensor, [Commutative]> {
  let summary = "Elementwise and with broadcasting";
  let description = "`xf.and %a, %b`: logical on i1, bitwise on integers.";
}
def XF_OrOp : XF_ArithOp<"or", XF_IntOrBoolTensor, [Commutative]> {
  let summary = "Elementwise or with broadcasting";
  let description = "`xf.or %a, %b`: logical on i1, bitwise on integers.";
}
def XF_XorOp : XF_ArithOp<"xor", XF_IntOrBoolTensor, [Commutative]> {
  let summary = "Elementwise exclusive or with broadcasting";
  let description = "`xf.xor %a, %b`: logical on i1, bitwise on integers.";
}
def XF_BitShiftOp : XF_InferredOp<"bit_shift",
    [SameOperandsAndResultElementType]> {
  let summary = "Elementwise bit shift with broadcasting";
  let description = [{
    Shifts each element of `lhs` by the matching element of `rhs` bits, to
    the left or (logically) to the right, as ONNX BitShift does on unsigned
    integers.

    ```mlir
    %r = xf.bit_shift %x, %n {direction = "left"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
    ```
  }];
  let arguments = (ins XF_IntOrBoolTensor:$lhs, XF_IntOrBoolTensor:$rhs,
                       StrAttr:$direction);
  let results = (outs XF_IntOrBoolTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}
def XF_EqualOp : XF_CompareOp<"equal"> {
  let summary = "Elementwise equality with broadcasting";
  let description = "`xf.equal %x, %y` is true where `x == y`.";
}
def XF_LessOp : XF_CompareOp<"less"> {
  let summary = "Elementwise less-than with broadcasting";
  let description = "`xf.less %x, %y` is true where `x < y`.";
}
def XF_LessEqualOp : XF_CompareOp<"less_equal"> {
  let summary = "Elementwise less-or-equal with broadcasting";
  let description = "`xf.less_equal %x, %y` is true where `x <= y`.";
}
def XF_GreaterOp : XF_CompareOp<"greater"> {
  let summary = "Elementwise greater-than with broadcasting";
  let description = "`xf.greater %x, %y` is true where `x > y`.";
}
def XF_GreaterEqualOp : XF_CompareOp<"greater_equal"> {
  let summary = "Elementwise greater-or-equal with broadcasting";
  let description = "`xf.greater_equal %x, %y` is true where `x >= y`.";
}

def XF_WhereOp : XF_InferredOp<"where"> {
  let summary = "Elementwise selection with broadcasting";
  let description = [{
    Picks `x` where `condition` is true and `y` elsewhere; all three operands
    broadcast together.

    ```mlir
    %r = xf.where %c, %x, %y : (tensor<1x1x4x4xi1>, tensor<2x4x4x4xf32>, tensor<f32>) -> tensor<2x4x4x4xf32>
    ```
  }];
  let arguments = (ins XF_BoolTensor:$condition, XF_Tensor:$x, XF_Tensor:$y);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $condition `,` $x `,` $y attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def XF_CastOp : XF_Op<"cast"> {
  let summary = "Elementwise conversion to another element type";
  let description = [{
    Converts each element; floats convert to integers by truncation toward
    zero, any non-zero value converts to `true`.

    ```mlir
    %f = xf.cast %mask : tensor<1x128xi64> to tensor<1x128xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$input);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($output)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra, reductions, normalization
//===----------------------------------------------------------------------===//

def XF_MatMulOp : XF_InferredOp<"matmul", [SameOperandsAndResultElementType]> {
  let summary = "Batched matrix product with broadcasting (numpy matmul)";
  let description = [{
    Multiplies the last two dimensions; leading (batch) dimensions broadcast.
    A 1-D operand is promoted to a matrix and the added dimension removed
    from the result, as in `numpy.matmul` and ONNX MatMul.

    ```mlir
    %y = xf.matmul %x, %w : (tensor<2x128x384xf32>, tensor<384x1536xf32>) -> tensor<2x128x1536xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$lhs, XF_Tensor:$rhs);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def XF_LinearOp : XF_InferredOp<"linear", [SameOperandsElementType]> {
  let summary = "Matrix product with a fused bias and activation";
  let description = [{
    `activation(input x weight + bias)`: `input` has any number of leading
    dimensions and a trailing dimension K, `weight` is K x N, the optional
    `bias` has N elements. `activation` is `none`, `relu`, `gelu` (erf form),
    `gelu_tanh` or `silu` (`x * sigmoid(x)`). What `xf-fuse-linear` makes of
    a MatMul, its bias add and its activation, so that code generation can
    apply the epilogue to the product while it is still in registers.

    ```mlir
    %y = xf.linear %x, %w, %b {activation = "gelu"} : (tensor<1x128x384xf32>, tensor<384x1536xf32>, tensor<1536xf32>) -> tensor<1x128x1536xf32>
    ```
  }];
  let arguments = (ins XF_FloatTensor:$input, XF_FloatTensor:$weight,
                       Optional<XF_FloatTensor>:$bias,
                       DefaultValuedStrAttr<StrAttr, "none">:$activation);
  let results = (outs XF_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def XF_PackedLinearOp : XF_Op<"packed_linear", [SameOperandsElementType]> {
  let summary = "xf.linear by a weight packed into column panels";
  let description = [{
    `activation(input x W + bias)` where the weight is stored in the layout
    the CPU matrix kernel streams: `packed` is `[ceil(N / P), K, P]`, panel
    `p` holding columns `p * P` to `p * P + P - 1` of the K x N weight W row
    after row (the last panel zero-padded), so that the kernel reads each
    panel as one contiguous stream and never masks a weight load.
    `columns` is N. What `xf-pack-weights` makes of an `xf.linear` (or an
    `xf.matmul`) by a constant weight, before code generation; `input`,
    `bias` and `activation` mean what they mean for `xf.linear`.

    ```mlir
    %y = xf.packed_linear %x, %wp, %b {columns = 1536 : i64} : (tensor<1x128x384xf32>, tensor<24x384x64xf32>, tensor<1536xf32>) -> tensor<1x128x1536xf32>
    ```
  }];
  let arguments = (ins XF_FloatTensor:$input, XF_FloatTensor:$packed,
                       Optional<XF_FloatTensor>:$bias, I64Attr:$columns,
                       DefaultValuedStrAttr<StrAttr, "none">:$activation);
  let results = (outs XF_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $packed (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// Columns per panel.
    int64_t getPanelWidth() { return getPacked().getType().getDimSize(2); }
  }];
  let hasVerifier = 1;
}

class XF_ReduceOp<string mnemonic> : XF_InferredOp<mnemonic,
    [SameOperandsAndResultElementType]> {
  let arguments = (ins XF_Tensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
  let description = [{
    Reduces `input` over the (non-negative, sorted, unique) `axes`; reduced
    dimensions are kept with size 1 when `keepdims` is true.

    ```mlir
    %m = xf.}] # mnemonic # [{ %x {axes = array<i64: 2>} : (tensor<1x128x384xf32>) -> tensor<1x128x1xf32>
    ```
  }];
}

def XF_ReduceSumOp : XF_ReduceOp<"reduce_sum"> {
  let summary = "Sum over axes";
}
def XF_ReduceMeanOp : XF_ReduceOp<"reduce_mean"> {
  let summary = "Arithmetic mean over axes";
}
def XF_ReduceMaxOp : XF_ReduceOp<"reduce_max"> {
  let summary = "Maximum over axes";
}
def XF_ReduceMinOp : XF_ReduceOp<"reduce_min"> {
  let summary = "Minimum over axes";
}
def XF_ReduceProdOp : XF_ReduceOp<"reduce_prod"> {
  let summary = "Product over axes";
}

class XF_ArgReduceOp<string mnemonic> : XF_InferredOp<mnemonic> {
  let arguments = (ins XF_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs TensorOf<[I64]>:$output);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def XF_ArgMaxOp : XF_ArgReduceOp<"arg_max"> {
  let summary = "Index of the largest element along an axis";
  let description = [{
    The i64 index along the (non-negative) `axis` of the largest element,
    the first one of equal elements or, with `select_last_index`, the last.
    The axis is kept with size 1 when `keepdims` is true.

    ```mlir
    %i = xf.arg_max %x {axis = 1 : i64, keepdims = false} : (tensor<2x5xf32>) -> tensor<2xi64>
    ```
  }];
}
def XF_ArgMinOp : XF_ArgReduceOp<"arg_min"> {
  let summary = "Index of the smallest element along an axis";
  let description = [{
    As `xf.arg_max`, for the smallest element.
  }];
}

def XF_SoftmaxOp : XF_Op<"softmax", [SameOperandsAndResultType]> {
  let summary = "Softmax along one axis";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along the non-negative `axis`.

    ```mlir
    %p = xf.softmax %s {axis = 3} : tensor<1x12x128x128xf32>
    ```
  }];
  let arguments = (ins XF_FloatTensor:$input, I64Attr:$axis);
  let results = (outs XF_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def XF_LayerNormOp : XF_Op<"layer_norm", [AllTypesMatch<["input", "output"]>,
    AllElementTypesMatch<["input", "scale"]>]> {
  let summary = "Layer normalization over the trailing dimensions";
  let description = [{
    Normalizes `input` over the dimensions from `axis` to the last to zero
    mean and unit variance (with `epsilon` added to the variance), then
    scales and shifts by `scale` and the optional `bias`, which broadcast
    against the normalized dimensions.

    ```mlir
    %y = xf.layer_norm %x, %gamma, %beta {axis = 2, epsilon = 1.0e-12 : f32}
        : tensor<1x128x384xf32>, tensor<384xf32>, tensor<384xf32>
    ```
  }];
  let arguments = (ins XF_FloatTensor:$input, XF_FloatTensor:$scale,
                       Optional<XF_FloatTensor>:$bias, I64Attr:$axis,
                       F32Attr:$epsilon);
  let results = (outs XF_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` type($input) `,` type($scale)
    (`,` type($bias)^)?
  }];
  let hasVerifier = 1;
}

def XF_SkipLayerNormOp : XF_Op<"skip_layer_norm",
    [AllTypesMatch<["input", "skip", "output"]>,
     AllElementTypesMatch<["input", "scale"]>]> {
  let summary = "Layer normalization of a residual sum";
  let description = [{
    `layer_norm(input + skip)`: the residual connection of a post-norm
    transformer block (BERT) and the normalization that follows it, so that
    the sum is never written to memory on its own. `xf-fuse-linear` forms it
    when the sum has no other user.

    ```mlir
    %y = xf.skip_layer_norm %x, %residual, %gamma, %beta {axis = 2, epsilon = 1.0e-12 : f32}
        : tensor<1x128x384xf32>, tensor<384xf32>, tensor<384xf32>
    ```
  }];
  let arguments = (ins XF_FloatTensor:$input, XF_FloatTensor:$skip,
                       XF_FloatTensor:$scale, Optional<XF_FloatTensor>:$bias,
                       I64Attr:$axis, F32Attr:$epsilon);
  let results = (outs XF_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $skip `,` $scale (`,` $bias^)? attr-dict `:` type($input) `,`
    type($scale) (`,` type($bias)^)?
  }];
  let hasVerifier = 1;
}

def XF_RmsNormOp : XF_Op<"rms_norm", [AllTypesMatch<["input", "output"]>,
    AllElementTypesMatch<["input", "scale"]>]> {
  let summary = "Root-mean-square normalization over the trailing dimensions";
  let description = [{
    `input / sqrt(mean(input^2) + epsilon) * scale`, the mean taken over the
    dimensions from `axis` to the last: the normalization of T5 and Llama,
    which neither centers nor shifts.

    ```mlir
    %y = xf.rms_norm %x, %gamma {axis = 2, epsilon = 1.0e-6 : f32}
        : tensor<1x128x512xf32>, tensor<512xf32>
    ```
  }];
  let arguments = (ins XF_FloatTensor:$input, XF_FloatTensor:$scale,
                       I64Attr:$axis, F32Attr:$epsilon);
  let results = (outs XF_FloatTensor:$output);
  let assemblyFormat = "$input `,` $scale attr-dict `:` type($input) `,` type($scale)";
  let hasVerifier = 1;
}

def XF_AttentionOp : XF_InferredOp<"attention"> {
  let summary = "Multi-head scaled dot-product attention";
  let description = [{
    Multi-head attention on the packed `[batch, sequence, heads * head_dim]`
    layout that linear layers produce, so that no head split or merge
    (Reshape, Transpose) is ever materialized. For each head `h`, with
    `Q_h`, `K_h`, `V_h` its columns of `query`, `key` and `value`:

    ```
    output[:, :, h] = softmax(scale * Q_h K_h^T + mask + causal) V_h
    ```

    `query` is `[B, Sq, H * D]`, `key` `[B, Sk, H * D]`, `value`
    `[B, Sk, H * Dv]` and the result `[B, Sq, H * Dv]`. The optional `mask`
    is added to the scores and broadcasts to `[B, H, Sq, Sk]` (rank 4).
    `mask_kind` says what is known of it:
    - `none`: no mask, or an arbitrary additive bias;
    - `padding`: `mask` is the same for every query (`[B|1, H|1, 1, Sk]`),
      as a key padding mask is;
    - `causal`: query `i` sees keys `j <= i + Sk - Sq` (aligned at the end,
      so it holds when cached keys precede the queries); scores of the other
      keys become `causal_fill` (the lowest float without it), as exporters'
      `Where` writes them. An additive `mask` may come on top: added after
      the fill (GPT-2's order: a hidden key's score is the fill plus the
      mask), or before it with `mask_before_causal` (the fill replaces the
      masked score). The order matters only in rows whose every visible key
      the mask hides (left padding), which then weigh the keys as the
      exporter's graph does.

    ```mlir
    %o = xf.attention %q, %k, %v, %m {num_heads = 12, scale = 0.176776695 : f32, mask_kind = "padding"}
        : (tensor<1x128x384xf32>, tensor<1x128x384xf32>, tensor<1x128x384xf32>, tensor<1x1x1x128xf32>) -> tensor<1x128x384xf32>
    ```

    With `num_kv_heads` = G (grouped-query attention, multi-query when
    G = 1), `key` and `value` hold G heads and query head `h` reads key and
    value head `h / (H / G)`: `key` is `[B, Sk, G * D]`, `value`
    `[B, Sk, G * Dv]`, and no head is repeated in memory.

    Code generation computes it a block of queries at a time with an online
    softmax over blocks of keys (flash attention), so that no more than a
    tile of the score matrix exists at once.
  }];
  let arguments = (ins XF_FloatTensor:$query, XF_FloatTensor:$key,
                       XF_FloatTensor:$value,
                       Optional<XF_FloatTensor>:$mask,
                       I64Attr:$num_heads, F32Attr:$scale,
                       DefaultValuedStrAttr<StrAttr, "none">:$mask_kind,
                       OptionalAttr<I64Attr>:$num_kv_heads,
                       OptionalAttr<F32Attr>:$causal_fill,
                       UnitAttr:$mask_before_causal);
  let results = (outs XF_FloatTensor:$output);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`,` $mask^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange lhs,
                                        ::mlir::TypeRange rhs);
    /// Heads of `key` and `value`: num_kv_heads, or num_heads without it.
    int64_t getKeyValueHeads() {
      return getNumKvHeads().value_or(getNumHeads());
    }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Layout and indexing ops
//===----------------------------------------------------------------------===//

def XF_TransposeOp : XF_InferredOp<"transpose",
    [SameOperandsAndResultElementType]> {
  let summary = "Permutation of dimensions";
  let description = [{
    Result dimension `i` is input dimension `perm[i]`.

    ```mlir
    %t = xf.transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x128x12x32xf32>) -> tensor<1x12x128x32xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def XF_ReshapeOp : XF_InferredOp<"reshape", [AllElementTypesMatch<["input", "output"]>]> {
  let summary = "Reshape to the shape held in a 1-D tensor (ONNX semantics)";
  let description = [{
    Takes the target shape as a 1-D `i64` tensor: `-1` stands for the one
    dimension inferred from the element count, and `0` copies the input's
    dimension at the same index unless `allowzero` is set. When the shape is
    not a constant, whatever is known of its values (from `xf.shape_of`,
    `xf.concat`, ...) still refines the result type.

    ```mlir
    %s = xf.constant dense<[0, 0, 12, 32]> : tensor<4xi64>
    %r = xf.reshape %x, %s : (tensor<?x?x384xf32>, tensor<4xi64>) -> tensor<?x?x12x32xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$input, XF_ShapeTensor:$shape,
                       DefaultValuedAttr<BoolAttr, "false">:$allowzero);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $shape attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def XF_UnsqueezeOp : XF_InferredOp<"unsqueeze", [SameOperandsAndResultElementType]> {
  let summary = "Insertion of unit dimensions";
  let description = [{
    Inserts a dimension of size 1 at each of the result positions `axes`.

    ```mlir
    %u = xf.unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<?x?xi64>) -> tensor<?x1x1x?xi64>
    ```
  }];
  let arguments = (ins XF_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def XF_SqueezeOp : XF_InferredOp<"squeeze", [SameOperandsAndResultElementType]> {
  let summary = "Removal of unit dimensions";
  let description = [{
    Removes the input dimensions `axes`, each of which must have size 1.

    ```mlir
    %s = xf.squeeze %x {axes = array<i64: 0>} : (tensor<1x384xf32>) -> tensor<384xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def XF_ConcatOp : XF_InferredOp<"concat", [SameOperandsAndResultElementType]> {
  let summary = "Concatenation along one axis";
  let description = [{
    ```mlir
    %c = xf.concat %a, %b {axis = 0} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
    ```
  }];
  let arguments = (ins Variadic<XF_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def XF_SliceOp : XF_InferredOp<"slice", [AllElementTypesMatch<["input", "output"]>]> {
  let summary = "Strided slice (ONNX semantics)";
  let description = [{
    For each `axes[i]`, keeps the elements from `starts[i]` up to (not
    including) `ends[i]` with stride `steps[i]`. Negative starts and ends
    count from the end; out-of-range values are clamped, as in ONNX Slice.

    ```mlir
    %s = xf.slice %x, %starts, %ends, %axes, %steps : (tensor<1x512xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x128xi64>
    ```
  }];
  let arguments = (ins XF_Tensor:$input, XF_ShapeTensor:$starts,
                       XF_ShapeTensor:$ends, XF_ShapeTensor:$axes,
                       XF_ShapeTensor:$steps);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $starts `,` $ends `,` $axes `,` $steps attr-dict `:`
    functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def XF_GatherOp : XF_InferredOp<"gather", [AllElementTypesMatch<["data", "output"]>]> {
  let summary = "Gathering of slices along one axis";
  let description = [{
    Picks the slices of `data` along `axis` at `indices` (negative indices
    count from the end); the result shape is
    `data.shape[:axis] + indices.shape + data.shape[axis+1:]`.

    ```mlir
    %e = xf.gather %table, %ids {axis = 0} : (tensor<30522x384xf32>, tensor<?x?xi64>) -> tensor<?x?x384xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$data, XF_IndexTensor:$indices, I64Attr:$axis);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def XF_ExpandOp : XF_InferredOp<"expand", [AllElementTypesMatch<["input", "output"]>]> {
  let summary = "Broadcast to a shape held in a 1-D tensor";
  let description = [{
    Broadcasts `input` against `shape` with numpy rules (ONNX Expand).

    ```mlir
    %e = xf.expand %m, %s : (tensor<1x1x1x?xf32>, tensor<4xi64>) -> tensor<?x1x?x?xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$input, XF_ShapeTensor:$shape);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $shape attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def XF_TileOp : XF_InferredOp<"tile", [AllElementTypesMatch<["input", "output"]>]> {
  let summary = "Repetition of a tensor along each dimension";
  let description = [{
    ```mlir
    %t = xf.tile %x, %r : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$input, XF_ShapeTensor:$repeats);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $repeats attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def XF_SplitOp : XF_Op<"split", [SameOperandsAndResultElementType]> {
  let summary = "Split into pieces along one axis";
  let description = [{
    Splits `input` along `axis` into pieces of the sizes `split_sizes`
    (which add up to the dimension), or into equal pieces when
    `split_sizes` is absent.

    ```mlir
    %q, %k, %v = xf.split %qkv {axis = 2, split_sizes = array<i64: 128, 128, 128>} : tensor<1x8x384xf32> -> tensor<1x8x128xf32>, tensor<1x8x128xf32>, tensor<1x8x128xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$input, I64Attr:$axis,
                       OptionalAttr<DenseI64ArrayAttr>:$split_sizes);
  let results = (outs Variadic<XF_Tensor>:$outputs);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($outputs)";
  let hasVerifier = 1;
}

def XF_CumSumOp : XF_Op<"cumsum", [SameOperandsAndResultType]> {
  let summary = "Running sum along one axis";
  let description = [{
    `output[..., i, ...] = sum(input[..., j, ...] for j <= i)` along `axis`;
    `exclusive` leaves out element i itself, `reverse` sums from the end.
    ONNX CumSum; exporters build position ids from an attention mask with it.

    ```mlir
    %p = xf.cumsum %mask {axis = 1 : i64} : tensor<?x?xi64>
    ```
  }];
  let arguments = (ins XF_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def XF_TriluOp : XF_Op<"trilu", [AllTypesMatch<["input", "output"]>]> {
  let summary = "Upper or lower triangle of the last two dimensions";
  let description = [{
    Keeps the elements of each matrix (the last two dimensions) on and above
    (`upper`) or on and below the `k`-th diagonal, and zeroes the others:
    element (i, j) is kept when `j - i >= k` (upper) or `j - i <= k`
    (lower). `k` is a 0-D i64 tensor. ONNX Trilu; exporters build causal
    masks with it.

    ```mlir
    %m = xf.trilu %full, %k {upper = true} : tensor<?x?xf32>, tensor<i64>
    ```
  }];
  let arguments = (ins XF_Tensor:$input, 0DTensorOf<[I64]>:$k, BoolAttr:$upper);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = "$input `,` $k attr-dict `:` type($input) `,` type($k)";
  let hasVerifier = 1;
}

def XF_ScatterNDOp : XF_Op<"scatter_nd", [AllTypesMatch<["data", "output"]>]> {
  let summary = "Writes slices of updates at the positions indices give";
  let description = [{
    A copy of `data` where, for every index tuple `indices[i..., :]` (of
    length k, the last dimension of `indices`), the slice
    `data[indices[i..., :], ...]` is replaced by (or, with `reduction`
    `add`, `mul`, `max` or `min`, combined with) `updates[i..., ...]`.
    Negative indices count from the end. ONNX ScatterND.

    ```mlir
    %r = xf.scatter_nd %data, %idx, %upd : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x4xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$data, XF_IndexTensor:$indices,
                       XF_Tensor:$updates,
                       DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def XF_ScatterElementsOp : XF_Op<"scatter_elements",
    [AllTypesMatch<["data", "output"]>]> {
  let summary = "Writes elements of updates at indices along one axis";
  let description = [{
    A copy of `data` where element `p` of `updates` (with `p` an index into
    `indices` and `updates`, which have one shape) goes to `p` with its
    `axis` coordinate replaced by `indices[p]`; `reduction` as for
    `xf.scatter_nd`. ONNX ScatterElements.

    ```mlir
    %r = xf.scatter_elements %data, %idx, %upd {axis = 1 : i64} : (tensor<3x3xf32>, tensor<3x2xi64>, tensor<3x2xf32>) -> tensor<3x3xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$data, XF_IndexTensor:$indices,
                       XF_Tensor:$updates, I64Attr:$axis,
                       DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def XF_GatherElementsOp : XF_InferredOp<"gather_elements",
    [AllElementTypesMatch<["data", "output"]>]> {
  let summary = "Element-wise gathering along one axis";
  let description = [{
    `output[p] = data[p with its axis coordinate replaced by indices[p]]`;
    the result has the shape of `indices`. Negative indices count from the
    end. ONNX GatherElements.

    ```mlir
    %g = xf.gather_elements %x, %idx {axis = 1 : i64} : (tensor<2x8xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins XF_Tensor:$data, XF_IndexTensor:$indices, I64Attr:$axis);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def XF_ConvOp : XF_InferredOp<"conv", [SameOperandsElementType]> {
  let summary = "N-dimensional convolution (1-D and 2-D), channels first";
  let description = [{
    `input` is `[N, C, spatial...]`, `weight` `[F, C / group, kernel...]`,
    the optional `bias` `[F]`; the result is `[N, F, out...]` with
    `out = (in + pad_begin + pad_end - dilation * (kernel - 1) - 1) / stride + 1`.
    `pads` holds the begin paddings of every spatial dimension, then the end
    paddings, as ONNX Conv does. Patch embeddings of vision transformers
    and audio front-ends are such convolutions.

    ```mlir
    %y = xf.conv %x, %w, %b {strides = array<i64: 16, 16>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<?x3x224x224xf32>, tensor<768x3x16x16xf32>, tensor<768xf32>) -> tensor<?x768x14x14xf32>
    ```
  }];
  let arguments = (ins XF_FloatTensor:$input, XF_FloatTensor:$weight,
                       Optional<XF_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, I64Attr:$group);
  let results = (outs XF_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape computations
//===----------------------------------------------------------------------===//

def XF_ShapeOfOp : XF_InferredOp<"shape_of"> {
  let summary = "The shape of a tensor as a 1-D i64 tensor";
  let description = [{
    Folds to a constant when the input shape is static.

    ```mlir
    %s = xf.shape_of %x : (tensor<?x128xf32>) -> tensor<2xi64>
    ```
  }];
  let arguments = (ins XF_Tensor:$input);
  let results = (outs XF_ShapeTensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def XF_ConstantOfShapeOp : XF_InferredOp<"constant_of_shape"> {
  let summary = "A tensor of the given shape filled with one value";
  let description = [{
    ```mlir
    %z = xf.constant_of_shape %s {value = dense<0.0> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins XF_ShapeTensor:$shape, ElementsAttr:$value);
  let results = (outs XF_Tensor:$output);
  let assemblyFormat = "$shape attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def XF_RangeOp : XF_InferredOp<"range", [SameOperandsAndResultElementType]> {
  let summary = "A 1-D sequence from start up to limit by delta";
  let description = [{
    ```mlir
    %r = xf.range %start, %limit, %delta : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
    ```
  }];
  let arguments = (ins XF_ScalarTensor:$start, XF_ScalarTensor:$limit,
                       XF_ScalarTensor:$delta);
  let results = (outs 1DTensorOf<[AnyInteger, AnyFloat]>:$output);
  let assemblyFormat = [{
    $start `,` $limit `,` $delta attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    static bool isCompatibleReturnTypes(::mlir::TypeRange lhs,
                                        ::mlir::TypeRange rhs);
    /// ceil((limit - start) / delta) when the three are constants (NaN or
    /// infinite for degenerate ones, which the importer refuses), else
    /// nullopt.
    static std::optional<double> getConstantLength(::mlir::Value start,
                                                   ::mlir::Value limit,
                                                   ::mlir::Value delta);
  }];
  let hasFolder = 1;
}

#endif // XF_OPS_TD
