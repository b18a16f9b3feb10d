package transforms

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/internal/torchtest"
	"github.com/torchgo/torchgo/torch"
)

func dec(t *testing.T, p pyref.Tensor) *torch.Tensor {
	t.Helper()
	b, err := hex.DecodeString(p.Hex)
	require.NoError(t, err)
	dt, err := torch.DTypeByName(p.DType)
	require.NoError(t, err)
	return torch.FromBytes(b, dt, p.Shape)
}

const inputsPy = `
import torchvision.transforms as T
import torchvision.transforms.functional as F
g = torch.Generator().manual_seed(0)
u8 = torch.randint(0, 256, (3, 13, 17), dtype=torch.uint8, generator=g)
f = torch.rand(3, 13, 17, generator=g)
grey = torch.randint(0, 256, (1, 9, 11), dtype=torch.uint8, generator=g)
batch = torch.randint(0, 256, (4, 3, 10, 12), dtype=torch.uint8, generator=g)
res = {"u8": enc(u8), "f": enc(f), "grey": enc(grey), "batch": enc(batch)}
`

// Deterministic transforms give torchvision 0.14's tensors bit for bit.
func TestDeterministicMatchTorchvision(t *testing.T) {
	pyref.RequireVersion(t, "1.13.", "0.14.", "torchvision 0.14's tensor transforms; 0.17+ antialiases Resize by default and rounds ColorJitter on uint8 differently")
	var want map[string]pyref.Tensor
	pyref.Run(t, inputsPy+`
import numpy as np
res["totensor_hwc"] = enc(T.ToTensor()(u8.permute(1, 2, 0).numpy()))
res["totensor_grey"] = enc(T.ToTensor()(grey[0].numpy()))
res["normalize"] = enc(T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))(f))
res["normalize_u8f"] = enc(T.Normalize((0.1307,), (0.3081,))(T.ToTensor()(grey[0].numpy())))
for name, img in [("u8", u8), ("f", f)]:
    res["resize79_" + name] = enc(T.Resize((7, 9))(img))
    res["resize8_" + name] = enc(T.Resize(8)(img))
    res["resize_up_" + name] = enc(T.Resize((20, 31))(img))
    res["resize_nearest_" + name] = enc(T.Resize((7, 9), interpolation=T.InterpolationMode.NEAREST)(img))
    res["resize_max_" + name] = enc(T.Resize(8, max_size=10)(img))
    res["cc57_" + name] = enc(T.CenterCrop((5, 7))(img))
    res["cc_big_" + name] = enc(T.CenterCrop((20, 21))(img))
    res["cc6_" + name] = enc(T.CenterCrop(6)(img))
    res["hflip_" + name] = enc(F.hflip(img))
    res["crop_out_" + name] = enc(F.crop(img, -2, 10, 6, 9))
    for b in (0.0, 0.5, 1.7):
        res["bright_%g_%s" % (b, name)] = enc(F.adjust_brightness(img, b))
        res["contrast_%g_%s" % (b, name)] = enc(F.adjust_contrast(img, b))
        res["sat_%g_%s" % (b, name)] = enc(F.adjust_saturation(img, b))
    for h in (-0.5, -0.13, 0.0, 0.31):
        res["hue_%g_%s" % (h, name)] = enc(F.adjust_hue(img, h))
    res["gray_" + name] = enc(F.rgb_to_grayscale(img))
    for mode in ("constant", "edge", "reflect", "symmetric"):
        res["pad_%s_%s" % (mode, name)] = enc(T.Pad([1, 2, 3, 4], fill=7 if name == "u8" else 0.25, padding_mode=mode)(img))
    res["pad2_" + name] = enc(T.Pad([2, 1])(img))
    for a in (30.0, -45.7, 90.0, 180.0, 12.345):
        res["rot_%g_%s" % (a, name)] = enc(F.rotate(img, a, fill=[5.0, 6.0, 7.0] if name == "u8" else [0.5, 0.25, 1.0]))
    res["rot_center_" + name] = enc(F.rotate(img, 33.0, center=[3, 4]))
res["contrast_grey"] = enc(F.adjust_contrast(grey, 0.6))
res["resize_batch"] = enc(T.Resize((7, 5))(batch))
out(res)
`, nil, &want)
	u8, f, grey := dec(t, want["u8"]), dec(t, want["f"]), dec(t, want["grey"])
	check := func(key string, got *torch.Tensor) { t.Helper(); requireSame(t, want[key], got, key) }

	check("totensor_hwc", ToTensor{HWC: true}.Apply(u8.Permute(1, 2, 0)))
	check("totensor_grey", ToTensor{}.Apply(grey.Select(0, 0)))
	check("normalize", Normalize{[]float64{0.485, 0.456, 0.406}, []float64{0.229, 0.224, 0.225}}.Apply(f))
	check("normalize_u8f", Compose{ToTensor{}, Normalize{[]float64{0.1307}, []float64{0.3081}}}.Apply(grey.Select(0, 0)))
	for name, img := range map[string]*torch.Tensor{"u8": u8, "f": f} {
		check("resize79_"+name, Resize{Size: []int64{7, 9}}.Apply(img))
		check("resize8_"+name, Resize{Size: []int64{8}}.Apply(img))
		check("resize_up_"+name, Resize{Size: []int64{20, 31}}.Apply(img))
		check("resize_nearest_"+name, Resize{Size: []int64{7, 9}, Interpolation: Nearest}.Apply(img))
		check("resize_max_"+name, Resize{Size: []int64{8}, MaxSize: 10}.Apply(img))
		check("cc57_"+name, CenterCrop{[]int64{5, 7}}.Apply(img))
		check("cc_big_"+name, CenterCrop{[]int64{20, 21}}.Apply(img))
		check("cc6_"+name, CenterCrop{[]int64{6}}.Apply(img))
		check("hflip_"+name, HFlip(img))
		check("crop_out_"+name, Crop(img, -2, 10, 6, 9))
		for _, b := range []float64{0, 0.5, 1.7} {
			check(fmt.Sprintf("bright_%g_%s", b, name), AdjustBrightness(img, b))
			check(fmt.Sprintf("contrast_%g_%s", b, name), AdjustContrast(img, b))
			check(fmt.Sprintf("sat_%g_%s", b, name), AdjustSaturation(img, b))
		}
		for _, h := range []float64{-0.5, -0.13, 0, 0.31} {
			check(fmt.Sprintf("hue_%g_%s", h, name), AdjustHue(img, h))
		}
		check("gray_"+name, RGBToGrayscale(img))
		fill := 7.0
		rfill := []float64{5, 6, 7}
		if name == "f" {
			fill, rfill = 0.25, []float64{0.5, 0.25, 1}
		}
		for mode, m := range map[string]PaddingMode{"constant": Constant, "edge": Edge, "reflect": Reflect, "symmetric": Symmetric} {
			check(fmt.Sprintf("pad_%s_%s", mode, name), Pad{Padding: []int64{1, 2, 3, 4}, Fill: fill, Mode: m}.Apply(img))
		}
		check("pad2_"+name, Pad{Padding: []int64{2, 1}}.Apply(img))
		for _, a := range []float64{30, -45.7, 90, 180, 12.345} {
			check(fmt.Sprintf("rot_%g_%s", a, name), Rotate(img, a, nil, rfill))
		}
		check("rot_center_"+name, Rotate(img, 33, []float64{3, 4}, nil))
	}
	check("contrast_grey", AdjustContrast(grey, 0.6))
	check("resize_batch", Resize{Size: []int64{7, 5}}.ApplyBatch(dec(t, want["batch"])))
}

