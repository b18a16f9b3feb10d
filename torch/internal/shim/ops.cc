// The tensor operations called directly rather than through the boxed
// dispatcher (see shim.h): the optimizers' in-place arithmetic, filling and
// copying, the views and matmul of the seed model's forward pass.
#include "internal.h"

extern "C" {

tg_error tg_relu(tg_tensor a, tg_tensor *out) { TG_RETURN(tg::T(a).relu()) }

tg_error tg_relu_(tg_tensor a) {
  TG_TRY
  tg::T(a).relu_();
  TG_CATCH
}

tg_error tg_add_(tg_tensor a, tg_tensor b) {
  TG_TRY
  tg::T(a).add_(tg::T(b));
  TG_CATCH
}

tg_error tg_add_scaled_(tg_tensor a, tg_tensor b, tg_scalar alpha) {
  TG_TRY
  tg::T(a).add_(tg::T(b), tg::scalar(alpha));
  TG_CATCH
}

// The number becomes a wrapped-number tensor, as Python's `t += 2` passes it.
tg_error tg_add_scalar_(tg_tensor a, tg_scalar b) {
  TG_TRY
  tg::T(a).add_(tg::wrapped_scalar(b));
  TG_CATCH
}

tg_error tg_mul_(tg_tensor a, tg_tensor b) {
  TG_TRY
  tg::T(a).mul_(tg::T(b));
  TG_CATCH
}

tg_error tg_mul_scalar_(tg_tensor a, tg_scalar b) {
  TG_TRY
  tg::T(a).mul_(tg::wrapped_scalar(b));
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

tg_error tg_view(tg_tensor a, const int64_t *shape, int64_t ndim, tg_tensor *out) {
  TG_RETURN(tg::T(a).view(tg::ints(shape, ndim)))
}

tg_error tg_reshape(tg_tensor a, const int64_t *shape, int64_t ndim, tg_tensor *out) {
  TG_RETURN(tg::T(a).reshape(tg::ints(shape, ndim)))
}

tg_error tg_matmul(tg_tensor a, tg_tensor b, tg_tensor *out) {
  TG_RETURN(tg::T(a).matmul(tg::T(b)))
}

}  // extern "C"
