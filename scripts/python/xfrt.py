"""ctypes binding of the xfc runtime's C API (runtime/xf_runtime.h).

Used by the end-to-end tests and the benchmarks; it exercises the same C API
that applications link against.
"""

import ctypes
import os

import numpy as np

try:  # numpy has no bfloat16; ml_dtypes (a dependency of onnx) does.
    from ml_dtypes import bfloat16 as _bfloat16
except ImportError:
    _bfloat16 = None

_DTYPES = [
    np.float32, np.float64, np.float16, _bfloat16,
    np.int8, np.int16, np.int32, np.int64,
    np.uint8, np.uint16, np.uint32, np.uint64, np.bool_,
]


class _Tensor(ctypes.Structure):
    _fields_ = [
        ("dtype", ctypes.c_int),
        ("rank", ctypes.c_int32),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("data", ctypes.c_void_p),
    ]


def _default_library():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "build", "lib", "libxfrt.so")


class XfError(RuntimeError):
    pass


class Model:
    """A loaded .xfm artifact."""

    def __init__(self, path, library=None):
        self._lib = ctypes.CDLL(library or os.environ.get("XF_RUNTIME_LIBRARY") or _default_library())
        lib = self._lib
        lib.xf_last_error.restype = ctypes.c_char_p
        lib.xf_model_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.xf_model_free.argtypes = [ctypes.c_void_p]
        lib.xf_model_num_inputs.argtypes = [ctypes.c_void_p]
        lib.xf_model_num_inputs.restype = ctypes.c_size_t
        lib.xf_model_num_outputs.argtypes = [ctypes.c_void_p]
        lib.xf_model_num_outputs.restype = ctypes.c_size_t
        spec_args = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_char_p),
                     ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int32),
                     ctypes.POINTER(ctypes.POINTER(ctypes.c_int64))]
        lib.xf_model_input.argtypes = spec_args
        lib.xf_model_output.argtypes = spec_args
        lib.xf_model_manifest.argtypes = [ctypes.c_void_p]
        lib.xf_model_manifest.restype = ctypes.c_char_p
        lib.xf_model_set_num_threads.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.xf_model_run.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Tensor), ctypes.c_size_t,
                                     ctypes.POINTER(_Tensor), ctypes.c_size_t]
        lib.xf_tensor_free.argtypes = [ctypes.POINTER(_Tensor)]
        handle = ctypes.c_void_p()
        if lib.xf_model_load(os.fsencode(path), ctypes.byref(handle)) != 0:
            raise XfError(lib.xf_last_error().decode())
        self._handle = handle
        self.inputs = [self._spec(lib.xf_model_input, i) for i in range(lib.xf_model_num_inputs(handle))]
        self.outputs = [self._spec(lib.xf_model_output, i) for i in range(lib.xf_model_num_outputs(handle))]

    def _spec(self, fn, index):
        name = ctypes.c_char_p()
        dtype = ctypes.c_int()
        rank = ctypes.c_int32()
        shape = ctypes.POINTER(ctypes.c_int64)()
        if fn(self._handle, index, ctypes.byref(name), ctypes.byref(dtype), ctypes.byref(rank),
              ctypes.byref(shape)) != 0:
            raise XfError(self._lib.xf_last_error().decode())
        return name.value.decode(), _DTYPES[dtype.value], [shape[i] for i in range(rank.value)]

    @property
    def manifest(self):
        return self._lib.xf_model_manifest(self._handle).decode()

    def set_num_threads(self, n):
        self._lib.xf_model_set_num_threads(self._handle, n)

    def run(self, feeds):
        """Runs on a dict name -> numpy array; returns a list of arrays."""
        arrays, tensors, keep = [], [], []
        for name, dtype, _ in self.inputs:
            if name not in feeds:
                raise XfError(f"missing input '{name}'")
            # Not np.ascontiguousarray, which makes a 0-d array 1-d.
            array = np.asarray(feeds[name])
            if not array.flags.c_contiguous:
                array = array.copy(order="C")
            arrays.append(array)
            shape = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
            keep.append(shape)
            code = _DTYPES.index(array.dtype.type) if array.dtype.type in _DTYPES else -1
            tensors.append(_Tensor(code, array.ndim, shape, array.ctypes.data))
        inputs = (_Tensor * max(len(tensors), 1))(*tensors)
        outputs = (_Tensor * len(self.outputs))()
        if self._lib.xf_model_run(self._handle, inputs, len(tensors), outputs, len(self.outputs)) != 0:
            raise XfError(self._lib.xf_last_error().decode())
        results = []
        for tensor in outputs:
            shape = [tensor.shape[i] for i in range(tensor.rank)]
            dtype = np.dtype(_DTYPES[tensor.dtype])
            count = int(np.prod(shape)) if shape else 1
            buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(tensor.data)
            results.append(np.frombuffer(bytes(buffer), dtype=dtype).reshape(shape))
            self._lib.xf_tensor_free(ctypes.byref(tensor))
        return results

    def __del__(self):
        if getattr(self, "_handle", None):
            self._lib.xf_model_free(self._handle)
            self._handle = None
