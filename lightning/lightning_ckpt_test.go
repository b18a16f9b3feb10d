package lightning

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
)

// lightningLoops is Python code defining loops(epoch, steps, batches,
// per_epoch), for steps optimizer steps and batches training batches in
// all, per_epoch in each epoch (one optimizer and one epoch scheduler): the
// "loops" entry Lightning 2 writes from ModelCheckpoint at the end of an
// epoch (Lightning's test_loops_state_dict_structure gives its layout;
// on_train_epoch_end runs before the epoch counts as processed and with
// _batches_that_stepped decremented by one).
const lightningLoops = `
def prog(n, done, fields=("ready", "started", "processed", "completed")):
    return {f: (done if f == "completed" else n) for f in fields}
def both(n, done, fields=("ready", "started", "processed", "completed")):
    return {"total": prog(n, done, fields), "current": prog(n, done, fields)}
def loops(epoch, steps, batches, per_epoch):
    ep = {"total": {"ready": epoch + 1, "started": epoch + 1, "processed": epoch, "completed": epoch},
          "current": {"ready": epoch + 1, "started": epoch + 1, "processed": epoch, "completed": epoch}}
    bp = {"total": prog(batches, batches), "current": prog(per_epoch, per_epoch), "is_last_batch": True}
    evalp = dict(both(0, 0), is_last_batch=False)
    return {
        "fit_loop": {
            "state_dict": {},
            "epoch_loop.state_dict": {"_batches_that_stepped": steps - 1},
            "epoch_loop.batch_progress": bp,
            "epoch_loop.scheduler_progress": {"total": prog(epoch + 1, epoch + 1, ("ready", "completed")),
                                              "current": prog(1, 1, ("ready", "completed"))},
            "epoch_loop.manual_optimization.state_dict": {},
            "epoch_loop.manual_optimization.optim_step_progress": both(0, 0, ("ready", "completed")),
            "epoch_loop.automatic_optimization.state_dict": {},
            "epoch_loop.automatic_optimization.optim_progress": {"optimizer": {
                "step": {"total": prog(steps, steps, ("ready", "completed")),
                         "current": prog(per_epoch, per_epoch, ("ready", "completed"))},
                "zero_grad": {"total": prog(steps, steps, ("ready", "started", "completed")),
                              "current": prog(per_epoch, per_epoch, ("ready", "started", "completed"))}}},
            "epoch_loop.val_loop.state_dict": {},
            "epoch_loop.val_loop.batch_progress": evalp,
            "epoch_progress": ep,
        },
        "validate_loop": {"state_dict": {}, "batch_progress": evalp},
        "test_loop": {"state_dict": {}, "batch_progress": evalp},
        "predict_loop": {"state_dict": {}, "batch_progress": both(0, 0)},
    }
def shape(v):
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    return type(v).__name__
`

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

// Go resumes from a checkpoint in the layout Lightning 2 writes at an
// epoch's end (built by Python from torch alone, as Lightning is not
// installable here): it continues at the next epoch with the optimizer's
// momentum and the scheduler's learning rate, and ends with the weights of
// Python's loop trained straight through.
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
	pyref.Run(t, lightningLoops+`
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
torch.save({"epoch": 0, "global_step": 4, "pytorch-lightning_version": "2.4.0",
            "state_dict": m.state_dict(), "loops": loops(0, 4, 4, 4), "callbacks": {},
            "optimizer_states": [opt.state_dict()], "lr_schedulers": [sched.state_dict()]}, IN["path"])
epoch(); epoch()
out({"W": enc(m.layer.weight), "B": enc(m.layer.bias)})
`, map[string]any{"w": encT(m.Layer.Weight), "b": encT(m.Layer.Bias), "xs": xs, "path": path}, &want)

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

// A Go checkpoint's "loops" entry has Lightning 2's structure and the
// counters Lightning would hold at the end of that epoch.
func TestCheckpointLoopsMatchLightning(t *testing.T) {
	pyref.Python(t)
	cfg := quietConfig(t)
	cfg.MaxEpochs = 2
	cfg.NumSanityValSteps = Batches(0)
	cfg.DisableCheckpointing = false
	tr := newTrainer(t, cfg)
	require.NoError(t, tr.Fit(&momentumBoring{boring: *newBoring()}, &Data{Train: randomBatches(16, 4, 5)}, ""))
	path := tr.CheckpointCallback().BestModelPath()
	require.Equal(t, "epoch=1-step=8.ckpt", filepath.Base(path))
	var res struct {
		Shape, WantShape map[string]any
		Lightning        map[string]any
		Ours             map[string]any
	}
	pyref.Run(t, lightningLoops+`
ck = torch.load(IN["path"])
ours = dict(ck["loops"]); ours.pop("torchgo")
want = loops(1, 8, 8, 4)
out({"Shape": shape(ours), "WantShape": shape(want), "Lightning": want, "Ours": ours})
`, map[string]any{"path": path}, &res)
	require.Equal(t, res.WantShape, res.Shape)
	require.Equal(t, res.Lightning, res.Ours)
}
