package lightning

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/optim"
)

// quad has four optimizers, two with schedulers, in manual optimization.
type quad struct {
	nn.Module
	Base
	A, B, C, D *nn.Linear
	groupName  string // the second SGD group's "name"
}

func newQuad() *quad {
	m := &quad{groupName: "head"}
	m.A = nn.Add(m, "a", nn.NewLinear(32, 2))
	m.B = nn.Add(m, "b", nn.NewLinear(32, 2))
	m.C = nn.Add(m, "c", nn.NewLinear(32, 2))
	m.D = nn.Add(m, "d", nn.NewLinear(32, 2))
	return m
}

func (m *quad) AutomaticOptimization() bool { return false }

func (m *quad) TrainingStep(batch any, i int) *torch.Tensor {
	opt := m.Optimizers()[0]
	out := m.A.Forward(batch.([]*torch.Tensor)[0])
	loss := torch.MSELoss(out, torch.OnesLike(out), torch.ReduceMean)
	opt.ZeroGrad()
	m.ManualBackward(loss)
	opt.Step()
	return loss
}

func (m *quad) ConfigureOptimizers() (Optimization, error) {
	sgd1, err := optim.NewSGDGroups([]optim.Group{
		{Params: m.A.Parameters()},
		{Params: m.B.Parameters(), Options: map[string]any{"lr": 0.05, "name": m.groupName}},
	}, optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	if err != nil {
		return Optimization{}, err
	}
	adam1, err := optim.NewAdam(m.C.Parameters(), optim.AdamOptions{LR: new(0.002)})
	if err != nil {
		return Optimization{}, err
	}
	adam2, err := optim.NewAdam(m.D.Parameters(), optim.AdamOptions{LR: new(0.003)})
	if err != nil {
		return Optimization{}, err
	}
	sgd2, err := optim.NewSGD(m.D.Parameters(), optim.SGDOptions{LR: 0.4, WeightDecay: 0.01})
	if err != nil {
		return Optimization{}, err
	}
	s1, err := optim.NewStepLR(sgd1, 1000, 0.5)
	if err != nil {
		return Optimization{}, err
	}
	s2, err := optim.NewExponentialLR(adam1, 0.5)
	if err != nil {
		return Optimization{}, err
	}
	return Optimization{Optimizers: []optim.Optimizer{sgd1, adam1, adam2, sgd2}, Schedulers: []Scheduler{
		{Scheduler: s1, Interval: "step"},
		{Scheduler: s2, Name: "gen"},
	}}, nil
}

// metricsLog records what a logger receives, one "step: key=value ..."
// line (keys sorted) per LogMetrics call.
type metricsLog struct{ calls []string }

func (l *metricsLog) Name() string                        { return "lightning_logs" }
func (l *metricsLog) Version() string                     { return "version_0" }
func (l *metricsLog) SaveDir() string                     { return "" }
func (l *metricsLog) LogHyperparams(map[string]any) error { return nil }
func (l *metricsLog) Finalize(string) error               { return nil }

func (l *metricsLog) LogMetrics(m map[string]float64, step int) error {
	var kv []string
	for _, k := range sortedKeys(m) {
		kv = append(kv, k+"="+strconv.FormatFloat(m[k], 'g', -1, 64))
	}
	l.calls = append(l.calls, strconv.Itoa(step)+": "+strings.Join(kv, " "))
	return nil
}

// LearningRateMonitor names and logs every optimizer's groups as
// Lightning 2.6's does (callbacks/lr_monitor.py): the scheduled optimizers
// first, under the scheduler's name or "lr-" and the type, then the
// others, a second unnamed optimizer of a type suffixed "-1", several
// groups suffixed "/pg1" or "/" and their "name"; with logging_interval
// None a scheduler's groups are logged at its own interval and the other
// optimizers' at both; momentum is betas[0] for Adam and 0 for an SGD
// without momentum.
func TestLearningRateMonitorEveryOptimizer(t *testing.T) {
	cfg := quietConfig(t)
	cfg.MaxEpochs, cfg.LogEveryNSteps = 1, 16
	log := &metricsLog{}
	cfg.Logger = log
	cfg.Callbacks = []Callback{&LearningRateMonitor{LogMomentum: true, LogWeightDecay: true}}
	tr := newTrainer(t, cfg)
	require.NoError(t, tr.Fit(newQuad(), &Data{Train: randomBatches(64, 2, 0)}, ""))
	// Keys sorted, as metricsLog writes them.
	others := "lr-Adam=0.003 lr-Adam-momentum=0.9 lr-Adam-weight_decay=0 lr-SGD-1=0.4 lr-SGD-1-momentum=0 lr-SGD-1-weight_decay=0.01"
	epoch := "0: gen=0.002 gen-momentum=0.9 gen-weight_decay=0 " + others
	step := others + " lr-SGD/head=0.05 lr-SGD/head-momentum=0.9 lr-SGD/head-weight_decay=0" +
		" lr-SGD/pg1=0.1 lr-SGD/pg1-momentum=0.9 lr-SGD/pg1-weight_decay=0"
	var lr []string
	for _, c := range log.calls {
		if strings.Contains(c, "lr-") {
			lr = append(lr, c)
		}
	}
	// At the epoch's start, then at the starts of batches 16 and 32 (steps
	// 15 and 31 done).
	require.Equal(t, []string{epoch, "15: " + step, "31: " + step}, lr)
	require.Equal(t, 0.05, tr.CallbackMetrics()["lr-SGD/head"], "also a callback metric")

	// Two groups of one name are refused when training starts.
	cfg = quietConfig(t)
	cfg.Callbacks = []Callback{&LearningRateMonitor{}}
	dup := newQuad()
	dup.groupName = "pg1"
	err := newTrainer(t, cfg).Fit(dup, &Data{Train: randomBatches(8, 2, 0)}, "")
	require.ErrorContains(t, err, `several parameter groups named "pg1"`)
}
