//===- Runtime.cpp - The xfc runtime --------------------------------------===//

#include "runtime/Runtime.h"
#include "runtime/ArtifactFormat.h"
#include "runtime/Json.h"
#include "runtime/ManifestSchema.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

// From LLVM's OpenMP runtime (libomp), which runs the generated parallel
// loops.
extern "C" void omp_set_num_threads(int);

using namespace xf::runtime;
namespace json = xf::json;
namespace artifact = xf::artifact;

//===----------------------------------------------------------------------===//
// DType and Tensor
//===----------------------------------------------------------------------===//

namespace {
struct DTypeInfo {
  DType dtype;
  const char *name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::F32, "float32", 4}, {DType::F64, "float64", 8},
    {DType::F16, "float16", 2}, {DType::BF16, "bfloat16", 2},
    {DType::I8, "int8", 1},     {DType::I16, "int16", 2},
    {DType::I32, "int32", 4},   {DType::I64, "int64", 8},
    {DType::U8, "uint8", 1},    {DType::U16, "uint16", 2},
    {DType::U32, "uint32", 4},  {DType::U64, "uint64", 8},
    {DType::Bool, "bool", 1}};
} // namespace

size_t xf::runtime::getDTypeSize(DType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.size;
  return 0;
}

const char *xf::runtime::getDTypeName(DType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.name;
  return "unknown";
}

std::optional<DType> xf::runtime::parseDType(const std::string &name) {
  for (const DTypeInfo &info : kDTypes)
    if (name == info.name)
      return info.dtype;
  return std::nullopt;
}

int64_t Tensor::getNumElements() const {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

Tensor Tensor::allocate(DType dtype, std::vector<int64_t> shape) {
  Tensor tensor;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  size_t bytes = std::max<size_t>(tensor.getByteSize(), 1);
  tensor.data = std::calloc(1, bytes);
  tensor.owner = std::shared_ptr<void>(tensor.data, std::free);
  return tensor;
}

Tensor Tensor::borrow(DType dtype, std::vector<int64_t> shape, void *data) {
  Tensor tensor;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  tensor.data = data;
  return tensor;
}

Tensor Tensor::adopt(DType dtype, std::vector<int64_t> shape, void *data,
                     void (*deleter)(void *)) {
  Tensor tensor = borrow(dtype, std::move(shape), data);
  tensor.owner = std::shared_ptr<void>(data, deleter);
  return tensor;
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

struct Model::Impl {
  void *mapping = nullptr;
  size_t mappingSize = 0;
  int codeFd = -1;
  void *library = nullptr;
  void (*entry)(void **) = nullptr;
  const char *weights = nullptr;
  uint64_t weightsSize = 0;
  bool hasWeightsArgument = false;

  ~Impl() {
    if (library)
      dlclose(library);
    if (codeFd >= 0)
      close(codeFd);
    if (mapping)
      munmap(mapping, mappingSize);
  }
};

Model::~Model() = default;

static bool cpuSupports(const std::string &feature) {
  __builtin_cpu_init();
#define XF_CHECK(name)                                                         \
  if (feature == name)                                                         \
    return __builtin_cpu_supports(name);
  XF_CHECK("sse4.2")
  XF_CHECK("avx")
  XF_CHECK("avx2")
  XF_CHECK("fma")
  XF_CHECK("f16c")
  XF_CHECK("avx512f")
  XF_CHECK("avx512bw")
  XF_CHECK("avx512dq")
  XF_CHECK("avx512vl")
  XF_CHECK("avx512vnni")
  XF_CHECK("avxvnni")
  XF_CHECK("bmi2")
#undef XF_CHECK
  return false;
}

static bool parseSpecs(const json::Value *list, std::vector<TensorSpec> &specs,
                       std::string &error) {
  if (!list || list->kind != json::Value::Kind::Array) {
    error = "the manifest has no input or output list";
    return false;
  }
  for (const json::Value &entry : list->array) {
    TensorSpec spec;
    auto name = entry.getString("name");
    auto dtype = entry.getString("dtype");
    const auto *shape = entry.getArray("shape");
    // validateManifest checked the entry's form.
    if (!name || !dtype || !shape || !parseDType(*dtype)) {
      error = "invalid manifest: a malformed tensor entry";
      return false;
    }
    spec.name = *name;
    spec.dtype = *parseDType(*dtype);
    const auto *dimNames = entry.getArray("dim_names");
    for (size_t i = 0; i < shape->size(); ++i) {
      spec.shape.push_back(static_cast<int64_t>((*shape)[i].number));
      std::string dimName;
      if (dimNames && i < dimNames->size() &&
          (*dimNames)[i].kind == json::Value::Kind::String)
        dimName = (*dimNames)[i].string;
      spec.dimNames.push_back(dimName);
    }
    if (const auto *range = entry.getArray("value_range");
        range && range->size() == 2)
      spec.valueRange = {static_cast<int64_t>((*range)[0].number),
                         static_cast<int64_t>((*range)[1].number)};
    specs.push_back(std::move(spec));
  }
  return true;
}

/// Generated code allocates its intermediate tensors with malloc and frees
/// them as soon as they are dead, many megabytes per run. With glibc's
/// defaults the large ones are mmapped and unmapped, or trimmed off the top
/// of the heap, every time, and every run faults their pages in again (a
/// third of a BERT encoder's run time went to the kernel). Keep freed memory
/// in the heap instead: chunks below the largest mmap threshold glibc allows
/// come from the heap, and the heap is trimmed only past 1 GiB. Done once,
/// unless XF_KEEP_MALLOC_SETTINGS is set (for hosts that tune malloc
/// themselves); docs/runtime.md says so.
static void keepFreedMemoryForReuse() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("XF_KEEP_MALLOC_SETTINGS"))
      return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
}

