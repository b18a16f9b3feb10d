package lightning

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// ModelCheckpointConfig are ModelCheckpoint's options (Lightning's
// ModelCheckpoint arguments); zero values are Lightning's defaults.
type ModelCheckpointConfig struct {
	// Dirpath is the directory of the checkpoints. "": the first logger's
	// <save_dir>/<name>/<version>/checkpoints, or <DefaultRootDir>/checkpoints
	// without a logger.
	Dirpath string
	// Filename is the name template, without ".ckpt": keys in braces with
	// optional Python format specs, "{epoch}-{val_loss:.2f}" giving
	// "epoch=3-val_loss=0.12". "": "{epoch}-{step}".
	Filename string
	// Monitor is the metric that ranks checkpoints; "": keep the latest.
	Monitor string
	// Mode is "min" (default) or "max".
	Mode string
	// SaveTopK is how many best checkpoints to keep; 0 means 1 (the
	// default); -1 keeps all; use DisableTopK to save none besides last.
	SaveTopK int
	// DisableTopK saves no ranked checkpoints (save_top_k=0).
	DisableTopK bool
	// SaveLast also writes last.ckpt each time a checkpoint is saved.
	SaveLast bool
	// SaveWeightsOnly leaves optimizer, scheduler and callback states out.
	SaveWeightsOnly bool
	// EveryNTrainSteps saves every n optimizer steps (0: off).
	EveryNTrainSteps int
	// EveryNEpochs saves every n epochs; 0 means 1 unless
	// EveryNTrainSteps is set.
	EveryNEpochs int
	// NoAutoInsertMetricName writes "{epoch}" as "3" instead of "epoch=3".
	NoAutoInsertMetricName bool
	// Verbose prints a line on each save.
	Verbose bool
}

// ModelCheckpoint saves checkpoints during Fit (Lightning's ModelCheckpoint).
type ModelCheckpoint struct {
	CallbackBase
	cfg                 ModelCheckpointConfig
	dirpath             string
	bestKModels         map[string]float64
	bestKOrder          []string // bestKModels' keys in insertion order, as Python's dict keeps them
	kthBestModelPath    string
	kthValue            float64
	bestModelPath       string
	bestModelScore      *float64
	currentScore        *float64
	lastModelPath       string
	lastGlobalStepSaved int
	saveOnTrainEpochEnd bool
}

// NewModelCheckpoint returns a ModelCheckpoint with cfg's options.
func NewModelCheckpoint(cfg ModelCheckpointConfig) *ModelCheckpoint {
	if cfg.Mode == "" {
		cfg.Mode = "min"
	}
	if cfg.SaveTopK == 0 {
		cfg.SaveTopK = 1
	}
	if cfg.DisableTopK {
		cfg.SaveTopK = 0
	}
	if cfg.EveryNEpochs == 0 && cfg.EveryNTrainSteps == 0 {
		cfg.EveryNEpochs = 1
	}
	mc := &ModelCheckpoint{cfg: cfg, bestKModels: map[string]float64{}, lastGlobalStepSaved: -1}
	mc.kthValue = mc.worst()
	return mc
}

func (mc *ModelCheckpoint) worst() float64 {
	if mc.cfg.Mode == "max" {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

func (mc *ModelCheckpoint) better(a, b float64) bool {
	if mc.cfg.Mode == "max" {
		return a > b
	}
	return a < b
}

// BestModelPath is the path of the best checkpoint so far (best_model_path).
func (mc *ModelCheckpoint) BestModelPath() string { return mc.bestModelPath }

// BestModelScore is the monitored value of the best checkpoint, and
// whether there is one (best_model_score).
func (mc *ModelCheckpoint) BestModelScore() (float64, bool) {
	if mc.bestModelScore == nil {
		return 0, false
	}
	return *mc.bestModelScore, true
}

// LastModelPath is the path of last.ckpt once written (last_model_path).
func (mc *ModelCheckpoint) LastModelPath() string { return mc.lastModelPath }

// BestKModels maps the kept checkpoints to their scores (best_k_models).
func (mc *ModelCheckpoint) BestKModels() map[string]float64 { return copyMetrics(mc.bestKModels) }

// Dirpath is the directory checkpoints go to (resolved at setup).
func (mc *ModelCheckpoint) Dirpath() string { return mc.dirpath }

// StateKey is Lightning's state key, e.g. "ModelCheckpoint{'monitor':
// 'val_loss', 'mode': 'min', 'every_n_train_steps': 0, 'every_n_epochs':
// 1, 'train_time_interval': None}".
func (mc *ModelCheckpoint) StateKey() string {
	return fmt.Sprintf("ModelCheckpoint{'monitor': %s, 'mode': %s, 'every_n_train_steps': %d, 'every_n_epochs': %d, 'train_time_interval': None}",
		pyStr(mc.cfg.Monitor), pyQuote(mc.cfg.Mode), mc.cfg.EveryNTrainSteps, mc.cfg.EveryNEpochs)
}

func pyQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "\\'") + "'" }

