#pragma once
// The application: one data folder and everything a person does with it. Both front ends —
// `lowclip-cli` (app/cli) and the desktop app (through ui/engine) — are thin adapters over this
// class: they parse, call, and print or convert. The policy lives here once, so they agree by
// construction.
//
//   <data>/models/<name>/   model bundles (ModelRegistry), <data>/models/active: the active model
//   <data>/library/         the photo catalog and its vector indexes (library::Library)
//
// What it decides:
//   - the active model: the user's choice (activateModel), else the library's last fully indexed
//     model, else the demo model, else the only model there is;
//   - the model that answers searches: the active one once every photo has its vector, until then
//     the last model whose index was complete (so switching never leaves the window empty);
//   - library folders and photos named by id, path or display path (findRoot, findPhoto);
//   - the teaching recipe: which caption/feedback pairs (deduplicated), the fixed held-out split
//     (by photo, stable as captions are added), presets and their learning rates, before/after
//     figures on the held-out captions;
//   - the demo: train, save, write its photos, index them, activate, try queries.
//
// Errors are lowclip::Error with a code (core/error.h); long calls take a progress callback and a
// cancellation flag and, when cancelled, throw Cancelled after keeping what they finished (indexing
// keeps finished batches; teaching and the demo keep nothing half-written). Plain C++ (no Torch, no
// Qt). A Workspace may be used from several threads at once.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/app/model_registry.h"
#include "core/library/library.h"
#include "core/progress.h"
#include "core/train/demo_options.h"
#include "core/train/embedder.h"
#include "core/train/metrics.h"

namespace lowclip::text {
class WordPieceTokenizer;
}

