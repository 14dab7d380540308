//===- Passes.td - xfc passes -------------------------------*- tablegen -*-===//

#ifndef XF_PASSES_TD
#define XF_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

def XFInferShapes : Pass<"xf-infer-shapes", "func::FuncOp"> {
  let summary = "Refine result types of xf ops from their operands";
  let description = [{
    Recomputes the result type of every xf op in program order and keeps the
    more refined of the declared and inferred types, then updates the
    function's result types. Run it after specializing input shapes (or after
    folding turned a shape computation into a constant) so that static
    dimensions reach every op:

    ```mlir
    // Before: the reshape's target shape was folded to a constant.
    %r = xf.reshape %x, %c : (tensor<2x384xf32>, tensor<3xi64>) -> tensor<?x?x32xf32>
    // After:
    %r = xf.reshape %x, %c : (tensor<2x384xf32>, tensor<3xi64>) -> tensor<2x12x32xf32>
    ```

    Ops whose inferred type conflicts with the declared one are left as they
    are; the verifier reports them.
  }];
  let dependentDialects = ["::mlir::xf::XFDialect"];
  let statistics = [
    Statistic<"numRefinedValues", "refined-values",
              "Number of values whose type became more static">
  ];
}

def XFDeriveDimBounds : Pass<"xf-derive-dim-bounds", "func::FuncOp"> {
  let summary = "Bound named dynamic dimensions by the tables indexed with them";
  let description = [{
    A model that reads rows 0 to n - 1 of a table of N rows, where n is a
    named dynamic dimension of its inputs, is only valid for n <= N: a
    position table of 512 rows bounds `sequence` at 512. Two forms are
    recognized:

    - a gather of a table's rows by `range(0, n)` (GPT-2's positions);
    - a table sliced to its first n rows (clamped at N) that meets a
      dimension of size n in broadcasting arithmetic (BERT's position ids
      buffer, GPT-2's causal mask buffer).

    The bounds go to the function's `xf.dim_bounds` attribute, the smallest
    per name, with the node that implies it; xfc writes them to the
    artifact's manifest, so that the runtime refuses longer inputs before
    running anything instead of reading past the table:

    ```mlir
    func.func @main(...) attributes {xf.dim_bounds = {sequence = {bound = 128 : i64,
        origin = "node 'Gather_7' reads row sequence - 1 of a table of 128 rows"}}}
    ```
  }];
  let dependentDialects = ["::mlir::xf::XFDialect"];
}

//===----------------------------------------------------------------------===//
// Fusion
//===----------------------------------------------------------------------===//

def XFFuseLayerNorm : Pass<"xf-fuse-layer-norm", "func::FuncOp"> {
  let summary = "Fuse decomposed layer normalizations into xf.layer_norm";
  let description = [{
    Matches LayerNorm as exporters write it before ONNX opset 17:

    ```mlir
    %mean = xf.reduce_mean %x {axes = array<i64: 2>}
    %d    = xf.sub %x, %mean
    %sq   = xf.pow %d, %two          // or xf.mul %d, %d
    %var  = xf.reduce_mean %sq {axes = array<i64: 2>}
    %std  = xf.sqrt (xf.add %var, %eps)
    %n    = xf.div %d, %std          // or xf.mul %d, (xf.reciprocal %std)
    %y    = xf.add (xf.mul %n, %gamma), %beta
    ```

    and replaces it with `xf.layer_norm %x, %gamma, %beta {axis = 2,
    epsilon = ...}`: one pass over the data instead of nine materialized
    intermediates. The mean and variance must reduce the same trailing axes
    with `keepdims`, and no intermediate may have another user (it would have
    to be computed anyway). A bias add that follows a fused (or imported)
    layer norm without bias is folded into it.

    RMSNorm, as T5 and Llama write it (`1 / sqrt` as Reciprocal, as Div
    from 1, or a Div of x), becomes `xf.rms_norm`:

    ```mlir
    %ms = xf.reduce_mean (xf.pow %x, %two) {axes = array<i64: 2>}
    %y  = xf.mul %gamma, (xf.mul %x, (xf.reciprocal (xf.sqrt (xf.add %ms, %eps))))
    // becomes
    %y = xf.rms_norm %x, %gamma {axis = 2, epsilon = ...}
    ```
  }];
  let dependentDialects = ["::mlir::xf::XFDialect"];
  let statistics = [
    Statistic<"numFused", "fused", "Number of layer norms fused">,
    Statistic<"numRmsFused", "rms-fused", "Number of RMS norms fused">
  ];
}

