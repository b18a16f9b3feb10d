/*
 * torchgo's C API over libtorch: extern "C" functions on opaque handles.
 *
 * Conventions, the same for every entry point:
 *  - The return value is an error: NULL on success, otherwise a malloc'ed
 *    message (libtorch's text without the C++ backtrace) that the caller frees.
 *  - Results come back through out-parameters supplied by the caller.
 *  - A tensor handle owns one reference to a libtorch tensor. Handles created
 *    while the calling OS thread has an open scope are registered in it; see
 *    tg_scope_push.
 *  - Nothing is kept in thread-local storage for a later call to read, except
 *    libtorch's own per-thread modes (grad mode) and the scope stack, which
 *    the Go side only touches with the goroutine locked to its thread.
 */
#ifndef TORCHGO_SHIM_H
#define TORCHGO_SHIM_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_tensor_s *tg_tensor;
typedef struct tg_arena_s *tg_arena;
typedef struct tg_generator_s *tg_generator;
typedef struct tg_script_s *tg_script;
typedef char *tg_error;

/* A Python-style number: kind 0 = float (f), 1 = int (i), 2 = bool (i != 0). */
typedef struct {
  int kind;
  double f;
  int64_t i;
} tg_scalar;


/* Op codes for the table-driven entry points in ops.cc. */
enum tg_unary_op {
  TG_NEG, TG_ABS, TG_EXP, TG_LOG, TG_SQRT, TG_RSQRT, TG_SIN, TG_COS, TG_TANH, TG_SIGMOID,
  TG_RELU, TG_FLOOR, TG_CEIL, TG_ROUND, TG_TRUNC, TG_SIGN, TG_RECIPROCAL, TG_SQUARE,
  TG_LOG1P, TG_EXPM1, TG_LOG2, TG_LOG10, TG_ERF, TG_SILU, TG_LOGICAL_NOT, TG_ISNAN, TG_ISINF,
  TG_ISFINITE, TG_ERFINV, TG_UNARY_COUNT
};
enum tg_binary_op {
  TG_ADD, TG_SUB, TG_MUL, TG_DIV, TG_FLOOR_DIVIDE, TG_REMAINDER, TG_POW, TG_ATAN2, TG_MAXIMUM,
  TG_MINIMUM, TG_EQ, TG_NE, TG_LT, TG_LE, TG_GT, TG_GE, TG_LOGICAL_AND, TG_LOGICAL_OR,
  TG_LOGICAL_XOR, TG_BINARY_COUNT
};
enum tg_reduce_op { TG_SUM, TG_MEAN, TG_PROD, TG_AMAX, TG_AMIN, TG_LOGSUMEXP, TG_ALL, TG_ANY, TG_NORM2 };

/* Every handle begins with this header, which the Go side reads without a
 * call: owner is the tag given to tg_scope_push for the scope the handle was
 * created in (NULL outside scopes). Such a handle's caller reference belongs
 * to the scope's arena, not to the caller: see tg_scope_pop. */
struct tg_tensor_head {
  void *owner;
};

/* ---- handles, memory, scopes (tensor.cc) ---- */
tg_error tg_tensor_free(tg_tensor t);    /* releases the data now and drops the caller's reference */
void tg_tensor_release(tg_tensor t);     /* releases the data now; references unchanged */
int64_t tg_live_tensors(void);           /* handles whose data is still held */
/* Opens a scope tagged owner (a pinned Go object: stored in its handles). */
void tg_scope_push(void *owner);
/* Frees every tensor of the top scope not kept, and returns its arena: the
 * caller references of the handles created in it, which tg_arena_free drops
 * (freeing the data of those still held) once nothing uses them; NULL when
 * the scope created no handle. *pending: the handles in arenas not yet freed. */
tg_arena tg_scope_pop(int64_t *pending);
void tg_arena_free(tg_arena a);
int tg_scope_depth(void);
tg_error tg_scope_keep(tg_tensor t);     /* move t to the parent scope when the top one ends */
tg_error tg_tensor_persist(tg_tensor t); /* take t out of every scope */

