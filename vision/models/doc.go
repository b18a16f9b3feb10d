// Package models holds image classification networks with PyTorch's
// module layout, so that their state dicts carry the same keys as the
// Python models' and load each other's weights strictly (nn.Module.Load of
// a file saved with torch.save(model.state_dict())).
//
// Constructors initialise weights as the Python constructors do, drawing
// from the default generator in the same order: after torch.ManualSeed(s),
// NewResNet18(1000) holds the same tensors as Python's torch.manual_seed(s);
// torchvision.models.resnet18().
//
// Inputs are Float32 (N, C, H, W) batches; outputs are (N, classes) logits.
package models