namespace lowclip::app {

// $XDG_DATA_HOME/lowclip, else ~/.local/share/lowclip (where Qt's AppDataLocation is for the GUI).
std::string defaultDataDir();

struct RuntimeOptions {
    std::string device = "auto";  // "auto", "cpu", "cuda", "cuda:N"
    int threads = 0;              // LibTorch CPU threads; 0: all hardware threads
    // Queries: the fastest text path this CPU runs within the bounds of nn::BertPrecision (int8 where a
    // SIMD int8 kernel runs: cosine >= 0.99 to float32, top-10 overlap >= 0.9), or float32 when asked.
    train::TextPrecision textPrecision = train::TextPrecision::Fastest;
    int searchBreadth = 0;        // HNSW ef for searches (at least k); 0: the library's automatic choice
};

struct WorkspaceOptions {
    std::string dataDir;        // empty: defaultDataDir()
    std::string libraryDir;     // empty: <dataDir>/library
    library::OpenMode mode = library::OpenMode::ReadWrite;
    RuntimeOptions runtime;
};

// A model to use: a name of the registry, or a bundle folder anywhere (then `name` is empty).
struct ModelRef {
    std::string name;
    std::string dir;
    bool empty() const { return dir.empty(); }
};

struct SearchAnswer {
    std::vector<library::SearchResult> hits;
    ModelRef model;           // the model that answered
    std::string modelId;
    double milliseconds = 0;  // encoding the query and searching
};

struct IndexRequest {
    bool scan = true;              // look for new, changed, moved and removed photos first
    bool embed = true;             // then embed what has no vector from the model
    bool rebuild = false;          // rewrite the model's vector index from its live vectors first
    bool restoreRemoved = false;   // let the scan find the files removed from the library again
    library::ScanOptions scanOptions;
    library::IndexOptions indexOptions;  // bundlePath and modelName are filled in here
    std::string model;             // name or bundle folder; empty: the active model
};

struct IndexOutcome {
    std::optional<library::ScanReport> scan;
    std::optional<library::IndexReport> index;  // absent when there is no model yet or embed was off
    ModelRef model;
    std::string modelId;
};

// ---- teaching ----

struct TeachingPair {
    library::PhotoId photo = 0;
    std::string path;     // bytes
    std::string text;
    bool fromFeedback = false;  // a search the user marked relevant (else a caption)
    bool heldOut = false;       // in the fixed held-out set: measured on, never trained on
};

// What teaching would use now, counted exactly as teach() will use it.
struct TeachingPlan {
    std::vector<TeachingPair> pairs;   // deduplicated; photos that cannot be read are left out
    std::size_t trainPairs = 0, heldOutPairs = 0;
    std::size_t trainPhotos = 0, heldOutPhotos = 0;
    bool enough = false;               // at least kMinTeachingPhotos training photos
    bool measurable = false;           // held-out set large enough for figures that mean something
};
inline constexpr std::size_t kMinTeachingPhotos = 2;
// Below these the before/after figures are not shown as measurements ("too few captions to measure").
inline constexpr std::size_t kMinHeldOutCaptions = 20;
inline constexpr std::size_t kMinHeldOutPhotos = 10;

// Every model measured on the same captions: the library's held-out pairs (the fixed split of
// teachingPlan()), so figures of different models compare.
struct ModelMeasure {
    std::string name;
    bool measured = false;
    train::RetrievalReport report;  // when measured
    std::string problem;            // why not (the model cannot be loaded)
};
struct HeldOutMeasurement {
    std::size_t heldOutPairs = 0, heldOutPhotos = 0;  // of the plan; the report counts what could be read
    bool measurable = false;                          // as TeachingPlan::measurable
    std::vector<ModelMeasure> models;                 // registry order
};

struct TeachPreset {
    std::string name;       // "quick", "thorough"
    int epochs = 0;
    double lrHeads = 0, lrImage = 0, lrText = 0;
    std::string freeze;     // "heads", "text-attention", "last-layers", "all"
    int batchSize = 0;
};
std::vector<TeachPreset> teachPresets();
// InvalidArgument for an unknown name.
TeachPreset teachPreset(const std::string& name);

struct TeachRequest {
    std::string baseModel;      // name or bundle folder; empty: the active model
    bool useCaptions = true;
    bool useFeedback = true;
    std::string preset = "quick";
    // Zeros / empty: the preset's.
    int epochs = 0;
    double lrHeads = 0, lrImage = 0, lrText = 0;
    std::string freeze;
    int batchSize = 0;
    std::string newModelName;   // empty: "<base>-ft-<YYYYmmdd-HHMM>" (made unique)
};

enum class TeachStage { Loading, MeasuringBefore, Training, MeasuringAfter, Saving };

struct TeachEvent {
    enum class Kind { Stage, Step, Validation };
    Kind kind = Kind::Step;
    TeachStage stage = TeachStage::Loading;
    int epoch = 0, epochs = 0;          // 1-based epoch
    std::size_t step = 0, steps = 0;    // optimizer steps, done / planned
    double loss = 0, learningRate = 0;
    double logitScale = 0;              // the contrastive loss's temperature multiplier
    double itemsPerSecond = 0;          // training pairs per second so far
    double recall = 0;                  // Validation: held-out text->image Recall@recallK
    int recallK = 5;
    double elapsedSeconds = 0, etaSeconds = -1;
};
using TeachEventFn = std::function<void(const TeachEvent&)>;

struct TeachOutcome {
    ModelRef model;                     // the new model (in the registry)
    train::RetrievalReport before, after;  // on the held-out captions (numTexts == 0: none)
    std::size_t trainPairs = 0, heldOutPairs = 0, heldOutPhotos = 0;
    bool measurable = false;
    int recallK = 5;
    double seconds = 0;
};

// ---- the demo ----

// The typed queries the demo tries on its library.
std::vector<std::string> defaultDemoQueries();

struct DemoRequest {
    train::DemoOptions options;
    std::string bundleDir;              // empty: the registry's "demo"
    bool buildLibrary = true;           // write the held-out scenes as photos, add and index them
    bool activate = true;               // make the demo the active model (registry bundles only)
    std::vector<std::string> queries = defaultDemoQueries();
    int resultsPerQuery = 5;
};

enum class DemoStage { Preparing, Training, Evaluating, Saving, WritingPhotos, Indexing, Querying };

struct DemoEvents {
    std::function<void(DemoStage)> onStage;
    std::function<void(const TeachEvent&)> onStep;  // training steps (kind Step)
    ProgressFn onIndexProgress;                     // scanning and embedding the demo photos
    std::function<void(const std::string&)> log;    // English log lines (CLI output, logs)
};

struct DemoQueryResult {
    std::string query;
    std::vector<library::SearchResult> hits;
};

struct DemoOutcome {
    std::string bundleDir;
    std::vector<std::string> heldOut;                   // "mavi ulduz", ...: never seen in training
    std::map<std::string, train::RetrievalReport> eval;  // by split ("single", "multi", ...)
    std::map<std::string, std::map<std::string, double>> mapByKind;  // split -> caption family -> MAP
    std::size_t trainingSteps = 0;
    double trainSeconds = 0;
    std::size_t vocabSize = 0;
    std::string summaryJson;                            // the demo's JSON summary (train::DemoResult::toJson)
    bool library = false;                               // the demo library was built
    std::string photosDir;
    std::size_t photos = 0, embedded = 0;
    std::vector<DemoQueryResult> queries;
    double seconds = 0;
};

class Workspace {
public:
    // Opens (ReadWrite: creating when needed) the data folder. LibraryInUse when another process
    // holds the library for writing. In ReadOnly mode a data folder without a library yet opens
    // too (models can be listed and chosen); what needs the library then throws NoLibrary.
    static std::unique_ptr<Workspace> open(const WorkspaceOptions& options);
    ~Workspace();
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;

