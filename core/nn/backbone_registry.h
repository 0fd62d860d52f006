#pragma once
// The image-tower registry: every backbone family describes itself once, in its own file pair
// (core/nn/<family>.{h,cpp}, converters in core/nn/<family>_checkpoint.cpp), and everything that
// builds, names, converts or recognises image towers (backbone.cpp, clip.cpp) reads it.
//
// A family registers at static initialisation:
//
//   namespace { const bool registered = registerBackboneFamily(BackboneFamily{...}); }
//
// lowclip_nn is linked whole into every program (core/CMakeLists.txt), so a registration in a file
// nothing else refers to still runs. See core/nn/README.md for the fields a new family fills in.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/io/formats/safetensors.h"
#include "core/nn/backbone.h"

namespace lowclip::nn {

struct BackbonePreset {
    std::string name;                  // "resnet18"
    nlohmann::json config;             // the complete family configuration of the preset
    std::vector<std::string> aliases;  // other names of the same preset, e.g. timm's "vit_base_patch16_224"
};

struct BackboneFamily {
    std::string name;         // "resnet": makeBackbone's family name and Backbone::arch()
    std::string displayName;  // "ResNet": for messages
    // The presets; `standardPreset` names the one whose values fill in keys missing from a family config.
    std::vector<BackbonePreset> presets;
    std::string standardPreset;

    // A fresh backbone from a family configuration (missing keys: the standard preset's values).
    std::function<Backbone(const nlohmann::json& config)> build;
    // The complete configuration for a family configuration, without building the model.
    std::function<nlohmann::json(const nlohmann::json& config)> completeConfig;

    // Prefixes of the classifier's weights in torchvision naming ("fc.").
    std::vector<std::string> classifierPrefixes;

    // ---- recognising weights ----
    // Whether the keys of a state dict (either naming) look like this family's.
    std::function<bool(const io::TensorMap& weights)> recognises;
    // Regular expressions (matched at the start of a key) for keys only timm's naming has, keys only
    // torchvision's has, and keys both share (used when neither of the first two matches anything).
    std::string timmKeys;
    std::string torchvisionKeys;
    std::string sharedKeys;

    // ---- converting checkpoints ----
    // timm names -> ours (torchvision's); throws lowclip::Error naming keys it cannot place.
    std::function<io::TensorMap(const io::TensorMap& timmWeights)> timmToTorchvision;
    // Configuration keys that timm-named weights imply beyond their shapes (e.g. ViT's pooling);
    // may be empty.
    std::function<void(const io::TensorMap& timmWeights, nlohmann::json& config)> timmConfig;
    // A family configuration (without num_classes) whose parameters have the shapes of torchvision-named
    // weights without a classifier; throws lowclip::Error (prefixed with `what`) for what it cannot read.
    std::function<nlohmann::json(const io::TensorMap& weights, const std::string& what)> inferConfig;

    // ---- fixture descriptions (backboneSpecFromDescription) ----
    // Reference class names ("ResNet") of descriptions that spell out constructor arguments.
    std::vector<std::string> referenceClasses;
    // Values of timm's/the description's global_pool that become the config's "global_pool";
    // empty: only "avg" is accepted (the family's only pooling).
    std::vector<std::string> globalPools;
    // Constructor arguments of a class description that need more than copying (may be empty).
    std::function<void(const nlohmann::json& description, nlohmann::json& config)> readClassArguments;
};

// Adds a family. Throws lowclip::Error when the family lacks a name, a builder, a complete-config
// function or its standard preset, or when its name or a preset name is taken. Returns true (for
// `const bool registered = registerBackboneFamily(...)` at namespace scope).
bool registerBackboneFamily(BackboneFamily family);

// Every registered family, by name.
std::vector<std::shared_ptr<const BackboneFamily>> backboneFamilies();

// The family called `name` (a family name only), or null.
std::shared_ptr<const BackboneFamily> findBackboneFamily(const std::string& name);

// The family of a family, preset or alias name; throws lowclip::Error listing the known names.
const BackboneFamily& backboneFamilyOf(const std::string& arch);

// The preset called `name` (preset name or alias) and its family, or {nullptr, nullptr}.
struct PresetLookup {
    std::shared_ptr<const BackboneFamily> family;
    const BackbonePreset* preset = nullptr;
};
PresetLookup findBackbonePreset(const std::string& name);

// "efficientnet, resnet, ..., efficientnet_b0, ..., vit_base_patch16_224": every name makeBackbone takes.
std::string knownBackboneNames();

}  // namespace lowclip::nn