/* ---- metadata and data movement (tensor.cc) ---- */
tg_error tg_tensor_info(tg_tensor t, int *dtype, int *device_type, int *device_index, int64_t *dim,
                        int64_t *numel, int *requires_grad, int *is_leaf, int *contiguous);
tg_error tg_tensor_sizes(tg_tensor t, int64_t *out, int64_t cap);
tg_error tg_tensor_strides(tg_tensor t, int64_t *out, int64_t cap);
tg_error tg_tensor_from_data(const void *data, size_t nbytes, const int64_t *shape, int64_t ndim,
                             int dtype, tg_tensor *out);
tg_error tg_tensor_copy_out(tg_tensor t, void *dst, size_t nbytes, int dtype);
tg_error tg_tensor_item(tg_tensor t, tg_scalar *out);
tg_error tg_tensor_to(tg_tensor t, int dtype, int device_type, int device_index, int non_blocking,
                      int copy, tg_tensor *out);
tg_error tg_tensor_grad_fn_name(tg_tensor t, char **out); /* *out NULL for leaves */

/* ---- creation (tensor.cc) ---- */
tg_error tg_scalar_tensor(tg_scalar s, int dtype, int device_type, int device_index, tg_tensor *out);
/* kind: 0 zeros, 1 ones, 2 empty, 3 rand, 4 randn */
tg_error tg_fill_new(int kind, const int64_t *shape, int64_t ndim, int dtype, int device_type,
                     int device_index, tg_generator gen, tg_tensor *out);
tg_error tg_full(const int64_t *shape, int64_t ndim, tg_scalar value, int dtype, int device_type,
                 int device_index, tg_tensor *out);
tg_error tg_arange(tg_scalar start, tg_scalar end, tg_scalar step, int dtype, int device_type,
                   int device_index, tg_tensor *out);
tg_error tg_linspace(double start, double end, int64_t steps, int dtype, int device_type,
                     int device_index, tg_tensor *out);
tg_error tg_eye(int64_t n, int64_t m, int dtype, int device_type, int device_index, tg_tensor *out);
tg_error tg_randint(int64_t low, int64_t high, const int64_t *shape, int64_t ndim, int dtype,
                    int device_type, int device_index, tg_generator gen, tg_tensor *out);
tg_error tg_randperm(int64_t n, int dtype, int device_type, int device_index, tg_generator gen,
                     tg_tensor *out);
/* kind: 0 zeros_like, 1 ones_like, 2 empty_like, 3 rand_like, 4 randn_like */
tg_error tg_like(int kind, tg_tensor t, tg_tensor *out);

/* ---- generators (tensor.cc); gen == NULL means the default CPU generator ---- */
tg_error tg_generator_new(int device_type, int device_index, tg_generator *out);
tg_error tg_generator_default(int device_type, int device_index, tg_generator *out);
void tg_generator_free(tg_generator g);
tg_error tg_generator_set_seed(tg_generator g, uint64_t seed);
tg_error tg_generator_seed(tg_generator g, uint64_t *out); /* reseeds nondeterministically */
tg_error tg_generator_initial_seed(tg_generator g, uint64_t *out);
tg_error tg_generator_get_state(tg_generator g, tg_tensor *out);
tg_error tg_generator_set_state(tg_generator g, tg_tensor state);
tg_error tg_manual_seed(uint64_t seed); /* every device's default generator */

/* ---- global settings (tensor.cc) ---- */
tg_error tg_set_num_threads(int n);
int tg_get_num_threads(void);
tg_error tg_set_num_interop_threads(int n);
int tg_get_num_interop_threads(void);
tg_error tg_set_deterministic(int on, int warn_only);
int tg_get_deterministic(void);
void tg_set_cudnn(int deterministic, int benchmark);
void tg_get_cudnn(int *deterministic, int *benchmark);
int tg_cuda_available(void);
int tg_cuda_device_count(void);
int tg_cudnn_available(void);
tg_error tg_cuda_synchronize(int device_index);
/* The CUDA caching allocator (cuda.cc): bytes allocated to tensors now,
 * reserved from the driver now, and the allocation peak since start or the
 * last reset; tg_cuda_empty_cache returns unused reserved memory. */
