package data

import (
	"runtime"
	"sync"

	"github.com/torchgo/torchgo/torch"
)

// Iter is one epoch over a Loader:
//
//	it := loader.Iter()
//	defer it.Close()
//	for it.Next() {
//		x, y := it.Batch().Tensor(0), it.Batch().Tensor(1)
//		...
//	}
//	if err := it.Err(); err != nil { ... }
//
// An Iter is used from one goroutine. It owns the batch it delivers: Next
// and Close free the previous one (see the package documentation).
type Iter struct {
	l       *Loader
	batches [][]int
	next    int // position of the next batch to deliver
	cur     Batch
	curIdx  []int
	err     error
	seed    int64
	done    bool
	pipe    *pipeline // nil when loading on the consumer's goroutine
}

// Iter starts an epoch. Like iter(DataLoader) followed by the first next(),
// it draws the base seed from the loader's generator, then the sampler's
// indices (consuming the default generator as PyTorch 1.13 does, see the
// package documentation), and starts the workers. A failure there is
// reported by Err.
func (l *Loader) Iter() *Iter {
	it := &Iter{l: l}
	err := torch.Catch(func() error {
		it.seed = drawSeed(l.cfg.gen)
		it.batches = l.batches()
		return nil
	})
	if err != nil {
		it.err, it.done = err, true
		return it
	}
	if l.cfg.workers > 0 && len(it.batches) > 0 {
		it.pipe = startPipeline(l, it.batches)
		// A backstop for an Iter dropped without Close: stop its workers.
		runtime.AddCleanup(it, func(p *pipeline) { p.stop() }, it.pipe)
	}
	return it
}

// BaseSeed is the int64 drawn when the epoch started (DataLoader's
// _base_seed, from which PyTorch seeds worker processes).
func (it *Iter) BaseSeed() int64 { return it.seed }

// Len is the number of batches in this epoch.
func (it *Iter) Len() int { return len(it.batches) }

// Next frees the previous batch and advances to the next one, waiting for
// it if needed. It returns false at the end of the epoch or on an error
// (see Err); the workers are then stopped.
func (it *Iter) Next() bool {
	it.release()
	if it.done {
		return false
	}
	if it.next == len(it.batches) {
		it.Close()
		return false
	}
	k := it.next
	var b Batch
	var err error
	if it.pipe != nil {
		b, err = it.pipe.receive(k)
	} else {
		b, err = it.l.load(k, it.batches[k])
	}
	if err != nil {
		it.err = err
		it.Close()
		return false
	}
	it.next++
	it.cur, it.curIdx = b, it.batches[k]
	return true
}

// Batch is the current batch, valid until the next Next or Close.
func (it *Iter) Batch() Batch { return it.cur }

// Indices are the data set indices of the current batch's samples.
func (it *Iter) Indices() []int { return it.curIdx }

// Err is the error that ended the epoch early, or nil.
func (it *Iter) Err() error { return it.err }

// Close ends the epoch: it stops the workers, waits for them, and frees
// the current batch and those loaded ahead. Closing twice does nothing.
func (it *Iter) Close() {
	it.release()
	it.done = true
	if it.pipe != nil {
		it.pipe.stop()
	}
}

// release frees the current batch.
func (it *Iter) release() {
	if it.cur != nil {
		it.cur.Close()
		it.cur, it.curIdx = nil, nil
	}
}

// pipeline loads batches on worker goroutines, at most depth ahead of the
// consumer, into a ring of one-batch slots: batch k goes to slot k%depth.
type pipeline struct {
	slots    []chan result
	tokens   chan struct{} // one per batch dispatched and not yet received
	quit     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
}

type result struct {
	b   Batch
	err error
}

func startPipeline(l *Loader, batches [][]int) *pipeline {
	depth := l.cfg.workers * l.cfg.prefetch
	p := &pipeline{
		slots:  make([]chan result, depth),
		tokens: make(chan struct{}, depth),
		quit:   make(chan struct{}),
	}
	for i := range p.slots {
		p.slots[i] = make(chan result, 1)
	}
	jobs := make(chan int)
	p.wg.Add(1 + l.cfg.workers)
	go func() { // dispatcher: hands out batches in order while tokens last
		defer p.wg.Done()
		defer close(jobs)
		for k := range batches {
			select {
			case p.tokens <- struct{}{}:
			case <-p.quit:
				return
			}
			select {
			case jobs <- k:
			case <-p.quit:
				return
			}
		}
	}()
	for range l.cfg.workers {
		go func() {
			defer p.wg.Done()
			for k := range jobs {
				select {
				case <-p.quit:
					return
				default:
				}
				b, err := l.load(k, batches[k])
				p.slots[k%depth] <- result{b, err} // never blocks: the slot is free
			}
		}()
	}
	return p
}

// receive waits for batch k.
func (p *pipeline) receive(k int) (Batch, error) {
	r := <-p.slots[k%len(p.slots)]
	<-p.tokens
	return r.b, r.err
}

// stop ends the workers, waits for them and frees undelivered batches.
func (p *pipeline) stop() {
	p.stopOnce.Do(func() {
		close(p.quit)
		p.wg.Wait()
		for _, s := range p.slots {
			select {
			case r := <-s:
				r.b.Close()
			default:
			}
		}
	})
}
