// Package data loads training data in batches, as torch.utils.data does:
// datasets ([Dataset], [TensorDataset], [Subset], [ConcatDataset],
// [RandomSplit]), samplers ([SequentialSampler], [RandomSampler],
// [DistributedSampler]) and a [Loader] that batches, shuffles and prefetches
// on goroutines.
//
// # Samples and batches
//
// A [Sample] is one example, a tuple of fields: tensors and/or Go values,
// e.g. Sample{image, int64(label)}. [DefaultCollate] turns the samples of a
// batch into a [Batch], field by field, like PyTorch's default_collate:
// tensors are stacked along a new dim 0 (B samples of shape S give shape
// (B, S...)); Go int and int64 become an Int64 tensor of shape (B) (a Python
// int), float64 a Float64 tensor (a Python float), bool a Bool tensor;
// sized types keep their dtype, as NumPy scalars do (float32 → Float32,
// int32 → Int32, uint8 → Uint8); strings stay strings ([]string); a nested
// Sample becomes a nested Batch and a map[string]any a map of collated
// values.
//
// # Randomness
//
// Shuffling consumes libtorch's generators in exactly the order PyTorch 1.13
// does, so the same seed gives the same batches as Python: [RandomSplit] is
// one randperm(n) on the given generator (the default one for nil); each
// epoch's [Loader.Iter] first draws a base seed (an int64 random_()) from the
// loader's generator (the default one without [WithGenerator]), even when it
// does not shuffle; then a [RandomSampler] without a generator of its own
// draws a seed the same way and permutes with randperm(n) on a fresh
// generator seeded with it. All of an epoch's draws happen in Iter, on the
// calling goroutine, before any batch is loaded: like Python's first next(),
// before the training step's own draws (dropout). (One difference: a
// RandomSampler on an explicit generator draws, as PyTorch does, one more
// randperm at the end of an epoch; PyTorch draws it only when the epoch is
// run to its end, this package always.)
//
// # Ownership of batches
//
// A batch belongs to the iterator that delivered it: [Iter.Batch] stays
// valid until the next call to [Iter.Next] or [Iter.Close], which free it.
// Step code thus never closes batches; to keep one longer, Clone its
// tensors. Batches are built on worker goroutines (or, with zero workers,
// inside a scope of their own on the consumer's goroutine) and never belong
// to the consumer's [torch.WithScope]. Every tensor that Dataset.Get or a
// collate function creates while a batch is built is freed once the batch
// exists, except the batch's own tensors.
//
// # Workers
//
// With [Workers](n), n goroutines load batches ahead of the consumer, at
// most n×[Prefetch] (default 2, PyTorch's prefetch_factor) at a time, and
// batches are delivered in the sampler's order. An error or a panic in Get
// stops the epoch and is reported by [Iter.Err] as a *[LoadError] naming the
// sample's index. [Iter.Close] stops the workers and frees batches not yet
// delivered; always defer it.
package data
