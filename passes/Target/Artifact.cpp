//===- Artifact.cpp - Writing .xfm artifacts ------------------------------===//

#include "passes/Target/Artifact.h"

#include "dialects/xf/XFOps.h"
#include "runtime/ArtifactFormat.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>
#include "llvm/Support/raw_ostream.h"

namespace format = ::xf::artifact;
using namespace mlir;
using namespace mlir::xf;

static std::string getDTypeName(Type elementType) {
  if (elementType.isF32())
    return "float32";
  if (elementType.isF64())
    return "float64";
  if (elementType.isF16())
    return "float16";
  if (elementType.isBF16())
    return "bfloat16";
  if (elementType.isInteger(1))
    return "bool";
  if (auto intType = dyn_cast<IntegerType>(elementType))
    return (intType.isUnsigned() ? "uint" : "int") +
           std::to_string(intType.getWidth());
  return "";
}

static FailureOr<TensorSignature> describe(Type type, DictionaryAttr attrs,
                                           ArrayAttr dimNames, StringRef what,
                                           std::string &error) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  TensorSignature signature;
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("xf.name"))
      signature.name = name.str();
  if (signature.name.empty())
    signature.name = what.str();
  if (!tensorType) {
    error = what.str() + " is not a ranked tensor";
    return failure();
  }
  signature.dtype = getDTypeName(tensorType.getElementType());
  if (signature.dtype.empty()) {
    error = what.str() + " has an element type the runtime cannot pass";
    return failure();
  }
  for (auto [i, dim] : llvm::enumerate(tensorType.getShape())) {
    signature.shape.push_back(ShapedType::isDynamic(dim) ? -1 : dim);
    std::string dimName;
    if (ShapedType::isDynamic(dim) && dimNames && i < dimNames.size())
      if (auto name = dyn_cast<StringAttr>(dimNames[i]))
        dimName = name.str();
    signature.dimNames.push_back(dimName);
  }
  return signature;
}

/// The range of values an input may hold when it indexes tables: the
/// intersection of [-N, N) over every gather (through casts) reading it.
static std::optional<std::pair<int64_t, int64_t>> getIndexRange(Value input) {
  std::optional<std::pair<int64_t, int64_t>> range;
  SmallVector<Value> worklist = {input};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      if (auto cast = dyn_cast<CastOp>(use.getOwner())) {
        if (isa<IntegerType>(cast.getType().getElementType()))
          worklist.push_back(cast.getResult());
        continue;
      }
      auto gather = dyn_cast<GatherOp>(use.getOwner());
      if (!gather || use.getOperandNumber() != 1)
        continue;
      int64_t size = gather.getData().getType().getDimSize(gather.getAxis());
      if (ShapedType::isDynamic(size))
        continue;
      if (!range)
        range = std::make_pair(-size, size);
      else
        range = std::make_pair(std::max(range->first, -size),
                               std::min(range->second, size));
    }
  }
  return range;
}

FailureOr<ModelSignature> mlir::xf::getModelSignature(func::FuncOp func,
                                                std::string &error) {
  ModelSignature signature;
  auto allDimNames = func->getAttrOfType<ArrayAttr>("xf.input_dim_names");
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    ArrayAttr dimNames;
    if (allDimNames && i < allDimNames.size())
      dimNames = dyn_cast<ArrayAttr>(allDimNames[i]);
    auto input = describe(type, func.getArgAttrDict(i), dimNames,
                          "input " + std::to_string(i), error);
    if (failed(input))
      return failure();
    if (!func.isExternal())
      input->valueRange = getIndexRange(func.getArgument(i));
    signature.inputs.push_back(std::move(*input));
  }
  for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
    auto output = describe(type, func.getResultAttrDict(i), ArrayAttr(),
                           "output " + std::to_string(i), error);
    if (failed(output))
      return failure();
    signature.outputs.push_back(std::move(*output));
  }
  if (auto bounds = func->getAttrOfType<DictionaryAttr>("xf.dim_bounds")) {
    for (NamedAttribute entry : bounds) {
      auto info = dyn_cast<DictionaryAttr>(entry.getValue());
      auto value = info ? info.getAs<IntegerAttr>("bound") : IntegerAttr();
      auto origin = info ? info.getAs<StringAttr>("origin") : StringAttr();
      if (!value || !origin) {
        error = "malformed xf.dim_bounds entry '" + entry.getName().str() + "'";
        return failure();
      }
      signature.dimBounds[entry.getName().str()] =
          DimBound{value.getInt(), origin.str()};
    }
  }
  return signature;
}