std::unique_ptr<Model> Model::load(const std::string &path,
                                   std::string &error) {
  keepFreedMemoryForReuse();
  std::unique_ptr<Model> model(new Model());
  model->impl = std::make_unique<Impl>();
  Impl &impl = *model->impl;
  auto fail = [&](const std::string &message) {
    error = "'" + path + "': " + message;
    return nullptr;
  };

  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(std::string("cannot open: ") + std::strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return fail("not a regular file");
  }
  size_t size = info.st_size;
  if (size < sizeof(artifact::Header)) {
    close(fd);
    return fail("not an xfc artifact (too small for its header)");
  }
  void *mapping = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (mapping == MAP_FAILED)
    return fail(std::string("cannot map: ") + std::strerror(errno));
  impl.mapping = mapping;
  impl.mappingSize = size;
  const char *base = static_cast<const char *>(mapping);

  artifact::Header header;
  std::memcpy(&header, base, sizeof(header));
  if (std::memcmp(header.magic, artifact::kMagic, sizeof(header.magic)) != 0)
    return fail("not an xfc artifact (bad magic number)");
  if (header.version != artifact::kFormatVersion)
    return fail("artifact format version " + std::to_string(header.version) +
                " is not supported (this runtime reads version " +
                std::to_string(artifact::kFormatVersion) + ")");
  // No flag is defined yet: one set is a newer format or a damaged header.
  if (header.flags != 0)
    return fail("unknown artifact flags " + std::to_string(header.flags) +
                " (this runtime knows none)");
  auto fits = [&](uint64_t offset, uint64_t length) {
    return offset <= size && length <= size - offset;
  };
  if (!fits(header.manifestOffset, header.manifestSize) ||
      !fits(header.codeOffset, header.codeSize) ||
      !fits(header.weightsOffset, header.weightsSize))
    return fail("truncated artifact: its sections extend past the end of "
                "the file (" + std::to_string(size) + " bytes)");

  // The sections follow the header in order, the bytes between them are
  // zeros (alignment) and nothing follows the weights: the checksums cover
  // every other byte, so no byte of the file can change unnoticed.
  if (header.manifestOffset != sizeof(header) ||
      header.codeOffset < header.manifestOffset + header.manifestSize ||
      header.weightsOffset < header.codeOffset + header.codeSize ||
      header.weightsOffset + header.weightsSize != size)
    return fail("corrupted artifact: its sections do not tile the file (" +
                std::to_string(size) + " bytes)");
  auto allZero = [&](uint64_t from, uint64_t to) {
    return std::all_of(base + from, base + to, [](char c) { return c == 0; });
  };
  if (!allZero(header.manifestOffset + header.manifestSize, header.codeOffset) ||
      !allZero(header.codeOffset + header.codeSize, header.weightsOffset))
    return fail("corrupted artifact: the padding between its sections is "
                "not zeros");

  model->manifest.assign(base + header.manifestOffset, header.manifestSize);
  std::string jsonError;
  auto manifest = json::parse(model->manifest, jsonError);
  if (!manifest)
    return fail("corrupted manifest: " + jsonError);
  if (!validateManifest(*manifest, header.version, error))
    return fail(error);
  // Every section against its checksum (the schema checked their form).
  uint64_t manifestChecksum;
  if (!artifact::hashManifest(model->manifest, manifestChecksum) ||
      *manifest->getString("manifest_checksum") !=
          artifact::formatChecksum(manifestChecksum))
    return fail("corrupted artifact: the manifest checksum does not match");
  if (*manifest->getString("code_checksum") !=
      artifact::formatChecksum(artifact::hashSection(base + header.codeOffset,
                                                     header.codeSize)))
    return fail("corrupted artifact: the code checksum does not match");
  if (*manifest->getInt("abi_version") != artifact::kAbiVersion)
    return fail("the code's calling convention is version " +
                std::to_string(*manifest->getInt("abi_version")) +
                ", this runtime's is " +
                std::to_string(artifact::kAbiVersion) + " (recompile it)");
  auto weightsSize = manifest->getInt("weights_size");
  if (static_cast<uint64_t>(*weightsSize) != header.weightsSize)
    return fail("corrupted artifact: the weights section is " +
                std::to_string(header.weightsSize) + " bytes, the manifest "
                "says " + std::to_string(*weightsSize));
  // Hashing the weights reads all of them (a few GB/s); hosts that trust
  // their storage can skip it (docs/runtime.md).
  const char *skip = std::getenv("XF_SKIP_WEIGHTS_CHECKSUM");
  if ((!skip || !*skip || std::string(skip) == "0") &&
      *manifest->getString("weights_checksum") !=
          artifact::formatChecksum(artifact::hashSection(
              base + header.weightsOffset, header.weightsSize)))
    return fail("corrupted artifact: the weights checksum does not match");
  if (!parseSpecs(manifest->get("inputs"), model->inputs, error) ||
      !parseSpecs(manifest->get("outputs"), model->outputs, error))
    return fail(error);
  if (const json::Value *bounds = manifest->get("dim_bounds");
      bounds && bounds->kind == json::Value::Kind::Object)
    for (const auto &[name, value] : bounds->object)
      model->dimBounds[name] = static_cast<int64_t>(value.number);
  if (const auto *sites = manifest->getArray("checks"))
    for (const json::Value &site : *sites)
      model->checkSites.push_back(site.string);
  if (const json::Value *origins = manifest->get("dim_bound_origins");
      origins && origins->kind == json::Value::Kind::Object)
    for (const auto &[name, value] : origins->object)
      model->dimBoundOrigins[name] = value.string;
  if (const auto *features = manifest->getArray("required_cpu_features")) {
    std::string missing;
    for (const json::Value &feature : *features)
      if (!cpuSupports(feature.string))
        missing += " " + feature.string;
    if (!missing.empty())
      return fail("compiled for a CPU with features this one lacks:" +
                  missing + " (recompile with --cpu=...)");
  }
  // Code instrumented by xfc --sanitize=address calls ASan's runtime, which
  // only a process built with ASan has.
  if (const json::Value *options = manifest->get("options");
      options && options->kind == json::Value::Kind::Object)
    if (std::optional<std::string> sanitizer = options->getString("sanitize");
        sanitizer && *sanitizer == "address" &&
        !dlsym(RTLD_DEFAULT, "__asan_init"))
      return fail("compiled with --sanitize=address: it runs only in a "
                  "process built with AddressSanitizer (the sanitizer "
                  "build's xf-run, scripts/sanitize.sh)");
  const json::Value *weightsArg = manifest->get("weights_argument");
  impl.hasWeightsArgument = weightsArg && weightsArg->boolean;
  impl.weights = base + header.weightsOffset;
  impl.weightsSize = *weightsSize;

  // Generated code calls functions the runtime defines (memrefCopy); make
  // them visible to it even when the runtime itself was loaded locally (as
  // Python's ctypes does).
  {
    Dl_info self;
    if (dladdr(reinterpret_cast<void *>(&cpuSupports), &self) &&
        self.dli_fname)
      dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  }

  // The code is loaded from memory: an anonymous file, not a temporary path.
  impl.codeFd = memfd_create("xfm-code", MFD_CLOEXEC);
  if (impl.codeFd < 0)
    return fail(std::string("cannot create the code file: ") +
                std::strerror(errno));
  size_t written = 0;
  while (written < header.codeSize) {
    ssize_t n = write(impl.codeFd, base + header.codeOffset + written,
                      header.codeSize - written);
    if (n <= 0)
      return fail("cannot write the code file");
    written += n;
  }
  std::string codePath = "/proc/self/fd/" + std::to_string(impl.codeFd);
  impl.library = dlopen(codePath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!impl.library)
    return fail(std::string("cannot load the code: ") + dlerror());
  impl.entry = reinterpret_cast<void (*)(void **)>(
      dlsym(impl.library, artifact::kEntrySymbol));
  if (!impl.entry)
    return fail("the code has no entry point");
  return model;
}

