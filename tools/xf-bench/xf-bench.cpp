//===- xf-bench.cpp - Latency, throughput and memory of a compiled model --===//
//
// xf-bench MODEL.xfm [--threads N] [--iters N] [--warmup N]
//                    [--input-shape NAME:1x128 ...] [--dim NAME=N ...]
//                    [--input NAME=FILE.npy ...] [--seed N] [--json]
//
// Runs the model on random inputs of the right dtype and range (token ids
// within the range the manifest gives, attention masks of ones, floats from
// N(0, 1)) unless --input gives a file, and reports the latency (min, median,
// p90), the throughput (inferences and tokens per second) and the peak
// resident memory of the process. Dynamic dimensions take their size from
// --input-shape or --dim; otherwise `batch` dimensions are 1 and the others
// 128.
//
//===----------------------------------------------------------------------===//

#include "runtime/Npy.h"
#include "runtime/Runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <sys/resource.h>

using namespace xf::runtime;

static int usage() {
  std::fprintf(stderr,
               "usage: xf-bench MODEL.xfm [--threads N] [--iters N] "
               "[--warmup N] [--input-shape NAME:1x128 ...] [--dim NAME=N ...] "
               "[--input NAME=FILE.npy ...] [--seed N] [--json]\n");
  return 2;
}

static int fail(const std::string &message) {
  std::fprintf(stderr, "xf-bench: error: %s\n", message.c_str());
  return 1;
}

/// Parses "1x128" (positive sizes) into `dims`.
static bool parseDims(const std::string &text, std::vector<int64_t> &dims) {
  dims.clear();
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('x', start);
    std::string piece = text.substr(start, end - start);
    char *rest = nullptr;
    long long value = std::strtoll(piece.c_str(), &rest, 10);
    if (piece.empty() || *rest != '\0' || value < 1)
      return false;
    dims.push_back(value);
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return !dims.empty();
}

static bool parsePositive(const char *text, int &value) {
  char *rest = nullptr;
  long parsed = text ? std::strtol(text, &rest, 10) : 0;
  if (!text || *rest != '\0' || parsed < 1 || parsed > 1 << 20)
    return false;
  value = static_cast<int>(parsed);
  return true;
}

/// Fills `tensor` with random values suited to the input `spec`.
static void fillRandom(Tensor &tensor, const TensorSpec &spec,
                       std::mt19937_64 &rng) {
  int64_t n = tensor.getNumElements();
  void *data = tensor.getData();
  bool isMask = spec.name.find("mask") != std::string::npos;
  auto fillInts = [&](auto *values) {
    int64_t lo = 0, hi = 2;
    if (spec.valueRange)
      std::tie(lo, hi) = *spec.valueRange;
    std::uniform_int_distribution<int64_t> pick(lo, std::max(lo, hi - 1));
    for (int64_t i = 0; i < n; ++i)
      values[i] = isMask ? 1 : static_cast<std::remove_pointer_t<decltype(values)>>(pick(rng));
  };
  std::normal_distribution<double> normal;
  switch (tensor.getDType()) {
  case DType::F32:
    for (int64_t i = 0; i < n; ++i)
      static_cast<float *>(data)[i] = static_cast<float>(normal(rng));
    break;
  case DType::F64:
    for (int64_t i = 0; i < n; ++i)
      static_cast<double *>(data)[i] = normal(rng);
    break;
  case DType::I64: fillInts(static_cast<int64_t *>(data)); break;
  case DType::I32: fillInts(static_cast<int32_t *>(data)); break;
  case DType::I16: fillInts(static_cast<int16_t *>(data)); break;
  case DType::I8: fillInts(static_cast<int8_t *>(data)); break;
  case DType::U64: fillInts(static_cast<uint64_t *>(data)); break;
  case DType::U32: fillInts(static_cast<uint32_t *>(data)); break;
  case DType::U16: fillInts(static_cast<uint16_t *>(data)); break;
  case DType::U8:
  case DType::Bool: fillInts(static_cast<uint8_t *>(data)); break;
  default:
    std::memset(data, 0, tensor.getByteSize());
  }
}