llvm::json::Array mlir::xf::toJSON(const std::vector<TensorSignature> &tensors) {
  llvm::json::Array array;
  for (const TensorSignature &t : tensors) {
    llvm::json::Object entry{{"name", t.name},
                             {"dtype", t.dtype},
                             {"shape", llvm::json::Array(t.shape)}};
    llvm::json::Array names;
    for (const std::string &name : t.dimNames)
      names.push_back(name);
    entry["dim_names"] = std::move(names);
    if (t.valueRange)
      entry["value_range"] =
          llvm::json::Array{t.valueRange->first, t.valueRange->second};
    array.push_back(std::move(entry));
  }
  return array;
}

static void pad(llvm::raw_ostream &os, uint64_t &position, uint64_t to) {
  for (; position < to; ++position)
    os << '\0';
}

LogicalResult mlir::xf::writeArtifact(StringRef path, llvm::json::Object manifest,
                                StringRef code, ModuleOp module,
                                std::string &error) {
  int64_t weightsSize = 0;
  if (auto size = module->getAttrOfType<IntegerAttr>("xf.weights_size"))
    weightsSize = size.getInt();
  ArrayAttr weights = module->getAttrOfType<ArrayAttr>("xf.weights");

  // Every weight at its offset, zeros between and after: emitted twice,
  // once into the checksum (which the manifest, written first, holds).
  auto emitWeights = [&](auto &&write, auto &&zeros) -> LogicalResult {
    uint64_t position = 0;
    for (Attribute entry : weights ? weights : ArrayAttr()) {
      auto dict = cast<DictionaryAttr>(entry);
      uint64_t offset = dict.getAs<IntegerAttr>("offset").getInt();
      auto value = cast<DenseResourceElementsAttr>(dict.get("value"));
      AsmResourceBlob *blob = value.getRawHandle().getBlob();
      if (!blob) {
        error = "weight '" + dict.getAs<StringAttr>("name").str() +
                "' has no data";
        return failure();
      }
      if (offset < position) {
        error = "weight '" + dict.getAs<StringAttr>("name").str() +
                "' overlaps the one before it";
        return failure();
      }
      zeros(offset - position);
      ArrayRef<char> data = blob->getData();
      write(data.data(), data.size());
      position = offset + data.size();
    }
    if (position > static_cast<uint64_t>(weightsSize)) {
      error = "the weights exceed the weights section";
      return failure();
    }
    zeros(weightsSize - position);
    return success();
  };
  format::SectionHash weightsHash;
  if (failed(emitWeights(
          [&](const char *data, size_t size) { weightsHash.update(data, size); },
          [&](uint64_t size) { weightsHash.zeros(size); })))
    return failure();

  manifest["format_version"] = static_cast<int64_t>(format::kFormatVersion);
  manifest["abi_version"] = format::kAbiVersion;
  manifest["code_checksum"] =
      format::formatChecksum(format::hashSection(code.data(), code.size()));
  manifest["weights_checksum"] = format::formatChecksum(weightsHash.finish());
  manifest["weights_size"] = weightsSize;
  manifest["weights_count"] = weights ? static_cast<int64_t>(weights.size()) : 0;
  // The manifest's own checksum is over its text with these digits zero.
  manifest["manifest_checksum"] = std::string(16, '0');
  std::string manifestText;
  llvm::raw_string_ostream(manifestText)
      << llvm::formatv("{0:2}", llvm::json::Value(std::move(manifest)));
  uint64_t manifestChecksum;
  size_t digits = format::findManifestChecksum(manifestText);
  if (digits == std::string::npos ||
      manifestText.compare(digits, 16, std::string(16, '0')) != 0 ||
      !format::hashManifest(manifestText, manifestChecksum)) {
    error = "cannot checksum the manifest";
    return failure();
  }
  manifestText.replace(digits, 16, format::formatChecksum(manifestChecksum));

  format::Header header = {};
  std::memcpy(header.magic, format::kMagic, sizeof(header.magic));
  header.version = format::kFormatVersion;
  header.manifestOffset = sizeof(format::Header);
  header.manifestSize = manifestText.size();
  header.codeOffset = format::alignTo(
      header.manifestOffset + header.manifestSize, format::kCodeAlignment);
  header.codeSize = code.size();
  header.weightsOffset = format::alignTo(header.codeOffset + header.codeSize,
                                         format::kWeightsAlignment);
  header.weightsSize = weightsSize;

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write '" + path.str() + "': " + ec.message();
    return failure();
  }
  uint64_t position = 0;
  os.write(reinterpret_cast<const char *>(&header), sizeof(header));
  position += sizeof(header);
  os << manifestText;
  position += manifestText.size();
  pad(os, position, header.codeOffset);
  os << code;
  position += code.size();
  pad(os, position, header.weightsOffset);
  if (failed(emitWeights(
          [&](const char *data, size_t size) {
            os.write(data, size);
            position += size;
          },
          [&](uint64_t size) { pad(os, position, position + size); })))
    return failure();
  os.close();
  if (os.has_error()) {
    error = "cannot write '" + path.str() + "': " + os.error().message();
    os.clear_error();
    return failure();
  }
  return success();
}
