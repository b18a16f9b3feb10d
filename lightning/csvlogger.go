package lightning

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// CSVLoggerConfig are CSVLogger's options.
type CSVLoggerConfig struct {
	// Name is the experiment folder; "": "lightning_logs".
	Name string
	// Version is the run folder ("version_N" for a number); "": the next
	// free version_N.
	Version string
	// FlushLogsEveryNSteps writes metrics.csv every n logged rows; 0: 100.
	FlushLogsEveryNSteps int
}

// CSVLogger writes metrics to <save_dir>/<name>/<version>/metrics.csv and
// hyper-parameters to hparams.yaml there (Lightning's CSVLogger): one row
// per LogMetrics call, the columns being every key seen so far (with
// "epoch" and "step") in sorted order, lines ending in CRLF as Python's
// csv module writes them; the file is rewritten when new keys appear.
// hparams.yaml is written only once LogHyperparams is called (for a
// module with hyper-parameters). Both files get mode 0666 less the umask.
type CSVLogger struct {
	saveDir string
	cfg     CSVLoggerConfig
	version string
	keys    []string
	rows    []map[string]float64
	pending int
	hparams map[string]any // nil until LogHyperparams
	cleaned bool           // stale temporary files removed from LogDir
}

// NewCSVLogger returns a CSVLogger rooted at saveDir ("" for the working
// directory).
func NewCSVLogger(saveDir string, cfg CSVLoggerConfig) *CSVLogger {
	if cfg.Name == "" {
		cfg.Name = "lightning_logs"
	}
	if cfg.FlushLogsEveryNSteps <= 0 {
		cfg.FlushLogsEveryNSteps = 100
	}
	if saveDir == "" {
		saveDir = "."
	}
	return &CSVLogger{saveDir: saveDir, cfg: cfg}
}

// Name is the experiment folder.
func (l *CSVLogger) Name() string { return l.cfg.Name }

// SaveDir is the root folder.
func (l *CSVLogger) SaveDir() string { return l.saveDir }

// Version is the run folder, fixed at first use: the configured one, or
// version_N for the next free N.
func (l *CSVLogger) Version() string {
	if l.version != "" {
		return l.version
	}
	if l.cfg.Version != "" {
		if _, err := strconv.Atoi(l.cfg.Version); err == nil {
			l.version = "version_" + l.cfg.Version
		} else {
			l.version = l.cfg.Version
		}
		return l.version
	}
	next := 0
	ents, _ := os.ReadDir(filepath.Join(l.saveDir, l.cfg.Name))
	for _, e := range ents {
		if n, ok := strings.CutPrefix(e.Name(), "version_"); ok && e.IsDir() {
			if v, err := strconv.Atoi(n); err == nil && v >= next {
				next = v + 1
			}
		}
	}
	l.version = fmt.Sprintf("version_%d", next)
	return l.version
}

// LogDir is <save_dir>/<name>/<version>.
func (l *CSVLogger) LogDir() string { return filepath.Join(l.saveDir, l.cfg.Name, l.Version()) }

// MetricsPath is the path of metrics.csv.
func (l *CSVLogger) MetricsPath() string { return filepath.Join(l.LogDir(), "metrics.csv") }

// LogMetrics adds a row with metrics and "step".
func (l *CSVLogger) LogMetrics(metrics map[string]float64, step int) error {
	row := make(map[string]float64, len(metrics)+1)
	for k, v := range metrics {
		row[k] = v
	}
	row["step"] = float64(step)
	l.rows = append(l.rows, row)
	l.pending++
	if l.pending >= l.cfg.FlushLogsEveryNSteps {
		return l.save()
	}
	return nil
}

// LogHyperparams records params for hparams.yaml.
func (l *CSVLogger) LogHyperparams(params map[string]any) error {
	if l.hparams == nil {
		l.hparams = map[string]any{}
	}
	for k, v := range params {
		l.hparams[k] = v
	}
	return l.saveHparams()
}

// Finalize writes what is pending.
func (l *CSVLogger) Finalize(string) error {
	if err := l.save(); err != nil {
		return err
	}
	if l.hparams == nil {
		return nil
	}
	return l.saveHparams()
}

// save rewrites metrics.csv with every row so far (Lightning rewrites the
// file when the header changes; rewriting always keeps one code path).
func (l *CSVLogger) save() error {
	l.pending = 0
	if len(l.rows) == 0 {
		return nil
	}
	seen := map[string]bool{}
	for _, k := range l.keys {
		seen[k] = true
	}
	for _, r := range l.rows {
		for k := range r {
			if !seen[k] {
				seen[k] = true
				l.keys = append(l.keys, k)
			}
		}
	}
	sort.Strings(l.keys)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	w.Write(l.keys)
	for _, r := range l.rows {
		rec := make([]string, len(l.keys))
		for i, k := range l.keys {
			if v, ok := r[k]; ok {
				rec[i] = csvValue(k, v)
			}
		}
		w.Write(rec)
	}
	w.Flush()
	if err := l.mkdir(); err != nil {
		return err
	}
	return writeAtomic(l.MetricsPath(), buf.Bytes())
}

// mkdir creates LogDir and, the first time, removes the temporary files a
// killed writer left there.
func (l *CSVLogger) mkdir() error {
	if err := os.MkdirAll(l.LogDir(), 0o755); err != nil {
		return err
	}
	if !l.cleaned {
		removeStaleTemps(l.LogDir())
		l.cleaned = true
	}
	return nil
}

// csvValue writes integers (epoch, step) as ints and other values as
// Python's str(float) does.
func csvValue(k string, v float64) string {
	if k == "epoch" || k == "step" {
		return strconv.FormatInt(int64(v), 10)
	}
	return pyFloat(v)
}

func (l *CSVLogger) saveHparams() error {
	if err := l.mkdir(); err != nil {
		return err
	}
	var b strings.Builder
	if len(l.hparams) == 0 {
		b.WriteString("{}\n")
	}
	for _, k := range sortedKeys(l.hparams) {
		fmt.Fprintf(&b, "%s: %s\n", k, yamlScalar(l.hparams[k]))
	}
	return writeAtomic(filepath.Join(l.LogDir(), "hparams.yaml"), []byte(b.String()))
}

func yamlScalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return pyFloat(x)
	case float32:
		return pyFloat(float64(x))
	}
	return fmt.Sprint(v)
}

// writeAtomic writes data to path through a temporary file and a rename
// (writeFileAtomic, without syncing).
func writeAtomic(path string, data []byte) error {
	return writeFileAtomic(path, false, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