func pyStr(s string) string {
	if s == "" {
		return "None"
	}
	return pyQuote(s)
}

// optScore is a score as Lightning keeps it (a tensor), or None.
func optScore(f *float64) any {
	if f == nil {
		return nil
	}
	return scalarTensor(*f)
}

// scalarTensor is a 0-dim float32 tensor, the type of Lightning's scores
// (torch.tensor(inf), a logged metric).
func scalarTensor(f float64) *pt.Tensor {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, math.Float32bits(float32(f)))
	p, err := pt.NewTensor(pt.Float32, nil, b)
	if err != nil {
		panic(err)
	}
	return p
}

// StateDict is Lightning's ModelCheckpoint.state_dict, with its types:
// scores (best_model_score, current_score, the values of best_k_models,
// kth_value) are 0-dim float32 tensors, or None before there is one.
func (mc *ModelCheckpoint) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	var mon any
	if mc.cfg.Monitor != "" {
		mon = mc.cfg.Monitor
	}
	d.MustSet("monitor", mon)
	d.MustSet("best_model_score", optScore(mc.bestModelScore))
	d.MustSet("best_model_path", mc.bestModelPath)
	d.MustSet("current_score", optScore(mc.currentScore))
	d.MustSet("dirpath", mc.dirpath)
	bk := pt.NewDict()
	for _, k := range mc.bestKOrder {
		bk.MustSet(k, scalarTensor(mc.bestKModels[k]))
	}
	d.MustSet("best_k_models", bk)
	d.MustSet("kth_best_model_path", mc.kthBestModelPath)
	d.MustSet("kth_value", scalarTensor(mc.kthValue))
	d.MustSet("last_model_path", mc.lastModelPath)
	return d
}

// LoadStateDict restores a state; paths from another directory are kept
// only for best_model_path and last_model_path, as Lightning does.
func (mc *ModelCheckpoint) LoadStateDict(sd *pt.OrderedDict) error {
	getS := func(k string) string { v, _ := sd.Get(k); s, _ := v.(string); return s }
	getF := func(k string) *float64 {
		v, _ := sd.Get(k)
		if f, ok := toF(v); ok {
			return &f
		}
		return nil
	}
	dir := getS("dirpath")
	mc.bestModelPath = getS("best_model_path")
	mc.lastModelPath = getS("last_model_path")
	if dir == mc.dirpath || mc.dirpath == "" {
		mc.bestModelScore = getF("best_model_score")
		mc.currentScore = getF("current_score")
		mc.kthBestModelPath = getS("kth_best_model_path")
		if f := getF("kth_value"); f != nil {
			mc.kthValue = *f
		}
		mc.bestKModels, mc.bestKOrder = map[string]float64{}, nil
		if v, ok := sd.Get("best_k_models"); ok {
			if d, ok := v.(*pt.OrderedDict); ok {
				for i, k := range d.Keys() {
					ks, _ := k.(string)
					if f, ok := toF(d.Values()[i]); ok {
						mc.setBestK(ks, f)
					}
				}
			}
		}
	}
	return nil
}

func toF(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case *pt.Tensor:
		if x.Numel() != 1 || x.Validate() != nil {
			return 0, false
		}
		switch b := x.Contiguous(); x.DType() {
		case pt.Float32:
			return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), true
		case pt.Float64:
			return math.Float64frombits(binary.LittleEndian.Uint64(b)), true
		}
	}
	return 0, false
}

// Setup resolves the directory (Lightning's __resolve_ckpt_dir).
func (mc *ModelCheckpoint) Setup(t *Trainer, m Module, stage string) {
	dir := mc.cfg.Dirpath
	if dir == "" {
		if l := t.Logger(); l != nil {
			save := l.SaveDir()
			if save == "" {
				save = t.DefaultRootDir()
			}
			dir = filepath.Join(save, l.Name(), l.Version(), "checkpoints")
		} else {
			dir = filepath.Join(t.DefaultRootDir(), "checkpoints")
		}
	}
	mc.dirpath = dir
	if t.IsGlobalZero() {
		removeStaleTemps(dir) // left by a process killed while saving
	}
	vci := t.cfg.ValCheckInterval
	mc.saveOnTrainEpochEnd = (t.cfg.CheckValEveryNEpoch <= 1) && (vci.IsZero() || (vci.kind == 2 && vci.f == 1))
}

func (mc *ModelCheckpoint) skip(t *Trainer) bool {
	return t.Fn() != "fit" || t.SanityChecking() || t.cfg.FastDevRun > 0 || mc.lastGlobalStepSaved == t.GlobalStep()
}

