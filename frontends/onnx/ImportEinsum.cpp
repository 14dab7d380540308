//===- ImportEinsum.cpp - Einsum as transposes, reductions and a matmul ---===//
//
// Einsum of one or two operands, the forms exporters write (attention
// scores as "bhqd,bhkd->bhqk", rotary tables as "i,j->ij", projections as
// "bsd,dh->bsh"): labels only in one operand and not in the output are
// summed first; the two operands are then transposed to [batch, kept,
// contracted] and [batch, contracted, kept], flattened to one matmul, and
// the product is reshaped and transposed to the output's order.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/NodeImporter.h"

#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::xf;

static int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

namespace {
/// One operand with a label per dimension.
struct Labeled {
  Value value;
  std::string labels;
};
} // namespace

/// Splits `equation` into operand and output labels, expanding "..." to as
/// many fresh labels (digits, right-aligned across operands) as the operand
/// has unlabeled dimensions. Fails with a message in `error`.
static LogicalResult parseEquation(StringRef equation, ArrayRef<Value> operands,
                                   SmallVectorImpl<std::string> &inputs,
                                   std::string &output, std::string &error) {
  std::string compact;
  for (char c : equation)
    if (c != ' ')
      compact.push_back(c);
  StringRef text = compact;
  auto [lhs, rhs] = text.split("->");
  bool explicitOutput = text.contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != operands.size()) {
    error = "the equation has " + std::to_string(terms.size()) +
            " operands, the node " + std::to_string(operands.size());
    return failure();
  }
  int64_t ellipsisRank = 0;
  for (auto [term, operand] : llvm::zip(terms, operands)) {
    size_t letters = llvm::count_if(term, llvm::isAlpha);
    if (term.contains("..."))
      ellipsisRank = std::max<int64_t>(ellipsisRank, rankOf(operand) - letters);
  }
  std::string ellipsis;
  for (int64_t i = 0; i < ellipsisRank; ++i)
    ellipsis.push_back(static_cast<char>('0' + i));
  for (auto [term, operand] : llvm::zip(terms, operands)) {
    std::string labels;
    size_t letters = llvm::count_if(term, llvm::isAlpha);
    for (size_t i = 0; i < term.size(); ++i) {
      if (term.substr(i).starts_with("...")) {
        int64_t own = rankOf(operand) - static_cast<int64_t>(letters);
        if (own < 0 || own > static_cast<int64_t>(ellipsis.size())) {
          error = "term '" + term.str() + "' does not match an operand of rank " +
                  std::to_string(rankOf(operand));
          return failure();
        }
        labels += ellipsis.substr(ellipsis.size() - own);
        i += 2;
      } else if (llvm::isAlpha(term[i])) {
        labels.push_back(term[i]);
      } else {
        error = "unexpected character '" + std::string(1, term[i]) +
                "' in the equation";
        return failure();
      }
    }
    if (static_cast<int64_t>(labels.size()) != rankOf(operand)) {
      error = "term '" + term.str() + "' does not match an operand of rank " +
              std::to_string(rankOf(operand));
      return failure();
    }
    inputs.push_back(labels);
  }
  if (explicitOutput) {
    for (size_t i = 0; i < rhs.size(); ++i) {
      if (rhs.substr(i).starts_with("...")) {
        output += ellipsis;
        i += 2;
      } else {
        output.push_back(rhs[i]);
      }
    }
    return success();
  }
  // Implicit output: the ellipsis, then the labels that occur once, sorted.
  output = ellipsis;
  std::string all = llvm::join(inputs, "");
  std::string once;
  for (char c : all)
    if (llvm::isAlpha(c) && llvm::count(all, c) == 1)
      once.push_back(c);
  llvm::sort(once);
  output += once;
  return success();
}

/// The positions in `from` of the labels of `to`, in `to`'s order.
static SmallVector<int64_t> permutationTo(StringRef from, StringRef to) {
  SmallVector<int64_t> perm;
  for (char c : to)
    perm.push_back(static_cast<int64_t>(from.find(c)));
  return perm;
}

/// `x` with its dimensions reordered from `from` to `to` (no-op when equal).
static Value transposeLabels(Expansion &e, Value x, StringRef from,
                             StringRef to) {
  if (from == to)
    return x;
  return e.create<TransposeOp>(x, permutationTo(from, to));
}

/// Sums the labels of `operand` that no other operand and not the output
/// has.
static void sumPrivateLabels(Expansion &e, Labeled &operand, StringRef other,
                             StringRef output) {
  SmallVector<int64_t> axes;
  std::string kept;
  for (auto [i, c] : llvm::enumerate(operand.labels)) {
    if (!other.contains(c) && !output.contains(c))
      axes.push_back(static_cast<int64_t>(i));
    else
      kept.push_back(c);
  }
  if (axes.empty())
    return;
  operand.value = e.create<ReduceSumOp>(operand.value, axes, false);
  operand.labels = kept;
}