    const std::string& dataDir() const { return dataDir_; }
    bool hasLibrary() const { return lib_ != nullptr; }
    library::Library& library();  // NoLibrary when there is none (ReadOnly mode only)
    ModelRegistry& registry() { return registry_; }
    bool readOnly() const;
    // A read-only workspace opens the library anew when its vector index files or the
    // active-model choice changed since it was opened, so it sees what the process holding the
    // library for writing did meanwhile; loaded models stay cached. True when it reopened. A
    // writable workspace sees its own writes and never reopens. Not to be called while another call
    // on this workspace runs.
    bool reopenIfChanged();

    RuntimeOptions runtime() const;
    void configure(const RuntimeOptions& options);  // device changes reload models on next use

    // ---- models ----
    std::vector<ModelEntry> models();          // `active` marks activeModel()
    ModelRef activeModel();                    // empty when there is no model at all
    ModelRef searchModel();                    // see the class comment
    void activateModel(const std::string& name);
    ModelEntry importModel(const std::string& name, const ModelImport& source, const ProgressFn& progress = {},
                           const CancelFlag* cancel = nullptr);
    void exportModel(const std::string& name, const std::string& destinationFolder);
    // ModelInUse for the active or the searching model; forgets its vectors in the library.
    void deleteModel(const std::string& name);
    // A registry name or a bundle folder; "" resolves to the active model. ModelNotFound / NoModel.
    ModelRef resolveModel(const std::string& nameOrFolder);
    // The loaded model (cached; reloaded when its weights file changes or the device changes).
    std::shared_ptr<train::Embedder> embedder(const ModelRef& model);

    // ---- library folders and photos ----
    std::vector<library::Root> roots();
    // By id ("3"), path or display path as stored, or the folder's resolved path. RootNotFound.
    library::Root findRoot(const std::string& which);
    std::int64_t addRoot(const std::string& folder);  // NotAFolder; the resolved path is stored
    void removeRoot(const std::string& which);          // forgets its photos; the files stay
    // Takes photos out of the library; later scans pass them by (library::Library::removePhotos).
    std::size_t removePhotos(const std::vector<library::PhotoId>& photos);
    // By id, stored path, or the path resolved from the working folder. PhotoNotFound.
    library::PhotoInfo findPhoto(const std::string& which);

