//===- TensorImport.cpp - ONNX tensors to attributes ----------------------===//

#include "frontends/onnx/TensorImport.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cstring>
#include <iterator>

using namespace mlir;
using namespace mlir::xf;

/// Integer tensors up to this many elements (shapes, indices, position ids)
/// become `dense` attributes that folding can evaluate.
static constexpr int64_t kMaxInlineIntElements = 4096;
/// Float tensors up to this many elements (scalars such as epsilon or a
/// scale) become `dense` attributes; larger ones are weights.
static constexpr int64_t kMaxInlineFloatElements = 16;

Type xf::getElementType(MLIRContext *context, int32_t dataType) {
  using onnx::TensorProto_DataType;
  auto signless = [&](unsigned w) { return IntegerType::get(context, w); };
  auto unsignedInt = [&](unsigned w) {
    return IntegerType::get(context, w, IntegerType::Unsigned);
  };
  switch (dataType) {
  case onnx::TensorProto_DataType_FLOAT:
    return Float32Type::get(context);
  case onnx::TensorProto_DataType_DOUBLE:
    return Float64Type::get(context);
  case onnx::TensorProto_DataType_FLOAT16:
    return Float16Type::get(context);
  case onnx::TensorProto_DataType_BFLOAT16:
    return BFloat16Type::get(context);
  case onnx::TensorProto_DataType_BOOL:
    return signless(1);
  case onnx::TensorProto_DataType_INT8:
    return signless(8);
  case onnx::TensorProto_DataType_INT16:
    return signless(16);
  case onnx::TensorProto_DataType_INT32:
    return signless(32);
  case onnx::TensorProto_DataType_INT64:
    return signless(64);
  case onnx::TensorProto_DataType_UINT8:
    return unsignedInt(8);
  case onnx::TensorProto_DataType_UINT16:
    return unsignedInt(16);
  case onnx::TensorProto_DataType_UINT32:
    return unsignedInt(32);
  case onnx::TensorProto_DataType_UINT64:
    return unsignedInt(64);
  default:
    return {};
  }
}

std::string xf::getOnnxDataTypeName(int32_t dataType) {
  if (onnx::TensorProto_DataType_IsValid(dataType))
    return onnx::TensorProto_DataType_Name(
        static_cast<onnx::TensorProto_DataType>(dataType));
  // Types newer than the onnx.proto xfc may be built with (onnx 1.12 stops
  // at 16).
  static constexpr const char *kNewer[] = {
      "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ",
      "UINT4",        "INT4",           "FLOAT4E2M1", "FLOAT8E8M0"};
  if (dataType >= 17 && dataType < 17 + static_cast<int32_t>(std::size(kNewer)))
    return kNewer[dataType - 17];
  return std::to_string(dataType);
}

/// Bytes per element in ONNX's raw layout (booleans take one byte).
static int64_t getByteWidth(Type elementType) {
  return std::max<int64_t>(1, elementType.getIntOrFloatBitWidth() / 8);
}

/// Serializes the typed value fields of `tensor` into its raw layout.
static FailureOr<std::string> packTypedFields(const onnx::TensorProto &tensor,
                                              Type elementType, int64_t count,
                                              std::string &error) {
  int64_t width = getByteWidth(elementType);
  std::string bytes;
  // Nothing is reserved for values the tensor does not hold (a tiny file
  // may declare a huge shape).
  int64_t held;
  switch (tensor.data_type()) {
  case onnx::TensorProto_DataType_FLOAT:
    held = tensor.float_data_size();
    break;
  case onnx::TensorProto_DataType_DOUBLE:
    held = tensor.double_data_size();
    break;
  case onnx::TensorProto_DataType_INT64:
    held = tensor.int64_data_size();
    break;
  case onnx::TensorProto_DataType_UINT32:
  case onnx::TensorProto_DataType_UINT64:
    held = tensor.uint64_data_size();
    break;
  default:
    held = tensor.int32_data_size();
    break;
  }
  bytes.reserve(std::min(count, held) * width);
  auto append = [&](auto value) {
    // Little-endian truncation to the element width (x86-64 and aarch64).
    bytes.append(reinterpret_cast<const char *>(&value), width);
  };
  int64_t found = 0;
  switch (tensor.data_type()) {
  case onnx::TensorProto_DataType_FLOAT:
    found = tensor.float_data_size();
    for (float v : tensor.float_data())
      append(v);
    break;
  case onnx::TensorProto_DataType_DOUBLE:
    found = tensor.double_data_size();
    for (double v : tensor.double_data())
      append(v);
    break;
  case onnx::TensorProto_DataType_INT64:
    found = tensor.int64_data_size();
    for (int64_t v : tensor.int64_data())
      append(v);
    break;
  case onnx::TensorProto_DataType_UINT32:
  case onnx::TensorProto_DataType_UINT64:
    found = tensor.uint64_data_size();
    for (uint64_t v : tensor.uint64_data())
      append(v);
    break;
  default:
    // INT32 and every narrower type (including FLOAT16/BFLOAT16 bit patterns
    // and BOOL) are stored in int32_data.
    found = tensor.int32_data_size();
    for (int32_t v : tensor.int32_data())
      append(static_cast<int64_t>(v));
    break;
  }
  if (found != count) {
    error = "holds " + std::to_string(found) + " values for " +
            std::to_string(count) + " elements";
    return failure();
  }
  return bytes;
}

