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

/* A Python-style number: a float (f), an int (i) or a bool (i != 0). */
enum tg_scalar_kind { TG_S_FLOAT, TG_S_INT, TG_S_BOOL };
typedef struct {
  int kind;
  double f;
  int64_t i;
} tg_scalar;


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

/* ---- direct operations (ops.cc, nn.cc) ----
 * Every other op is called through the boxed dispatcher (tg_op_call). The
 * ops here are direct calls because they are the seed model's training
 * step and prediction (conv2d, max_pool2d, linear, matmul, relu,
 * log_softmax, cross_entropy, nll_loss, view, reshape), the optimizers'
 * in-place arithmetic, or move data and state rather than compute
 * (zero_, fill_, copy_, set_data). The scalar forms take a Python-style
 * number and type-promote as Python does for `t += 2`. */
tg_error tg_relu(tg_tensor a, tg_tensor *out);
tg_error tg_relu_(tg_tensor a);
tg_error tg_add_(tg_tensor a, tg_tensor b);                         /* a += b */
tg_error tg_add_scaled_(tg_tensor a, tg_tensor b, tg_scalar alpha); /* a += alpha*b */
tg_error tg_add_scalar_(tg_tensor a, tg_scalar b);                  /* a += b */
tg_error tg_mul_(tg_tensor a, tg_tensor b);                         /* a *= b */
tg_error tg_mul_scalar_(tg_tensor a, tg_scalar b);                  /* a *= b */
tg_error tg_addcmul_(tg_tensor a, tg_tensor b, tg_tensor c, tg_scalar value);
tg_error tg_addcdiv_(tg_tensor a, tg_tensor b, tg_tensor c, tg_scalar value);
tg_error tg_fill_(tg_tensor a, tg_scalar v);
tg_error tg_zero_(tg_tensor a);
tg_error tg_copy_(tg_tensor dst, tg_tensor src);
tg_error tg_set_data(tg_tensor dst, tg_tensor src); /* dst.data = src: same handle, new storage */
tg_error tg_view(tg_tensor a, const int64_t *shape, int64_t ndim, tg_tensor *out);
tg_error tg_reshape(tg_tensor a, const int64_t *shape, int64_t ndim, tg_tensor *out);
tg_error tg_matmul(tg_tensor a, tg_tensor b, tg_tensor *out);
tg_error tg_linear(tg_tensor x, tg_tensor w, tg_tensor b, tg_tensor *out); /* b NULL: no bias */
/* stride, padding and dilation hold 2 values each */
tg_error tg_conv2d(tg_tensor x, tg_tensor w, tg_tensor b, const int64_t *stride,
                   const int64_t *padding, const int64_t *dilation, int64_t groups, tg_tensor *out);
/* kernel, stride, padding and dilation hold 2 values each */
tg_error tg_max_pool2d(tg_tensor x, const int64_t *kernel, const int64_t *stride,
                       const int64_t *padding, const int64_t *dilation, int ceil_mode,
                       tg_tensor *out);
tg_error tg_log_softmax(tg_tensor x, int64_t dim, tg_tensor *out);
/* reduction as aten's schemas take it: 0 none, 1 mean, 2 sum (at::Reduction) */
tg_error tg_cross_entropy(tg_tensor x, tg_tensor target, tg_tensor weight, int64_t reduction,
                          int64_t ignore_index, double label_smoothing, tg_tensor *out);
tg_error tg_nll_loss(tg_tensor x, tg_tensor target, tg_tensor weight, int64_t reduction,
                     int64_t ignore_index, tg_tensor *out);
/* torch.nn.utils.clip_grad_norm_ over the gradients of n parameters (nn.cc) */
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
 * their defaults) and stores up to cap returned values in rets; with cap 0
 * the results are dropped (rets may be NULL). */
tg_error tg_op_call(tg_op op, const tg_value *args, int64_t nargs, tg_value *rets, int64_t cap,
                    int64_t *nrets);
/* Frees a returned value's memory and tensors (for values not handed on). */
void tg_value_free(tg_value *v);

#ifdef __cplusplus
}
#endif
#endif
