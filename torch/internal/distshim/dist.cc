// Gloo process groups, collectives and DDP's gradient buckets over c10d.
//
// Gloo's headers are not part of every libtorch (Debian ships them as
// libgloo-dev); without them this file compiles to entry points that say
// so, and the rest of torchgo still builds.
#if !__has_include(<gloo/algorithm.h>)
#include "dist.h"
#include "internal.h"

struct tg_pg_s {};
struct tg_ddp_s {};

namespace {
tg_error no_gloo() {
  return tg::error(
      "torchgo was built without Gloo's headers (gloo/algorithm.h): install libgloo-dev "
      "(scripts/setup.sh does) or use a libtorch that ships them, then rebuild");
}
}  // namespace

extern "C" {
tg_error tg_pg_new_gloo(const char *, int, int, int, int64_t, const char *, tg_pg *) { return no_gloo(); }
void tg_pg_free(tg_pg) {}
tg_error tg_pg_allreduce(tg_pg, tg_tensor, int) { return no_gloo(); }
tg_error tg_pg_broadcast(tg_pg, tg_tensor, int) { return no_gloo(); }
tg_error tg_pg_allgather(tg_pg, tg_tensor, const tg_tensor *, int64_t) { return no_gloo(); }
tg_error tg_pg_reduce_scatter(tg_pg, tg_tensor, const tg_tensor *, int64_t, int) { return no_gloo(); }
tg_error tg_pg_barrier(tg_pg) { return no_gloo(); }
tg_error tg_ddp_new(tg_pg, const tg_tensor *, int64_t, int64_t, int64_t, tg_ddp *) { return no_gloo(); }
void tg_ddp_free(tg_ddp) {}
void tg_ddp_set_sync(tg_ddp, int) {}
int64_t tg_ddp_num_buckets(tg_ddp) { return 0; }
}
#else
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>

#include <chrono>
#include <memory>
#include <mutex>

#include "dist.h"
#include "internal.h"

struct tg_pg_s {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = 0, size = 1;
  std::chrono::milliseconds timeout{0};

  // wait blocks on w, turning a failure or a timeout into an exception
  // that names the collective.
  void wait(const char *what, const c10::intrusive_ptr<c10d::Work> &w) const {
    std::string msg;
    try {
      w->wait(timeout);
      return;
    } catch (const c10::Error &e) {
      msg = e.what_without_backtrace();
    } catch (const std::exception &e) {
      msg = e.what();
    }
    throw std::runtime_error(std::string(what) + " on rank " + std::to_string(rank) + " of " + std::to_string(size) +
                             " failed: " + msg);
  }
};

namespace {

c10d::ReduceOp reduce_op(int op) {
  switch (op) {
    case TG_DIST_SUM: return c10d::ReduceOp::SUM;
    case TG_DIST_PRODUCT: return c10d::ReduceOp::PRODUCT;
    case TG_DIST_MIN: return c10d::ReduceOp::MIN;
    case TG_DIST_MAX: return c10d::ReduceOp::MAX;
  }
  throw std::invalid_argument("unknown reduce op " + std::to_string(op));
}

// Gloo has no AVG: sum, then divide (as torch.distributed's callers do).
void allreduce(tg_pg_s *p, at::Tensor &t, int op) {
  std::vector<at::Tensor> ts{t};
  c10d::AllreduceOptions o;
  o.reduceOp = reduce_op(op == TG_DIST_AVG ? TG_DIST_SUM : op);
  o.timeout = p->timeout;
  p->wait("all_reduce", p->pg->allreduce(ts, o));
  if (op == TG_DIST_AVG) t.div_(p->size);
}

}  // namespace

// DDP's state: buckets of flattened gradients, launched in order as
// backward produces their gradients, and finished by a callback that the
// autograd engine runs when backward ends.
struct tg_ddp_s {
  struct Bucket {
    std::vector<size_t> params;    // indices into ddp.params
    std::vector<int64_t> offsets;  // of each parameter in flat
    at::Tensor flat;
    size_t pending = 0;            // gradients not yet ready this backward
    c10::intrusive_ptr<c10d::Work> work;
  };

  tg_pg_s *pg = nullptr;
  std::vector<at::Tensor> params;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;  // kept alive, as DDP does
  std::vector<Bucket> buckets;
  std::vector<size_t> bucket_of;  // parameter -> bucket
  std::vector<bool> ready;        // parameter's gradient is in its bucket this backward
  size_t next = 0;                // next bucket to launch
  bool armed = false;             // a backward is in progress
  bool sync = true;
  std::mutex mu;

