// Tensor operations: one entry point per op or per table of like ops.
#include "internal.h"

namespace {

at::Tensor unary(int op, const at::Tensor &a) {
  switch (op) {
    case TG_NEG: return a.neg();
    case TG_ABS: return a.abs();
    case TG_EXP: return a.exp();
    case TG_LOG: return a.log();
    case TG_SQRT: return a.sqrt();
    case TG_RSQRT: return a.rsqrt();
    case TG_SIN: return a.sin();
    case TG_COS: return a.cos();
    case TG_TANH: return a.tanh();
    case TG_SIGMOID: return a.sigmoid();
    case TG_RELU: return a.relu();
    case TG_FLOOR: return a.floor();
    case TG_CEIL: return a.ceil();
    case TG_ROUND: return a.round();
    case TG_TRUNC: return a.trunc();
    case TG_SIGN: return a.sign();
    case TG_RECIPROCAL: return a.reciprocal();
    case TG_SQUARE: return a.square();
    case TG_LOG1P: return a.log1p();
    case TG_EXPM1: return a.expm1();
    case TG_LOG2: return a.log2();
    case TG_LOG10: return a.log10();
    case TG_ERF: return a.erf();
    case TG_SILU: return at::silu(a);
    case TG_LOGICAL_NOT: return a.logical_not();
    case TG_ISNAN: return a.isnan();
    case TG_ISINF: return a.isinf();
    case TG_ISFINITE: return a.isfinite();
    case TG_ERFINV: return a.erfinv();
  }
  throw std::invalid_argument("unknown unary op " + std::to_string(op));
}

void unary_(int op, const at::Tensor &a) {
  switch (op) {
    case TG_NEG: a.neg_(); return;
    case TG_ABS: a.abs_(); return;
    case TG_EXP: a.exp_(); return;
    case TG_LOG: a.log_(); return;
    case TG_SQRT: a.sqrt_(); return;
    case TG_RSQRT: a.rsqrt_(); return;
    case TG_SIN: a.sin_(); return;
    case TG_COS: a.cos_(); return;
    case TG_TANH: a.tanh_(); return;
    case TG_SIGMOID: a.sigmoid_(); return;
    case TG_RELU: a.relu_(); return;
    case TG_FLOOR: a.floor_(); return;
    case TG_CEIL: a.ceil_(); return;
    case TG_ROUND: a.round_(); return;
    case TG_TRUNC: a.trunc_(); return;
    case TG_SIGN: a.sign_(); return;
    case TG_RECIPROCAL: a.reciprocal_(); return;
    case TG_SQUARE: a.square_(); return;
    case TG_LOG1P: a.log1p_(); return;
    case TG_EXPM1: a.expm1_(); return;
    case TG_LOG2: a.log2_(); return;
    case TG_LOG10: a.log10_(); return;
    case TG_ERF: a.erf_(); return;
    case TG_SILU: at::silu_(const_cast<at::Tensor &>(a)); return;
    case TG_LOGICAL_NOT: a.logical_not_(); return;
    case TG_ERFINV: a.erfinv_(); return;
  }
  throw std::invalid_argument("unary op " + std::to_string(op) + " has no in-place form");
}

at::Tensor binary(int op, const at::Tensor &a, const at::Tensor &b) {
  switch (op) {
    case TG_ADD: return a.add(b);
    case TG_SUB: return a.sub(b);
    case TG_MUL: return a.mul(b);
    case TG_DIV: return a.div(b);
    case TG_FLOOR_DIVIDE: tg::check_int_division("floor_divide", a, b); return a.div(b, "floor");
    case TG_REMAINDER: tg::check_int_division("remainder", a, b); return a.remainder(b);
    case TG_POW: return a.pow(b);
    case TG_ATAN2: return a.atan2(b);
    case TG_MAXIMUM: return a.maximum(b);
    case TG_MINIMUM: return a.minimum(b);
    case TG_EQ: return a.eq(b);
    case TG_NE: return a.ne(b);
    case TG_LT: return a.lt(b);
    case TG_LE: return a.le(b);
    case TG_GT: return a.gt(b);
    case TG_GE: return a.ge(b);
    case TG_LOGICAL_AND: return a.logical_and(b);
    case TG_LOGICAL_OR: return a.logical_or(b);
    case TG_LOGICAL_XOR: return a.logical_xor(b);
  }
  throw std::invalid_argument("unknown binary op " + std::to_string(op));
}

void binary_(int op, const at::Tensor &a, const at::Tensor &b) {
  switch (op) {
    case TG_ADD: a.add_(b); return;
    case TG_SUB: a.sub_(b); return;
    case TG_MUL: a.mul_(b); return;
    case TG_DIV: a.div_(b); return;
    case TG_FLOOR_DIVIDE: tg::check_int_division("floor_divide_", a, b); a.div_(b, "floor"); return;
    case TG_REMAINDER: tg::check_int_division("remainder_", a, b); a.remainder_(b); return;
    case TG_POW: a.pow_(b); return;
    case TG_ATAN2: a.atan2_(b); return;
  }
  throw std::invalid_argument("binary op " + std::to_string(op) + " has no in-place form");
}

at::Tensor reduce(int op, const at::Tensor &a, bool all, at::IntArrayRef dims, bool keepdim,
                  c10::optional<at::ScalarType> dtype) {
  if (all) {
    switch (op) {
      case TG_SUM: return a.sum(dtype);
      case TG_MEAN: return a.mean(dtype);
      case TG_PROD: return a.prod(dtype);
      case TG_AMAX: return a.max();
      case TG_AMIN: return a.min();
      case TG_ALL: return a.all();
      case TG_ANY: return a.any();
      case TG_NORM2: return a.norm();
      case TG_LOGSUMEXP: {
        std::vector<int64_t> every(a.dim());
        for (int64_t i = 0; i < a.dim(); i++) every[i] = i;
        return a.logsumexp(every, false);
      }
    }
  } else {
    switch (op) {
      case TG_SUM: return a.sum(dims, keepdim, dtype);
      case TG_MEAN: return a.mean(dims, keepdim, dtype);
      case TG_PROD:
        if (dims.size() != 1) throw std::invalid_argument("prod reduces one dim at a time");
        return a.prod(dims[0], keepdim, dtype);
      case TG_AMAX: return a.amax(dims, keepdim);
      case TG_AMIN: return a.amin(dims, keepdim);
      case TG_LOGSUMEXP: return a.logsumexp(dims, keepdim);
      case TG_ALL:
        if (dims.size() != 1) throw std::invalid_argument("all reduces one dim at a time");
        return a.all(dims[0], keepdim);
      case TG_ANY:
        if (dims.size() != 1) throw std::invalid_argument("any reduces one dim at a time");
        return a.any(dims[0], keepdim);
      case TG_NORM2: return at::norm(a, 2, dims, keepdim);
    }
  }
  throw std::invalid_argument("unknown reduction " + std::to_string(op));
}

// Hands a vector of tensors back as a malloc'ed array of handles.
void handles(std::vector<at::Tensor> &&ts, tg_tensor **out, int64_t *n) {
  *n = static_cast<int64_t>(ts.size());
  *out = nullptr;
  if (ts.empty()) return;
  auto arr = static_cast<tg_tensor *>(std::malloc(ts.size() * sizeof(tg_tensor)));
  if (arr == nullptr) throw std::bad_alloc();
  for (size_t i = 0; i < ts.size(); i++) arr[i] = tg::wrap(std::move(ts[i]));
  *out = arr;
}

}  // namespace

