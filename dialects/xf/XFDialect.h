//===- XFDialect.h - The xf dialect -----------------------------*- C++ -*-===//

#ifndef XF_DIALECT_XFDIALECT_H
#define XF_DIALECT_XFDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/xf/XFDialect.h.inc"

#endif // XF_DIALECT_XFDIALECT_H
