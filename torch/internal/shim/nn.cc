// Neural-network functions: layers' forward passes and losses.
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: libtorch 2 no longer brings it in via ATen.h

#include "internal.h"

namespace {

at::IntArrayRef n_ints(const int64_t *p, int64_t n) { return tg::ints(p, n); }

}  // namespace

extern "C" {

tg_error tg_linear(tg_tensor x, tg_tensor w, tg_tensor b, tg_tensor *out) {
  TG_RETURN(at::linear(tg::T(x), tg::T(w), tg::opt(b)))
}

tg_error tg_conv(tg_tensor x, tg_tensor w, tg_tensor b, const int64_t *stride,
                 const int64_t *padding, const int64_t *dilation, int64_t nd, int64_t groups,
                 int same_padding, tg_tensor *out) {
  TG_TRY
  const at::Tensor &in = tg::T(x), &wt = tg::T(w);
  auto bias = tg::opt(b);
  auto s = n_ints(stride, nd), d = n_ints(dilation, nd);
  at::Tensor r;
  if (same_padding) {
    switch (nd) {
      case 1: r = at::conv1d(in, wt, bias, s, "same", d, groups); break;
      case 2: r = at::conv2d(in, wt, bias, s, "same", d, groups); break;
      case 3: r = at::conv3d(in, wt, bias, s, "same", d, groups); break;
      default: throw std::invalid_argument("convolution has 1, 2 or 3 spatial dims");
    }
  } else {
    auto p = n_ints(padding, nd);
    switch (nd) {
      case 1: r = at::conv1d(in, wt, bias, s, p, d, groups); break;
      case 2: r = at::conv2d(in, wt, bias, s, p, d, groups); break;
      case 3: r = at::conv3d(in, wt, bias, s, p, d, groups); break;
      default: throw std::invalid_argument("convolution has 1, 2 or 3 spatial dims");
    }
  }
  *out = tg::wrap(std::move(r));
  TG_CATCH
}

tg_error tg_conv_transpose2d(tg_tensor x, tg_tensor w, tg_tensor b, const int64_t *stride,
                             const int64_t *padding, const int64_t *output_padding,
                             const int64_t *dilation, int64_t groups, tg_tensor *out) {
  TG_RETURN(at::conv_transpose2d(tg::T(x), tg::T(w), tg::opt(b), n_ints(stride, 2),
                                 n_ints(padding, 2), n_ints(output_padding, 2), groups,
                                 n_ints(dilation, 2)))
}

tg_error tg_max_pool(tg_tensor x, const int64_t *kernel, const int64_t *stride,
                     const int64_t *padding, const int64_t *dilation, int64_t nd, int ceil_mode,
                     tg_tensor *out) {
  TG_TRY
  auto k = n_ints(kernel, nd), s = n_ints(stride, nd), p = n_ints(padding, nd),
       d = n_ints(dilation, nd);
  at::Tensor r;
  switch (nd) {
    case 1: r = at::max_pool1d(tg::T(x), k, s, p, d, ceil_mode != 0); break;
    case 2: r = at::max_pool2d(tg::T(x), k, s, p, d, ceil_mode != 0); break;
    case 3: r = at::max_pool3d(tg::T(x), k, s, p, d, ceil_mode != 0); break;
    default: throw std::invalid_argument("max pooling has 1, 2 or 3 spatial dims");
  }
  *out = tg::wrap(std::move(r));
  TG_CATCH
}

tg_error tg_avg_pool2d(tg_tensor x, const int64_t *kernel, const int64_t *stride,
                       const int64_t *padding, int ceil_mode, int count_include_pad,
                       tg_tensor *out) {
  TG_RETURN(at::avg_pool2d(tg::T(x), n_ints(kernel, 2), n_ints(stride, 2), n_ints(padding, 2),
                           ceil_mode != 0, count_include_pad != 0))
}

tg_error tg_adaptive_avg_pool2d(tg_tensor x, int64_t oh, int64_t ow, tg_tensor *out) {
  TG_RETURN(at::adaptive_avg_pool2d(tg::T(x), {oh, ow}))
}

tg_error tg_softmax(tg_tensor x, int64_t dim, int log, tg_tensor *out) {
  TG_RETURN(log ? at::log_softmax(tg::T(x), dim) : at::softmax(tg::T(x), dim))
}

tg_error tg_leaky_relu(tg_tensor x, double slope, tg_tensor *out) {
  TG_RETURN(at::leaky_relu(tg::T(x), slope))
}

tg_error tg_gelu(tg_tensor x, int tanh_approx, tg_tensor *out) {
  TG_RETURN(at::gelu(tg::T(x), tanh_approx ? "tanh" : "none"))
}

tg_error tg_dropout(tg_tensor x, double p, int train, tg_tensor *out) {
  TG_RETURN(at::dropout(tg::T(x), p, train != 0))
}

tg_error tg_batch_norm(tg_tensor x, tg_tensor w, tg_tensor b, tg_tensor rmean, tg_tensor rvar,
                       int training, double momentum, double eps, tg_tensor *out) {
  TG_RETURN(at::batch_norm(tg::T(x), tg::opt(w), tg::opt(b), tg::opt(rmean), tg::opt(rvar),
                           training != 0, momentum, eps, true))
}

tg_error tg_layer_norm(tg_tensor x, const int64_t *shape, int64_t nd, tg_tensor w, tg_tensor b,
                       double eps, tg_tensor *out) {
  TG_RETURN(at::layer_norm(tg::T(x), n_ints(shape, nd), tg::opt(w), tg::opt(b), eps, true))
}

tg_error tg_group_norm(tg_tensor x, int64_t groups, tg_tensor w, tg_tensor b, double eps,
                       tg_tensor *out) {
  TG_RETURN(at::group_norm(tg::T(x), groups, tg::opt(w), tg::opt(b), eps, true))
}

tg_error tg_embedding(tg_tensor w, tg_tensor idx, int64_t padding_idx, tg_tensor *out) {
  TG_RETURN(at::embedding(tg::T(w), tg::T(idx), padding_idx, false, false))
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

tg_error tg_loss(int kind, tg_tensor x, tg_tensor y, tg_tensor weight, tg_tensor extra,
                 int64_t reduction, double arg, tg_tensor *out) {
  TG_TRY
  const at::Tensor &a = tg::T(x), &b = tg::T(y);
  at::Tensor r;
  switch (kind) {
    case 0: r = at::mse_loss(a, b, reduction); break;
    case 1: r = at::l1_loss(a, b, reduction); break;
    case 2: r = at::smooth_l1_loss(a, b, reduction, arg); break;
    case 3: r = at::binary_cross_entropy(a, b, tg::opt(weight), reduction); break;
    case 4:
      r = at::binary_cross_entropy_with_logits(a, b, tg::opt(weight), tg::opt(extra), reduction);
      break;
    case 5: r = at::kl_div(a, b, reduction, arg != 0); break;
    default: throw std::invalid_argument("unknown loss " + std::to_string(kind));
  }
  *out = tg::wrap(std::move(r));
  TG_CATCH
}

tg_error tg_pad(tg_tensor x, const int64_t *pad, int64_t n, int mode, double value,
                tg_tensor *out) {
  TG_TRY
  static const char *modes[] = {"constant", "reflect", "replicate", "circular"};
  if (mode < 0 || mode > 3) throw std::invalid_argument("unknown padding mode");
  c10::optional<double> v;
  if (mode == 0) v = value;
  *out = tg::wrap(at::pad(tg::T(x), n_ints(pad, n), modes[mode], v));
  TG_CATCH
}

tg_error tg_interpolate(tg_tensor x, const int64_t *size, int64_t nd, int mode, int align_corners,
                        tg_tensor *out) {
  TG_TRY
  if (nd != 2) throw std::invalid_argument("interpolate supports 2 spatial dims (NCHW input)");
  auto s = n_ints(size, nd);
  *out = tg::wrap(mode == 0 ? at::upsample_nearest2d(tg::T(x), s)
                            : at::upsample_bilinear2d(tg::T(x), s, align_corners != 0));
  TG_CATCH
}

tg_error tg_one_hot(tg_tensor x, int64_t num_classes, tg_tensor *out) {
  TG_RETURN(at::one_hot(tg::T(x), num_classes))
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

tg_error tg_amp_unscale(const tg_tensor *grads, int64_t n, tg_tensor found_inf, tg_tensor inv_scale) {
  TG_TRY
  std::vector<at::Tensor> gs;
  for (int64_t i = 0; i < n; i++) gs.push_back(tg::T(grads[i]));
  at::Tensor fi = tg::T(found_inf);
  at::_amp_foreach_non_finite_check_and_unscale_(gs, fi, tg::T(inv_scale));
  TG_CATCH
}

tg_error tg_amp_update_scale(tg_tensor scale, tg_tensor growth_tracker, tg_tensor found_inf, double growth,
                             double backoff, int64_t interval) {
  TG_TRY
  at::Tensor s = tg::T(scale), g = tg::T(growth_tracker);
  at::_amp_update_scale_(s, g, tg::T(found_inf), growth, backoff, interval);
  TG_CATCH
}

}  // extern "C"