tg_error tg_cuda_memory_stats(int device, int64_t *allocated, int64_t *reserved, int64_t *peak_allocated);
tg_error tg_cuda_reset_peak(int device);
tg_error tg_cuda_empty_cache(void);
/* glibc's malloc keeps freed memory up to trim_threshold bytes instead of
 * returning it, and maps allocations above mmap_threshold bytes (tensor.cc);
 * a no-op elsewhere. */
void tg_tune_malloc(int64_t mmap_threshold, int64_t trim_threshold);
int tg_grad_enabled(void);
void tg_set_grad_enabled(int on);
/* Autocast (mixed precision) on this thread for device_type (CPU or CUDA),
 * as torch.autocast's __enter__: sets enabled and dtype, returns the
 * previous ones for tg_autocast_exit, which restores them (and clears the
 * cast cache when the outermost autocast ends). */
tg_error tg_autocast_enter(int device_type, int enabled, int dtype, int *prev_enabled, int *prev_dtype);
tg_error tg_autocast_exit(int device_type, int prev_enabled, int prev_dtype);
/* The gradient scaler's kernels (nn.cc): grads *= inv_scale, found_inf set
 * to 1 when any is not finite; and the scale's growth/backoff update. */
tg_error tg_amp_unscale(const tg_tensor *grads, int64_t n, tg_tensor found_inf, tg_tensor inv_scale);
tg_error tg_amp_update_scale(tg_tensor scale, tg_tensor growth_tracker, tg_tensor found_inf, double growth,
                             double backoff, int64_t interval);
const char *tg_version(void);

/* ---- autograd (tensor.cc) ---- */
tg_error tg_set_requires_grad(tg_tensor t, int on);
tg_error tg_backward(tg_tensor t, tg_tensor grad, int retain_graph, int create_graph);
tg_error tg_grad(tg_tensor t, tg_tensor *out); /* *out NULL when no gradient */
/* torch.autograd.grad: the gradients of n outputs (seeded with
 * grad_outputs, NULL entries for implicit ones) with respect to m inputs,
 * into out[m] (NULL for an unused input when allow_unused). retain_graph
 * < 0 means create_graph's value, as in PyTorch. */
tg_error tg_autograd_grad(const tg_tensor *outputs, const tg_tensor *grad_outputs, int64_t n,
                          const tg_tensor *inputs, int64_t m, int retain_graph, int create_graph,
                          int allow_unused, tg_tensor *out);
tg_error tg_set_grad(tg_tensor t, tg_tensor grad); /* grad NULL clears it */
tg_error tg_retain_grad(tg_tensor t);

/* ---- operations (ops.cc): one function per op, same shape everywhere ---- */
/* unary ops by enum tg_unary_op */
tg_error tg_unary(int op, tg_tensor a, tg_tensor *out);
tg_error tg_unary_(int op, tg_tensor a); /* in place */
/* binary ops by enum tg_binary_op; the scalar forms type-promote like a Python number */
tg_error tg_binary(int op, tg_tensor a, tg_tensor b, tg_tensor *out);
tg_error tg_binary_scalar(int op, tg_tensor a, tg_scalar b, tg_tensor *out);
tg_error tg_binary_(int op, tg_tensor a, tg_tensor b); /* in place */
tg_error tg_binary_scalar_(int op, tg_tensor a, tg_scalar b);
tg_error tg_add_scaled_(tg_tensor a, tg_tensor b, tg_scalar alpha); /* a += alpha*b */
tg_error tg_addcmul_(tg_tensor a, tg_tensor b, tg_tensor c, tg_scalar value);
tg_error tg_addcdiv_(tg_tensor a, tg_tensor b, tg_tensor c, tg_scalar value);
tg_error tg_lerp_(tg_tensor a, tg_tensor end, tg_scalar weight);
tg_error tg_fill_(tg_tensor a, tg_scalar v);
tg_error tg_zero_(tg_tensor a);
tg_error tg_copy_(tg_tensor dst, tg_tensor src);
tg_error tg_set_data(tg_tensor dst, tg_tensor src); /* dst.data = src: same handle, new storage */
tg_error tg_uniform_(tg_tensor a, double from, double to, tg_generator gen);
tg_error tg_normal_(tg_tensor a, double mean, double std, tg_generator gen);
tg_error tg_bernoulli_(tg_tensor a, double p, tg_generator gen);
tg_error tg_random_(tg_tensor a, tg_generator gen); /* tensor.random_(): [0, 2^mantissa or 2^63) */
tg_error tg_pow_scalar_base(tg_scalar base, tg_tensor e, tg_tensor *out);
tg_error tg_clamp(tg_tensor a, const tg_scalar *min, const tg_scalar *max, tg_tensor *out);
tg_error tg_clamp_(tg_tensor a, const tg_scalar *min, const tg_scalar *max);
tg_error tg_where(tg_tensor cond, tg_tensor a, tg_tensor b, tg_tensor *out);
tg_error tg_equal(tg_tensor a, tg_tensor b, int *out);
tg_error tg_allclose(tg_tensor a, tg_tensor b, double rtol, double atol, int equal_nan, int *out);