def XFFuseGelu : Pass<"xf-fuse-gelu", "func::FuncOp"> {
  let summary = "Fuse decomposed GELU activations into xf.gelu";
  let description = [{
    Matches the two ways exporters write GELU, with the factors of the outer
    product in any order or grouping:

    ```mlir
    // erf form: 0.5 * x * (1 + erf(x / sqrt(2)))
    // tanh form: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
    ```

    and replaces each with `xf.gelu %x {approximate = "none" | "tanh"}`.
    Constants are matched within a relative 1e-4 (exporters round sqrt(2)
    differently); intermediates used outside the pattern prevent the fusion.
  }];
  let dependentDialects = ["::mlir::xf::XFDialect"];
  let statistics = [
    Statistic<"numFused", "fused", "Number of GELUs fused">
  ];
}

def XFFuseLinear : Pass<"xf-fuse-linear", "func::FuncOp"> {
  let summary = "Fuse MatMul, bias add and activation into xf.linear, and residual adds into layer norms";
  let description = [{
    Rewrites `add(matmul(x, W), b)` (either operand order) with a 2-D weight
    and a bias vector of its columns into `xf.linear x, W, b`, then folds a
    following `xf.gelu` or `xf.relu` into its `activation`:

    ```mlir
    %0 = xf.matmul %x, %w : (tensor<1x8x384xf32>, tensor<384x1536xf32>) -> tensor<1x8x1536xf32>
    %1 = xf.add %b, %0 : (tensor<1536xf32>, tensor<1x8x1536xf32>) -> tensor<1x8x1536xf32>
    %2 = xf.gelu %1 : tensor<1x8x1536xf32>
    // becomes
    %2 = xf.linear %x, %w, %b {activation = "gelu"} : ...
    ```

    Run it after `xf-fuse-gelu`. A product or a sum used elsewhere is not
    fused: it must be materialized anyway. `x * sigmoid(x)` of a projection
    becomes the `silu` activation, and an activation of a MatMul without
    bias (Llama) a linear layer without bias.

    The residual connection before a LayerNorm (post-norm blocks, BERT) is
    folded into the normalization, when the sum has no other user:

    ```mlir
    %s = xf.add %attention_out, %residual
    %y = xf.layer_norm %s, %gamma, %beta {axis = 2, epsilon = ...}
    // becomes
    %y = xf.skip_layer_norm %attention_out, %residual, %gamma, %beta {axis = 2, epsilon = ...}
    ```
  }];
  let dependentDialects = ["::mlir::xf::XFDialect"];
  let statistics = [
    Statistic<"numFused", "fused", "Number of linear layers formed">,
    Statistic<"numSkipFused", "skip-fused",
              "Number of residual adds folded into layer norms">
  ];
}

