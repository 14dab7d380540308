//===- ImportActivations.cpp - Activation functions as xf ops -------------===//
//
// The activation functions of ONNX that xf has no op of its own for, each
// expanded into the elementwise xf ops that define it (the formulas of the
// ONNX operator documentation). Fusion sees through them like through any
// elementwise chain.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/NodeImporter.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xf;

namespace {
/// The operand and attributes an activation's formula reads.
struct Activation {
  Expansion &e;
  Value x;
  Value c(double value) { return e.scalarLike(x, value); }
  Value where(Value cond, Value a, Value b) {
    return e.create<WhereOp>(cond, a, b);
  }
  Value mul(Value a, Value b) { return e.create<MulOp>(a, b); }
  Value add(Value a, Value b) { return e.create<AddOp>(a, b); }
  Value sub(Value a, Value b) { return e.create<SubOp>(a, b); }
  Value div(Value a, Value b) { return e.create<DivOp>(a, b); }
  Value exp(Value a) { return e.create<ExpOp>(a); }
  Value less(Value a, Value b) { return e.create<LessOp>(a, b); }
  Value greater(Value a, Value b) { return e.create<GreaterOp>(a, b); }
  /// min(max(a, lo), hi).
  Value clamp(Value a, double lo, double hi) {
    return e.create<MinOp>(e.create<MaxOp>(a, c(lo)), c(hi));
  }
  /// log(1 + exp(a)) as max(a, 0) + log(1 + exp(-|a|)), which neither
  /// overflows for large a nor loses small values.
  Value softplus(Value a) {
    Value tail = e.create<LogOp>(
        add(c(1), exp(e.create<NegOp>(e.create<AbsOp>(a)))));
    return add(e.create<MaxOp>(a, c(0)), tail);
  }
};

using Formula = Value (*)(NodeImporter &, Activation &);
} // namespace

/// Imports a one-input activation given by `formula`.
template <Formula formula>
static LogicalResult importActivation(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  if (!isa<FloatType>(getElementTypeOrSelf(*x))) {
    n.emitError() << "input of type " << x->getType()
                  << " is not supported (only floating-point)";
    return failure();
  }
  Expansion e(n);
  Activation a{e, *x};
  e.setResult(0, formula(n, a));
  return e.status();
}

/// x < 0 ? alpha * (exp(x) - 1) : x.
static Value elu(NodeImporter &n, Activation &a) {
  Value negative = a.mul(a.c(n.getFloat("alpha", 1.0f)),
                         a.sub(a.exp(a.x), a.c(1)));
  return a.where(a.less(a.x, a.c(0)), negative, a.x);
}

/// max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
static Value celu(NodeImporter &n, Activation &a) {
  Value alpha = a.c(n.getFloat("alpha", 1.0f));
  Value curve = a.mul(alpha, a.sub(a.exp(a.div(a.x, alpha)), a.c(1)));
  return a.add(a.e.create<MaxOp>(a.x, a.c(0)),
               a.e.create<MinOp>(curve, a.c(0)));
}

/// gamma * (x <= 0 ? alpha * exp(x) - alpha : x).
static Value selu(NodeImporter &n, Activation &a) {
  Value alpha = a.c(n.getFloat("alpha", 1.67326319217681884765625f));
  Value gamma = a.c(n.getFloat("gamma", 1.05070102214813232421875f));
  Value negative = a.sub(a.mul(alpha, a.exp(a.x)), alpha);
  Value positive = a.greater(a.x, a.c(0));
  return a.mul(gamma, a.where(positive, a.x, negative));
}

/// x < 0 ? alpha * x : x.
static Value leakyRelu(NodeImporter &n, Activation &a) {
  return a.where(a.less(a.x, a.c(0)),
                 a.mul(a.c(n.getFloat("alpha", 0.01f)), a.x), a.x);
}

/// x > alpha ? x : 0.
static Value thresholdedRelu(NodeImporter &n, Activation &a) {
  return a.where(a.greater(a.x, a.c(n.getFloat("alpha", 1.0f))), a.x,
                 a.c(0));
}

/// max(0, min(1, alpha * x + beta)).
static Value hardSigmoid(NodeImporter &n, Activation &a) {
  Value linear = a.add(a.mul(a.c(n.getFloat("alpha", 0.2f)), a.x),
                       a.c(n.getFloat("beta", 0.5f)));
  return a.clamp(linear, 0, 1);
}

/// x * max(0, min(1, x / 6 + 1 / 2)).
static Value hardSwish(NodeImporter &, Activation &a) {
  Value gate = a.add(a.mul(a.c(1.0 / 6.0), a.x), a.c(0.5));
  return a.mul(a.x, a.clamp(gate, 0, 1));
}

static Value softplus(NodeImporter &, Activation &a) {
  return a.softplus(a.x);
}

/// x / (1 + |x|).
static Value softsign(NodeImporter &, Activation &a) {
  return a.div(a.x, a.add(a.c(1), a.e.create<AbsOp>(a.x)));
}

/// x * tanh(softplus(x)).
static Value mish(NodeImporter &, Activation &a) {
  return a.mul(a.x, a.e.create<TanhOp>(a.softplus(a.x)));
}

/// x * sigmoid(alpha * x).
static Value swish(NodeImporter &n, Activation &a) {
  float alpha = n.getFloat("alpha", 1.0f);
  Value scaled = alpha == 1.0f ? a.x : a.mul(a.c(alpha), a.x);
  return a.mul(a.x, a.e.create<SigmoidOp>(scaled));
}

/// x < -lambd ? x + bias : x > lambd ? x - bias : 0.
static Value shrink(NodeImporter &n, Activation &a) {
  float lambd = n.getFloat("lambd", 0.5f), bias = n.getFloat("bias", 0.0f);
  Value high = a.where(a.greater(a.x, a.c(lambd)), a.sub(a.x, a.c(bias)),
                       a.c(0));
  return a.where(a.less(a.x, a.c(-lambd)), a.add(a.x, a.c(bias)), high);
}

/// PRelu: x < 0 ? slope * x : x, the slope broadcast to x.
static LogicalResult importPRelu(NodeImporter &n) {
  auto x = n.requiredInput(0), slope = n.requiredInput(1);
  if (failed(x) || failed(slope))
    return failure();
  Expansion e(n);
  Activation a{e, *x};
  e.setResult(0, a.where(a.less(*x, a.c(0)), a.mul(*slope, *x), *x));
  return e.status();
}

void xf::addActivationImporters(OpImporterTable &table) {
  table["Elu"] = {importActivation<elu>, 1};
  table["Celu"] = {importActivation<celu>, 12};
  table["Selu"] = {importActivation<selu>, 1};
  table["LeakyRelu"] = {importActivation<leakyRelu>, 1};
  table["ThresholdedRelu"] = {importActivation<thresholdedRelu>, 10};
  table["HardSigmoid"] = {importActivation<hardSigmoid>, 1};
  table["HardSwish"] = {importActivation<hardSwish>, 14};
  table["Softplus"] = {importActivation<softplus>, 1};
  table["Softsign"] = {importActivation<softsign>, 1};
  table["Mish"] = {importActivation<mish>, 18};
  table["Swish"] = {importActivation<swish>, 24};
  table["Shrink"] = {importActivation<shrink>, 9};
  table["PRelu"] = {importPRelu, 1};
}
