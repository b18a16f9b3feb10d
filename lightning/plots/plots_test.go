package plots

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPlotCSV(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "metrics.csv")
	require.NoError(t, os.WriteFile(csvPath, []byte(
		"epoch,loss,step,val_acc,val_loss\n0,2.27,49,,\n0,2.17,99,,\n0,,187,0.68,2.09\n1,1.05,237,,\n1,,375,0.80,1.04\n"), 0o644))
	series, err := ReadCSV(csvPath)
	require.NoError(t, err)
	require.Len(t, series, 3)
	require.Equal(t, "loss", series[0].Name)
	require.Equal(t, []float64{49, 99, 237}, series[0].Steps)
	require.Equal(t, []float64{0.68, 0.80}, series[1].Vals)

	files, err := PlotCSV(csvPath)
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(dir, "loss.png"), filepath.Join(dir, "accuracy.png")}, files)
	for _, f := range files {
		r, err := os.Open(f)
		require.NoError(t, err)
		cfg, err := png.DecodeConfig(r)
		r.Close()
		require.NoError(t, err)
		require.Greater(t, cfg.Width, 300)
	}
}

func TestPlotBadCSV(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "metrics.csv")
	require.NoError(t, os.WriteFile(bad, []byte("epoch,loss\n0,1\n"), 0o644))
	_, err := PlotCSV(bad)
	require.ErrorContains(t, err, "no step column")
	require.NoError(t, os.WriteFile(bad, []byte("epoch,loss,step\n0,x,1\n"), 0o644))
	_, err = PlotCSV(bad)
	require.ErrorContains(t, err, "line 2, loss")
	_, err = PlotCSV(filepath.Join(dir, "missing.csv"))
	require.Error(t, err)
}
