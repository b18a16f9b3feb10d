// Package plots draws the curves a CSVLogger recorded, so that a run can be
// seen at a glance: one PNG for the losses and one for the accuracies.
package plots

import (
	"encoding/csv"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Series is one metric's values against the optimizer step.
type Series struct {
	Name        string
	Steps, Vals []float64
}

// ReadCSV reads a CSVLogger's metrics.csv: one series per metric column
// (every column but epoch and step), with the rows where it has a value.
func ReadCSV(path string) ([]Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("plots: %s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("plots: %s is empty", path)
	}
	stepCol := -1
	for i, h := range rows[0] {
		if h == "step" {
			stepCol = i
		}
	}
	if stepCol < 0 {
		return nil, fmt.Errorf("plots: %s has no step column", path)
	}
	var out []Series
	for c, name := range rows[0] {
		if name == "step" || name == "epoch" {
			continue
		}
		s := Series{Name: name}
		for r, row := range rows[1:] {
			if c >= len(row) || row[c] == "" {
				continue
			}
			v, err := strconv.ParseFloat(row[c], 64)
			if err != nil {
				return nil, fmt.Errorf("plots: %s line %d, %s: %w", path, r+2, name, err)
			}
			step, err := strconv.ParseFloat(row[stepCol], 64)
			if err != nil {
				return nil, fmt.Errorf("plots: %s line %d, step: %w", path, r+2, err)
			}
			s.Steps, s.Vals = append(s.Steps, step), append(s.Vals, v)
		}
		if len(s.Vals) > 0 {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// WritePNGs draws the series whose names contain "loss" into loss.png and
// those containing "acc" into accuracy.png in dir (files only for groups
// that have series), 6×4 inches each, and returns the files written.
func WritePNGs(series []Series, dir string) ([]string, error) {
	var written []string
	for _, g := range []struct{ file, key, ylabel string }{
		{"loss.png", "loss", "loss"},
		{"accuracy.png", "acc", "accuracy"},
	} {
		var group []Series
		for _, s := range series {
			if strings.Contains(s.Name, g.key) {
				group = append(group, s)
			}
		}
		if len(group) == 0 {
			continue
		}
		p := plot.New()
		p.X.Label.Text = "step"
		p.Y.Label.Text = g.ylabel
		p.Legend.Top = true
		for i, s := range group {
			pts := make(plotter.XYs, len(s.Vals))
			for j := range s.Vals {
				pts[j].X, pts[j].Y = s.Steps[j], s.Vals[j]
			}
			line, points, err := plotter.NewLinePoints(pts)
			if err != nil {
				return written, fmt.Errorf("plots: %s: %w", s.Name, err)
			}
			c := palette[i%len(palette)]
			line.Color, points.Color = c, c
			p.Add(line, points)
			p.Legend.Add(s.Name, line, points)
		}
		path := filepath.Join(dir, g.file)
		if err := p.Save(6*vg.Inch, 4*vg.Inch, path); err != nil {
			return written, fmt.Errorf("plots: %w", err)
		}
		written = append(written, path)
	}
	return written, nil
}

var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255},
}

// PlotCSV reads metrics.csv and writes loss.png and accuracy.png next to it.
func PlotCSV(metricsCSV string) ([]string, error) {
	series, err := ReadCSV(metricsCSV)
	if err != nil {
		return nil, err
	}
	return WritePNGs(series, filepath.Dir(metricsCSV))
}
