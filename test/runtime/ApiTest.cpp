//===- ApiTest.cpp - Tests of the runtime's C and C++ APIs ----------------===//
//
// xf-runtime-api-test MODEL.xfm checks, on a model whose inputs are int64
// token ids (in [0, 10)) and float32 masks of shape [batch, seq]:
//   - the C API: signature queries, a run, the error of a bad call;
//   - the C++ API: concurrent runs from several threads on one loaded model
//     give the same results as a single-threaded run.
// Prints "PASS: ..." per check and exits non-zero on the first failure.
//
//===----------------------------------------------------------------------===//

#include "runtime/Runtime.h"
#include "runtime/xf_runtime.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

using namespace xf::runtime;

#define EXPECT(cond, what)                                                     \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::printf("FAIL: %s (%s:%d)\n", what, __FILE__, __LINE__);             \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

static std::vector<Tensor> makeInputs(const Model &model, int64_t batch,
                                      int64_t seq, unsigned seed) {
  std::vector<Tensor> inputs;
  for (const TensorSpec &spec : model.getInputs()) {
    std::vector<int64_t> shape = spec.shape;
    for (size_t d = 0; d < shape.size(); ++d)
      if (shape[d] < 0)
        shape[d] = d == 0 ? batch : seq;
    Tensor tensor = Tensor::allocate(spec.dtype, shape);
    int64_t n = tensor.getNumElements();
    if (spec.dtype == DType::I64) {
      int64_t hi = spec.valueRange ? spec.valueRange->second : 2;
      for (int64_t i = 0; i < n; ++i)
        static_cast<int64_t *>(tensor.getData())[i] = (seed + i * 7) % hi;
    } else if (spec.dtype == DType::F32) {
      for (int64_t i = 0; i < n; ++i)
        static_cast<float *>(tensor.getData())[i] = 1.0f;
    }
    inputs.push_back(tensor);
  }
  return inputs;
}

static void testCApi(const char *path) {
  xf_model *model = nullptr;
  EXPECT(xf_model_load("/nonexistent.xfm", &model) != 0, "loading a missing file fails");
  EXPECT(std::strstr(xf_last_error(), "nonexistent.xfm") != nullptr,
         "the error names the file");
  EXPECT(xf_model_load(path, &model) == 0, "xf_model_load");
  EXPECT(xf_model_num_inputs(model) >= 1, "the model has inputs");
  const char *name;
  xf_dtype dtype;
  int32_t rank;
  const int64_t *shape;
  EXPECT(xf_model_input(model, 0, &name, &dtype, &rank, &shape) == 0,
         "xf_model_input");
  EXPECT(rank == 2 && shape[0] == -1 && shape[1] == -1,
         "input 0 is [batch, seq], both dynamic");
  EXPECT(xf_model_input(model, 99, &name, &dtype, &rank, &shape) != 0,
         "an out-of-range input index fails");

  // Build inputs of shape [2, 3] for every input.
  size_t numInputs = xf_model_num_inputs(model);
  std::vector<xf_tensor> inputs(numInputs);
  std::vector<std::vector<char>> storage(numInputs);
  int64_t dims[2] = {2, 3};
  for (size_t i = 0; i < numInputs; ++i) {
    EXPECT(xf_model_input(model, i, &name, &dtype, &rank, &shape) == 0,
           "xf_model_input");
    storage[i].assign(6 * 8, 0);
    if (dtype == XF_FLOAT32)
      for (int k = 0; k < 6; ++k)
        reinterpret_cast<float *>(storage[i].data())[k] = 1.0f;
    inputs[i] = {dtype, 2, dims, storage[i].data()};
  }
  size_t numOutputs = xf_model_num_outputs(model);
  std::vector<xf_tensor> outputs(numOutputs);
  EXPECT(xf_model_run(model, inputs.data(), numInputs, outputs.data(),
                      numOutputs) == 0,
         "xf_model_run");
  EXPECT(outputs[0].rank >= 2 && outputs[0].shape[0] == 2 &&
             outputs[0].shape[1] == 3,
         "the output has the inputs' batch and sequence");
  for (xf_tensor &output : outputs)
    xf_tensor_free(&output);

  // A wrong rank is refused before anything runs.
  inputs[0].rank = 1;
  EXPECT(xf_model_run(model, inputs.data(), numInputs, outputs.data(),
                      numOutputs) != 0,
         "a wrong rank fails");
  EXPECT(std::strstr(xf_last_error(), "must have rank 2") != nullptr,
         "the error explains the rank");
  xf_model_free(model);
  std::printf("PASS: C API\n");
}

static void testConcurrentRuns(const char *path) {
  std::string error;
  auto model = Model::load(path, error);
  EXPECT(model != nullptr, error.c_str());
  // Each run may itself use two threads for its parallel loops.
  model->setNumThreads(2);
  constexpr int kThreads = 4, kRuns = 8;
  // Reference results, one per thread's input, computed on this thread.
  std::vector<std::vector<Tensor>> inputs, expected;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(makeInputs(*model, 1 + t % 2, 5 + t, t));
    std::vector<Tensor> outputs;
    EXPECT(model->run(inputs.back(), outputs, error), error.c_str());
    expected.push_back(outputs);
  }
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRuns; ++r) {
        std::vector<Tensor> outputs;
        std::string runError;
        if (!model->run(inputs[t], outputs, runError)) {
          ++mismatches[t];
          continue;
        }
        for (size_t o = 0; o < outputs.size(); ++o)
          if (outputs[o].getShape() != expected[t][o].getShape() ||
              std::memcmp(outputs[o].getData(), expected[t][o].getData(),
                          outputs[o].getByteSize()) != 0)
            ++mismatches[t];
      }
    });
  }
  for (std::thread &thread : threads)
    thread.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT(mismatches[t] == 0, "concurrent runs match the single-threaded results");
  std::printf("PASS: %d threads x %d concurrent runs\n", kThreads, kRuns);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: xf-runtime-api-test MODEL.xfm\n");
    return 2;
  }
  testCApi(argv[1]);
  testConcurrentRuns(argv[1]);
  return 0;
}
