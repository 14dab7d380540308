//===- CApi.cpp - The xfc runtime, C API ----------------------------------===//

#include "runtime/Runtime.h"
#include "runtime/xf_runtime.h"

#include <cstdlib>
#include <cstring>

using namespace xf::runtime;

struct xf_model {
  std::unique_ptr<Model> model;
};

static thread_local std::string lastError;

static int fail(const std::string &message) {
  lastError = message;
  return 1;
}

const char *xf_last_error(void) { return lastError.c_str(); }

int xf_model_load(const char *path, xf_model **model) {
  if (!path || !model)
    return fail("xf_model_load: null argument");
  std::string error;
  auto loaded = Model::load(path, error);
  if (!loaded)
    return fail(error);
  *model = new xf_model{std::move(loaded)};
  return 0;
}

void xf_model_free(xf_model *model) { delete model; }

size_t xf_model_num_inputs(const xf_model *model) {
  return model->model->getInputs().size();
}

size_t xf_model_num_outputs(const xf_model *model) {
  return model->model->getOutputs().size();
}

static int describe(const std::vector<TensorSpec> &specs, size_t index,
                    const char **name, xf_dtype *dtype, int32_t *rank,
                    const int64_t **shape) {
  if (index >= specs.size())
    return fail("index " + std::to_string(index) + " is out of range");
  const TensorSpec &spec = specs[index];
  if (name)
    *name = spec.name.c_str();
  if (dtype)
    *dtype = static_cast<xf_dtype>(spec.dtype);
  if (rank)
    *rank = static_cast<int32_t>(spec.shape.size());
  if (shape)
    *shape = spec.shape.data();
  return 0;
}

int xf_model_input(const xf_model *model, size_t index, const char **name,
                   xf_dtype *dtype, int32_t *rank, const int64_t **shape) {
  return describe(model->model->getInputs(), index, name, dtype, rank, shape);
}

int xf_model_output(const xf_model *model, size_t index, const char **name,
                    xf_dtype *dtype, int32_t *rank, const int64_t **shape) {
  return describe(model->model->getOutputs(), index, name, dtype, rank, shape);
}

const char *xf_model_manifest(const xf_model *model) {
  return model->model->getManifest().c_str();
}

void xf_model_set_num_threads(xf_model *model, int threads) {
  model->model->setNumThreads(threads);
}

int xf_model_run(const xf_model *model, const xf_tensor *inputs,
                 size_t numInputs, xf_tensor *outputs, size_t numOutputs) {
  if (!model || (!inputs && numInputs) || !outputs)
    return fail("xf_model_run: null argument");
  if (numOutputs != model->model->getOutputs().size())
    return fail("xf_model_run: the model has " +
                std::to_string(model->model->getOutputs().size()) +
                " outputs, got room for " + std::to_string(numOutputs));
  std::vector<Tensor> given;
  for (size_t i = 0; i < numInputs; ++i) {
    if (inputs[i].rank < 0 || (inputs[i].rank > 0 && !inputs[i].shape))
      return fail("xf_model_run: input " + std::to_string(i) +
                  " has an invalid shape");
    std::vector<int64_t> shape(inputs[i].shape,
                               inputs[i].shape + inputs[i].rank);
    given.push_back(Tensor::borrow(static_cast<DType>(inputs[i].dtype),
                                   std::move(shape), inputs[i].data));
  }
  std::vector<Tensor> results;
  std::string error;
  if (!model->model->run(given, results, error))
    return fail(error);
  for (size_t i = 0; i < numOutputs; ++i) {
    const Tensor &tensor = results[i];
    size_t rank = tensor.getShape().size();
    auto *shape = static_cast<int64_t *>(std::malloc(sizeof(int64_t) * (rank + 1)));
    std::copy(tensor.getShape().begin(), tensor.getShape().end(), shape);
    void *data = std::malloc(std::max<size_t>(tensor.getByteSize(), 1));
    std::memcpy(data, tensor.getData(), tensor.getByteSize());
    outputs[i] = {static_cast<xf_dtype>(tensor.getDType()),
                  static_cast<int32_t>(rank), shape, data};
  }
  return 0;
}

void xf_tensor_free(xf_tensor *tensor) {
  if (!tensor)
    return;
  std::free(const_cast<int64_t *>(tensor->shape));
  std::free(tensor->data);
  tensor->shape = nullptr;
  tensor->data = nullptr;
}