// OnTrainBatchEnd saves every EveryNTrainSteps optimizer steps.
func (mc *ModelCheckpoint) OnTrainBatchEnd(t *Trainer, m Module, _ *torch.Tensor, _ any, _ int) {
	if mc.skip(t) {
		return
	}
	n := mc.cfg.EveryNTrainSteps
	if n < 1 || t.GlobalStep()%n != 0 {
		return
	}
	mc.save(t)
}

// OnTrainEpochEnd saves at the end of training epochs when validation runs
// once per epoch.
func (mc *ModelCheckpoint) OnTrainEpochEnd(t *Trainer, m Module) {
	if !mc.skip(t) && mc.saveOnTrainEpochEnd && mc.epochDue(t) {
		mc.save(t)
	}
}

// OnValidationEnd saves after validation otherwise.
func (mc *ModelCheckpoint) OnValidationEnd(t *Trainer, m Module) {
	if !mc.skip(t) && !mc.saveOnTrainEpochEnd && mc.epochDue(t) {
		mc.save(t)
	}
}

func (mc *ModelCheckpoint) epochDue(t *Trainer) bool {
	n := mc.cfg.EveryNEpochs
	return n >= 1 && (t.CurrentEpoch()+1)%n == 0
}

// candidates are the callback metrics plus epoch and step.
func (mc *ModelCheckpoint) candidates(t *Trainer) map[string]float64 {
	c := t.CallbackMetrics()
	c["epoch"] = float64(t.CurrentEpoch())
	c["step"] = float64(t.GlobalStep())
	return c
}

// save is Lightning's _save_topk_checkpoint + _save_last_checkpoint.
func (mc *ModelCheckpoint) save(t *Trainer) {
	c := mc.candidates(t)
	mc.saveTopK(t, c)
	mc.saveLast(t, c)
	mc.lastGlobalStepSaved = t.GlobalStep()
}

func (mc *ModelCheckpoint) write(t *Trainer, path string) {
	if err := t.SaveCheckpoint(path, mc.cfg.SaveWeightsOnly); err != nil {
		fail(fmt.Errorf("lightning: ModelCheckpoint: %w", err))
	}
}

func (mc *ModelCheckpoint) saveTopK(t *Trainer, c map[string]float64) {
	if mc.cfg.SaveTopK == 0 {
		return
	}
	if mc.cfg.Monitor == "" {
		prev := mc.bestModelPath
		path := mc.uniqueName(c, prev)
		mc.bestModelPath = path // before saving: it is part of the state saved
		mc.write(t, path)
		if mc.cfg.SaveTopK == 1 && prev != "" && prev != path {
			mc.remove(t, prev)
		}
		return
	}
	cur, ok := c[mc.cfg.Monitor]
	if !ok {
		msg := fmt.Sprintf("`ModelCheckpoint(monitor=%s)` could not find the monitored key in the returned metrics: %s. HINT: Did you call `log(%s, value)` in the `LightningModule`?",
			pyQuote(mc.cfg.Monitor), pyList(sortedKeys(c)), pyQuote(mc.cfg.Monitor))
		if t.lp.fit.val.hasRun {
			fail(fmt.Errorf("lightning: %s", msg))
		}
		t.info("%s", msg)
		return
	}
	if math.IsNaN(cur) {
		cur = mc.worst()
	}
	mc.currentScore = &cur
	if mc.checkTopK(cur) {
		mc.updateBestAndSave(t, cur, c)
	} else if mc.cfg.Verbose {
		t.info("Epoch %d, global step %d: %s was not in top %d", t.CurrentEpoch(), t.GlobalStep(), pyQuote(mc.cfg.Monitor), mc.cfg.SaveTopK)
	}
}

