// The CUDA caching allocator's statistics. They need CUDA's headers, which
// only CUDA builds of libtorch (with the CUDA toolkit's include folder on
// the path: scripts/env.sh adds it) provide; elsewhere these entry points
// report that they were built without them.
#include "internal.h"

#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>

extern "C" {

tg_error tg_cuda_memory_stats(int device, int64_t *allocated, int64_t *reserved, int64_t *peak_allocated) {
  TG_TRY
  namespace alloc = c10::cuda::CUDACachingAllocator;
  auto st = alloc::getDeviceStats(static_cast<c10::DeviceIndex>(device));
  *allocated = st.allocated_bytes[0].current;  // StatType::AGGREGATE
  *reserved = st.reserved_bytes[0].current;
  *peak_allocated = st.allocated_bytes[0].peak;
  TG_CATCH
}

tg_error tg_cuda_reset_peak(int device) {
  TG_TRY
  c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
  TG_CATCH
}

tg_error tg_cuda_empty_cache(void) {
  TG_TRY
  c10::cuda::CUDACachingAllocator::emptyCache();
  TG_CATCH
}

}  // extern "C"
#else
namespace {
tg_error no_cuda_headers() {
  return tg::error("CUDA memory statistics need a CUDA libtorch and CUDA's headers at build time (scripts/env.sh)");
}
}  // namespace

extern "C" {
tg_error tg_cuda_memory_stats(int, int64_t *, int64_t *, int64_t *) { return no_cuda_headers(); }
tg_error tg_cuda_reset_peak(int) { return no_cuda_headers(); }
tg_error tg_cuda_empty_cache(void) { return no_cuda_headers(); }
}
#endif