//===----------------------------------------------------------------------===//
// Validation and running
//===----------------------------------------------------------------------===//

template <typename T>
static bool checkRange(const void *data, int64_t count, int64_t lo, int64_t hi,
                       int64_t &bad) {
  const T *values = static_cast<const T *>(data);
  for (int64_t i = 0; i < count; ++i) {
    int64_t v = static_cast<int64_t>(values[i]);
    if (v < lo || v >= hi) {
      bad = v;
      return false;
    }
  }
  return true;
}

static std::string formatShape(const std::vector<int64_t> &shape,
                               const std::vector<std::string> *names = nullptr) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    if (shape[i] < 0)
      text += names && !(*names)[i].empty() ? (*names)[i] : "?";
    else
      text += std::to_string(shape[i]);
  }
  return text + "]";
}

bool Model::validate(const std::vector<Tensor> &given,
                     std::string &error) const {
  if (given.size() != inputs.size()) {
    error = "the model takes " + std::to_string(inputs.size()) +
            " inputs, got " + std::to_string(given.size());
    return false;
  }
  std::map<std::string, std::pair<int64_t, std::string>> bound;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec &spec = inputs[i];
    const Tensor &tensor = given[i];
    std::string what = "input '" + spec.name + "'";
    if (tensor.getDType() != spec.dtype) {
      error = what + " must be " + getDTypeName(spec.dtype) + ", got " +
              getDTypeName(tensor.getDType());
      return false;
    }
    const std::vector<int64_t> &shape = tensor.getShape();
    if (shape.size() != spec.shape.size()) {
      error = what + " must have rank " + std::to_string(spec.shape.size()) +
              " " + formatShape(spec.shape, &spec.dimNames) + ", got shape " +
              formatShape(shape);
      return false;
    }
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] < 0) {
        error = what + " has a negative dimension";
        return false;
      }
      if (spec.shape[d] >= 0 && shape[d] != spec.shape[d]) {
        error = what + " must have shape " +
                formatShape(spec.shape, &spec.dimNames) + ", got " +
                formatShape(shape);
        return false;
      }
      const std::string &name = spec.dimNames[d];
      if (spec.shape[d] >= 0 || name.empty())
        continue;
      auto limit = dimBounds.find(name);
      if (limit != dimBounds.end() && shape[d] > limit->second) {
        error = what + ": dimension '" + name + "' is " +
                std::to_string(shape[d]) + ", more than the model's bound " +
                std::to_string(limit->second);
        if (auto origin = dimBoundOrigins.find(name);
            origin != dimBoundOrigins.end())
          error += " (" + origin->second + ")";
        return false;
      }
      auto [it, inserted] = bound.try_emplace(name, shape[d], spec.name);
      if (!inserted && it->second.first != shape[d]) {
        error = what + ": dimension '" + name + "' is " +
                std::to_string(shape[d]) + " but input '" + it->second.second +
                "' gives it " + std::to_string(it->second.first);
        return false;
      }
    }
    if (spec.valueRange && tensor.getNumElements() > 0) {
      auto [lo, hi] = *spec.valueRange;
      int64_t bad = 0;
      bool ok = true;
      switch (spec.dtype) {
      case DType::I64:
        ok = checkRange<int64_t>(tensor.getData(), tensor.getNumElements(), lo,
                                 hi, bad);
        break;
      case DType::I32:
        ok = checkRange<int32_t>(tensor.getData(), tensor.getNumElements(), lo,
                                 hi, bad);
        break;
      default:
        break;
      }
      if (!ok) {
        error = what + " holds " + std::to_string(bad) +
                ", outside the valid range [" + std::to_string(lo) + ", " +
                std::to_string(hi) + ")";
        return false;
      }
    }
  }
  return true;
}