func pyList(ks []string) string {
	q := make([]string, len(ks))
	for i, k := range ks {
		q[i] = pyQuote(k)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// setBestK sets best_k_models[path] = score, appending a new path.
func (mc *ModelCheckpoint) setBestK(path string, score float64) {
	if _, ok := mc.bestKModels[path]; !ok {
		mc.bestKOrder = append(mc.bestKOrder, path)
	}
	mc.bestKModels[path] = score
}

func (mc *ModelCheckpoint) checkTopK(cur float64) bool {
	if mc.cfg.SaveTopK == -1 || len(mc.bestKModels) < mc.cfg.SaveTopK {
		return true
	}
	return mc.better(cur, mc.bestKModels[mc.kthBestModelPath])
}

func (mc *ModelCheckpoint) updateBestAndSave(t *Trainer, cur float64, c map[string]float64) {
	k := mc.cfg.SaveTopK
	if k == -1 {
		k = len(mc.bestKModels) + 1
	}
	var del string
	if len(mc.bestKModels) == k && k > 0 {
		del = mc.kthBestModelPath
		delete(mc.bestKModels, del)
		mc.bestKOrder = slices.DeleteFunc(mc.bestKOrder, func(p string) bool { return p == del })
	}
	path := mc.uniqueName(c, del)
	mc.setBestK(path, cur)
	// Python's min/max over the dict: the first of equal scores wins.
	paths := mc.bestKOrder
	pick := func(worst bool) string {
		best := paths[0]
		for _, p := range paths[1:] {
			b := mc.better(mc.bestKModels[p], mc.bestKModels[best])
			if worst {
				b = mc.better(mc.bestKModels[best], mc.bestKModels[p])
			}
			if b {
				best = p
			}
		}
		return best
	}
	if len(mc.bestKModels) == k {
		mc.kthBestModelPath = pick(true)
		mc.kthValue = mc.bestKModels[mc.kthBestModelPath]
	}
	mc.bestModelPath = pick(false)
	s := mc.bestKModels[mc.bestModelPath]
	mc.bestModelScore = &s
	if mc.cfg.Verbose {
		t.info("Epoch %d, global step %d: %s reached %.5f (best %.5f), saving model to %s as top %d",
			t.CurrentEpoch(), t.GlobalStep(), pyQuote(mc.cfg.Monitor), cur, s, pyQuote(path), k)
	}
	mc.write(t, path)
	if del != "" && del != path {
		mc.remove(t, del)
	}
}

func (mc *ModelCheckpoint) saveLast(t *Trainer, c map[string]float64) {
	if !mc.cfg.SaveLast {
		return
	}
	path := mc.formatName(c, "last", 0)
	prev := mc.lastModelPath
	mc.lastModelPath = path // before saving: it is part of the state saved
	mc.write(t, path)
	if prev != "" && prev != path {
		mc.remove(t, prev)
	}
}

// uniqueName formats the file name, adding -v1, -v2 ... when a file of that
// name exists (other than del, about to be replaced).
func (mc *ModelCheckpoint) uniqueName(c map[string]float64, del string) string {
	path := mc.formatName(c, mc.cfg.Filename, 0)
	for v := 1; ; v++ {
		if _, err := os.Stat(path); err != nil || path == del {
			return path
		}
		path = mc.formatName(c, mc.cfg.Filename, v)
	}
}

var groupRE = regexp.MustCompile(`\{([^:}]*)(:[^}]*)?\}`)

// formatName is Lightning's format_checkpoint_name.
func (mc *ModelCheckpoint) formatName(c map[string]float64, filename string, ver int) string {
	if filename == "" {
		filename = "{epoch}-{step}"
	}
	name := groupRE.ReplaceAllStringFunc(filename, func(g string) string {
		sm := groupRE.FindStringSubmatch(g)
		key, spec := sm[1], strings.TrimPrefix(sm[2], ":")
		v := c[key]
		val := formatPy(v, spec, key == "epoch" || key == "step")
		if mc.cfg.NoAutoInsertMetricName {
			return val
		}
		return strings.ReplaceAll(key, "/", "_") + "=" + val
	})
	if ver > 0 {
		name += "-v" + strconv.Itoa(ver)
	}
	return filepath.Join(mc.dirpath, name+".ckpt")
}

// formatPy formats v with a Python format spec such as ".2f", "03d" or "".
func formatPy(v float64, spec string, isInt bool) string {
	if spec == "" {
		if isInt || (v == math.Trunc(v) && math.Abs(v) < 1e15 && isInt) {
			return strconv.FormatInt(int64(v), 10)
		}
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eIN") {
			s += ".0"
		}
		return s
	}
	verb := spec[len(spec)-1]
	switch verb {
	case 'd':
		return fmt.Sprintf("%"+spec, int64(v))
	case 'f', 'e', 'g', 'E', 'G':
		return fmt.Sprintf("%"+spec, v)
	}
	return fmt.Sprintf("%"+spec+"g", v)
}

// remove deletes a previous checkpoint, on rank 0 only (the rank that
// wrote it), where Lightning's _should_remove_checkpoint allows: never the
// checkpoint Fit resumed from, and never a file outside this callback's
// dirpath, such as a best_model_path that a resumed checkpoint named.
func (mc *ModelCheckpoint) remove(t *Trainer, path string) {
	if !t.IsGlobalZero() || !mc.mayRemove(t, path) {
		return
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		t.info("ModelCheckpoint could not remove %s: %v", path, err)
	}
}

func (mc *ModelCheckpoint) mayRemove(t *Trainer, path string) bool {
	p := absPath(path)
	if p == "" || p == t.resumePath {
		return false
	}
	dir := absPath(mc.dirpath)
	rel, err := filepath.Rel(dir, p)
	return dir != "" && err == nil && rel != "." && !filepath.IsAbs(rel) &&
		rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// absPath is path made absolute and clean ("" when it cannot be).
func absPath(path string) string {
	if path == "" {
		return ""
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	return p
}
