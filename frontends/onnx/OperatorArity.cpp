//===- OperatorArity.cpp - Input and output counts of ONNX operators ------===//
//
// Read from libonnx's schema registry, whose header needs exceptions: kept
// in a file of its own so that the importer itself builds without them.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/NodeImporter.h"

#include <onnx/defs/schema.h>

using namespace mlir;
using namespace mlir::xf;

std::optional<OperatorArity> xf::getOperatorArity(StringRef opType,
                                                  int64_t opset) {
  // libonnx knows the operators up to its own release's opset; a later
  // opset may have changed an operator's inputs (ReduceMean at 18).
  const auto &lastOpsets =
      onnx::OpSchemaRegistry::DomainToVersionRange::Instance()
          .LastReleaseVersionMap();
  auto last = lastOpsets.find(onnx::ONNX_DOMAIN);
  if (last == lastOpsets.end() || opset > last->second)
    return std::nullopt;
  const onnx::OpSchema *schema =
      onnx::OpSchemaRegistry::Schema(opType.str(), static_cast<int>(opset), "");
  if (!schema)
    return std::nullopt;
  return OperatorArity{schema->min_input(), schema->max_input(),
                       schema->min_output(), schema->max_output()};
}
