package lightning

// Logger receives metrics and hyper-parameters (Lightning's Logger).
type Logger interface {
	// Name is the experiment name (the folder under SaveDir), e.g.
	// "lightning_logs".
	Name() string
	// Version is the run's folder name under Name, e.g. "version_0".
	Version() string
	// SaveDir is the root folder of the logs.
	SaveDir() string
	// LogMetrics records metrics at step (the count of optimizer steps,
	// or of evaluation batches for evaluation step metrics).
	LogMetrics(metrics map[string]float64, step int) error
	// LogHyperparams records the module's hyper-parameters.
	LogHyperparams(params map[string]any) error
	// Finalize flushes and closes the logger; status is "success" or
	// "failed".
	Finalize(status string) error
}
