package lightning

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
)

// momentumBoring is the boring model with SGD(momentum=0.9) and
// StepLR(1, 0.5), so that resuming needs the optimizer's and the
// scheduler's states.
type momentumBoring struct{ boring }

func (b *momentumBoring) ConfigureOptimizers() (Optimization, error) {
	opt, err := optim.NewSGD(b.Parameters(), optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	if err != nil {
		return Optimization{}, err
	}
	s, err := optim.NewStepLR(opt, 1, 0.5)
	return Optimization{Optimizer: opt, Schedulers: []Scheduler{{Scheduler: s}}}, err
}

// Go resumes from a checkpoint in the layout Lightning 2.6.5 writes at an
// epoch's end (its "loops" and "callbacks" taken from the recorded
// seed_1epoch.ckpt, their counts of 188 steps and 47 validation batches
// made 4 and 0; the weights, optimizer and scheduler states from Python):
// it continues at the next epoch with the optimizer's momentum and the
// scheduler's learning rate, and ends with the weights of Python's loop
// trained straight through.
func TestResumeFromLightningLayout(t *testing.T) {
	pyref.Python(t)
	torch.ManualSeed(0)
	m := &momentumBoring{boring: *newBoring()}
	data := randomBatches(16, 4, 5) // 4 batches per epoch
	var xs []pyref.Tensor
	for _, b := range data.Batches {
		xs = append(xs, encT(b.([]*torch.Tensor)[0]))
	}
	path := filepath.Join(t.TempDir(), "epoch=0-step=4.ckpt")
	var want struct{ W, B pyref.Tensor }
	pyref.Run(t, `
seed = torch.load(IN["seed"])
def scale(v):
    if isinstance(v, dict):
        return {k: scale(x) for k, x in v.items()}
    if isinstance(v, int) and not isinstance(v, bool):
        return {188: 4, 47: 0}.get(v, v)
    return v
class Boring(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(32, 2)
m = Boring()
with torch.no_grad():
    m.layer.weight.copy_(dec(IN["w"])); m.layer.bias.copy_(dec(IN["b"]))
opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
sched = torch.optim.lr_scheduler.StepLR(opt, 1, 0.5)
xs = [dec(x) for x in IN["xs"]]
def epoch():
    for x in xs:
        y = m.layer(x)
        loss = torch.nn.functional.mse_loss(y, torch.ones_like(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    sched.step()
epoch()
torch.save({"epoch": 0, "global_step": 4, "pytorch-lightning_version": "2.6.5",
            "state_dict": m.state_dict(), "loops": scale(seed["loops"]), "callbacks": {},
            "optimizer_states": [opt.state_dict()], "lr_schedulers": [sched.state_dict()]}, IN["path"])
epoch(); epoch()
out({"W": enc(m.layer.weight), "B": enc(m.layer.bias)})
`, map[string]any{"w": encT(m.Layer.Weight), "b": encT(m.Layer.Bias), "xs": xs, "path": path,
		"seed": filepath.Join(sharedDir(t), "seed_1epoch.ckpt")}, &want)

	torch.ManualSeed(1) // other initial weights: all come from the file
	m2 := &momentumBoring{boring: *newBoring()}
	cfg := quietConfig(t)
	cfg.MaxEpochs = 3
	tr := newTrainer(t, cfg)
	epochs := &epochRecorder{}
	cfg.Callbacks = []Callback{epochs}
	tr = newTrainer(t, cfg)
	require.NoError(t, tr.Fit(m2, &Data{Train: data}, path))
	require.Equal(t, []int{1, 2}, epochs.started, "resumes at the epoch after the saved one")
	require.Equal(t, 12, tr.GlobalStep())
	require.Equal(t, want.W, encT(m2.Layer.Weight))
	require.Equal(t, want.B, encT(m2.Layer.Bias))
}

type epochRecorder struct {
	CallbackBase
	started []int
}

func (e *epochRecorder) OnTrainEpochStart(t *Trainer, _ Module) {
	e.started = append(e.started, t.CurrentEpoch())
}
