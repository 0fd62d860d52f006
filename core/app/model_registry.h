#pragma once
// The models of a data folder: one bundle folder per model under <data>/models, and the user's
// choice of the active model, recorded in <data>/models/active (the folder name, one line). Both
// front ends read and write the choice only through this class, so a switch made in one is what
// the other sees. Plain C++ (no Torch, no Qt).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/io/importers.h"
#include "core/progress.h"

namespace lowclip::app {

// One model bundle of the registry, described from its lowclip.json (the weights are not opened).
struct ModelEntry {
    std::string name;         // folder name under models/ (UTF-8)
    std::string dir;          // absolute folder
    std::string textEncoder;  // e.g. "bert (2 layers, hidden 128, 4 heads, vocab 256)"
    std::string imageArch;    // e.g. "efficientnet_b0", "resnet"
    int dim = 0;              // embedding length
    int imageSize = 0;
    std::uint64_t bytes = 0;  // all files of the folder
    std::string created;      // ISO 8601 UTC
    std::string source;       // "demo", "fine-tune of demo", "import simpleclip ...", ...
    // Numbers under lowclip.json's "metrics", one level of nesting flattened with a dot
    // ({"single": {"t2i_r1": 0.9}} -> "single.t2i_r1").
    std::map<std::string, double> metrics;
    bool readable = true;     // lowclip.json could be read and understood
    std::string problem;      // why not, when !readable
    bool active = false;      // the workspace's active model
};

// Where a new model comes from.
struct ModelImport {
    enum class Kind {
        Bundle,      // a bundle folder, validated and copied
        SimpleClip,  // a Simple-CLIP/LowCLIP state dict + vocab (simpleClip; its name and out are set here)
        Base,        // a Hugging Face BERT folder + backbone weights (base; its name and out are set here)
    };
    Kind kind = Kind::Bundle;
    std::string bundle;
    io::SimpleClipImportOptions simpleClip;
    io::BaseImportOptions base;
};

class ModelRegistry {
public:
    explicit ModelRegistry(std::string modelsDir);

    const std::string& folder() const { return dir_; }

    // Every bundle folder, sorted by name (byte order; front ends sort for their language).
    std::vector<ModelEntry> list() const;
    bool contains(const std::string& name) const;
    // ModelNotFound when there is no such bundle.
    ModelEntry describe(const std::string& name) const;
    // The folder of `name` (it need not exist); InvalidModelName for a name that cannot be one.
    std::string dirOf(const std::string& name) const;

    // A model name is valid UTF-8 of at most 100 bytes: letters of any script, digits, spaces and
    // punctuation other than '/' and '\'; no control characters, no leading '.', no leading or
    // trailing space ("mənim modelim" is a name).
    static bool validName(const std::string& name);
    static void requireValidName(const std::string& name);
    // `base`, else "base-2", "base-3", ... whichever is free.
    std::string freeName(const std::string& base) const;

    // The recorded choice ("" when none was recorded or that bundle is gone).
    std::string recordedActive() const;
    // Records `name` (which must be a bundle of the registry) as the choice; "" forgets it.
    void recordActive(const std::string& name);

    // Builds a new bundle named `name` from `source`. ModelExists when the name is taken,
    // InvalidModelName, or the importer's error; on any failure nothing is left under the name.
    // Cancelled (and nothing kept) when `cancel` is set before the import finishes.
    ModelEntry importModel(const std::string& name, const ModelImport& source, const ProgressFn& progress = {},
                           const CancelFlag* cancel = nullptr);
    // Copies the bundle to destinationFolder/<name>; AlreadyExists when that is taken.
    void exportModel(const std::string& name, const std::string& destinationFolder) const;
    // Deletes the bundle folder (the caller checks that it is not in use).
    void removeModel(const std::string& name);

private:
    static void importInto(const std::string& target, const std::string& name, const ModelImport& source,
                           const std::function<void(const std::string&)>& say);
    std::string dir_;
};

}  // namespace lowclip::app
