// Handles, scopes, data in and out, generators, autograd and global settings.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/version.h>

#include "internal.h"

namespace {

std::atomic<int64_t> live{0};
std::atomic<int64_t> in_arenas{0};  // handles in arenas not yet freed

// The scope stack of this OS thread. The Go side only pushes and pops with
// its goroutine locked to the thread, so no other goroutine's tensors land here.
// A scope holds one reference to each handle it frees at its end (those
// created in it and those kept by its children), and the arena of the
// handles created in it, with their callers' references.
struct scope {
  std::vector<tg_tensor> owned;
  tg_arena arena;
  void *owner;
};
thread_local std::vector<scope> scopes;

void release(tg_tensor h) {
  if (!h->released.exchange(true)) {
    h->t = at::Tensor();
    live.fetch_sub(1, std::memory_order_relaxed);
  }
}

void unref(tg_tensor h) {
  if (h->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete h;
}

// A CUDA device's default generator. libtorch 2 renamed the CUDA hooks'
// getDefaultCUDAGenerator to getDefaultGenerator (from AcceleratorHooksInterface).
const at::Generator &cuda_default_generator(at::DeviceIndex i) {
#if TORCH_VERSION_MAJOR >= 2
  return at::detail::getCUDAHooks().getDefaultGenerator(i);
#else
  return at::detail::getCUDAHooks().getDefaultCUDAGenerator(i);
#endif
}

}  // namespace

namespace {
tg::SlabPool<sizeof(tg_tensor_s)> handle_pool;
}  // namespace

void *tg_tensor_s::operator new(size_t) { return handle_pool.get(); }
void tg_tensor_s::operator delete(void *p) { handle_pool.put(p); }

namespace {
tg::SlabPool<sizeof(tg_arena_s)> arena_pool;
}  // namespace

void *tg_arena_s::operator new(size_t) { return arena_pool.get(); }
void tg_arena_s::operator delete(void *p) { arena_pool.put(p); }

namespace tg {

tg_tensor wrap(at::Tensor t) {
  if (!t.defined()) return nullptr;
  auto h = new tg_tensor_s(std::move(t));
  live.fetch_add(1, std::memory_order_relaxed);
  if (!scopes.empty()) {
    scope &s = scopes.back();
    h->refs.store(2, std::memory_order_relaxed);
    h->owner = s.owner;
    s.owned.push_back(h);
    h->arena_next = s.arena->head;
    s.arena->head = h;
    s.arena->count++;
  }
  return h;
}

tg_error error(const char *msg) {
  size_t n = std::strlen(msg);
  char *s = static_cast<char *>(std::malloc(n + 1));
  if (s == nullptr) std::abort();  // out of memory while reporting an error
  std::memcpy(s, msg, n + 1);
  return s;
}

}  // namespace tg

extern "C" {

tg_error tg_tensor_free(tg_tensor h) {
  if (h == nullptr) return nullptr;
  release(h);
  unref(h);
  return nullptr;
}

void tg_tensor_release(tg_tensor h) {
  if (h != nullptr) release(h);
}

int64_t tg_live_tensors(void) { return live.load(std::memory_order_relaxed); }

void tg_scope_push(void *owner) { scopes.push_back(scope{{}, new tg_arena_s, owner}); }

int tg_scope_depth(void) { return static_cast<int>(scopes.size()); }

tg_arena tg_scope_pop(int64_t *pending) {
  *pending = in_arenas.load(std::memory_order_relaxed);
  if (scopes.empty()) return nullptr;
  scope top = std::move(scopes.back());
  scopes.pop_back();
  for (tg_tensor h : top.owned) {
    if (h->keep == 1) {
      h->keep = 0;
      if (!scopes.empty()) {
        scopes.back().owned.push_back(h);  // the scope's reference moves with it
        continue;
      }
    } else if (h->keep != 2) {
      release(h);
    }
    unref(h);
  }
  if (top.arena->count == 0) {
    delete top.arena;
    return nullptr;
  }
  *pending = in_arenas.fetch_add(top.arena->count, std::memory_order_relaxed) + top.arena->count;
  return top.arena;
}

void tg_arena_free(tg_arena a) {
  if (a == nullptr) return;
  for (tg_tensor h = a->head; h != nullptr;) {
    tg_tensor next = h->arena_next;  // read before unref may free h
    release(h);
    unref(h);
    h = next;
  }
  in_arenas.fetch_sub(a->count, std::memory_order_relaxed);
  delete a;
}

tg_error tg_scope_keep(tg_tensor h) {
  TG_TRY
  tg::T(h);
  if (h->keep == 0) h->keep = 1;
  TG_CATCH
}

tg_error tg_tensor_persist(tg_tensor h) {
  TG_TRY
  tg::T(h);
  h->keep = 2;
  TG_CATCH
}

tg_error tg_tensor_info(tg_tensor h, int *dtype, int *device_type, int *device_index, int64_t *dim,
                        int64_t *numel, int *requires_grad, int *is_leaf, int *contiguous) {
  TG_TRY
  const at::Tensor &t = tg::T(h);
  *dtype = static_cast<int>(t.scalar_type());
  *device_type = static_cast<int>(t.device().type());
  *device_index = t.device().index();
  *dim = t.dim();
  *numel = t.numel();
  *requires_grad = t.requires_grad();
  *is_leaf = t.is_leaf();
  *contiguous = t.is_contiguous();
  TG_CATCH
}

tg_error tg_tensor_sizes(tg_tensor h, int64_t *out, int64_t cap) {
  TG_TRY
  auto s = tg::T(h).sizes();
  for (int64_t i = 0; i < cap && i < static_cast<int64_t>(s.size()); i++) out[i] = s[i];
  TG_CATCH
}

tg_error tg_tensor_strides(tg_tensor h, int64_t *out, int64_t cap) {
  TG_TRY
  auto s = tg::T(h).strides();
  for (int64_t i = 0; i < cap && i < static_cast<int64_t>(s.size()); i++) out[i] = s[i];
  TG_CATCH
}

tg_error tg_tensor_from_data(const void *data, size_t nbytes, const int64_t *shape, int64_t ndim,
                             int dtype, tg_tensor *out) {
  TG_TRY
  at::Tensor t = at::empty(tg::ints(shape, ndim), tg::options(dtype, -1, 0));
  size_t want = static_cast<size_t>(t.numel()) * t.element_size();
  if (want != nbytes)
    throw std::invalid_argument("data holds " + std::to_string(nbytes) + " bytes, shape " +
                                c10::str(t.sizes()) + " needs " + std::to_string(want));
  if (want > 0) std::memcpy(t.data_ptr(), data, want);
  *out = tg::wrap(std::move(t));
  TG_CATCH
}

tg_error tg_tensor_copy_out(tg_tensor h, void *dst, size_t nbytes, int dtype) {
  TG_TRY
  // resolve_conj/resolve_neg: a lazily conjugated or negated view (conj()
  // of a complex tensor) holds the values before the conjugation.
  at::Tensor t = tg::T(h).detach().resolve_conj().resolve_neg().to(at::kCPU, static_cast<at::ScalarType>(dtype)).contiguous();
  size_t have = static_cast<size_t>(t.numel()) * t.element_size();
  if (have != nbytes)
    throw std::invalid_argument("destination holds " + std::to_string(nbytes) +
                                " bytes, tensor has " + std::to_string(have));
  if (have == 0) return nullptr;
  // Some backward formulas return an efficient zero tensor: zeros with no
  // memory behind them (data_ptr NULL).
  if (t._is_zerotensor()) {
    std::memset(dst, 0, have);
    return nullptr;
  }
  if (t.data_ptr() == nullptr) throw std::invalid_argument("tensor has no data");
  std::memcpy(dst, t.data_ptr(), have);
  TG_CATCH
}

tg_error tg_tensor_item(tg_tensor h, tg_scalar *out) {
  TG_TRY
  at::Scalar s = tg::T(h).item();
  if (s.isBoolean()) {
    *out = tg_scalar{TG_S_BOOL, 0, s.toBool() ? 1 : 0};
  } else if (s.isIntegral(false)) {
    *out = tg_scalar{TG_S_INT, 0, s.toLong()};
  } else if (s.isFloatingPoint()) {
    *out = tg_scalar{TG_S_FLOAT, s.toDouble(), 0};
  } else {
    throw std::invalid_argument("item of a complex tensor is not supported");
  }
  TG_CATCH
}

tg_error tg_tensor_to(tg_tensor h, int dtype, int device_type, int device_index, int non_blocking,
                      int copy, tg_tensor *out) {
  TG_RETURN(tg::T(h).to(tg::options(dtype, device_type, device_index), non_blocking != 0,
                        copy != 0))
}

tg_error tg_tensor_grad_fn_name(tg_tensor h, char **out) {
  TG_TRY
  *out = nullptr;
  const auto &fn = tg::T(h).grad_fn();
  if (fn) *out = tg::error(fn->name().c_str());
  TG_CATCH
}

// ---- generators ----

static at::Generator &generator(tg_generator g) {
  if (g == nullptr) throw std::invalid_argument("generator is nil");
  return g->g;
}

tg_error tg_generator_new(int device_type, int device_index, tg_generator *out) {
  TG_TRY
  at::Generator g;
  if (device_type == static_cast<int>(at::kCPU)) {
    g = at::detail::createCPUGenerator();
  } else if (device_type == static_cast<int>(at::kCUDA)) {
    // A fresh CUDA generator is a copy of the device's default one, reseeded.
    g = cuda_default_generator(static_cast<at::DeviceIndex>(device_index)).clone();
  } else {
    throw std::invalid_argument("generators exist for cpu and cuda only");
  }
  *out = new tg_generator_s{std::move(g)};
  TG_CATCH
}

tg_error tg_generator_default(int device_type, int device_index, tg_generator *out) {
  TG_TRY
  at::Device d(static_cast<at::DeviceType>(device_type), static_cast<at::DeviceIndex>(device_index));
  at::Generator g = d.is_cpu() ? at::detail::getDefaultCPUGenerator()
                               : cuda_default_generator(d.index());
  *out = new tg_generator_s{std::move(g)};
  TG_CATCH
}

void tg_generator_free(tg_generator g) { delete g; }

tg_error tg_generator_set_seed(tg_generator h, uint64_t seed) {
  TG_TRY
  auto &g = generator(h);
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(seed);
  TG_CATCH
}

tg_error tg_generator_seed(tg_generator h, uint64_t *out) {
  TG_TRY
  auto &g = generator(h);
  std::lock_guard<std::mutex> lock(g.mutex());
  uint64_t s = c10::detail::getNonDeterministicRandom(g.device().is_cuda());
  g.set_current_seed(s);
  *out = s;
  TG_CATCH
}

tg_error tg_generator_initial_seed(tg_generator h, uint64_t *out) {
  TG_TRY
  *out = generator(h).current_seed();
  TG_CATCH
}

tg_error tg_generator_get_state(tg_generator h, tg_tensor *out) {
  TG_TRY
  auto &g = generator(h);
  std::lock_guard<std::mutex> lock(g.mutex());
  *out = tg::wrap(g.get_state());
  TG_CATCH
}

tg_error tg_generator_set_state(tg_generator h, tg_tensor state) {
  TG_TRY
  auto &g = generator(h);
  const at::Tensor &s = tg::T(state);
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_state(s);
  TG_CATCH
}

tg_error tg_manual_seed(uint64_t seed) {
  TG_TRY
  {
    auto g = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_current_seed(seed);
  }
  auto &hooks = at::detail::getCUDAHooks();
  for (int i = 0; i < hooks.getNumGPUs(); i++) {
    auto g = cuda_default_generator(static_cast<at::DeviceIndex>(i));
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_current_seed(seed);
  }
  TG_CATCH
}

// ---- global settings ----

tg_error tg_set_num_threads(int n) {
  TG_TRY
  at::set_num_threads(n);
  TG_CATCH
}
int tg_get_num_threads(void) { return at::get_num_threads(); }

tg_error tg_set_num_interop_threads(int n) {
  TG_TRY
  at::set_num_interop_threads(n);
  TG_CATCH
}
int tg_get_num_interop_threads(void) { return at::get_num_interop_threads(); }

tg_error tg_set_deterministic(int on, int warn_only) {
  TG_TRY
  at::globalContext().setDeterministicAlgorithms(on != 0, warn_only != 0);
  TG_CATCH
}
int tg_get_deterministic(void) { return at::globalContext().deterministicAlgorithms(); }

void tg_set_cudnn(int deterministic, int benchmark) {
  at::globalContext().setDeterministicCuDNN(deterministic != 0);
  at::globalContext().setBenchmarkCuDNN(benchmark != 0);
}
void tg_get_cudnn(int *deterministic, int *benchmark) {
  *deterministic = at::globalContext().deterministicCuDNN();
  *benchmark = at::globalContext().benchmarkCuDNN();
}

int tg_cuda_available(void) { return at::detail::getCUDAHooks().hasCUDA() ? 1 : 0; }
int tg_cuda_device_count(void) {
  return tg_cuda_available() ? at::detail::getCUDAHooks().getNumGPUs() : 0;
}
int tg_cudnn_available(void) { return at::detail::getCUDAHooks().hasCuDNN() ? 1 : 0; }

tg_error tg_cuda_synchronize(int device_index) {
  TG_TRY
  at::detail::getCUDAHooks().deviceSynchronize(device_index);
  TG_CATCH
}

int tg_grad_enabled(void) { return at::GradMode::is_enabled() ? 1 : 0; }

void tg_tune_malloc(int64_t mmap_threshold, int64_t trim_threshold) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_threshold));
#else
  (void)mmap_threshold;
  (void)trim_threshold;
