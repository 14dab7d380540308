//===- xf-run.cpp - Run a compiled model on .npy inputs -------------------===//
//
// xf-run MODEL.xfm --input NAME=FILE.npy ... [--output-dir DIR] [--threads N]
//                  [--iterations N] [--info]
//
// Prints each output's name, dtype, shape and a short summary; with
// --output-dir, also writes NAME.npy per output. Every failure (missing or
// bad file, wrong dtype or shape, unknown input) is one message and exit 1.
//
//===----------------------------------------------------------------------===//

#include "runtime/Npy.h"
#include "runtime/Runtime.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <sys/stat.h>

using namespace xf::runtime;

static int usage() {
  std::fprintf(stderr,
               "usage: xf-run MODEL.xfm --input NAME=FILE.npy ... "
               "[--output-dir DIR] [--threads N] [--iterations N] [--info]\n");
  return 2;
}

static int fail(const std::string &message) {
  std::fprintf(stderr, "xf-run: error: %s\n", message.c_str());
  return 1;
}

static std::string formatShape(const std::vector<int64_t> &shape,
                               const std::vector<std::string> &names = {}) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    if (shape[i] < 0)
      text += i < names.size() && !names[i].empty() ? names[i] : "?";
    else
      text += std::to_string(shape[i]);
  }
  return text + "]";
}

template <typename T>
static void summarize(const Tensor &tensor) {
  const T *data = static_cast<const T *>(tensor.getData());
  int64_t n = tensor.getNumElements();
  if (n == 0) {
    std::printf("  (empty)\n");
    return;
  }
  double lo = data[0], hi = data[0], sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = static_cast<double>(data[i]);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  std::printf("  min %.6g  max %.6g  mean %.6g  first [", lo, hi, sum / n);
  for (int64_t i = 0; i < std::min<int64_t>(n, 5); ++i)
    std::printf(i ? ", %.6g" : "%.6g", static_cast<double>(data[i]));
  std::printf(n > 5 ? ", ...]\n" : "]\n");
}

static void printSummary(const Tensor &tensor) {
  switch (tensor.getDType()) {
  case DType::F32: return summarize<float>(tensor);
  case DType::F64: return summarize<double>(tensor);
  case DType::I8: return summarize<int8_t>(tensor);
  case DType::I16: return summarize<int16_t>(tensor);
  case DType::I32: return summarize<int32_t>(tensor);
  case DType::I64: return summarize<int64_t>(tensor);
  case DType::U8: return summarize<uint8_t>(tensor);
  case DType::U16: return summarize<uint16_t>(tensor);
  case DType::U32: return summarize<uint32_t>(tensor);
  case DType::U64: return summarize<uint64_t>(tensor);
  case DType::Bool: return summarize<uint8_t>(tensor);
  default: std::printf("  (no summary for %s)\n", getDTypeName(tensor.getDType()));
  }
}

int main(int argc, char **argv) {
  if (argc < 2)
    return usage();
  std::string modelPath, outputDir;
  std::map<std::string, std::string> inputFiles;
  int threads = 1, iterations = 1;
  bool info = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char * {
      return i + 1 < argc ? argv[++i] : nullptr;
    };
    if (arg == "--input" || arg == "-i") {
      const char *spec = value();
      const char *eq = spec ? std::strchr(spec, '=') : nullptr;
      if (!eq)
        return fail("--input expects NAME=FILE.npy");
      inputFiles[std::string(spec, eq)] = eq + 1;
    } else if (arg == "--output-dir") {
      const char *dir = value();
      if (!dir)
        return usage();
      outputDir = dir;
    } else if (arg == "--threads") {
      const char *n = value();
      if (!n || std::atoi(n) < 1)
        return fail("--threads expects a positive integer");
      threads = std::atoi(n);
    } else if (arg == "--iterations") {
      const char *n = value();
      if (!n || std::atoi(n) < 1)
        return fail("--iterations expects a positive integer");
      iterations = std::atoi(n);
    } else if (arg == "--info") {
      info = true;
    } else if (arg == "--help" || arg == "-h") {
      usage();
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return fail("unknown option '" + arg + "'");
    } else if (modelPath.empty()) {
      modelPath = arg;
    } else {
      return fail("more than one model given ('" + modelPath + "', '" + arg +
                  "')");
    }
  }
  if (modelPath.empty())
    return usage();

  std::string error;
  auto model = Model::load(modelPath, error);
  if (!model)
    return fail(error);
  model->setNumThreads(threads);
  if (info) {
    std::printf("%s\n", model->getManifest().c_str());
    return 0;
  }

  std::map<std::string, Tensor> inputs;
  for (const TensorSpec &spec : model->getInputs()) {
    auto it = inputFiles.find(spec.name);
    if (it == inputFiles.end())
      return fail("missing input '" + spec.name + "' (" +
                  getDTypeName(spec.dtype) + " " +
                  formatShape(spec.shape, spec.dimNames) +
                  "); pass --input " + spec.name + "=FILE.npy");
    Tensor tensor;
    if (!readNpy(it->second, tensor, error))
      return fail("input '" + spec.name + "': " + error);
    inputs[spec.name] = tensor;
  }
  for (const auto &[name, file] : inputFiles) {
    (void)file;
    bool known = false;
    for (const TensorSpec &spec : model->getInputs())
      known |= spec.name == name;
    if (!known)
      return fail("the model has no input named '" + name + "'");
  }

  std::vector<Tensor> outputs;
  double totalMs = 0, minMs = 0;
  for (int i = 0; i < iterations; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (!model->run(inputs, outputs, error))
      return fail(error);
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    totalMs += ms;
    minMs = i == 0 ? ms : std::min(minMs, ms);
  }
  if (!outputDir.empty())
    mkdir(outputDir.c_str(), 0755);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorSpec &spec = model->getOutputs()[i];
    std::printf("%s: %s %s\n", spec.name.c_str(),
                getDTypeName(outputs[i].getDType()),
                formatShape(outputs[i].getShape()).c_str());
    printSummary(outputs[i]);
    if (!outputDir.empty() &&
        !writeNpy(outputDir + "/" + spec.name + ".npy", outputs[i], error))
      return fail(error);
  }
  if (iterations == 1)
    std::printf("ran in %.3f ms\n", totalMs);
  else
    std::printf("%d runs: %.3f ms per inference on average, %.3f ms at best\n",
                iterations, totalMs / iterations, minMs);
  return 0;
}