FailureOr<ArrayRef<char>>
TensorImporter::getExternalData(const onnx::TensorProto &tensor,
                                int64_t expectedBytes,
                                std::shared_ptr<llvm::MemoryBuffer> &owner,
                                std::string &error) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset")
      offset = std::strtoll(entry.value().c_str(), nullptr, 10);
    else if (entry.key() == "length")
      length = std::strtoll(entry.value().c_str(), nullptr, 10);
  }
  if (location.empty()) {
    error = "has external data without a location";
    return failure();
  }
  if (llvm::sys::path::is_absolute(location)) {
    error = "has external data at the absolute path '" + location +
            "'; ONNX requires a path relative to the model";
    return failure();
  }
  // Like onnxruntime: external data stays inside the model's directory.
  for (StringRef component : llvm::make_range(
           llvm::sys::path::begin(location), llvm::sys::path::end(location)))
    if (component == "..") {
      error = "has external data at '" + location +
              "', outside the model's directory";
      return failure();
    }
  SmallString<256> path(llvm::sys::path::parent_path(modelPath));
  llvm::sys::path::append(path, location);
  std::shared_ptr<llvm::MemoryBuffer> &file = externalFiles[path];
  if (!file) {
    // Memory-mapped: weights are read in place, not copied.
    auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer) {
      error = "has external data in '" + std::string(path) +
              "', which cannot be read: " + buffer.getError().message();
      return failure();
    }
    file = std::shared_ptr<llvm::MemoryBuffer>(std::move(*buffer));
  }
  if (length < 0)
    length = expectedBytes;
  int64_t fileSize = file->getBufferSize();
  if (offset < 0 || length != expectedBytes || length > fileSize ||
      offset > fileSize - length) {
    error = "has external data (offset " + std::to_string(offset) +
            ", length " + std::to_string(length) + ") that does not fit '" +
            std::string(path) + "' (" + std::to_string(fileSize) +
            " bytes) or its shape (" + std::to_string(expectedBytes) +
            " bytes)";
    return failure();
  }
  owner = file;
  return ArrayRef<char>(file->getBufferStart() + offset, length);
}

/// A resource name derived from a tensor name: MLIR resource keys are
/// printed bare, so keep them to identifier characters.
static std::string getBlobName(StringRef name) {
  std::string result;
  for (char c : name)
    result.push_back(llvm::isAlnum(c) ? c : '_');
  if (result.empty() || llvm::isDigit(result.front()))
    result.insert(result.begin(), 'w');
  return result;
}

FailureOr<ArrayRef<char>> TensorImporter::getBytes(onnx::TensorProto &tensor,
                                                   RankedTensorType type,
                                                   std::shared_ptr<void> &owner,
                                                   std::string &error) {
  Type elementType = type.getElementType();
  int64_t count = type.getNumElements();
  int64_t expectedBytes = count * getByteWidth(elementType);
  if (tensor.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    std::shared_ptr<llvm::MemoryBuffer> file;
    auto data = getExternalData(tensor, expectedBytes, file, error);
    if (failed(data))
      return failure();
    owner = file;
    return *data;
  }
  std::shared_ptr<std::string> storage;
  if (tensor.has_raw_data()) {
    storage =
        std::make_shared<std::string>(std::move(*tensor.mutable_raw_data()));
    tensor.clear_raw_data();
  } else {
    auto packed = packTypedFields(tensor, elementType, count, error);
    if (failed(packed))
      return failure();
    storage = std::make_shared<std::string>(std::move(*packed));
  }
  if (static_cast<int64_t>(storage->size()) != expectedBytes) {
    error = "holds " + std::to_string(storage->size()) + " bytes for " +
            std::to_string(count) + " elements of " +
            getOnnxDataTypeName(tensor.data_type()) + " (" +
            std::to_string(expectedBytes) + " bytes)";
    return failure();
  }
  owner = storage;
  return ArrayRef<char>(storage->data(), storage->size());
}

/// The shape in `dims`, or an error when a dimension is negative or the
/// element count (of 8-byte elements) would not fit in 64 bits.
static FailureOr<SmallVector<int64_t>>
getStaticShape(const google::protobuf::RepeatedField<int64_t> &dims,
               std::string &error) {
  SmallVector<int64_t> shape;
  constexpr int64_t kMaxElements = int64_t(1) << 59;
  int64_t count = 1;
  bool empty = false;
  for (int64_t dim : dims) {
    if (dim < 0) {
      error = "has a negative dimension";
      return failure();
    }
    if (dim == 0)
      empty = true;
    else if (count > kMaxElements / dim)
      count = kMaxElements + 1;
    else
      count *= dim;
    shape.push_back(dim);
  }
  if (count > kMaxElements) {
    error = empty ? "has dimensions whose product overflows"
                  : "has more elements than memory can hold";
    return failure();
  }
  return shape;
}