// Random transforms make torchvision's choices from the same generator
// state: Python seeds the default generator, Go passes an equal Generator.
func TestRandomMatchTorchvision(t *testing.T) {
	pyref.RequireVersion(t, "1.13.", "0.14.", "torchvision 0.14's tensor transforms; 0.17+ antialiases Resize by default and rounds ColorJitter on uint8 differently")
	var want map[string][]pyref.Tensor
	pyref.Run(t, inputsPy+`
def run(tf, img, seed, n=6):
    torch.manual_seed(seed)
    return [enc(tf(img)) for _ in range(n)]
res2 = {}
res2["flip"] = run(T.RandomHorizontalFlip(0.5), u8, 1)
res2["crop"] = run(T.RandomCrop(8, padding=2, padding_mode="reflect"), u8, 2)
res2["crop_fill"] = run(T.RandomCrop((11, 20), padding=[1, 2], pad_if_needed=True, fill=9), u8, 3)
res2["jitter_u8"] = run(T.ColorJitter(0.4, 0.4, 0.4, 0.1), u8, 4)
res2["jitter_f"] = run(T.ColorJitter((0.5, 1.5), 0.3, 0, (-0.2, 0.3)), f, 5)
res2["rot_u8"] = run(T.RandomRotation(30), u8, 6)
res2["rot_f"] = run(T.RandomRotation((10, 170), fill=0.5), f, 7)
res2["pipeline"] = run(T.Compose([T.RandomCrop(12, padding=4), T.RandomHorizontalFlip(), T.ConvertImageDtype(torch.float32), T.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))]), u8, 8)
res2["u8"] = [res["u8"]]
res2["f"] = [res["f"]]
out(res2)
`, nil, &want)
	u8, f := dec(t, want["u8"][0]), dec(t, want["f"][0])
	run := func(key string, img *torch.Tensor, seed uint64, make func(g *torch.Generator) Transform) {
		t.Helper()
		g := torch.NewGenerator(seed)
		tf := make(g)
		for i, w := range want[key] {
			requireSame(t, w, tf.Apply(img), key, i)
		}
	}
	run("flip", u8, 1, func(g *torch.Generator) Transform { return RandomHorizontalFlip{P: 0.5, Gen: g} })
	run("crop", u8, 2, func(g *torch.Generator) Transform {
		return RandomCrop{Size: []int64{8}, Padding: []int64{2}, Mode: Reflect, Gen: g}
	})
	run("crop_fill", u8, 3, func(g *torch.Generator) Transform {
		return RandomCrop{Size: []int64{11, 20}, Padding: []int64{1, 2}, PadIfNeeded: true, Fill: 9, Gen: g}
	})
	run("jitter_u8", u8, 4, func(g *torch.Generator) Transform {
		j := NewColorJitter(0.4, 0.4, 0.4, 0.1)
		j.Gen = g
		return j
	})
	run("jitter_f", f, 5, func(g *torch.Generator) Transform {
		return ColorJitter{Brightness: []float64{0.5, 1.5}, Contrast: []float64{0.7, 1.3}, Hue: []float64{-0.2, 0.3}, Gen: g}
	})
	run("rot_u8", u8, 6, func(g *torch.Generator) Transform {
		r := NewRandomRotation(30)
		r.Gen = g
		return r
	})
	run("rot_f", f, 7, func(g *torch.Generator) Transform {
		return RandomRotation{Degrees: [2]float64{10, 170}, Fill: []float64{0.5}, Gen: g}
	})
	run("pipeline", u8, 8, func(g *torch.Generator) Transform {
		return Compose{RandomCrop{Size: []int64{12}, Padding: []int64{4}, Gen: g}, RandomHorizontalFlip{P: 0.5, Gen: g},
			ConvertImageDtype{torch.Float32}, Normalize{[]float64{0.5, 0.5, 0.5}, []float64{0.25, 0.25, 0.25}}}
	})
}

