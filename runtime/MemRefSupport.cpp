//===- MemRefSupport.cpp - Functions generated code calls -----------------===//
//
// MLIR lowers a copy between memrefs of non-contiguous layouts to a call to
// `memrefCopy` (normally in MLIR's C runner utilities). The runtime provides
// it, so artifacts depend on nothing beyond libc, libm and the runtime.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstring>
#include <vector>

namespace {
/// The descriptor of a ranked memref of any element type.
struct StridedDescriptor {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[]; // sizes[rank], strides[rank]
};

struct UnrankedDescriptor {
  int64_t rank;
  StridedDescriptor *descriptor;
};
} // namespace

extern "C" __attribute__((visibility("default"))) void
memrefCopy(int64_t elementSize, UnrankedDescriptor *source,
           UnrankedDescriptor *target) {
  int64_t rank = source->rank;
  const StridedDescriptor *src = source->descriptor;
  const StridedDescriptor *dst = target->descriptor;
  const int64_t *sizes = src->sizesAndStrides;
  const int64_t *srcStrides = src->sizesAndStrides + rank;
  const int64_t *dstStrides = dst->sizesAndStrides + rank;
  for (int64_t d = 0; d < rank; ++d)
    if (sizes[d] == 0)
      return;
  std::vector<int64_t> index(rank, 0);
  const char *from = src->aligned + src->offset * elementSize;
  char *to = dst->aligned + dst->offset * elementSize;
  while (true) {
    int64_t srcOffset = 0, dstOffset = 0;
    for (int64_t d = 0; d < rank; ++d) {
      srcOffset += index[d] * srcStrides[d];
      dstOffset += index[d] * dstStrides[d];
    }
    std::memcpy(to + dstOffset * elementSize, from + srcOffset * elementSize,
                elementSize);
    int64_t d = rank - 1;
    for (; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}
