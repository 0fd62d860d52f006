#pragma once
// The model bundle with its model: save a DualEncoder (atomically) and load one back.
// Includes Torch headers; plain-C++ users (UI) take core/io/importers.h instead, which has
// BundleInfo, readBundleInfo, validateBundle and the importers.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/io/importers.h"
#include "core/nn/clip.h"

namespace lowclip::text {
class WordPieceTokenizer;
}

namespace lowclip::io {

// Provenance and metrics written into lowclip.json.
struct BundleProvenance {
    std::string name;                                     // default: the folder's name
    std::string source;                                   // e.g. "demo", "train", "import simpleclip <file>"
    std::string created;                                  // ISO 8601 UTC; default: now
    nlohmann::json training = nlohmann::json::object();   // training summary
    nlohmann::json metrics = nlohmann::json::object();
};

// Writes `dir` (lowclip.json, model.safetensors, vocab.txt) atomically: everything goes to a
// temporary folder beside `dir`, each file is fsynced, then the folder is renamed into place (an
// existing bundle is swapped out in one step and removed). On any failure nothing changes at `dir`.
// The model's weights must fit `config` (names and shapes) and the vocabulary must have
// config.text.vocabSize tokens; otherwise lowclip::Error and nothing is written.
void saveBundle(const std::string& dir, const nn::DualEncoderImpl& model, const nn::ClipConfig& config,
                const std::vector<std::string>& vocabTokens, const BundleProvenance& info = {});
void saveBundle(const std::string& dir, const nn::DualEncoderImpl& model, const nn::ClipConfig& config,
                const std::string& vocabPath, const BundleProvenance& info = {});
// Same for a bare weight map in DualEncoder names (importers).
void saveBundleWeights(const std::string& dir, const TensorMap& weights, const nn::ClipConfig& config,
                       const std::vector<std::string>& vocabTokens, const BundleProvenance& info = {});

struct LoadedBundle {
    nn::DualEncoder model{nullptr};                          // in eval() mode, on the requested device
    nn::ClipConfig config;
    std::shared_ptr<text::WordPieceTokenizer> tokenizer;     // vocab.txt with config.lowercase
    std::vector<std::string> vocab;
    BundleInfo info;
};

// Loads and checks a bundle (as validateBundle) onto `device` ("auto", "cpu", "cuda", "cuda:N").
LoadedBundle loadBundle(const std::string& dir, const std::string& device = "cpu");

// Reads a vocab.txt (one token per line; '\r' and surrounding spaces stripped as the reference does).
std::vector<std::string> readVocabFile(const std::string& path);

}  // namespace lowclip::io
