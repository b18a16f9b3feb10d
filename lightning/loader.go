package lightning

// Loader is a source of batches, as a torch DataLoader is: the trainer
// calls Iter once per pass (epoch) and Next until it reports !ok.
type Loader interface {
	// Len is the number of batches per pass, or -1 when unknown.
	Len() int
	// Iter starts a pass.
	Iter() BatchIterator
}

// BatchIterator yields the batches of one pass.
type BatchIterator interface {
	// Next returns the next batch, ok=false at the end of the pass, or an
	// error (which stops the run).
	Next() (batch any, ok bool, err error)
	// Close releases the pass's resources (worker goroutines); the
	// trainer calls it when it stops reading, at the end or early.
	Close()
}

// DataModule bundles the data of a run (Lightning's LightningDataModule):
// any value with some of PrepareData(), Setup(stage), Teardown(stage),
// TrainDataloader(), ValDataloader(), TestDataloader() and
// PredictDataloader() (see hooks.go). Its loaders take precedence over the
// module's.
type DataModule any

// Data is what a run reads: explicit loaders, a DataModule, or neither (the
// module's own *Dataloader methods). Explicit loaders take precedence.
type Data struct {
	Train, Val, Test, Predict Loader
	Module                    DataModule
}

// SliceLoader serves batches built in advance, in order, each pass the
// same. Its batches are not freed by the steps' scopes (they were made
// before), so it suits small data sets held in memory.
type SliceLoader struct {
	Batches []any
}

// NewSliceLoader returns a SliceLoader over batches.
func NewSliceLoader(batches ...any) *SliceLoader { return &SliceLoader{Batches: batches} }

// Len is the number of batches.
func (l *SliceLoader) Len() int { return len(l.Batches) }

// Iter starts a pass over the batches.
func (l *SliceLoader) Iter() BatchIterator { return &sliceIter{b: l.Batches} }

type sliceIter struct {
	b []any
	i int
}

func (it *sliceIter) Next() (any, bool, error) {
	if it.i >= len(it.b) {
		return nil, false, nil
	}
	it.i++
	return it.b[it.i-1], true, nil
}

func (it *sliceIter) Close() {}
