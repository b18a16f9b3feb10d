/*
 * torchgo's C API over c10d (libtorch's distributed engine): a Gloo process
 * group rendezvousing through a TCPStore, its collectives, and DDP's
 * gradient synchronisation. Conventions as in shim.h: the return value is
 * an error (NULL or a malloc'ed message), results come through out
 * parameters, tensors are shim handles.
 */
#ifndef TORCHGO_DIST_H
#define TORCHGO_DIST_H

#include <stdint.h>

#include "shim.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_pg_s *tg_pg;
typedef struct tg_ddp_s *tg_ddp;

/* Reduction operators, c10d's ReduceOp. */
enum tg_dist_op { TG_DIST_SUM, TG_DIST_AVG, TG_DIST_PRODUCT, TG_DIST_MIN, TG_DIST_MAX };

/* Joins a Gloo group of size processes: rank 0 serves the TCPStore on
 * host:port, the others connect to it. timeout_ms bounds the rendezvous
 * and every collective. ifname (may be empty) picks the network interface,
 * as GLOO_SOCKET_IFNAME does. */
tg_error tg_pg_new_gloo(const char *host, int port, int rank, int size, int64_t timeout_ms,
                        const char *ifname, tg_pg *out);
void tg_pg_free(tg_pg pg);
tg_error tg_pg_allreduce(tg_pg pg, tg_tensor t, int op);
tg_error tg_pg_broadcast(tg_pg pg, tg_tensor t, int root);
/* outs: size tensors shaped like t, filled with every rank's t. */
tg_error tg_pg_allgather(tg_pg pg, tg_tensor t, const tg_tensor *outs, int64_t n);
/* out = the op-reduction over ranks of ins[rank] (n = size tensors). */
tg_error tg_pg_reduce_scatter(tg_pg pg, tg_tensor out, const tg_tensor *ins, int64_t n, int op);
tg_error tg_pg_barrier(tg_pg pg);

/* Averages the gradients of params across the group after every backward:
 * gradients are copied, divided by the group's size, into buckets (the
 * first first_cap bytes, then cap bytes, in reverse parameter order as
 * PyTorch's DDP) that are all-reduced as soon as their gradients are ready,
 * while backward goes on; backward returns once all are written back. */
tg_error tg_ddp_new(tg_pg pg, const tg_tensor *params, int64_t n, int64_t first_cap, int64_t cap,
                    tg_ddp *out);
void tg_ddp_free(tg_ddp d);
void tg_ddp_set_sync(tg_ddp d, int sync); /* 0: gradients stay local (no_sync) */
int64_t tg_ddp_num_buckets(tg_ddp d);

#ifdef __cplusplus
}
#endif
#endif