    // ---- indexing and search ----
    IndexOutcome index(const IndexRequest& request, const ProgressFn& progress = {}, const CancelFlag* cancel = nullptr);
    SearchAnswer search(const std::string& query, const library::SearchOptions& options, const std::string& model = {});
    SearchAnswer similar(library::PhotoId photo, const library::SearchOptions& options, const std::string& model = {});
    // Loads the model that answers searches and sends one query through it and the library, so
    // that the person's first search waits neither for the weights to load nor for the query
    // path's int8 / bfloat16 copies of them. False (nothing done) without a model to search with;
    // without a library or vectors of that model, only the model is prepared.
    bool prepareSearch();
    // The query's words the searching model's vocabulary does not know (its tokenizer gives [UNK]
    // for them, or has them only letter by letter: "x ##y ##z"), in query order without repeats:
    // as typed when the word stood alone between spaces, else as the tokenizer normalised it.
    // Empty when there is no model.
    std::vector<std::string> unknownWords(const std::string& query);
    // Near-identical photos of the library from the searching model's stored vectors (reads only).
    library::DuplicateReport nearDuplicates(const library::DuplicateOptions& options, const ProgressFn& progress = {},
                                            const CancelFlag* cancel = nullptr, const std::string& model = {});
    // The library without a model: photos passing `filter` (root, dates, keepUndated; the rest of
    // the filter is ignored), newest first — by date taken, else by the file's modification time
    // (UTC) — ties by newest id. Photos that could not be read are left out.
    std::vector<library::PhotoInfo> browse(const library::SearchFilter& filter, std::size_t offset, std::size_t limit);

    // ---- captions and feedback ----
    // One caption on each photo; EmptyCaption, PhotoNotFound. Returns the new caption ids.
    std::vector<std::int64_t> addCaption(const std::vector<library::PhotoId>& photos, const std::string& text,
                                         const std::string& source = "user");
    library::TsvImportReport importCaptions(const std::string& tsvPath);
    std::size_t exportCaptions(const std::string& tsvPath);
    // Marks `photo` relevant or not for `query` (trimmed); an earlier mark of the same photo for the
    // same query is replaced, so a corrected misclick leaves one mark. Returns the new mark's id.
    std::int64_t feedback(const std::string& query, library::PhotoId photo, bool relevant);
    // Every mark, oldest first; removing one that is gone already is not an error.
    std::vector<library::Feedback> feedbackMarks();
    void removeFeedback(std::int64_t feedbackId);

    // ---- teaching ----
    TeachingPlan teachingPlan(bool useCaptions, bool useFeedback);
    // TooFewPairs when the plan is not `enough`. The new model is added to the registry (not
    // activated). Cancelled: nothing is kept.
    TeachOutcome teach(const TeachRequest& request, const TeachEventFn& events = {}, const CancelFlag* cancel = nullptr);

    // Every readable model of the registry on the library's held-out captions (photos decoded
    // once per input size). Measures nothing when the set is not measurable (the counts say why). Cancelled: nothing.
    HeldOutMeasurement measureModels(const ProgressFn& progress = {}, const CancelFlag* cancel = nullptr);

    // ---- the demo ----
    DemoOutcome runDemo(const DemoRequest& request, const DemoEvents& events = {}, const CancelFlag* cancel = nullptr);

private:
    Workspace(std::string dataDir, std::string libraryDir, std::unique_ptr<library::Library> lib,
              const RuntimeOptions& runtime);
    ModelRef refFor(const std::string& dir);
    std::optional<library::ModelInfo> libraryModelFor(const std::string& dir);
    void forgetEmbedder(const std::string& dir);
    static std::string filesSignature(const std::string& dataDir, const std::string& libraryDir);

    std::string dataDir_;
    std::string libraryDir_;
    std::unique_ptr<library::Library> lib_;
    std::string signature_;  // filesSignature() when lib_ was opened (read-only workspaces)
    ModelRegistry registry_;
    mutable std::mutex mutex_;  // runtime_, embedders_
    std::mutex loadMutex_;      // one model load at a time
    std::mutex indexMutex_;     // one indexing run at a time
    RuntimeOptions runtime_;
    struct Cached;
    std::map<std::string, std::shared_ptr<Cached>> embedders_;
    struct CachedTokenizer;
    std::map<std::string, std::shared_ptr<CachedTokenizer>> tokenizers_;  // by bundle folder; under mutex_
};

}  // namespace lowclip::app