bool Model::run(const std::map<std::string, Tensor> &named,
                std::vector<Tensor> &results, std::string &error) const {
  std::vector<Tensor> ordered;
  for (const TensorSpec &spec : inputs) {
    auto it = named.find(spec.name);
    if (it == named.end()) {
      error = "missing input '" + spec.name + "'";
      return false;
    }
    ordered.push_back(it->second);
  }
  for (const auto &[name, tensor] : named) {
    (void)tensor;
    bool known = false;
    for (const TensorSpec &spec : inputs)
      known |= spec.name == name;
    if (!known) {
      error = "the model has no input named '" + name + "'";
      return false;
    }
  }
  return run(ordered, results, error);
}

namespace {
/// A ranked memref descriptor as MLIR's C interface lays it out:
/// {allocated, aligned, offset, sizes[rank], strides[rank]}, 8 bytes each.
struct Descriptor {
  static size_t words(size_t rank) { return 3 + 2 * rank; }

  static void write(int64_t *out, const void *data,
                    const std::vector<int64_t> &shape) {
    size_t rank = shape.size();
    std::memcpy(&out[0], &data, sizeof(void *));
    std::memcpy(&out[1], &data, sizeof(void *));
    out[2] = 0;
    int64_t stride = 1;
    for (size_t i = rank; i-- > 0;) {
      out[3 + i] = shape[i];
      out[3 + rank + i] = stride;
      stride *= shape[i];
    }
  }
};
} // namespace