  void on_grad_ready(size_t i) {
    std::lock_guard<std::mutex> l(mu);
    if (!sync) return;
    if (!armed) {
      armed = true;
      next = 0;
      std::fill(ready.begin(), ready.end(), false);
      for (auto &b : buckets) b.pending = b.params.size();
      torch::autograd::Engine::get_default_engine().queue_callback([this] { finish(); });
    }
    mark(i);
  }

  void mark(size_t i) {
    if (ready[i]) return;
    ready[i] = true;
    if (--buckets[bucket_of[i]].pending == 0) {
      // Launch in bucket order only, so that every rank issues the same
      // collectives in the same order.
      while (next < buckets.size() && buckets[next].pending == 0) launch(buckets[next++]);
    }
  }

  void launch(Bucket &b) {
    const double scale = 1.0 / pg->size;
    for (size_t k = 0; k < b.params.size(); k++) {
      const at::Tensor &p = params[b.params[k]];
      at::Tensor view = b.flat.narrow(0, b.offsets[k], p.numel());
      const at::Tensor &g = p.grad();
      if (g.defined()) {
        at::mul_out(view, g.reshape({-1}), at::scalar_tensor(scale, at::kDouble));
      } else {
        view.zero_();  // unused this step: contributes zeros, as find_unused_parameters does
      }
    }
    std::vector<at::Tensor> ts{b.flat};
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    o.timeout = pg->timeout;
    b.work = pg->pg->allreduce(ts, o);
  }

  // finish runs when backward ends: buckets whose gradients never came
  // (parameters unused by this loss) are launched too, then every bucket
  // is awaited and copied back into the gradients.
  void finish() {
    std::lock_guard<std::mutex> l(mu);
    armed = false;
    for (size_t i = 0; i < params.size(); i++) mark(i);
    for (auto &b : buckets) {
      auto w = std::move(b.work);
      pg->wait("DDP gradient all_reduce", w);
      for (size_t k = 0; k < b.params.size(); k++) {
        at::Tensor &p = params[b.params[k]];
        at::Tensor avg = b.flat.narrow(0, b.offsets[k], p.numel()).view(p.sizes());
        if (p.grad().defined()) {
          p.mutable_grad().copy_(avg);
        } else {
          p.mutable_grad() = avg.clone();
        }
      }
    }
  }
};

namespace {

// GradReadyHook tells DDP that parameter i's gradient has been accumulated.
struct GradReadyHook : torch::autograd::FunctionPostHook {
  tg_ddp_s *ddp;
  size_t index;
  GradReadyHook(tg_ddp_s *d, size_t i) : ddp(d), index(i) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list &outputs,
                                            const torch::autograd::variable_list &) override {
    ddp->on_grad_ready(index);
    return outputs;
  }
};

}  // namespace