/* reductions by enum tg_reduce_op; all=1 reduces every dim. */
tg_error tg_reduce(int op, tg_tensor a, int all, const int64_t *dims, int64_t ndims, int keepdim,
                   int dtype /* -1: default */, tg_tensor *out);
tg_error tg_var_std(int is_std, tg_tensor a, int all, const int64_t *dims, int64_t ndims,
                    int unbiased, int keepdim, tg_tensor *out);
/* max/min along a dim: values and indices */
tg_error tg_minmax_dim(int is_max, tg_tensor a, int64_t dim, int keepdim, tg_tensor *values,
                       tg_tensor *indices);
/* argmax/argmin; all=1 flattens */
tg_error tg_argminmax(int is_max, tg_tensor a, int all, int64_t dim, int keepdim, tg_tensor *out);
tg_error tg_topk(tg_tensor a, int64_t k, int64_t dim, int largest, int sorted, tg_tensor *values,
                 tg_tensor *indices);
tg_error tg_sort(tg_tensor a, int64_t dim, int descending, tg_tensor *values, tg_tensor *indices);
tg_error tg_cumsum(tg_tensor a, int64_t dim, tg_tensor *out);

/* shape ops */
tg_error tg_view(tg_tensor a, const int64_t *shape, int64_t ndim, tg_tensor *out);
tg_error tg_reshape(tg_tensor a, const int64_t *shape, int64_t ndim, tg_tensor *out);
tg_error tg_expand(tg_tensor a, const int64_t *shape, int64_t ndim, tg_tensor *out);
tg_error tg_permute(tg_tensor a, const int64_t *dims, int64_t ndim, tg_tensor *out);
tg_error tg_repeat(tg_tensor a, const int64_t *reps, int64_t ndim, tg_tensor *out);
tg_error tg_unsqueeze(tg_tensor a, int64_t dim, tg_tensor *out);
tg_error tg_squeeze(tg_tensor a, int all, int64_t dim, tg_tensor *out);
tg_error tg_transpose(tg_tensor a, int64_t d0, int64_t d1, tg_tensor *out);
tg_error tg_flatten(tg_tensor a, int64_t start, int64_t end, tg_tensor *out);
tg_error tg_contiguous(tg_tensor a, tg_tensor *out);
/* torch.as_strided: a view of a's storage with shape, stride and offset in
 * elements (ndim dims), storage bounds checked by libtorch. */
tg_error tg_as_strided(tg_tensor a, const int64_t *shape, const int64_t *stride, int64_t ndim,
                       int64_t offset, tg_tensor *out);