ElementsAttr TensorImporter::importTensor(onnx::TensorProto &tensor,
                                          StringRef what, std::string &error) {
  Type elementType = getElementType(context, tensor.data_type());
  if (!elementType) {
    error =
        "has unsupported data type " + getOnnxDataTypeName(tensor.data_type());
    return {};
  }
  auto shape = getStaticShape(tensor.dims(), error);
  if (failed(shape))
    return {};
  auto type = RankedTensorType::get(*shape, elementType);
  std::shared_ptr<void> owner;
  auto data = getBytes(tensor, type, owner, error);
  if (failed(data))
    return {};
  ArrayRef<char> bytes = *data;

  if (elementType.isInteger(1)) {
    SmallVector<bool> values(bytes.begin(), bytes.end());
    for (auto [value, byte] : llvm::zip(values, bytes))
      value = byte != 0;
    return DenseElementsAttr::get(type, values);
  }
  bool isFloat = isa<FloatType>(elementType);
  int64_t count = type.getNumElements();
  if (count <= (isFloat ? kMaxInlineFloatElements : kMaxInlineIntElements))
    return DenseElementsAttr::getFromRawBuffer(type, bytes);

  size_t alignment = getByteWidth(elementType);
  AsmResourceBlob blob =
      reinterpret_cast<uintptr_t>(bytes.data()) % alignment == 0
          ? UnmanagedAsmResourceBlob::allocateWithAlign(
                bytes, alignment,
                [owner = std::move(owner)](void *, size_t, size_t) {})
          : HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignment,
                                                          /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, getBlobName(what),
                                        std::move(blob));
}

ElementsAttr TensorImporter::importSparseTensor(onnx::SparseTensorProto &sparse,
                                                StringRef what,
                                                std::string &error) {
  onnx::TensorProto &values = *sparse.mutable_values();
  onnx::TensorProto &indices = *sparse.mutable_indices();
  Type elementType = getElementType(context, values.data_type());
  if (!elementType || elementType.isInteger(1)) {
    error = "is a sparse tensor of unsupported data type " +
            getOnnxDataTypeName(values.data_type());
    return {};
  }
  auto shape = getStaticShape(sparse.dims(), error);
  if (failed(shape))
    return {};
  if (values.dims_size() != 1 || values.dims(0) < 0) {
    error = "is a sparse tensor whose values are not a 1-D tensor";
    return {};
  }
  if (indices.data_type() != onnx::TensorProto_DataType_INT64) {
    error = "is a sparse tensor whose indices are " +
            getOnnxDataTypeName(indices.data_type()) + ", not INT64";
    return {};
  }
  auto indexShape = getStaticShape(indices.dims(), error);
  if (failed(indexShape))
    return {};
  int64_t width = getByteWidth(elementType);
  auto type = RankedTensorType::get(*shape, elementType);
  int64_t count = type.getNumElements();
  int64_t nnz = values.dims(0);

  // Values and indices are tensors of their own, of any size: read their
  // bytes rather than import them as attributes.
  std::shared_ptr<void> valueOwner, indexOwner;
  auto valueBytes = getBytes(values, RankedTensorType::get({nnz}, elementType),
                             valueOwner, error);
  if (failed(valueBytes))
    return {};
  auto indexBytes = getBytes(
      indices,
      RankedTensorType::get(*indexShape, IntegerType::get(context, 64)),
      indexOwner, error);
  if (failed(indexBytes))
    return {};
  SmallVector<int64_t> flat(indexBytes->size() / sizeof(int64_t));
  std::memcpy(flat.data(), indexBytes->data(), flat.size() * sizeof(int64_t));

  // Indices are either linear [NNZ] or coordinates [NNZ, rank].
  int64_t rank = shape->size();
  SmallVector<int64_t> linear;
  if (*indexShape == ArrayRef<int64_t>{nnz}) {
    linear = flat;
  } else if (*indexShape == ArrayRef<int64_t>{nnz, rank}) {
    for (int64_t n = 0; n < nnz; ++n) {
      int64_t index = 0;
      for (int64_t d = 0; d < rank; ++d) {
        int64_t coord = flat[n * rank + d];
        if (coord < 0 || coord >= (*shape)[d]) {
          error = "is a sparse tensor with an index out of range";
          return {};
        }
        index = index * (*shape)[d] + coord;
      }
      linear.push_back(index);
    }
  } else {
    error = "is a sparse tensor whose indices match neither [NNZ] nor "
            "[NNZ, rank]";
    return {};
  }
  std::string dense(count * width, '\0');
  for (auto [n, index] : llvm::enumerate(linear)) {
    if (index < 0 || index >= count) {
      error = "is a sparse tensor with an index out of range";
      return {};
    }
    const char *src = valueBytes->data() + n * width;
    std::copy(src, src + width, dense.begin() + index * width);
  }
  onnx::TensorProto densified;
  densified.set_data_type(values.data_type());
  for (int64_t d : *shape)
    densified.add_dims(d);
  densified.set_raw_data(std::move(dense));
  return importTensor(densified, what, error);
}