extern "C" {

tg_error tg_pg_new_gloo(const char *host, int port, int rank, int size, int64_t timeout_ms,
                        const char *ifname, tg_pg *out) {
  TG_TRY
  if (size < 1 || rank < 0 || rank >= size)
    throw std::invalid_argument("rank " + std::to_string(rank) + " is not in a group of size " +
                                std::to_string(size));
  if (port <= 0 || port > 65535) throw std::invalid_argument("port " + std::to_string(port) + " is out of range");
  auto p = std::make_unique<tg_pg_s>();
  p->rank = rank;
  p->size = size;
  p->timeout = std::chrono::milliseconds(timeout_ms);
  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(port);
  so.isServer = rank == 0;
  so.numWorkers = size;
  so.timeout = p->timeout;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  // 2.4 made libuv's store the default; Debian builds without libuv.
  so.useLibUV = false;
#endif
  p->store = c10::make_intrusive<c10d::TCPStore>(host, so);
  auto opts = c10d::ProcessGroupGloo::Options::create(p->timeout);
  if (ifname != nullptr && *ifname != 0) {
    opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  } else if (std::string(host) == "127.0.0.1" || std::string(host) == "localhost") {
    opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else {
    opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  p->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(p->store, rank, size, opts);
  *out = p.release();
  TG_CATCH
}

void tg_pg_free(tg_pg pg) { delete pg; }

tg_error tg_pg_allreduce(tg_pg pg, tg_tensor t, int op) {
  TG_TRY
  at::Tensor x = tg::T(t);
  allreduce(pg, x, op);
  TG_CATCH
}

tg_error tg_pg_broadcast(tg_pg pg, tg_tensor t, int root) {
  TG_TRY
  std::vector<at::Tensor> ts{tg::T(t)};
  c10d::BroadcastOptions o;
  o.rootRank = root;
  o.timeout = pg->timeout;
  pg->wait("broadcast", pg->pg->broadcast(ts, o));
  TG_CATCH
}

tg_error tg_pg_allgather(tg_pg pg, tg_tensor t, const tg_tensor *outs, int64_t n) {
  TG_TRY
  if (n != pg->size)
    throw std::invalid_argument("all_gather needs " + std::to_string(pg->size) + " outputs, got " + std::to_string(n));
  std::vector<at::Tensor> in{tg::T(t)};
  std::vector<std::vector<at::Tensor>> out(1);
  for (int64_t i = 0; i < n; i++) out[0].push_back(tg::T(outs[i]));
  c10d::AllgatherOptions o;
  o.timeout = pg->timeout;
  pg->wait("all_gather", pg->pg->allgather(out, in, o));
  TG_CATCH
}

// Gloo has no reduce_scatter in libtorch 1.13: all-reduce the stacked
// inputs and keep this rank's slice, which gives the same result.
tg_error tg_pg_reduce_scatter(tg_pg pg, tg_tensor out, const tg_tensor *ins, int64_t n, int op) {
  TG_TRY
  if (n != pg->size)
    throw std::invalid_argument("reduce_scatter needs " + std::to_string(pg->size) + " inputs, got " + std::to_string(n));
  std::vector<at::Tensor> parts;
  for (int64_t i = 0; i < n; i++) parts.push_back(tg::T(ins[i]));
  at::Tensor all = at::stack(parts);
  allreduce(pg, all, op);
  tg::T(out).copy_(all[pg->rank]);
  TG_CATCH
}

tg_error tg_pg_barrier(tg_pg pg) {
  TG_TRY
  c10d::BarrierOptions o;
  o.timeout = pg->timeout;
  pg->wait("barrier", pg->pg->barrier(o));
  TG_CATCH
}

tg_error tg_ddp_new(tg_pg pg, const tg_tensor *params, int64_t n, int64_t first_cap, int64_t cap, tg_ddp *out) {
  TG_TRY
  auto d = std::make_unique<tg_ddp_s>();
  d->pg = pg;
  for (int64_t i = 0; i < n; i++) {
    const at::Tensor &p = tg::T(params[i]);
    if (!p.requires_grad()) throw std::invalid_argument("parameter " + std::to_string(i) + " does not require grad");
    if (!p.is_leaf()) throw std::invalid_argument("parameter " + std::to_string(i) + " is not a leaf tensor");
    d->params.push_back(p);
  }
  // Buckets in reverse order (gradients come roughly last layer first),
  // the first one small so that communication starts early.
  d->bucket_of.assign(n, 0);
  d->ready.assign(n, false);
  tg_ddp_s::Bucket cur;
  int64_t bytes = 0;
  auto close = [&] {
    if (cur.params.empty()) return;
    cur.flat = at::empty({bytes / static_cast<int64_t>(d->params[cur.params[0]].element_size())},
                         d->params[cur.params[0]].options());
    d->buckets.push_back(std::move(cur));
    cur = tg_ddp_s::Bucket();
    bytes = 0;
  };
  for (int64_t i = n - 1; i >= 0; i--) {
    const at::Tensor &p = d->params[i];
    if (!cur.params.empty() && (d->params[cur.params[0]].scalar_type() != p.scalar_type() ||
                                d->params[cur.params[0]].device() != p.device()))
      close();
    cur.offsets.push_back(bytes / static_cast<int64_t>(p.element_size()));
    cur.params.push_back(i);
    d->bucket_of[i] = d->buckets.size();
    bytes += p.numel() * p.element_size();
    if (bytes >= (d->buckets.empty() ? first_cap : cap)) close();
  }
  close();
  for (int64_t i = 0; i < n; i++) {
    auto acc = torch::autograd::impl::grad_accumulator(d->params[i]);
    acc->add_post_hook(std::make_unique<GradReadyHook>(d.get(), i));
    d->accumulators.push_back(std::move(acc));
  }
  *out = d.release();
  TG_CATCH
}

// The hooks stay registered on the parameters' accumulators and point to
// d: freeing d while the parameters train on would leave them dangling, so
// tg_ddp_free stops the synchronisation and frees the buckets, keeping
// the small rest for the hooks, which then return at once.
void tg_ddp_free(tg_ddp d) {
  std::lock_guard<std::mutex> l(d->mu);
  d->sync = false;
  for (auto &b : d->buckets) b.flat = at::Tensor();
}

void tg_ddp_set_sync(tg_ddp d, int sync) {
  std::lock_guard<std::mutex> l(d->mu);
  d->sync = sync != 0;
}

int64_t tg_ddp_num_buckets(tg_ddp d) { return static_cast<int64_t>(d->buckets.size()); }

}  // extern "C"
#endif  // __has_include(<gloo/algorithm.h>)