/// The product of dimensions [begin, end) of `x` as a 1-D one-element i64
/// tensor.
static Value dimsProduct(Expansion &e, Value x, int64_t begin, int64_t end) {
  if (begin == end)
    return e.constI64({1});
  return e.create<ReduceProdOp>(e.dims(x, begin, end), ArrayRef<int64_t>{0},
                                true);
}

static LogicalResult importEinsum(NodeImporter &n) {
  SmallVector<Value> operands;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    auto operand = n.requiredInput(i);
    if (failed(operand))
      return failure();
    operands.push_back(*operand);
  }
  if (operands.empty() || operands.size() > 2) {
    n.emitError() << "Einsum of " << operands.size()
                  << " operands is not supported (one or two)";
    return failure();
  }
  SmallVector<std::string> inputs;
  std::string output, error;
  if (failed(parseEquation(n.getString("equation", ""), operands, inputs,
                           output, error))) {
    n.emitError() << "equation '" << n.getString("equation", "")
                  << "': " << error;
    return failure();
  }
  SmallVector<StringRef> terms(inputs.begin(), inputs.end());
  terms.push_back(output);
  for (StringRef labels : terms) {
    for (char c : labels) {
      if (llvm::count(labels, c) != 1) {
        n.emitError() << "equation '" << n.getString("equation", "")
                      << "': a label repeated in one term (a diagonal) is "
                         "not supported";
        return failure();
      }
    }
  }
  std::string allInputs = llvm::join(inputs, "");
  for (char c : output) {
    if (!StringRef(allInputs).contains(c)) {
      n.emitError() << "equation '" << n.getString("equation", "")
                    << "': output label '" << c << "' is in no operand";
      return failure();
    }
  }
  Expansion e(n);
  if (operands.size() == 1) {
    Labeled x{operands[0], inputs[0]};
    sumPrivateLabels(e, x, "", output);
    e.setResult(0, transposeLabels(e, x.value, x.labels, output));
    return e.status();
  }
  Labeled a{operands[0], inputs[0]}, b{operands[1], inputs[1]};
  sumPrivateLabels(e, a, b.labels, output);
  sumPrivateLabels(e, b, a.labels, output);
  if (e.failed())
    return failure();
  std::string batch, aKept, bKept, contracted;
  for (char c : a.labels) {
    bool inB = StringRef(b.labels).contains(c);
    bool inOutput = StringRef(output).contains(c);
    if (inB && inOutput)
      batch.push_back(c);
    else if (inB)
      contracted.push_back(c);
    else
      aKept.push_back(c);
  }
  for (char c : b.labels)
    if (!StringRef(a.labels).contains(c))
      bKept.push_back(c);
  int64_t nb = batch.size(), na = aKept.size(), nk = contracted.size(),
          nn = bKept.size();
  Value lhs = transposeLabels(e, a.value, a.labels, batch + aKept + contracted);
  Value rhs = transposeLabels(e, b.value, b.labels, batch + contracted + bKept);
  if (e.failed())
    return failure();
  // [batch..., rows, inner] x [batch..., inner, cols].
  Value lhsBatch = e.dims(lhs, 0, nb), rhsBatch = e.dims(rhs, 0, nb);
  Value rows = dimsProduct(e, lhs, nb, nb + na);
  Value inner = dimsProduct(e, lhs, nb + na, nb + na + nk);
  Value cols = dimsProduct(e, rhs, nb + nk, nb + nk + nn);
  SmallVector<Value> lhsShape, rhsShape;
  if (nb)
    lhsShape.push_back(lhsBatch), rhsShape.push_back(rhsBatch);
  lhsShape.append({rows, inner});
  rhsShape.append({e.constI64({-1}), cols});
  Value product = e.create<MatMulOp>(e.reshape(lhs, lhsShape),
                                     e.reshape(rhs, rhsShape));
  if (e.failed())
    return failure();
  // [batch..., aKept..., bKept...], the batch dimensions broadcast.
  SmallVector<Value> resultShape;
  if (nb)
    resultShape.push_back(e.dims(product, 0, nb));
  if (na)
    resultShape.push_back(e.dims(lhs, nb, nb + na));
  if (nn)
    resultShape.push_back(e.dims(rhs, nb + nk, nb + nk + nn));
  Value result = resultShape.empty()
                     ? e.reshape(product, {e.constI64({})})
                     : e.reshape(product, resultShape);
  e.setResult(0, transposeLabels(e, result, batch + aKept + bKept, output));
  return e.status();
}

void xf::addEinsumImporter(OpImporterTable &table) {
  table["Einsum"] = {importEinsum, 12};
}
