package lightning

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/torchgo/torchgo/torch"
)

// ProgressBar shows training progress (Lightning's TQDMProgressBar). When
// the trainer's output is a terminal it redraws one tqdm-style line per
// epoch,
//
//	Epoch 3: 100%|██████████| 188/188 [00:01<00:00, 160.12it/s, v_num=0, val_loss=0.31]
//
// otherwise it prints that line once, when the epoch ends. The metrics are
// the ProgBar ones, with v_num, the logger's version number.
type ProgressBar struct {
	CallbackBase
	// RefreshRate redraws every n batches on a terminal; 0: 1.
	RefreshRate int
	// Live forces (1) or forbids (-1) redrawing; 0 detects a terminal.
	Live int

	start time.Time
	live  bool
}

// NewProgressBar returns a ProgressBar that detects a terminal.
func NewProgressBar() *ProgressBar { return &ProgressBar{} }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// OnTrainEpochStart starts the epoch's timer.
func (p *ProgressBar) OnTrainEpochStart(t *Trainer, m Module) {
	p.start = time.Now()
	p.live = p.Live > 0 || (p.Live == 0 && isTerminal(t.Out()))
}

// OnTrainBatchEnd redraws the live bar.
func (p *ProgressBar) OnTrainBatchEnd(t *Trainer, m Module, _ *torch.Tensor, _ any, i int) {
	r := p.RefreshRate
	if r <= 0 {
		r = 1
	}
	if p.live && (i+1)%r == 0 {
		fmt.Fprintf(t.Out(), "\r%s", p.line(t, i+1))
	}
}

// OnTrainEpochEnd ends the line (after validation, so its metrics show).
func (p *ProgressBar) OnTrainEpochEnd(t *Trainer, m Module) {
	n := t.BatchIdx()
	if n < 0 {
		n = t.batchesDone
	}
	if p.live {
		fmt.Fprintf(t.Out(), "\r%s\n", p.line(t, n))
	} else {
		fmt.Fprintln(t.Out(), p.line(t, n))
	}
}

// line formats the tqdm-style line after done batches.
func (p *ProgressBar) line(t *Trainer, done int) string {
	total := t.NumTrainingBatches()
	el := time.Since(p.start)
	rate := float64(done) / math.Max(el.Seconds(), 1e-9)
	var b strings.Builder
	fmt.Fprintf(&b, "Epoch %d: ", t.CurrentEpoch())
	if total > 0 {
		frac := math.Min(1, float64(done)/float64(total))
		const width = 10
		full := int(frac * width)
		bar := strings.Repeat("█", full) + strings.Repeat(" ", width-full)
		left := time.Duration(0)
		if rate > 0 {
			left = time.Duration(float64(total-done) / rate * float64(time.Second))
		}
		fmt.Fprintf(&b, "%3d%%|%s| %d/%d [%s<%s, %s]", int(frac*100), bar, done, total, clock(el), clock(left), p.postfix(t, rate))
	} else {
		fmt.Fprintf(&b, "%d [%s, %s]", done, clock(el), p.postfix(t, rate))
	}
	return b.String()
}

func (p *ProgressBar) postfix(t *Trainer, rate float64) string {
	parts := []string{fmt.Sprintf("%.2fit/s", rate)}
	if l := t.Logger(); l != nil {
		v := strings.TrimPrefix(l.Version(), "version_")
		parts = append(parts, "v_num="+v)
	}
	pm := t.ProgressBarMetrics()
	keys := make([]string, 0, len(pm))
	for k := range pm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%.3g", k, pm[k]))
	}
	return strings.Join(parts, ", ")
}

// clock formats d as tqdm does: MM:SS, or H:MM:SS past an hour.
func clock(d time.Duration) string {
	s := int(d.Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
