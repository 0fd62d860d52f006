#pragma once
// State dicts written by Python's torch.save (the zip format: pytorch_model.bin, .pt, .pth).
#include <string>

#include "core/io/formats/safetensors.h"

namespace lowclip::io {

// Loads a state dict (a possibly nested dict of tensors; nested keys joined with '.').
// The legacy pre-1.6 format and TorchScript archives are refused with an error saying what to do.
TensorMap loadTorchStateDict(const std::string& path);

// Any weight file we accept, chosen by content: safetensors or a torch.save zip.
TensorMap loadWeights(const std::string& path);

}  // namespace lowclip::io