int main(int argc, char **argv) {
  std::string modelPath;
  std::map<std::string, std::string> inputFiles;
  std::map<std::string, std::vector<int64_t>> inputShapes;
  std::map<std::string, int64_t> dimSizes;
  int threads = 1, iters = 20, warmup = 3, seed = 1;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char * {
      return i + 1 < argc ? argv[++i] : nullptr;
    };
    if (arg == "--input") {
      const char *spec = value();
      const char *eq = spec ? std::strchr(spec, '=') : nullptr;
      if (!eq)
        return fail("--input expects NAME=FILE.npy");
      inputFiles[std::string(spec, eq)] = eq + 1;
    } else if (arg == "--input-shape") {
      const char *spec = value();
      const char *colon = spec ? std::strrchr(spec, ':') : nullptr;
      std::vector<int64_t> dims;
      if (!colon || !parseDims(colon + 1, dims))
        return fail("--input-shape expects NAME:DIMS with positive sizes, "
                    "as input_ids:1x128");
      inputShapes[std::string(spec, colon)] = dims;
    } else if (arg == "--dim") {
      const char *spec = value();
      const char *eq = spec ? std::strchr(spec, '=') : nullptr;
      int size = 0;
      if (!eq || !parsePositive(eq + 1, size))
        return fail("--dim expects NAME=N with a positive N, as sequence=128");
      dimSizes[std::string(spec, eq)] = size;
    } else if (arg == "--threads" || arg == "--iters" || arg == "--warmup" ||
               arg == "--seed") {
      int parsed = 0;
      const char *text = value();
      bool zeroAllowed = arg == "--warmup" && text && std::string(text) == "0";
      if (!zeroAllowed && !parsePositive(text, parsed))
        return fail(arg + " expects a positive integer");
      (arg == "--threads" ? threads
       : arg == "--iters" ? iters
       : arg == "--warmup" ? warmup
                           : seed) = parsed;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--help" || arg == "-h") {
      usage();
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return fail("unknown option '" + arg + "'");
    } else if (modelPath.empty()) {
      modelPath = arg;
    } else {
      return fail("more than one model given");
    }
  }
  if (modelPath.empty())
    return usage();

  std::string error;
  auto model = Model::load(modelPath, error);
  if (!model)
    return fail(error);
  model->setNumThreads(threads);

  std::mt19937_64 rng(seed);
  std::vector<Tensor> inputs;
  int64_t tokens = 1;
  std::string shapes;
  for (const TensorSpec &spec : model->getInputs()) {
    Tensor tensor;
    if (auto it = inputFiles.find(spec.name); it != inputFiles.end()) {
      if (!readNpy(it->second, tensor, error))
        return fail("input '" + spec.name + "': " + error);
    } else {
      std::vector<int64_t> shape = spec.shape;
      if (auto it = inputShapes.find(spec.name); it != inputShapes.end()) {
        if (it->second.size() != shape.size())
          return fail("--input-shape " + spec.name + " has rank " +
                      std::to_string(it->second.size()) + ", the input " +
                      std::to_string(shape.size()));
        shape = it->second;
      }
      for (size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] >= 0)
          continue;
        std::string name = d < spec.dimNames.size() ? spec.dimNames[d] : "";
        auto known = dimSizes.find(name);
        shape[d] = known != dimSizes.end() ? known->second
                   : name.find("batch") != std::string::npos ? 1
                                                            : 128;
      }
      tensor = Tensor::allocate(spec.dtype, shape);
      fillRandom(tensor, spec, rng);
    }
    if (tokens == 1 && tensor.getShape().size() == 2)
      tokens = tensor.getNumElements();
    shapes += (shapes.empty() ? "" : ", ") + spec.name + " [";
    for (size_t d = 0; d < tensor.getShape().size(); ++d)
      shapes += (d ? "x" : "") + std::to_string(tensor.getShape()[d]);
    shapes += "]";
    inputs.push_back(std::move(tensor));
  }
  for (const auto &[name, unused] : inputFiles) {
    (void)unused;
    bool known = std::any_of(model->getInputs().begin(),
                             model->getInputs().end(),
                             [&](const TensorSpec &s) { return s.name == name; });
    if (!known)
      return fail("the model has no input named '" + name + "'");
  }

  std::vector<Tensor> outputs;
  for (int i = 0; i < warmup; ++i)
    if (!model->run(inputs, outputs, error))
      return fail(error);
  std::vector<double> times;
  for (int i = 0; i < iters; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (!model->run(inputs, outputs, error))
      return fail(error);
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  std::sort(times.begin(), times.end());
  double minMs = times.front();
  double medianMs = times.size() % 2
                        ? times[times.size() / 2]
                        : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
  double p90Ms = times[std::min(times.size() - 1, times.size() * 9 / 10)];
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double peakMb = usage.ru_maxrss / 1024.0;
  double perSecond = 1000.0 / medianMs;
  if (json) {
    std::printf("{\"model\": \"%s\", \"threads\": %d, \"iters\": %d, "
                "\"min_ms\": %.4f, \"median_ms\": %.4f, \"p90_ms\": %.4f, "
                "\"inferences_per_s\": %.3f, \"tokens_per_s\": %.1f, "
                "\"peak_rss_mb\": %.1f}\n",
                modelPath.c_str(), threads, iters, minMs, medianMs, p90Ms,
                perSecond, perSecond * tokens, peakMb);
  } else {
    std::printf("%s: %s\n", modelPath.c_str(), shapes.c_str());
    std::printf("%d threads, %d runs after %d warm-up runs\n", threads, iters,
                warmup);
    std::printf("latency: min %.3f ms, median %.3f ms, p90 %.3f ms\n", minMs,
                medianMs, p90Ms);
    std::printf("throughput: %.2f inferences/s, %.0f tokens/s\n", perSecond,
                perSecond * tokens);
    std::printf("peak RSS: %.1f MB\n", peakMb);
  }
  return 0;
}
