// The neural-network functions called directly (see shim.h): the seed
// model's layers and loss, and gradient-norm clipping.
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: libtorch 2 no longer brings it in via ATen.h

#include "internal.h"

namespace {

at::IntArrayRef n_ints(const int64_t *p, int64_t n) { return tg::ints(p, n); }

}  // namespace

extern "C" {

tg_error tg_linear(tg_tensor x, tg_tensor w, tg_tensor b, tg_tensor *out) {
  TG_RETURN(at::linear(tg::T(x), tg::T(w), tg::opt(b)))
}

tg_error tg_conv2d(tg_tensor x, tg_tensor w, tg_tensor b, const int64_t *stride,
                   const int64_t *padding, const int64_t *dilation, int64_t groups, tg_tensor *out) {
  TG_RETURN(at::conv2d(tg::T(x), tg::T(w), tg::opt(b), n_ints(stride, 2), n_ints(padding, 2),
                       n_ints(dilation, 2), groups))
}

tg_error tg_max_pool2d(tg_tensor x, const int64_t *kernel, const int64_t *stride,
                       const int64_t *padding, const int64_t *dilation, int ceil_mode,
                       tg_tensor *out) {
  TG_RETURN(at::max_pool2d(tg::T(x), n_ints(kernel, 2), n_ints(stride, 2), n_ints(padding, 2),
                           n_ints(dilation, 2), ceil_mode != 0))
}

tg_error tg_log_softmax(tg_tensor x, int64_t dim, tg_tensor *out) {
  TG_RETURN(at::log_softmax(tg::T(x), dim))
}

tg_error tg_cross_entropy(tg_tensor x, tg_tensor target, tg_tensor weight, int64_t reduction,
                          int64_t ignore_index, double label_smoothing, tg_tensor *out) {
  TG_RETURN(at::cross_entropy_loss(tg::T(x), tg::T(target), tg::opt(weight), reduction,
                                   ignore_index, label_smoothing))
}

tg_error tg_nll_loss(tg_tensor x, tg_tensor target, tg_tensor weight, int64_t reduction,
                     int64_t ignore_index, tg_tensor *out) {
  TG_RETURN(at::nll_loss_nd(tg::T(x), tg::T(target), tg::opt(weight), reduction, ignore_index))
}

// The same arithmetic as torch.nn.utils.clip_grad_norm_ in PyTorch 1.13.
tg_error tg_clip_grad_norm(const tg_tensor *params, int64_t n, double max_norm, double norm_type,
                           double *total) {
  TG_TRY
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> grads;
  for (int64_t i = 0; i < n; i++) {
    const at::Tensor &g = tg::T(params[i]).grad();
    if (g.defined()) grads.push_back(g);
  }
  *total = 0;
  if (grads.empty()) return nullptr;
  auto device = grads[0].device();
  at::Tensor total_norm;
  std::vector<at::Tensor> norms;
  if (std::isinf(norm_type)) {
    for (auto &g : grads) norms.push_back(g.detach().abs().max().to(device));
    total_norm = norms.size() == 1 ? norms[0] : at::stack(norms).max();
  } else {
    for (auto &g : grads) norms.push_back(at::norm(g.detach(), norm_type).to(device));
    total_norm = at::norm(at::stack(norms), norm_type);
  }
  // Python computes max_norm / t as t.reciprocal() * max_norm
  // (Tensor.__rtruediv__); a true division rounds differently.
  at::Tensor coef = ((total_norm + 1e-6).reciprocal() * max_norm).clamp_max(1.0);
  for (auto &g : grads) g.detach().mul_(coef.to(g.device()));
  *total = total_norm.item<double>();
  TG_CATCH
}

}  // extern "C"
