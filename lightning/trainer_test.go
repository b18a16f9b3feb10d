package lightning

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// logging logs known values: in training "loss" (step only, Lightning's
// default) and "acc" (step and epoch) = the batch index; in validation
// "val_loss" = index+1 over batches of sizes 3 and 1.
type logging struct {
	boring
	nan    bool
	failAt [2]int
}

func (m *logging) TrainingStep(b any, i int) *torch.Tensor {
	if m.failAt[1] > 0 && m.CurrentEpoch() == m.failAt[0] && i == m.failAt[1] {
		torch.Ones([]int64{2, 3}).MatMul(torch.Ones([]int64{2, 3}))
	}
	m.Log("loss", float64(i))
	m.Log("acc", float64(i), LogOptions{OnStep: On, OnEpoch: On, ProgBar: true})
	loss := m.step(b)
	if m.nan {
		loss = loss.MulScalar(math.NaN())
	}
	return loss
}

func (m *logging) ValidationStep(b any, i int) any {
	m.Log("val_loss", float64(i+1))
	return nil
}

func TestLogSemantics(t *testing.T) {
	cfg := quietConfig(t)
	cfg.MaxEpochs, cfg.LogEveryNSteps = 2, 1
	tr := newTrainer(t, cfg)
	g := torch.NewGenerator(1)
	val := NewSliceLoader([]*torch.Tensor{torch.Randn([]int64{3, 32}, g).Persist()}, []*torch.Tensor{torch.Randn([]int64{1, 32}, g).Persist()})
	m := &logging{boring: *newBoring()}
	require.NoError(t, tr.Fit(m, &Data{Train: randomBatches(8, 2, 0), Val: val}, ""))

	require.Equal(t, map[string]float64{"loss": 3, "acc": 1.5, "acc_step": 3, "acc_epoch": 1.5, "val_loss": 1.25}, tr.CallbackMetrics())
	require.Equal(t, map[string]float64{"loss": 3, "acc_step": 3, "acc_epoch": 1.5, "val_loss": 1.25}, tr.LoggedMetrics())
	require.Equal(t, map[string]float64{"acc_step": 3, "acc_epoch": 1.5}, tr.ProgressBarMetrics())

	csv, err := os.ReadFile(filepath.Join(cfg.DefaultRootDir, "lightning_logs", "version_0", "metrics.csv"))
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(string(csv), "\r\n"), "Python's csv ends lines with CRLF")
	lines := strings.Split(strings.TrimSuffix(string(csv), "\r\n"), "\r\n")
	require.Equal(t, "acc_epoch,acc_step,epoch,loss,step,val_loss", lines[0])
	// Epoch 0: steps 0..3 (one row each), validation at step 3, the
	// training epoch aggregate at step 3; then epoch 1 likewise.
	require.Equal(t, []string{
		",0.0,0,0.0,0,", ",1.0,0,1.0,1,", ",2.0,0,2.0,2,", ",3.0,0,3.0,3,", ",,0,,3,1.25", "1.5,,0,,3,",
		",0.0,1,0.0,4,", ",1.0,1,1.0,5,", ",2.0,1,2.0,6,", ",3.0,1,3.0,7,", ",,1,,7,1.25", "1.5,,1,,7,",
	}, lines[1:])

	res, err := tr.Validate(m, &Data{Val: val}, "")
	require.NoError(t, err)
	require.Equal(t, map[string]float64{"val_loss": 1.25}, res)
}

func TestHookPanicBecomesError(t *testing.T) {
	cfg := quietConfig(t)
	cfg.MaxEpochs, cfg.LimitValBatches = 3, Batches(0)
	tr := newTrainer(t, cfg)
	err := tr.Fit(&logging{boring: *newBoring(), failAt: [2]int{1, 2}}, randomData(0), "")
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "lightning: training_step failed at epoch 1, batch 2: torch: MatMul"), err.Error())
	var te *torch.Error
	require.True(t, errors.As(err, &te))
	var he *HookError
	require.True(t, errors.As(err, &he))
	require.Equal(t, "training_step", he.Hook)
}

func TestDetectAnomaly(t *testing.T) {
	cfg := quietConfig(t)
	cfg.MaxEpochs, cfg.DetectAnomaly = 1, true
	tr := newTrainer(t, cfg)
	err := tr.Fit(&logging{boring: *newBoring(), nan: true}, randomData(0), "")
	require.ErrorContains(t, err, "training_step returned a non-finite loss (NaN) at epoch 0, batch 0")
}

// valCurve logs a given val_loss per epoch.
type valCurve struct {
	boring
	curve []float64
}

func (m *valCurve) ValidationStep(b any, i int) any {
	m.Log("val_loss", m.curve[min(m.CurrentEpoch(), len(m.curve)-1)])
	return nil
}

