#pragma once
// Model bundles seen from outside, and importers that build bundles from what users have.
// Plain C++ (no Torch, no Qt): the UI's facade and the CLI may include this header anywhere.
// The Torch side of bundles (saveBundle/loadBundle with a DualEncoder) is core/io/bundle.h.
//
// A bundle is a folder:
//   lowclip.json        format ("lowclip-bundle"), format_version, name, the model configuration
//                       (nn::ClipConfig::toJson: text_encoder, image_encoder, projection, loss, image,
//                       tokenizer), weights file, provenance {created, source, training} and metrics
//   model.safetensors   every weight: text_encoder.*, image_encoder.*, text_projection.*,
//                       image_projection.*, logit_scale
//   vocab.txt           WordPiece vocabulary, one token per line, id = line number
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace lowclip::io {

inline constexpr int kBundleFormatVersion = 1;
inline constexpr const char* kBundleFormatName = "lowclip-bundle";
inline constexpr const char* kBundleConfigFile = "lowclip.json";
inline constexpr const char* kBundleWeightsFile = "model.safetensors";
inline constexpr const char* kBundleVocabFile = "vocab.txt";

// What lowclip.json says (cheap to read: no weights are opened).
struct BundleInfo {
    std::string dir;
    int formatVersion = 0;
    std::string name;
    std::string textEncoder;     // e.g. "bert (12 layers, hidden 768, 12 heads, vocab 119547)"
    std::string imageArch;       // makeBackbone arch, e.g. "efficientnet_b0" or "resnet"
    int64_t projectionDim = 0;   // embedding length
    std::string loss;            // "simpleclip" or "infonce"
    int imageSize = 0;
    int64_t vocabSize = 0;       // rows of the text embedding table
    bool lowercase = false;      // any normalization other than "none"
    std::string normalization;   // the tokenizer's: "none", "lower" or "azerbaijani"
    int maxTextLength = 0;
    std::string created;         // ISO 8601 UTC
    std::string source;          // where it came from ("import simpleclip ...", "train ...", "demo")
    nlohmann::json training = nlohmann::json::object();  // training summary (free form)
    nlohmann::json metrics = nlohmann::json::object();   // evaluation figures (free form)
    std::uint64_t weightsBytes = 0;                      // size of model.safetensors (0 when absent)
    nlohmann::json raw;                                  // the whole lowclip.json
};

// Reads lowclip.json. Throws lowclip::Error when the folder or file is missing, the JSON is broken,
// the format is not a LowCLIP bundle or its version is unknown, or the model configuration is invalid.
BundleInfo readBundleInfo(const std::string& dir);

// Full check without keeping anything loaded: lowclip.json as above, model.safetensors present and
// readable with exactly the weights (names and shapes) that the configuration needs, vocab.txt
// present with as many tokens as the text embedding table has rows. Throws lowclip::Error naming
// every problem found (missing/unexpected/mis-shaped weight names, sizes).
void validateBundle(const std::string& dir);

// ---- importers. Each writes the bundle atomically (nothing is left at `out` on failure, and an
// existing bundle there survives a failed import) and returns what was written. ----

struct SimpleClipImportOptions {
    std::string stateDict;            // torch.save(model.state_dict()) (.pt/.bin/.pth) or .safetensors
    std::string vocab;                // vocab.txt of the text tower
    std::string bertConfig;           // optional Hugging Face config.json of the text tower (attention heads, eps)
    int64_t numHeads = 0;             // attention heads when there is no config.json (else hidden/64)
    std::string imageArch;            // family or preset, when the image weights do not tell
    nlohmann::json imageConfig = nlohmann::json::object();  // overrides of what shapes cannot tell (ViT num_heads)
    std::optional<bool> lowercase;    // tokenizer; default: tokenizer_config.json/config.json beside the vocab, else cased
    int imageSize = 224;              // Simple-CLIP's CFG.size
    int maxTextLength = 64;           // clipped to the text encoder's positions
    std::string loss = "simpleclip";
    double temperature = 1.0;
    std::string name;                 // default: the output folder's name
    std::string out;                  // bundle folder to write
};
BundleInfo importSimpleClip(const SimpleClipImportOptions& options);

struct BaseImportOptions {
    std::string bertFolder;           // Hugging Face folder: config.json, vocab.txt, model.safetensors or pytorch_model.bin
    std::string imageWeights;         // torchvision or timm backbone weights (.pth/.pt/.bin/.safetensors)
    std::string imageArch;            // preset (efficientnet_b0, resnet50, vit_b_16, swin_t, ...) or family; empty: guess from keys
    nlohmann::json imageConfig = nlohmann::json::object();  // overrides of what shapes cannot tell (ViT num_heads)
    int64_t projectionDim = 256;
    double dropout = 0.1;
    std::string loss = "simpleclip";
    double temperature = 1.0;
    uint64_t seed = 0;                // fresh projection heads are initialised from this seed
    int imageSize = 0;                // 0: the architecture's own (224, or what a ViT's position table says)
    int maxTextLength = 64;
    std::optional<bool> lowercase;    // default: from the BERT folder (tokenizer_config.json do_lower_case), else cased
    std::string name;
    std::string out;
};
BundleInfo importBase(const BaseImportOptions& options);

// Validates a bundle folder and copies it (atomically) to `out`.
BundleInfo importBundle(const std::string& sourceDir, const std::string& out);

// The backbone a weight file holds, from its keys: a preset name when the shapes match one exactly
// (e.g. "resnet50"), else a family ("resnet", "efficientnet", "vit", "swin"), else "".
std::string guessImageArch(const std::string& weightsPath);

}  // namespace lowclip::io
