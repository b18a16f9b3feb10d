package lightning

import (
	"fmt"
	"strings"

	"github.com/torchgo/torchgo/torch/nn"
)

// ModelSummary prints the module's layers at the start of Fit
// (Lightning's ModelSummary): name, type and parameter count of each
// child, then the trainable, non-trainable and total counts and the
// estimated size in MB (4 bytes per parameter, as for float32).
type ModelSummary struct {
	CallbackBase
	// MaxDepth is the depth of layers listed; 1 (Lightning's default)
	// lists the module's direct children.
	MaxDepth int
}

// layerInfo is what the summary reads from a layer (nn.Module's methods).
type layerInfo interface {
	TypeName() string
	NumParameters() int64
	Children() ([]string, []nn.Layer)
}

// OnFitStart prints the summary.
func (s *ModelSummary) OnFitStart(t *Trainer, m Module) {
	if t.cfg.Barebones {
		return
	}
	fmt.Fprint(t.Out(), Summarize(m, s.MaxDepth))
}

// Summarize returns Lightning's model summary table of m.
func Summarize(m Module, maxDepth int) string {
	if maxDepth <= 0 {
		maxDepth = 1
	}
	type row struct{ name, typ, params string }
	var rows []row
	var walk func(prefix string, l any, depth int)
	walk = func(prefix string, l any, depth int) {
		li, ok := l.(layerInfo)
		if !ok {
			return
		}
		names, kids := li.Children()
		for i, k := range kids {
			ki, ok := k.(layerInfo)
			if !ok {
				continue
			}
			rows = append(rows, row{prefix + names[i], ki.TypeName(), humanCount(float64(ki.NumParameters()))})
			if depth < maxDepth {
				walk(prefix+names[i]+".", k, depth+1)
			}
		}
	}
	walk("", m, 1)
	var trainable, total int64
	for _, p := range m.Parameters() {
		total += p.Numel()
		if p.RequiresGrad() {
			trainable += p.Numel()
		}
	}
	hdr := []string{"", "Name", "Type", "Params"}
	cols := [][]string{{}, {}, {}, {}}
	for i, r := range rows {
		cols[0] = append(cols[0], fmt.Sprint(i))
		cols[1] = append(cols[1], r.name)
		cols[2] = append(cols[2], r.typ)
		cols[3] = append(cols[3], r.params)
	}
	// Lightning's _format_summary_table: left-aligned columns joined by
	// " | ", dividers of sum(widths) + 3*columns dashes.
	widths := make([]int, 4)
	total4 := 0
	for c := range cols {
		widths[c] = len(hdr[c])
		for _, v := range cols[c] {
			widths[c] = max(widths[c], len(v))
		}
		total4 += widths[c] + 3
	}
	line := func(vals []string) string {
		parts := make([]string, 4)
		for c := range vals {
			parts[c] = fmt.Sprintf("%-*s", widths[c], vals[c])
		}
		return strings.Join(parts, " | ")
	}
	sep := strings.Repeat("-", total4)
	var b strings.Builder
	b.WriteString(line(hdr) + "\n" + sep + "\n")
	for i := range rows {
		b.WriteString(line([]string{cols[0][i], cols[1][i], cols[2][i], cols[3][i]}) + "\n")
	}
	b.WriteString(sep + "\n")
	fmt.Fprintf(&b, "%-10s%s\n", humanCount(float64(trainable)), "Trainable params")
	fmt.Fprintf(&b, "%-10s%s\n", humanCount(float64(total-trainable)), "Non-trainable params")
	fmt.Fprintf(&b, "%-10s%s\n", humanCount(float64(total)), "Total params")
	fmt.Fprintf(&b, "%-10s%s\n", fmt.Sprintf("%.3f", float64(total)*4/1e6), "Total estimated model params size (MB)")
	return b.String()
}

// humanCount is Lightning's get_human_readable_count: 123, 1.2 K, 3.4 M.
func humanCount(n float64) string {
	labels := []string{"", "K", "M", "B", "T"}
	i := 0
	for n >= 1000 && i < len(labels)-1 {
		n /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d", int64(n))
	}
	return fmt.Sprintf("%.1f %s", n, labels[i])
}
