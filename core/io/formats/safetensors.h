#pragma once
// safetensors read (memory-mapped, validated) and write. See core/io/formats/safetensors.cpp.
#include <map>
#include <string>

#include <ATen/core/Tensor.h>

namespace lowclip::io {

// Name -> tensor, ordered by name.
using TensorMap = std::map<std::string, at::Tensor>;
using Metadata = std::map<std::string, std::string>;

struct SafetensorsContents {
    TensorMap tensors;
    Metadata metadata;  // the "__metadata__" object (string -> string)
};

// Reads and validates a .safetensors file. Tensors are zero-copy views into a shared read-only
// memory map where alignment allows (they keep the mapping alive), else copies.
// Throws lowclip::Error naming the file and the problem.
SafetensorsContents readSafetensors(const std::string& path);

// Writes tensors (contiguous CPU copies are made as needed) atomically: temporary file, fsync, rename.
void writeSafetensors(const std::string& path, const TensorMap& tensors, const Metadata& metadata = {});

}  // namespace lowclip::io