tg_error tg_clone(tg_tensor a, tg_tensor *out);
tg_error tg_detach(tg_tensor a, tg_tensor *out);
tg_error tg_pin_memory(tg_tensor a, tg_tensor *out); /* page-locked copy for fast GPU transfers */
tg_error tg_is_pinned(tg_tensor a, int *out);
tg_error tg_narrow(tg_tensor a, int64_t dim, int64_t start, int64_t length, tg_tensor *out);
tg_error tg_slice(tg_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step, tg_tensor *out);
tg_error tg_select(tg_tensor a, int64_t dim, int64_t index, tg_tensor *out);
tg_error tg_index_select(tg_tensor a, int64_t dim, tg_tensor index, tg_tensor *out);
tg_error tg_index(tg_tensor a, tg_tensor index, tg_tensor *out); /* a[index], index long or bool */
tg_error tg_index_put_(tg_tensor a, tg_tensor index, tg_tensor values);
tg_error tg_masked_fill(tg_tensor a, tg_tensor mask, tg_scalar v, tg_tensor *out);
tg_error tg_gather(tg_tensor a, int64_t dim, tg_tensor index, tg_tensor *out);
/* cat and stack over n tensors */
tg_error tg_cat(const tg_tensor *ts, int64_t n, int64_t dim, int stack, tg_tensor *out);
/* chunk (mode 0, arg chunks), split (mode 1, arg split size); *out malloc'ed array of *n handles */
tg_error tg_split(tg_tensor a, int mode, int64_t arg, int64_t dim, tg_tensor **out, int64_t *n);
tg_error tg_split_sizes(tg_tensor a, const int64_t *sizes, int64_t nsizes, int64_t dim,
                        tg_tensor **out, int64_t *n);
tg_error tg_matmul(tg_tensor a, tg_tensor b, tg_tensor *out);

/* ---- neural-network functions (nn.cc) ---- */
tg_error tg_linear(tg_tensor x, tg_tensor w, tg_tensor b, tg_tensor *out);
tg_error tg_conv(tg_tensor x, tg_tensor w, tg_tensor b, const int64_t *stride,
                 const int64_t *padding, const int64_t *dilation, int64_t nd, int64_t groups,
                 int same_padding, tg_tensor *out);
tg_error tg_conv_transpose2d(tg_tensor x, tg_tensor w, tg_tensor b, const int64_t *stride,
                             const int64_t *padding, const int64_t *output_padding,
                             const int64_t *dilation, int64_t groups, tg_tensor *out);
tg_error tg_max_pool(tg_tensor x, const int64_t *kernel, const int64_t *stride,
                     const int64_t *padding, const int64_t *dilation, int64_t nd, int ceil_mode,
                     tg_tensor *out);
tg_error tg_avg_pool2d(tg_tensor x, const int64_t *kernel, const int64_t *stride,
                       const int64_t *padding, int ceil_mode, int count_include_pad,
                       tg_tensor *out);
tg_error tg_adaptive_avg_pool2d(tg_tensor x, int64_t oh, int64_t ow, tg_tensor *out);
tg_error tg_softmax(tg_tensor x, int64_t dim, int log, tg_tensor *out);
tg_error tg_leaky_relu(tg_tensor x, double slope, tg_tensor *out);
tg_error tg_gelu(tg_tensor x, int tanh_approx, tg_tensor *out);
tg_error tg_dropout(tg_tensor x, double p, int train, tg_tensor *out);
tg_error tg_batch_norm(tg_tensor x, tg_tensor w, tg_tensor b, tg_tensor rmean, tg_tensor rvar,
                       int training, double momentum, double eps, tg_tensor *out);
tg_error tg_layer_norm(tg_tensor x, const int64_t *shape, int64_t nd, tg_tensor w, tg_tensor b,
                       double eps, tg_tensor *out);
tg_error tg_group_norm(tg_tensor x, int64_t groups, tg_tensor w, tg_tensor b, double eps,
                       tg_tensor *out);
tg_error tg_embedding(tg_tensor w, tg_tensor idx, int64_t padding_idx, tg_tensor *out);
/* reduction: 0 none, 1 mean, 2 sum (at::Reduction) */
tg_error tg_cross_entropy(tg_tensor x, tg_tensor target, tg_tensor weight, int64_t reduction,
                          int64_t ignore_index, double label_smoothing, tg_tensor *out);