def XFMergeProjections : Pass<"xf-merge-projections", "func::FuncOp"> {
  let summary = "One product for the projections of one input";
  let description = [{
    Projections of the same f32 input by constant weights with the same
    activation (`xf.linear`, or `xf.matmul` by a 2-D constant: Q, K and V of
    an attention; the projections of a SwiGLU MLP that share an activation)
    become one `xf.linear` by the weights side by side and the biases end to
    end (zeros for a projection without one), followed by an `xf.split`
    back into the original columns, a slice once lowered. The input is read
    once, by one kernel, instead of once per projection.

    ```mlir
    %q = xf.linear %x, %wq, %bq : (tensor<?x?x384xf32>, tensor<384x384xf32>, tensor<384xf32>) -> tensor<?x?x384xf32>
    %k = xf.linear %x, %wk, %bk : ...
    %v = xf.linear %x, %wv, %bv : ...
    // becomes
    %qkv = xf.linear %x, %wqkv, %bqkv : (tensor<?x?x384xf32>, tensor<384x1152xf32>, tensor<1152xf32>) -> tensor<?x?x1152xf32>
    %q, %k, %v = xf.split %qkv {axis = 2 : i64, split_sizes = array<i64: 384, 384, 384>} : ...
    ```

    Projections in different blocks, by weights that are not constants (or
    not f32 matrices over the input's columns), or with different
    activations are not merged.
  }];
  let statistics = [
    Statistic<"numMerged", "merged", "Number of projections merged">
  ];
}

def XFFuseAttention : Pass<"xf-fuse-attention", "func::FuncOp"> {
  let summary = "Fuse scaled dot-product attention into xf.attention";
  let description = [{
    Matches multi-head attention as torch.onnx, tf2onnx and optimum write it,
    from the head split of the projections to the head merge:

    ```mlir
    %q4 = xf.transpose (xf.reshape %q, [B, S, H, D]) {perm = [0, 2, 1, 3]}
    %kT = xf.transpose (xf.reshape %k, [B, S, H, D]) {perm = [0, 2, 3, 1]}
    %v4 = xf.transpose (xf.reshape %v, [B, S, H, D]) {perm = [0, 2, 1, 3]}
    %s  = xf.matmul %q4, %kT                 // then, in any order:
    %s1 = xf.div %s, %c                      //   a scale (mul or div, or on Q/K)
    %s2 = xf.add %s1, %mask                  //   an additive mask
    %s3 = xf.where %causal, %s2, %lowest     //   a causal mask
    %p  = xf.softmax %s3 {axis = 3}
    %o  = xf.reshape (xf.transpose (xf.matmul %p, %v4) {perm = [0, 2, 1, 3]}), [B, S, H * D]
    // becomes
    %o = xf.attention %q, %k, %v, %mask {num_heads = H, scale = 1/c, mask_kind = "padding"}
    ```

    A `where` is taken as causal only when its condition provably keeps
    keys `j <= i + Sk - Sq`: a constant of that form, or rows `[Sk - Sq,
    Sk)` and columns `[0, Sk)` sliced out of a constant lower-triangular
    buffer (GPT-2's `bias`), with the bounds read from the query and key
    shapes. A mask the same for every query is a `padding` mask. Scores,
    probabilities or head-split copies used outside the pattern prevent the
    fusion: they would have to be materialized anyway.

    With `explain`, every head merge left unfused gets a remark saying why
    (`xfc --explain-attention` prints them): where a learner or a compiler
    developer looks first when a new exporter's attention is not fused.
  }];
  let options = [
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Remark on every head merge that was not fused, with the reason">
  ];
  let dependentDialects = ["::mlir::xf::XFDialect"];
  let statistics = [
    Statistic<"numFused", "fused", "Number of attention blocks fused">,
    Statistic<"numCausal", "causal", "Number of them with a causal mask">
  ];
}

def XFFuseElementwise : Pass<"xf-fuse-elementwise", "func::FuncOp"> {
  let summary = "Fuse chains of elementwise loop nests into one";
  let description = [{
    Runs after `convert-xf-to-linalg`, where every elementwise and broadcast
    op is one `linalg.generic`: fuses each single-use producer into its
    elementwise consumer, so that a chain such as the attention mask's
    `cast`, `sub`, `mul` or a residual `add` becomes one loop nest and no
    intermediate tensor is materialized. Consumers with reduction loops
    (matmuls, reductions) are left alone, since fusing into them would
    recompute the producer for every reduced element, and producers with
    several users are not duplicated.

    ```mlir
    %a = linalg.generic {... parallel ...} ins(%x) { arith.subf } -> tensor<?x384xf32>
    %b = linalg.generic {... parallel ...} ins(%a, %g) { arith.mulf } -> tensor<?x384xf32>
    // becomes one linalg.generic computing subf then mulf
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
  let statistics = [
    Statistic<"numFused", "fused", "Number of loop nests fused away">
  ];
}

def XFPackWeights : Pass<"xf-pack-weights", "func::FuncOp"> {
  let summary = "Pack constant weights into the matrix kernel's column panels";
  let description = [{
    Code preparation on `xf`, before `xf-externalize-weights`: every
    `xf.linear` by a constant f32 K x N weight, and every `xf.matmul` of an
    f32 operand of rank 2 or more by a constant 2-D one (or by a
    `xf.transpose` of one: a language model head tied to the embedding),
    becomes an `xf.packed_linear` by a new constant
    `[ceil(N / P), K, P]`: panel `p` holds columns `p * P ... p * P + P - 1`
    of the weight, row after row, the last panel zero-padded. P is the
    column width of the register block that `xf-matmul-microkernel` picks
    for N columns and `vector-bits` (64 with AVX-512 for N >= 64).

    Each panel is then one contiguous stream for the kernel, which the
    hardware prefetcher follows, and weight loads need no masks. A weight
    shared by several products is packed once; constants and transposes
    left without users are erased, so a transposed weight costs nothing at
    run time.

    ```mlir
    %w = xf.constant dense_resource<fc1> : tensor<384x1536xf32>
    %y = xf.linear %x, %w, %b {activation = "gelu"} : (tensor<1x?x384xf32>, tensor<384x1536xf32>, tensor<1536xf32>) -> tensor<1x?x1536xf32>
    // becomes
    %wp = xf.constant dense_resource<fc1.packed64> : tensor<24x384x64xf32>
    %y = xf.packed_linear %x, %wp, %b {activation = "gelu", columns = 1536 : i64} : ...
    ```
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Width of the target's vector registers in bits (128, 256, 512)">
  ];
  let statistics = [
    Statistic<"numPacked", "products", "Number of products by a packed weight">,
    Statistic<"numBytes", "bytes", "Bytes of weights packed">
  ];
}

def XFMatmulMicroKernel : Pass<"xf-matmul-microkernel", "func::FuncOp"> {
  let summary = "Register-blocked vector kernels for products by a matrix";
  let description = [{
    Runs on buffers, after bufferization: every `linalg.generic` that
    `convert-xf-to-linalg` made of a product by a weight matrix (loops
    (rows..., k, columns), multiply-accumulate, f32) becomes a parallel loop
    over (column panel, row block) whose body keeps a block of MR x NR
    results in vector registers for the whole reduction: per k, NR / VL
    vector loads of the weight row and MR broadcasts of the left operand
    feed MR * NR / VL fused multiply-adds. The result's initial values (the
    bias, or zero) are the accumulators' start. Row blocks shorter than MR
    run as blocks of 8, 4, 2 and 1 rows, the last panel with masked loads
    and stores. When the op just before the product fills the result with a
    scalar or broadcasts a bias vector over its rows, the accumulators start
    from that value and the op is erased. A weight packed by
    `xf-pack-weights` (`(n floordiv P, k, n mod P)`) is read panel by panel,
    never masked.

    ```mlir
    linalg.generic {iterator_types = ["parallel", "reduction", "parallel"]}
        ins(%x, %w : memref<?x384xf32>, memref<384x1536xf32>) outs(%y : memref<?x1536xf32>)
    // becomes
    scf.parallel (%panel, %block) = ... {
      %acc = scf.for %k = ... iter_args(... 24 x vector<16xf32>) {
        %b0 = vector.load %w[%k, %col] : memref<384x1536xf32>, vector<16xf32>
        %a0 = vector.broadcast (memref.load %x[%row, %k]) : f32 to vector<16xf32>
        vector.fma %a0, %b0, %acc00 : vector<16xf32>
        ...
    ```

    `vector-bits` is the target's vector width: 512 (6 x 64 blocks), 256
    (4 x 24) or 128 (4 x 12); `xfc` sets it from the CPU's features.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Width of the target's vector registers in bits (128, 256, 512)">
  ];
  let statistics = [
    Statistic<"numKernels", "kernels", "Number of products lowered to kernels">,
    Statistic<"numFoldedInits", "folded-inits",
              "Number of bias broadcasts and fills folded into the kernels' accumulators">
  ];
}

def XFVectorizeReductions : Pass<"xf-vectorize-reductions", "func::FuncOp"> {
  let summary = "Row reductions with vector accumulators";
  let description = [{
    Runs on buffers, after bufferization: every `linalg.generic` whose
    last loop is its only reduction (row maxima and sums of softmax,
    attention, layer and RMS norms), with f32 operands, a body of
    elementwise arith/math ops and a known combiner (`addf`, `mulf`,
    `maximumf`, `maxnumf`, `minimumf`, `minnumf`) becomes a parallel loop
    over the leading dimensions whose body walks the row VL elements at a
    time in a vector accumulator started at the combiner's identity, the
    last partial step masked, and folds the accumulator into the output:
    sums and products with one `vector.reduction`, minima and maxima in
    halves (16 to 8 to ... 1 lanes; LLVM expands their `vector.reduction`
    lane by lane). Operands that read the reduced dimension must be
    contiguous along it; the others are loaded once per row.

    Lowered as loops instead, such a reduction loads and stores its
    accumulator in memory at every element (LLVM cannot prove that the
    output does not alias the row) and does not vectorize.

    ```mlir
    linalg.generic {iterator_types = ["parallel", "reduction"]}
        ins(%s : memref<?x64xf32>) outs(%max : memref<?xf32>) {
      ^bb0(%x: f32, %m: f32):
        %0 = arith.maximumf %m, %x : f32
        linalg.yield %0 : f32
    }
    // becomes
    scf.parallel (%i) = (%c0) to (%rows) step (%c1) {
      %acc = scf.for %j = %c0 to %c64 step %c16 iter_args(%a = %minus_inf) {
        %x = vector.load %s[%i, %j] : memref<?x64xf32>, vector<16xf32>
        %0 = arith.maximumf %a, %x : vector<16xf32>
        scf.yield %0 : vector<16xf32>
      }
      ... a masked step for what is left of the row ...
      %m = ... maximumf of %acc's lanes, folded in halves, and memref.load %max[%i] ...
      memref.store %m, %max[%i] : memref<?xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Width of the target's vector registers in bits (128, 256, 512)">
  ];
  let statistics = [
    Statistic<"numReductions", "reductions",
              "Number of row reductions vectorized">
  ];
}

def XFSerializeNestedParallel : Pass<"xf-serialize-nested-parallel",
                                     "func::FuncOp"> {
  let summary = "Run parallel loops nested in parallel loops sequentially";
  let description = [{
    Runs after `convert-linalg-to-parallel-loops`, before
    `convert-scf-to-openmp`: only the outer dimensions of the outermost
    parallel loop of a nest are spread over the threads. Its innermost
    dimension, contiguous in memory, becomes an `scf.for` inside (OpenMP
    would collapse every dimension into one index and divide it back into
    coordinates, which LLVM cannot vectorize); so does every parallel loop
    nested in it. An `scf.parallel` inside another one (the
    columns of a matmul, inside its reduction loop; the loops of an
    attention tile) becomes an `scf.for` nest, since a nested OpenMP region
    per iteration of the loops around it would only add forks, and its
    innermost loop is then a plain loop that LLVM vectorizes:

    ```mlir
    scf.parallel (%i) = ... {
      scf.for %k = ... {
        scf.parallel (%j) = ... { ... }
      }
    }
    // becomes
    scf.parallel (%i) = ... {
      scf.for %k = ... {
        scf.for %j = ... { ... }
      }
    }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numSerialized", "serialized",
              "Number of nested parallel loops made sequential">
  ];
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def XFExternalizeWeights : Pass<"xf-externalize-weights", "ModuleOp"> {
  let summary = "Move weights out of the IR into the artifact's weights blob";
  let description = [{
    Gives every weight (an `xf.constant` holding a `dense_resource` blob) an
    aligned byte offset in the weights blob and replaces it with an
    `xf.weight` reference. The module keeps the list of weights and their
    data in its `xf.weights` attribute (data shared, not copied), and the
    blob size in `xf.weights_size`, for the artifact writer. A weight used
    several times is stored once.

    ```mlir
    // Before:
    %w = xf.constant dense_resource<query_weight> : tensor<384x384xf32>
    // After:
    %w = xf.weight "query_weight" at 0 : tensor<384x384xf32>
    ```

    Small constants (`dense` attributes: shapes, scalars) stay in the IR,
    where code generation turns them into immediates.
  }];
  let dependentDialects = ["::mlir::xf::XFDialect"];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "Byte alignment of every weight in the blob (a power of two)">
  ];
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

def ConvertXFToLinalg : Pass<"convert-xf-to-linalg", "ModuleOp"> {
  let summary = "Lower xf ops to linalg, tensor, arith and math";
  let description = [{
    The lowering every backend shares. Elementwise ops, with their
    broadcasting, become one `linalg.generic` each; `xf.matmul` a
    `linalg.generic` over (batch..., m, n, k); reductions, softmax and layer
    norm a few reductions and elementwise generics; layout ops `tensor` ops
    or gathers in `linalg.generic`; `xf.weight` a `memref.view` into the
    weights blob, which becomes the function's first argument
    (`memref<?xi8>`). Unsigned integer tensors become signless, with the
    signedness carried into the arithmetic chosen.

    Dimensions that are dynamic (`?`) are assumed not to broadcast at run
    time (a `?` of size 1 against a larger dimension); the runtime's input
    validation rejects inputs that would need it.

    ```mlir
    %0 = xf.add %x, %b : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    // becomes
    %0 = linalg.generic {indexing_maps = [(d0, d1) -> (d0, d1), (d0, d1) -> (d1), (d0, d1) -> (d0, d1)], ...}
    ```
  }];
  let options = [
    Option<"runTimeChecks", "run-time-checks", "bool", /*default=*/"true",
           "Check at run time what the graph implies about its dynamic "
           "sizes and computed indices (off only to measure their cost: "
           "unchecked code may read out of bounds)">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

#endif // XF_PASSES_TD
