//===- XFDialect.cpp - The xf dialect -------------------------------------===//

#include "dialects/xf/XFDialect.h"
#include "dialects/xf/XFOps.h"

using namespace mlir;
using namespace mlir::xf;

#include "dialects/xf/XFDialect.cpp.inc"

void XFDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/xf/XFOps.cpp.inc"
      >();
}

Operation *XFDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}