tg_error tg_nll_loss(tg_tensor x, tg_tensor target, tg_tensor weight, int64_t reduction,
                     int64_t ignore_index, tg_tensor *out);
/* loss codes: 0 mse, 1 l1, 2 smooth_l1 (arg beta), 3 bce (weight), 4 bce_logits (weight, pos_weight
 * in extra), 5 kl_div (arg: log_target) */
tg_error tg_loss(int kind, tg_tensor x, tg_tensor y, tg_tensor weight, tg_tensor extra,
                 int64_t reduction, double arg, tg_tensor *out);
tg_error tg_pad(tg_tensor x, const int64_t *pad, int64_t n, int mode /* 0 constant 1 reflect 2 replicate 3 circular */,
                double value, tg_tensor *out);
tg_error tg_interpolate(tg_tensor x, const int64_t *size, int64_t nd, int mode /* 0 nearest 1 bilinear */,
                        int align_corners, tg_tensor *out);
tg_error tg_one_hot(tg_tensor x, int64_t num_classes, tg_tensor *out);
tg_error tg_clip_grad_norm(const tg_tensor *params, int64_t n, double max_norm, double norm_type,
                           double *total);

/* ---- TorchScript (jit.cc) ---- */
/* device_type -1: where the file says */
tg_error tg_script_load(const char *path, int device_type, int device_index, tg_script *out);
void tg_script_free(tg_script m);
tg_error tg_script_train(tg_script m, int on);
/* Runs forward on n tensors; the result must be a tensor or a tuple/list of
 * tensors, returned as a malloc'ed array of *nout handles. */
tg_error tg_script_forward(tg_script m, const tg_tensor *inputs, int64_t n, tg_tensor **out,
                           int64_t *nout);

/* ---- boxed operator calls through c10's dispatcher (dispatch.cc) ---- */
typedef struct tg_op_s *tg_op;

/* A value passed to or returned by a boxed call. Lists point at caller
 * memory for arguments (int64_t for int and bool lists, double, tg_tensor
 * with NULL for None in Tensor?[]; a string's bytes, n long); returned
 * lists and strings are malloc'ed for the caller to free, and returned
 * tensors are new handles. TG_V_DEFAULT stands for an argument left out:
 * the schema's default value is used. */
enum tg_value_kind {
  TG_V_DEFAULT, TG_V_NONE, TG_V_TENSOR, TG_V_INT, TG_V_DOUBLE, TG_V_BOOL, TG_V_STRING,
  TG_V_INT_LIST, TG_V_DOUBLE_LIST, TG_V_BOOL_LIST, TG_V_TENSOR_LIST, TG_V_DEVICE, TG_V_GENERATOR
};
typedef struct {
  int kind;
  int64_t i;     /* int, bool (0/1), device type */
  double f;      /* float */
  tg_tensor t;   /* tensor */
  const void *p; /* list data, string bytes, tg_generator */
  int64_t n;     /* list or string length; device index */
} tg_value;

/* Looks an operator up by schema name ("aten::add") and overload name
 * ("Tensor"; "" for the default one); NULL name lookups are errors. */
tg_error tg_op_find(const char *name, const char *overload, tg_op *out);
void tg_op_free(tg_op op);
tg_error tg_op_schema(tg_op op, char **out); /* malloc'ed schema text */
/* One line per argument (returns != 0: per return): name, type, real type,
 * fixed list size (0: any), kwarg-only, written (alias info), and 'd' then
 * the default when there is one, tab-separated. Malloc'ed. */
tg_error tg_op_arguments(tg_op op, int returns, char **out);
/* Every registered schema, one per line. Malloc'ed. */
tg_error tg_op_names(char **out);
/* Calls op with nargs positional arguments (trailing ones left out take
 * their defaults) and stores up to cap returned values in rets. */
tg_error tg_op_call(tg_op op, const tg_value *args, int64_t nargs, tg_value *rets, int64_t cap,
                    int64_t *nrets);
/* Frees a returned value's memory and tensors (for values not handed on). */
void tg_value_free(tg_value *v);

#ifdef __cplusplus
}
#endif
#endif