// Batch paths equal the per-sample transforms (random ones drawing in the
// same order), and Compose refuses a batch when a part has no batch path.
func TestBatchPathsEqualPerSample(t *testing.T) {
	batch := torch.Randint(0, 256, []int64{5, 3, 10, 12}, torch.Uint8, torch.NewGenerator(3))
	cases := map[string]func(g *torch.Generator) BatchTransform{
		"totensor": func(*torch.Generator) BatchTransform { return ToTensor{} },
		"normalize": func(*torch.Generator) BatchTransform {
			return Compose{ToTensor{}, Normalize{[]float64{0.1, 0.2, 0.3}, []float64{0.5, 0.6, 0.7}}}
		},
		"center": func(*torch.Generator) BatchTransform { return CenterCrop{[]int64{7, 9}} },
		"pad":    func(*torch.Generator) BatchTransform { return Pad{Padding: []int64{2}, Mode: Reflect} },
		"resize": func(*torch.Generator) BatchTransform { return Resize{Size: []int64{6}} },
		"flip":   func(g *torch.Generator) BatchTransform { return RandomHorizontalFlip{P: 0.5, Gen: g} },
		"crop": func(g *torch.Generator) BatchTransform {
			return RandomCrop{Size: []int64{8}, Padding: []int64{2}, Gen: g}
		},
		"pipeline": func(g *torch.Generator) BatchTransform {
			return Compose{RandomCrop{Size: []int64{8}, Padding: []int64{1}, Gen: g}, ToTensor{}, Normalize{[]float64{0.5, 0.5, 0.5}, []float64{0.2, 0.2, 0.2}}}
		},
	}
	for name, mk := range cases {
		torch.WithScope(func(*torch.Scope) {
			got := mk(torch.NewGenerator(9)).ApplyBatch(batch)
			per := mk(torch.NewGenerator(9))
			var each []*torch.Tensor
			for i := int64(0); i < batch.Size(0); i++ {
				each = append(each, per.Apply(batch.Select(0, i)))
			}
			require.True(t, torch.Stack(each, 0).Equal(got), name)
		})
	}
	err := torch.Catch(func() error {
		Compose{ToTensor{}, NewColorJitter(0.1, 0, 0, 0)}.ApplyBatch(batch)
		return nil
	})
	require.ErrorContains(t, err, "has no batch path")
}