/// The first failed run-time check of the run in progress on this thread:
/// generated code checks on the calling thread (once per run, outside its
/// parallel loops), records the first failure here and keeps running in
/// bounds.
namespace {
struct CheckFailure {
  bool failed = false;
  int64_t site = 0, first = 0, second = 0;
};
thread_local CheckFailure checkFailure;
} // namespace

extern "C" __attribute__((visibility("default"))) void
xf_rt_check_failed(int64_t site, int64_t first, int64_t second) {
  if (!checkFailure.failed)
    checkFailure = {true, site, first, second};
}

/// A check site's message with its two values in place of {0} and {1}.
static std::string formatCheckMessage(std::string text, int64_t first,
                                      int64_t second) {
  for (auto [placeholder, value] :
       {std::pair<std::string, int64_t>("{0}", first), {"{1}", second}})
    if (size_t at = text.find(placeholder); at != std::string::npos)
      text.replace(at, placeholder.size(), std::to_string(value));
  return text;
}

bool Model::run(const std::vector<Tensor> &given, std::vector<Tensor> &results,
                std::string &error) const {
  if (!validate(given, error))
    return false;
  // Argument descriptors: the weights blob, then each input.
  std::vector<std::vector<int64_t>> descriptors;
  if (impl->hasWeightsArgument) {
    descriptors.emplace_back(Descriptor::words(1));
    Descriptor::write(descriptors.back().data(), impl->weights,
                      {static_cast<int64_t>(impl->weightsSize)});
  }
  for (const Tensor &tensor : given) {
    descriptors.emplace_back(Descriptor::words(tensor.getShape().size()));
    Descriptor::write(descriptors.back().data(), tensor.getData(),
                      tensor.getShape());
  }
  size_t resultWords = 0;
  for (const TensorSpec &spec : outputs)
    resultWords += Descriptor::words(spec.shape.size());
  std::vector<int64_t> resultStorage(resultWords, 0);

  std::vector<void *> args;
  args.push_back(resultStorage.data());
  for (auto &descriptor : descriptors)
    args.push_back(descriptor.data());
  // The thread count is an OpenMP setting of the calling thread, so
  // concurrent runs with different counts do not interfere.
  omp_set_num_threads(numThreads);
  checkFailure = CheckFailure();
  impl->entry(args.data());
  CheckFailure failure = std::exchange(checkFailure, CheckFailure());

  // The generated code allocated every result with malloc and hands over
  // ownership.
  results.clear();
  size_t at = 0;
  std::vector<void *> released;
  for (const TensorSpec &spec : outputs) {
    const int64_t *d = &resultStorage[at];
    size_t rank = spec.shape.size();
    void *allocated, *aligned;
    std::memcpy(&allocated, &d[0], sizeof(void *));
    std::memcpy(&aligned, &d[1], sizeof(void *));
    std::vector<int64_t> shape(d + 3, d + 3 + rank);
    char *data = static_cast<char *>(aligned) + d[2] * getDTypeSize(spec.dtype);
    Tensor tensor = Tensor::allocate(spec.dtype, shape);
    // Results may be strided views; copy them out densely.
    bool contiguous = true;
    int64_t stride = 1;
    for (size_t i = rank; i-- > 0;) {
      if (shape[i] != 1 && d[3 + rank + i] != stride)
        contiguous = false;
      stride *= shape[i];
    }
    if (contiguous) {
      std::memcpy(tensor.getData(), data, tensor.getByteSize());
    } else {
      size_t elem = getDTypeSize(spec.dtype);
      std::vector<int64_t> index(rank, 0);
      for (int64_t n = 0; n < tensor.getNumElements(); ++n) {
        int64_t offset = 0;
        for (size_t i = 0; i < rank; ++i)
          offset += index[i] * d[3 + rank + i];
        std::memcpy(static_cast<char *>(tensor.getData()) + n * elem,
                    data + offset * elem, elem);
        for (size_t i = rank; i-- > 0;) {
          if (++index[i] < shape[i])
            break;
          index[i] = 0;
        }
      }
    }
    // Two results may share one buffer (a model returning one value under
    // two names): release each once, after every result is copied out.
    if (std::find(released.begin(), released.end(), allocated) ==
        released.end())
      released.push_back(allocated);
    results.push_back(std::move(tensor));
    at += Descriptor::words(rank);
  }
  for (void *buffer : released)
    std::free(buffer);
  if (failure.failed) {
    results.clear();
    std::string message =
        failure.site >= 0 &&
                static_cast<size_t>(failure.site) < checkSites.size()
            ? formatCheckMessage(checkSites[failure.site], failure.first,
                                 failure.second)
            : "a run-time check failed";
    error = message + " (computed from the inputs; nothing was returned)";
    return false;
  }
  return true;
}
