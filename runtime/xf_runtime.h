/*===- xf_runtime.h - The xfc runtime, C API ----------------------*- C -*-===*\
|*                                                                            *|
|* Load a compiled model (.xfm), inspect its signature and run it.            *|
|* Every call that can fail returns 0 on success and non-zero on failure;     *|
|* xf_last_error() then describes the failure (per thread).                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef XF_RUNTIME_XF_RUNTIME_H
#define XF_RUNTIME_XF_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct xf_model xf_model;

typedef enum {
  XF_FLOAT32, XF_FLOAT64, XF_FLOAT16, XF_BFLOAT16,
  XF_INT8, XF_INT16, XF_INT32, XF_INT64,
  XF_UINT8, XF_UINT16, XF_UINT32, XF_UINT64, XF_BOOL
} xf_dtype;

/// A tensor passed to or returned by xf_model_run. Row-major, dense.
typedef struct {
  xf_dtype dtype;
  int32_t rank;
  const int64_t *shape;
  void *data;
} xf_tensor;

/// The message of the last failed call on this thread.
const char *xf_last_error(void);

int xf_model_load(const char *path, xf_model **model);
void xf_model_free(xf_model *model);

size_t xf_model_num_inputs(const xf_model *model);
size_t xf_model_num_outputs(const xf_model *model);
/// Name, dtype and rank of input/output `index`; the shape has -1 for
/// dynamic dimensions and stays valid as long as the model.
int xf_model_input(const xf_model *model, size_t index, const char **name,
                   xf_dtype *dtype, int32_t *rank, const int64_t **shape);
int xf_model_output(const xf_model *model, size_t index, const char **name,
                    xf_dtype *dtype, int32_t *rank, const int64_t **shape);
/// The manifest of the artifact, as JSON.
const char *xf_model_manifest(const xf_model *model);

void xf_model_set_num_threads(xf_model *model, int threads);

/// Runs the model on `inputs` (in signature order). On success, each of the
/// `num_outputs` entries of `outputs` receives a tensor whose shape and data
/// the runtime allocated; release them with xf_tensor_free. Safe to call
/// from several threads on one model.
int xf_model_run(const xf_model *model, const xf_tensor *inputs,
                 size_t num_inputs, xf_tensor *outputs, size_t num_outputs);

void xf_tensor_free(xf_tensor *tensor);

#ifdef __cplusplus
}
#endif

#endif /* XF_RUNTIME_XF_RUNTIME_H */