func TestBadInput(t *testing.T) {
	img := torch.Zeros([]int64{3, 4, 5})
	for name, f := range map[string]func(){
		"totensor float":   func() { ToTensor{}.Apply(img) },
		"normalize uint8":  func() { Normalize{[]float64{0}, []float64{1}}.Apply(img.To(torch.Uint8)) },
		"normalize std 0":  func() { Normalize{[]float64{0, 0, 0}, []float64{1, 0, 1}}.Apply(img) },
		"crop too big":     func() { RandomCrop{Size: []int64{9}}.Apply(img) },
		"bad size":         func() { Resize{Size: []int64{1, 2, 3}}.Apply(img) },
		"hue range":        func() { AdjustHue(img, 0.7) },
		"channels":         func() { AdjustSaturation(torch.Zeros([]int64{2, 4, 5}), 1) },
		"rotate fill size": func() { Rotate(img, 3, nil, []float64{1, 2}) },
	} {
		err := torch.Catch(func() error { f(); return nil })
		require.Error(t, err, name)
		var te *torch.Error
		require.ErrorAs(t, err, &te, name)
	}
}

// Transforms free their temporaries.
func TestNoLeaks(t *testing.T) {
	img := torch.Randint(0, 256, []int64{3, 16, 16}, torch.Uint8, torch.NewGenerator(1))
	pipe := Compose{RandomCrop{Size: []int64{12}, Padding: []int64{2}}, RandomHorizontalFlip{P: 0.5}, NewColorJitter(0.3, 0.3, 0.3, 0.1),
		NewRandomRotation(20), ToTensor{}, Normalize{[]float64{0.5, 0.5, 0.5}, []float64{0.2, 0.2, 0.2}}}
	pipe.Apply(img).Close()
	before := settledLiveTensors()
	for i := 0; i < 5; i++ {
		pipe.Apply(img).Close()
	}
	require.Equal(t, before, torch.LiveTensors())
}

var (
	requireSame        = torchtest.RequireSame
	settledLiveTensors = torchtest.SettledLiveTensors
)