func TestEarlyStoppingAndTopK(t *testing.T) {
	for _, tc := range []struct {
		name      string
		curve     []float64
		es        EarlyStoppingConfig
		epochs    int
		reason    string
		bestScore float64
		best      string
	}{
		{"patience", []float64{1, 0.5, 0.6, 0.7}, EarlyStoppingConfig{Monitor: "val_loss", Patience: 2}, 4,
			"Monitored metric val_loss did not improve in the last 2 records. Best score: 0.500. Signaling Trainer to stop.", 0.5, "epoch=1-val_loss=0.50.ckpt"},
		{"nan", []float64{1, math.NaN()}, EarlyStoppingConfig{Monitor: "val_loss"}, 2,
			"Monitored metric val_loss = tensor(nan) is not finite. Previous best value was 1.000. Signaling Trainer to stop.", 1, "epoch=0-val_loss=1.00.ckpt"},
		{"threshold", []float64{1, 0.01}, EarlyStoppingConfig{Monitor: "val_loss", StoppingThreshold: ptr(0.02)}, 2,
			"Stopping threshold reached: val_loss = tensor(0.0100) < 0.02. Signaling Trainer to stop.", 0.01, "epoch=1-val_loss=0.01.ckpt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, err := NewEarlyStopping(tc.es)
			require.NoError(t, err)
			mc := NewModelCheckpoint(ModelCheckpointConfig{Monitor: "val_loss", Filename: "{epoch}-{val_loss:.2f}", SaveTopK: 2})
			cfg := quietConfig(t)
			cfg.MaxEpochs, cfg.LimitTrainBatches, cfg.Callbacks = 10, Batches(2), []Callback{es, mc}
			tr := newTrainer(t, cfg)
			require.NoError(t, tr.Fit(&valCurve{boring: *newBoring(), curve: tc.curve}, randomData(0), ""))
			require.Equal(t, tc.epochs, tr.CurrentEpoch())
			require.Equal(t, tc.reason, es.Reason)
			require.Equal(t, tc.epochs-1, es.StoppedEpoch)
			score, ok := mc.BestModelScore()
			require.True(t, ok)
			// Lightning's epoch means are float32 (the mean of 0.01 over 32
			// batches is 0.009999998845160007 there too).
			require.InDelta(t, tc.bestScore, score, 1e-8)
			require.Equal(t, float64(float32(score)), score)
			require.Equal(t, tc.best, filepath.Base(mc.BestModelPath()))
			require.LessOrEqual(t, len(mc.BestKModels()), 2)
			for p := range mc.BestKModels() {
				require.FileExists(t, p)
			}
			// "best" reloads that checkpoint for testing.
			_, err = tr.Test(newBoring(), randomData(0), "best")
			require.NoError(t, err)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// Among checkpoints of equal score, ModelCheckpoint replaces the one saved
// first, as Lightning's min/max over its best_k_models dict (in insertion
// order) does, and its state keeps that order: epochs 9 and 10 tie at 0.5,
// and epoch 11's 0.25 replaces epoch 9's checkpoint ("epoch=10" sorts
// before "epoch=9", which is what this used to pick).
func TestTopKTiesFollowInsertionOrder(t *testing.T) {
	mc := NewModelCheckpoint(ModelCheckpointConfig{Monitor: "val_loss", Filename: "{epoch}", SaveTopK: 2})
	cfg := quietConfig(t)
	cfg.MaxEpochs, cfg.LimitTrainBatches, cfg.LimitValBatches, cfg.Callbacks = 12, Batches(1), Batches(1), []Callback{mc}
	curve := []float64{9, 8, 7, 6, 5, 4, 3, 2, 1, 0.5, 0.5, 0.25}
	require.NoError(t, newTrainer(t, cfg).Fit(&valCurve{boring: *newBoring(), curve: curve}, randomData(0), ""))
	bk, _ := mc.StateDict().Get("best_k_models")
	var kept []string
	for _, k := range bk.(*pt.OrderedDict).Keys() {
		kept = append(kept, filepath.Base(k.(string)))
	}
	require.Equal(t, []string{"epoch=10.ckpt", "epoch=11.ckpt"}, kept)
	require.NoFileExists(t, filepath.Join(filepath.Dir(mc.BestModelPath()), "epoch=9.ckpt"))
}

func TestSummary(t *testing.T) {
	s := Summarize(newBoring(), 1)
	require.Equal(t, `  | Name  | Type   | Params
------------------------------
0 | layer | Linear | 66    
------------------------------
66        Trainable params
0         Non-trainable params
66        Total params
0.000     Total estimated model params size (MB)
`, s)
}
