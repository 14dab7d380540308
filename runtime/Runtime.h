//===- Runtime.h - The xfc runtime, C++ API ---------------------*- C++ -*-===//
//
// Loads a compiled artifact (.xfm), validates inputs against its signature
// and runs it. A loaded Model is immutable: concurrent run() calls from
// several threads are safe.
//
//   std::string error;
//   auto model = xf::runtime::Model::load("model.xfm", error);
//   std::vector<xf::runtime::Tensor> outputs;
//   if (!model || !model->run({ids, mask}, outputs, error)) ...
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_RUNTIME_H
#define XF_RUNTIME_RUNTIME_H

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xf::runtime {

enum class DType { F32, F64, F16, BF16, I8, I16, I32, I64, U8, U16, U32, U64, Bool };

/// Bytes per element.
size_t getDTypeSize(DType dtype);
/// The name used in manifests and messages ("float32", "int64", ...).
const char *getDTypeName(DType dtype);
std::optional<DType> parseDType(const std::string &name);

/// A dense, row-major tensor. It either owns its data or borrows the
/// caller's.
class Tensor {
public:
  Tensor() = default;
  /// A zero-filled tensor that owns its memory.
  static Tensor allocate(DType dtype, std::vector<int64_t> shape);
  /// A view of memory the caller keeps alive.
  static Tensor borrow(DType dtype, std::vector<int64_t> shape, void *data);
  /// Takes ownership of `data`, released with `deleter`.
  static Tensor adopt(DType dtype, std::vector<int64_t> shape, void *data,
                      void (*deleter)(void *));

  DType getDType() const { return dtype; }
  const std::vector<int64_t> &getShape() const { return shape; }
  void *getData() const { return data; }
  int64_t getNumElements() const;
  size_t getByteSize() const { return getNumElements() * getDTypeSize(dtype); }

private:
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  void *data = nullptr;
  std::shared_ptr<void> owner;
};

/// One input or output of a model. Dynamic dimensions are -1 in `shape`
/// and carry the model's name for them (`batch`, `sequence`).
struct TensorSpec {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<std::string> dimNames;
  /// For integer inputs used as indices (token ids): the allowed values,
  /// [min, max).
  std::optional<std::pair<int64_t, int64_t>> valueRange;
};

class Model {
public:
  ~Model();
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;

  /// Loads and validates an artifact; returns null and sets `error`.
  static std::unique_ptr<Model> load(const std::string &path,
                                     std::string &error);

  const std::vector<TensorSpec> &getInputs() const { return inputs; }
  const std::vector<TensorSpec> &getOutputs() const { return outputs; }
  /// The manifest, as JSON text.
  const std::string &getManifest() const { return manifest; }
  /// Upper bounds of named dynamic dimensions.
  const std::map<std::string, int64_t> &getDimBounds() const {
    return dimBounds;
  }

  /// The number of threads a run may use (1 by default).
  void setNumThreads(int threads) { numThreads = threads < 1 ? 1 : threads; }
  int getNumThreads() const { return numThreads; }

  /// Checks `inputs` (in signature order) against the signature: dtype,
  /// rank, static dimensions, agreement of named dimensions across inputs,
  /// their bounds, and index values.
  bool validate(const std::vector<Tensor> &inputs, std::string &error) const;

  /// Runs the model. `outputs` receives tensors that own their memory.
  bool run(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs,
           std::string &error) const;
  /// Runs with inputs bound by name.
  bool run(const std::map<std::string, Tensor> &inputs,
           std::vector<Tensor> &outputs, std::string &error) const;

private:
  Model() = default;
  struct Impl;
  std::unique_ptr<Impl> impl;
  std::string manifest;
  std::vector<TensorSpec> inputs, outputs;
  std::map<std::string, int64_t> dimBounds;
  /// What implies each bound the compiler derived (for messages).
  std::map<std::string, std::string> dimBoundOrigins;
  /// The message of each run-time check, by site: {0} and {1} stand for
  /// the values the failing check reports.
  std::vector<std::string> checkSites;
  int numThreads = 1;
};

} // namespace xf::runtime

#endif // XF_RUNTIME_RUNTIME_H