#endif
}

namespace {
// libtorch 2.4 keyed autocast's state by device type; 1.13 has a function
// per device.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocast_enabled(at::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
at::ScalarType autocast_dtype(at::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void set_autocast(at::DeviceType d, bool on, at::ScalarType t) {
  at::autocast::set_autocast_enabled(d, on);
  at::autocast::set_autocast_dtype(d, t);
}
#else
bool autocast_enabled(at::DeviceType d) {
  return d == at::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
}
at::ScalarType autocast_dtype(at::DeviceType d) {
  return d == at::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void set_autocast(at::DeviceType d, bool on, at::ScalarType t) {
  if (d == at::kCPU) {
    at::autocast::set_cpu_enabled(on);
    at::autocast::set_autocast_cpu_dtype(t);
  } else {
    at::autocast::set_enabled(on);
    at::autocast::set_autocast_gpu_dtype(t);
  }
}
#endif

at::DeviceType autocast_device(int device_type) {
  auto d = static_cast<at::DeviceType>(device_type);
  if (d != at::kCPU && d != at::kCUDA)
    throw std::invalid_argument("autocast supports cpu and cuda, not " + c10::DeviceTypeName(d, true));
  return d;
}
}  // namespace

tg_error tg_autocast_enter(int device_type, int enabled, int dtype, int *prev_enabled, int *prev_dtype) {
  TG_TRY
  at::DeviceType d = autocast_device(device_type);
  auto t = static_cast<at::ScalarType>(dtype);
  if (d == at::kCPU && t != at::kBFloat16)
    throw std::invalid_argument(std::string("in CPU autocast, only BFloat16 is supported, not ") + c10::toString(t));
  *prev_enabled = autocast_enabled(d);
  *prev_dtype = static_cast<int>(autocast_dtype(d));
  set_autocast(d, enabled != 0, t);
  at::autocast::increment_nesting();
  TG_CATCH
}

tg_error tg_autocast_exit(int device_type, int prev_enabled, int prev_dtype) {
  TG_TRY
  at::DeviceType d = autocast_device(device_type);
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(d, prev_enabled != 0, static_cast<at::ScalarType>(prev_dtype));
  TG_CATCH
}
void tg_set_grad_enabled(int on) { at::GradMode::set_enabled(on != 0); }

const char *tg_version(void) { return TORCH_VERSION; }

// ---- autograd ----

tg_error tg_set_requires_grad(tg_tensor h, int on) {
  TG_TRY
  // set_requires_grad is a method on a const reference: it changes the
  // shared TensorImpl, as Python's requires_grad_ does.
  tg::T(h).set_requires_grad(on != 0);
  TG_CATCH
}

tg_error tg_backward(tg_tensor h, tg_tensor grad, int retain_graph, int create_graph) {
  TG_TRY
  at::Tensor g;
  if (grad != nullptr) g = tg::T(grad);
  tg::T(h).backward(g, retain_graph != 0, create_graph != 0);
  TG_CATCH
}

tg_error tg_grad(tg_tensor h, tg_tensor *out) { TG_RETURN(tg::T(h).grad()) }

tg_error tg_autograd_grad(const tg_tensor *outputs, const tg_tensor *grad_outputs, int64_t n,
                          const tg_tensor *inputs, int64_t m, int retain_graph, int create_graph,
                          int allow_unused, tg_tensor *out) {
  TG_TRY
  std::vector<at::Tensor> outs, gouts, ins;
  for (int64_t i = 0; i < n; i++) {
    outs.push_back(tg::T(outputs[i]));
    gouts.push_back(grad_outputs[i] == nullptr ? at::Tensor() : tg::T(grad_outputs[i]));
  }
  for (int64_t i = 0; i < m; i++) ins.push_back(tg::T(inputs[i]));
  auto gs = torch::autograd::grad(outs, ins, gouts, retain_graph != 0, create_graph != 0, allow_unused != 0);
  for (int64_t i = 0; i < m; i++) out[i] = gs[i].defined() ? tg::wrap(gs[i]) : nullptr;
  TG_CATCH
}

tg_error tg_set_grad(tg_tensor h, tg_tensor grad) {
  TG_TRY
  const at::Tensor &t = tg::T(h);
  t.mutable_grad() = grad == nullptr ? at::Tensor() : tg::T(grad);
  TG_CATCH
}

tg_error tg_retain_grad(tg_tensor h) {
  TG_TRY
  tg::T(h).retain_grad();
  TG_CATCH
}

}  // extern "C"
