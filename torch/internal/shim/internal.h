// Helpers shared by the shim's C++ files. Not part of the C API.
#pragma once

#include <limits>
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "shim.h"

namespace tg {

// SlabPool hands out fixed-size blocks from slabs that are never returned
// to malloc. Handles wait in arenas until Go's next collection; from
// malloc they would sit among the tensors' buffers and keep glibc from
// trimming its heap (RSS grew 30-40% in the seed-model loop).
template <size_t Size>
class SlabPool {
 public:
  void *get() {
    std::lock_guard<std::mutex> l(mu_);
    if (free_.empty()) {
      constexpr size_t n = 1024;
      char *slab = static_cast<char *>(std::malloc(Size * n));
      if (slab == nullptr) throw std::bad_alloc();
      for (size_t i = n; i-- > 0;) free_.push_back(slab + i * Size);
    }
    void *p = free_.back();
    free_.pop_back();
    return p;
  }
  void put(void *p) {
    std::lock_guard<std::mutex> l(mu_);
    free_.push_back(p);
  }

 private:
  std::mutex mu_;
  std::vector<void *> free_;
};

}  // namespace tg

// A handle: one libtorch tensor plus the bookkeeping for Close, scopes and
// the Go cleanup. refs counts the holders of the struct itself (the Go
// wrapper, and the scope it sits in); released says the tensor's data has
// been given up, which happens exactly once, whoever gets there first.
struct tg_tensor_s : tg_tensor_head {
  at::Tensor t;
  std::atomic<int> refs{1};
  std::atomic<bool> released{false};
  int keep = 0;  // 0: free at scope end, 1: move to the parent scope, 2: persist
  tg_tensor arena_next = nullptr;  // the next handle of the same arena
  explicit tg_tensor_s(at::Tensor x) : tg_tensor_head{nullptr}, t(std::move(x)) {}
  static void *operator new(size_t);
  static void operator delete(void *p);
};

// The caller references of the handles created in one scope, as a list
// through the handles (no allocation of its own besides this struct, which
// comes from a slab pool like the handles).
struct tg_arena_s {
  tg_tensor head = nullptr;
  int64_t count = 0;
  static void *operator new(size_t);
  static void operator delete(void *p);
};

struct tg_generator_s {
  at::Generator g;
};

namespace tg {

tg_tensor wrap(at::Tensor t);  // new handle, registered in the thread's scope
tg_error error(const char *msg);  // malloc'ed copy, never NULL

// The tensor behind a handle, or a C++ exception saying why there is none.
inline const at::Tensor &T(tg_tensor h) {
  if (h == nullptr) throw std::invalid_argument("tensor is nil");
  if (h->released.load(std::memory_order_relaxed))
    throw std::invalid_argument("tensor was freed: it was closed, or the scope that owned it ended");
  return h->t;
}

// An optional tensor argument: NULL means absent.
inline c10::optional<at::Tensor> opt(tg_tensor h) {
  if (h == nullptr) return c10::nullopt;
  return T(h);
}

// The tensor for a Python-style number, marked as a wrapped number so that
// type promotion treats it as PyTorch treats `t + 2` or `t * 0.5`.
inline at::Tensor wrapped_scalar(const tg_scalar &s) {
  at::Tensor t;
  switch (s.kind) {
    case TG_S_FLOAT: t = at::scalar_tensor(s.f, at::kDouble); break;
    case TG_S_BOOL: t = at::scalar_tensor(s.i != 0, at::kBool); break;
    default: t = at::scalar_tensor(s.i, at::kLong); break;
  }
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

inline at::Scalar scalar(const tg_scalar &s) {
  switch (s.kind) {
    case TG_S_FLOAT: return at::Scalar(s.f);
    case TG_S_BOOL: return at::Scalar(s.i != 0);
    default: return at::Scalar(s.i);
  }
}

inline at::IntArrayRef ints(const int64_t *p, int64_t n) {
  if (n < 0) throw std::invalid_argument("negative length");
  return at::IntArrayRef(p, static_cast<size_t>(n));
}

// Integer division of the type's minimum by -1 overflows, and x86's idiv
// traps: libtorch's integer floor_divide, remainder, fmod and div with a
// rounding mode die of SIGFPE, as Python does. Called before those ops,
// this refuses such operands instead; float operands return at once.
inline void check_int_division(const char *op, const at::Tensor &a, const at::Tensor &b) {
  if (!at::isIntegralType(a.scalar_type(), false) || !at::isIntegralType(b.scalar_type(), false)) return;
  at::ScalarType common = at::result_type(a, b);
  int64_t min;
  if (common == at::kLong)
    min = std::numeric_limits<int64_t>::min();
  else if (common == at::kInt)
    min = std::numeric_limits<int32_t>::min();
  else
    return;  // narrower integers divide after promotion to int: no trap
  if (at::logical_and(a.eq(min), b.eq(-1)).any().item<bool>())
    throw std::domain_error(std::string(op) + ": integer overflow: " + std::to_string(min) +
                            " divided by -1 is not representable in " + c10::toString(common));
}

inline at::TensorOptions options(int dtype, int device_type, int device_index) {
  at::TensorOptions o;
  if (dtype >= 0) o = o.dtype(static_cast<at::ScalarType>(dtype));
  if (device_type >= 0)
    o = o.device(at::Device(static_cast<at::DeviceType>(device_type),
                            static_cast<at::DeviceIndex>(device_index)));
  return o;
}

inline c10::optional<at::Generator> gen(tg_generator g) {
  if (g == nullptr) return c10::nullopt;
  return g->g;
}

}  // namespace tg

// Every entry point's body sits between TG_TRY and TG_CATCH: any C++
// exception becomes the returned error, never an abort. TG_TRY also gives
// the calling OS thread libtorch's pinned intra-op thread count: Go runs
// ops on threads libtorch never saw, where kernels that use OpenMP directly
// would otherwise take OpenMP's default (every CPU) instead of PyTorch's,
// and round differently from Python (conv weight gradients did, at random).
#define TG_TRY \
  try {          \
    at::internal::lazy_init_num_threads();
#define TG_CATCH                                                     \
  }                                                                  \
  catch (const c10::Error &e) {                                      \
    return tg::error(e.what_without_backtrace());                    \
  }                                                                  \
  catch (const std::exception &e) {                                  \
    return tg::error(e.what());                                      \
  }                                                                  \
  catch (...) {                                                      \
    return tg::error("unknown C++ exception");                       \
  }                                                                  \
  return nullptr;

// The common shape of an op returning one new tensor.
#define TG_RETURN(expr) \
  TG_TRY *out = tg::wrap(expr); TG_CATCH