extern "C" {

tg_error tg_unary(int op, tg_tensor a, tg_tensor *out) { TG_RETURN(unary(op, tg::T(a))) }

tg_error tg_unary_(int op, tg_tensor a) {
  TG_TRY
  unary_(op, tg::T(a));
  TG_CATCH
}

tg_error tg_binary(int op, tg_tensor a, tg_tensor b, tg_tensor *out) {
  TG_RETURN(binary(op, tg::T(a), tg::T(b)))
}

tg_error tg_binary_scalar(int op, tg_tensor a, tg_scalar b, tg_tensor *out) {
  TG_RETURN(binary(op, tg::T(a), tg::wrapped_scalar(b)))
}

tg_error tg_binary_(int op, tg_tensor a, tg_tensor b) {
  TG_TRY
  binary_(op, tg::T(a), tg::T(b));
  TG_CATCH
}

tg_error tg_binary_scalar_(int op, tg_tensor a, tg_scalar b) {
  TG_TRY
  binary_(op, tg::T(a), tg::wrapped_scalar(b));
  TG_CATCH
}

tg_error tg_add_scaled_(tg_tensor a, tg_tensor b, tg_scalar alpha) {
  TG_TRY
  tg::T(a).add_(tg::T(b), tg::scalar(alpha));
  TG_CATCH
}

tg_error tg_addcmul_(tg_tensor a, tg_tensor b, tg_tensor c, tg_scalar value) {
  TG_TRY
  tg::T(a).addcmul_(tg::T(b), tg::T(c), tg::scalar(value));
  TG_CATCH
}

tg_error tg_addcdiv_(tg_tensor a, tg_tensor b, tg_tensor c, tg_scalar value) {
  TG_TRY
  tg::T(a).addcdiv_(tg::T(b), tg::T(c), tg::scalar(value));
  TG_CATCH
}

tg_error tg_lerp_(tg_tensor a, tg_tensor end, tg_scalar weight) {
  TG_TRY
  tg::T(a).lerp_(tg::T(end), tg::scalar(weight));
  TG_CATCH
}

tg_error tg_fill_(tg_tensor a, tg_scalar v) {
  TG_TRY
  tg::T(a).fill_(tg::scalar(v));
  TG_CATCH
}

tg_error tg_zero_(tg_tensor a) {
  TG_TRY
  tg::T(a).zero_();
  TG_CATCH
}

tg_error tg_copy_(tg_tensor dst, tg_tensor src) {
  TG_TRY
  tg::T(dst).copy_(tg::T(src));
  TG_CATCH
}

tg_error tg_set_data(tg_tensor dst, tg_tensor src) {
  TG_TRY
  tg::T(dst).set_data(tg::T(src));
  TG_CATCH
}

tg_error tg_uniform_(tg_tensor a, double from, double to, tg_generator g) {
  TG_TRY
  tg::T(a).uniform_(from, to, tg::gen(g));
  TG_CATCH
}

tg_error tg_normal_(tg_tensor a, double mean, double std, tg_generator g) {
  TG_TRY
  tg::T(a).normal_(mean, std, tg::gen(g));
  TG_CATCH
}

tg_error tg_bernoulli_(tg_tensor a, double p, tg_generator g) {
  TG_TRY
  tg::T(a).bernoulli_(p, tg::gen(g));
  TG_CATCH
}

tg_error tg_random_(tg_tensor a, tg_generator g) {
  TG_TRY
  tg::T(a).random_(tg::gen(g));
  TG_CATCH
}

tg_error tg_pow_scalar_base(tg_scalar base, tg_tensor e, tg_tensor *out) {
  TG_RETURN(at::pow(tg::scalar(base), tg::T(e)))
}

static c10::optional<at::Scalar> opt_scalar(const tg_scalar *s) {
  if (s == nullptr) return c10::nullopt;
  return tg::scalar(*s);
}

tg_error tg_clamp(tg_tensor a, const tg_scalar *min, const tg_scalar *max, tg_tensor *out) {
  TG_RETURN(tg::T(a).clamp(opt_scalar(min), opt_scalar(max)))
}

tg_error tg_clamp_(tg_tensor a, const tg_scalar *min, const tg_scalar *max) {
  TG_TRY
  tg::T(a).clamp_(opt_scalar(min), opt_scalar(max));
  TG_CATCH
}

tg_error tg_where(tg_tensor cond, tg_tensor a, tg_tensor b, tg_tensor *out) {
  TG_RETURN(at::where(tg::T(cond), tg::T(a), tg::T(b)))
}

tg_error tg_equal(tg_tensor a, tg_tensor b, int *out) {
  TG_TRY
  *out = tg::T(a).equal(tg::T(b));
  TG_CATCH
}

tg_error tg_allclose(tg_tensor a, tg_tensor b, double rtol, double atol, int equal_nan, int *out) {
  TG_TRY
  *out = tg::T(a).allclose(tg::T(b), rtol, atol, equal_nan != 0);
  TG_CATCH
}

tg_error tg_reduce(int op, tg_tensor a, int all, const int64_t *dims, int64_t ndims, int keepdim,
                   int dtype, tg_tensor *out) {
  TG_TRY
  c10::optional<at::ScalarType> dt;
  if (dtype >= 0) dt = static_cast<at::ScalarType>(dtype);
  *out = tg::wrap(reduce(op, tg::T(a), all != 0, tg::ints(dims, ndims), keepdim != 0, dt));
  TG_CATCH
}

tg_error tg_var_std(int is_std, tg_tensor a, int all, const int64_t *dims, int64_t ndims,
                    int unbiased, int keepdim, tg_tensor *out) {
  TG_TRY
  const at::Tensor &t = tg::T(a);
  at::OptionalIntArrayRef d;
  if (!all) d = tg::ints(dims, ndims);
  *out = tg::wrap(is_std ? at::std(t, d, unbiased != 0, keepdim != 0)
                         : at::var(t, d, unbiased != 0, keepdim != 0));
  TG_CATCH
}

tg_error tg_minmax_dim(int is_max, tg_tensor a, int64_t dim, int keepdim, tg_tensor *values,
                       tg_tensor *indices) {
  TG_TRY
  auto r = is_max ? tg::T(a).max(dim, keepdim != 0) : tg::T(a).min(dim, keepdim != 0);
  *values = tg::wrap(std::get<0>(r));
  *indices = tg::wrap(std::get<1>(r));
  TG_CATCH
}

tg_error tg_argminmax(int is_max, tg_tensor a, int all, int64_t dim, int keepdim, tg_tensor *out) {
  TG_TRY
  c10::optional<int64_t> d;
  if (!all) d = dim;
  *out = tg::wrap(is_max ? tg::T(a).argmax(d, keepdim != 0) : tg::T(a).argmin(d, keepdim != 0));
  TG_CATCH
}

tg_error tg_topk(tg_tensor a, int64_t k, int64_t dim, int largest, int sorted, tg_tensor *values,
                 tg_tensor *indices) {
  TG_TRY
  auto r = tg::T(a).topk(k, dim, largest != 0, sorted != 0);
  *values = tg::wrap(std::get<0>(r));
  *indices = tg::wrap(std::get<1>(r));
  TG_CATCH
}

tg_error tg_sort(tg_tensor a, int64_t dim, int descending, tg_tensor *values, tg_tensor *indices) {
  TG_TRY
  auto r = tg::T(a).sort(dim, descending != 0);
  *values = tg::wrap(std::get<0>(r));
  *indices = tg::wrap(std::get<1>(r));
  TG_CATCH
}

tg_error tg_cumsum(tg_tensor a, int64_t dim, tg_tensor *out) { TG_RETURN(tg::T(a).cumsum(dim)) }

// ---- shape ops ----

tg_error tg_view(tg_tensor a, const int64_t *shape, int64_t ndim, tg_tensor *out) {
  TG_RETURN(tg::T(a).view(tg::ints(shape, ndim)))
}
tg_error tg_reshape(tg_tensor a, const int64_t *shape, int64_t ndim, tg_tensor *out) {
  TG_RETURN(tg::T(a).reshape(tg::ints(shape, ndim)))
}
tg_error tg_expand(tg_tensor a, const int64_t *shape, int64_t ndim, tg_tensor *out) {
  TG_RETURN(tg::T(a).expand(tg::ints(shape, ndim)))
}
tg_error tg_permute(tg_tensor a, const int64_t *dims, int64_t ndim, tg_tensor *out) {
  TG_RETURN(tg::T(a).permute(tg::ints(dims, ndim)))
}
tg_error tg_repeat(tg_tensor a, const int64_t *reps, int64_t ndim, tg_tensor *out) {
  TG_RETURN(tg::T(a).repeat(tg::ints(reps, ndim)))
}
tg_error tg_unsqueeze(tg_tensor a, int64_t dim, tg_tensor *out) {
  TG_RETURN(tg::T(a).unsqueeze(dim))
}
tg_error tg_squeeze(tg_tensor a, int all, int64_t dim, tg_tensor *out) {
  TG_RETURN(all ? tg::T(a).squeeze() : tg::T(a).squeeze(dim))
}
tg_error tg_transpose(tg_tensor a, int64_t d0, int64_t d1, tg_tensor *out) {
  TG_RETURN(tg::T(a).transpose(d0, d1))
}
tg_error tg_flatten(tg_tensor a, int64_t start, int64_t end, tg_tensor *out) {
  TG_RETURN(tg::T(a).flatten(start, end))
}
tg_error tg_contiguous(tg_tensor a, tg_tensor *out) { TG_RETURN(tg::T(a).contiguous()) }
tg_error tg_as_strided(tg_tensor a, const int64_t *shape, const int64_t *stride, int64_t ndim,
                       int64_t offset, tg_tensor *out) {
  TG_RETURN(tg::T(a).as_strided(tg::ints(shape, ndim), tg::ints(stride, ndim), offset))
}
tg_error tg_clone(tg_tensor a, tg_tensor *out) { TG_RETURN(tg::T(a).clone()) }
tg_error tg_detach(tg_tensor a, tg_tensor *out) { TG_RETURN(tg::T(a).detach()) }

tg_error tg_pin_memory(tg_tensor a, tg_tensor *out) { TG_RETURN(tg::T(a).pin_memory()) }

tg_error tg_is_pinned(tg_tensor a, int *out) {
  TG_TRY
  *out = tg::T(a).is_pinned() ? 1 : 0;
  TG_CATCH
}
tg_error tg_narrow(tg_tensor a, int64_t dim, int64_t start, int64_t length, tg_tensor *out) {
  TG_RETURN(tg::T(a).narrow(dim, start, length))
}
tg_error tg_slice(tg_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step,
                  tg_tensor *out) {
  TG_RETURN(tg::T(a).slice(dim, start, end, step))
}
tg_error tg_select(tg_tensor a, int64_t dim, int64_t index, tg_tensor *out) {
  TG_RETURN(tg::T(a).select(dim, index))
}
tg_error tg_index_select(tg_tensor a, int64_t dim, tg_tensor index, tg_tensor *out) {
  TG_RETURN(tg::T(a).index_select(dim, tg::T(index)))
}

static c10::List<c10::optional<at::Tensor>> index_list(tg_tensor index) {
  c10::List<c10::optional<at::Tensor>> l;
  l.push_back(tg::T(index));
  return l;
}

tg_error tg_index(tg_tensor a, tg_tensor index, tg_tensor *out) {
  TG_RETURN(tg::T(a).index(index_list(index)))
}

tg_error tg_index_put_(tg_tensor a, tg_tensor index, tg_tensor values) {
  TG_TRY
  tg::T(a).index_put_(index_list(index), tg::T(values));
  TG_CATCH
}

tg_error tg_masked_fill(tg_tensor a, tg_tensor mask, tg_scalar v, tg_tensor *out) {
  TG_RETURN(tg::T(a).masked_fill(tg::T(mask), tg::scalar(v)))
}

tg_error tg_gather(tg_tensor a, int64_t dim, tg_tensor index, tg_tensor *out) {
  TG_RETURN(tg::T(a).gather(dim, tg::T(index)))
}

tg_error tg_cat(const tg_tensor *ts, int64_t n, int64_t dim, int stack, tg_tensor *out) {
  TG_TRY
  std::vector<at::Tensor> v;
  v.reserve(n);
  for (int64_t i = 0; i < n; i++) v.push_back(tg::T(ts[i]));
  *out = tg::wrap(stack ? at::stack(v, dim) : at::cat(v, dim));
  TG_CATCH
}

tg_error tg_split(tg_tensor a, int mode, int64_t arg, int64_t dim, tg_tensor **out, int64_t *n) {
  TG_TRY
  handles(mode == 0 ? tg::T(a).chunk(arg, dim) : tg::T(a).split(arg, dim), out, n);
  TG_CATCH
}

tg_error tg_split_sizes(tg_tensor a, const int64_t *sizes, int64_t nsizes, int64_t dim,
                        tg_tensor **out, int64_t *n) {
  TG_TRY
  handles(tg::T(a).split_with_sizes(tg::ints(sizes, nsizes), dim), out, n);
  TG_CATCH
}

tg_error tg_matmul(tg_tensor a, tg_tensor b, tg_tensor *out) {
  TG_RETURN(tg::T(a).matmul(tg::T(b)))
}

}  // extern "C"
