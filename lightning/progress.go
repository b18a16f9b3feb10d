package lightning

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cheggaaa/pb/v3"
	"golang.org/x/sys/unix"

	"github.com/torchgo/torchgo/torch"
)

// ProgressBar shows training progress (Lightning's TQDMProgressBar). When
// the trainer's output is a terminal it redraws one tqdm-style line per
// epoch in place, at most every RedrawEvery, through
// github.com/cheggaaa/pb (which sizes the bar to the terminal's width),
//
//	Epoch 3: 100%|██████████| 188/188 [00:01<00:00, 160.12it/s, v_num=0, val_loss=0.31]
//
// otherwise it prints that line once, when the epoch ends, with a bar ten
// cells wide, as tqdm does without a terminal. The metrics are the ProgBar
// ones, with v_num, the logger's version number.
type ProgressBar struct {
	CallbackBase
	// RefreshRate updates the metrics shown every n batches; 0: 1.
	RefreshRate int
	// RedrawEvery is the live bar's redraw interval; 0: 100 ms (tqdm's
	// mininterval).
	RedrawEvery time.Duration
	// Live forces (1) or forbids (-1) redrawing; 0 detects a terminal.
	Live int

	start    time.Time
	bar      *pb.ProgressBar // the live bar of the running epoch, or nil
	redraw   time.Duration   // the live bar's redraw interval
	textTime time.Time       // when the live bar's text was last made
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

// terminalColumns is w's terminal width, 0 when unknown.
func terminalColumns(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}

// The live template: pb's adaptive bar fills what the terminal's width
// leaves; "suffix" holds tqdm's times, rate and metrics.
const (
	liveTemplate        = `{{string . "prefix"}}{{percent . "%3.0f%%"}}{{bar . "|" "█" "█" " " "|"}} {{counters . "%s/%s"}} [{{string . "suffix"}}]`
	liveTemplateNoTotal = `{{string . "prefix"}}{{counters . "%s/%s" "%[1]s"}} [{{string . "suffix"}}]`
)

// OnTrainEpochStart starts the epoch's timer and, on a terminal, its bar.
func (p *ProgressBar) OnTrainEpochStart(t *Trainer, m Module) {
	p.start = time.Now()
	p.stopBar(false)
	if !(p.Live > 0 || (p.Live == 0 && isTerminal(t.Out()))) {
		return
	}
	total := t.NumTrainingBatches()
	tmpl := liveTemplate
	if total <= 0 {
		tmpl, total = liveTemplateNoTotal, 0
	}
	p.redraw = p.RedrawEvery
	if p.redraw <= 0 {
		p.redraw = 100 * time.Millisecond
	}
	p.bar = pb.New(total).SetTemplateString(tmpl).SetWriter(t.Out()).SetRefreshRate(p.redraw).
		Set(pb.Terminal, true).Set(pb.ReturnSymbol, "\r").Set(pb.Color, false)
	if terminalColumns(t.Out()) <= 0 {
		// A forced bar on a file, or a terminal that reports no size
		// (script(1), some CI runners): $COLUMNS or 100, as tqdm falls back.
		w, err := strconv.Atoi(os.Getenv("COLUMNS"))
		if err != nil || w <= 0 {
			w = 100
		}
		p.bar.SetWidth(w)
	}
	p.update(t, 0)
	p.bar.Start()
}

// OnTrainBatchEnd advances the live bar.
func (p *ProgressBar) OnTrainBatchEnd(t *Trainer, m Module, _ *torch.Tensor, _ any, i int) {
	if p.bar == nil {
		return
	}
	r := p.RefreshRate
	if r <= 0 {
		r = 1
	}
	if (i+1)%r != 0 {
		return
	}
	// The position costs nothing; the text (metrics, times) is only made
	// as often as the bar is redrawn, not on every training step.
	if time.Since(p.textTime) < p.redraw {
		p.bar.SetCurrent(int64(i + 1))
		return
	}
	p.update(t, i+1)
}

// OnTrainEpochEnd ends the line (after validation, so its metrics show).
func (p *ProgressBar) OnTrainEpochEnd(t *Trainer, m Module) {
	n := t.BatchIdx()
	if n < 0 {
		n = t.lp.fit.batchesDone
	}
	if p.bar != nil {
		p.update(t, n)
		p.stopBar(true)
		return
	}
	fmt.Fprintln(t.Out(), p.line(t, n))
}

// OnException and OnFitEnd stop a bar left running by an error or a stop.
func (p *ProgressBar) OnException(t *Trainer, m Module, err error) { p.stopBar(false) }

// OnFitEnd stops a bar left running by an early stop within an epoch.
func (p *ProgressBar) OnFitEnd(t *Trainer, m Module) { p.stopBar(true) }

// stopBar stops the live bar's redrawing; final draws its last state and
// ends the line, otherwise the line is wiped.
func (p *ProgressBar) stopBar(final bool) {
	if p.bar == nil {
		return
	}
	if final {
		p.bar.Finish()
	} else {
		p.bar.Set(pb.CleanOnFinish, true).Finish()
	}
	p.bar = nil
}

// update hands the live bar its position and text after done batches.
func (p *ProgressBar) update(t *Trainer, done int) {
	total := t.NumTrainingBatches()
	el, left, rate := p.times(done, total)
	p.bar.Set("prefix", fmt.Sprintf("Epoch %d: ", t.CurrentEpoch())).
		Set("suffix", clock(el)+"<"+clock(left)+", "+p.postfix(t, rate))
	p.bar.SetCurrent(int64(done))
	p.textTime = time.Now()
}

// times are the elapsed and estimated remaining time and the rate in
// batches per second after done of total batches (total <= 0: unknown).
func (p *ProgressBar) times(done, total int) (el, left time.Duration, rate float64) {
	el = time.Since(p.start)
	rate = float64(done) / math.Max(el.Seconds(), 1e-9)
	if rate > 0 && total > done {
		left = time.Duration(float64(total-done) / rate * float64(time.Second))
	}
	return el, left, rate
}

// line formats the plain tqdm-style line after done batches.
func (p *ProgressBar) line(t *Trainer, done int) string {
	total := t.NumTrainingBatches()
	el, left, rate := p.times(done, total)
	var b strings.Builder
	fmt.Fprintf(&b, "Epoch %d: ", t.CurrentEpoch())
	if total > 0 {
		frac := math.Min(1, float64(done)/float64(total))
		const width = 10
		full := int(frac * width)
		bar := strings.Repeat("█", full) + strings.Repeat(" ", width-full)
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
