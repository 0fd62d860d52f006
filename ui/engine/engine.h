#pragma once
// The UI's only door into the engine: plain C++ types, no Qt and no Torch in this header.
//
// The implementation (engine.cpp, target lowclip_engine) is a thin adapter over the application
// service core/app/workspace.h, which the CLI adapts too: it converts types and nothing more. It
// links core privately, so Qt code cannot reach a Torch header (the build fails if it tries).
// Every call may take long: the UI calls them on worker threads (see ui/backend.h). An Engine is
// safe to call from several threads at once; long writers (indexing, training) do not block
// searches longer than one batch.
//
// Errors are lowclip::Error (core/error.h) with a code the UI turns into its own sentence
// (ui/error_text.h). Cancellation is one rule: a long call whose flag is set throws
// lowclip::Cancelled, keeping what it finished (indexing) or nothing (teaching, the demo).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/progress.h"

namespace lowclip::ui {

// One photo in the catalog, as a search result or in the preview.
struct Photo {
    std::int64_t id = 0;
    std::string path;       // UTF-8 for display (lossy for invalid names)
    std::string root;       // the library folder it belongs to
    float score = 0.0f;     // relevance (cosine similarity) when it comes from a search
    int width = 0;
    int height = 0;
    std::uint64_t bytes = 0;
    std::string dateTaken;  // ISO 8601 "YYYY-MM-DD[THH:MM:SS]" or empty
    std::string camera;     // "Make Model" or empty
    double latitude = 0.0;
    double longitude = 0.0;
    bool hasLocation = false;
};

struct Caption {
    std::int64_t id = 0;
    std::int64_t photoId = 0;
    std::string path;    // of the photo
    std::string text;
    std::string source;  // "user", "import", ...
};

struct SearchOptions {
    int k = 60;
    int offset = 0;
    std::string root;      // only photos under this library folder (empty: all)
    std::string dateFrom;  // "YYYY-MM-DD" inclusive, empty: open
    std::string dateTo;    // "YYYY-MM-DD" inclusive, empty: open
    bool keepUndated = true;  // photos without a date taken pass a date filter too
    // Above 0: hits whose image vectors have at least this cosine with a better-ranked hit join its
    // stack (near-identical photos take one cell). 0: no stacks.
    double stackSimilarity = 0.0;
};

struct SearchResult {
    std::vector<Photo> hits;
    double milliseconds = 0.0;
    // How many leading hits are relevant: the rest follow a gap in the scores that stands out from
    // the list's own spacing (core/library/result_shaping.h). All hits when none stands out, and
    // always all on pages after the first (offset > 0) and in browse().
    std::size_t relevant = 0;
    // Per hit, the index of the hit leading its stack (itself when it leads); empty when stacks
    // were not asked for.
    std::vector<std::size_t> stackLeader;
};

// Near-identical photos of the library (Engine::duplicates).
struct DuplicateGroup {
    std::vector<Photo> photos;      // first the one to keep (most pixels, then largest file)
    std::vector<float> similarity;  // per photo, cosine with the first
};

struct DuplicateScan {
    std::vector<DuplicateGroup> groups;  // largest first
    std::size_t photosChecked = 0;
    std::size_t photosInGroups = 0;
    std::size_t groupsFound = 0;  // also those not returned (past the limit)
};

struct LibraryState {
    std::size_t photos = 0;    // photos known to the catalog
    std::size_t embedded = 0;  // with a vector from the active model
    std::size_t pending = 0;   // waiting to be embedded
    std::size_t failed = 0;    // could not be read
    std::vector<std::string> roots;
    std::string modelName;     // active model, empty when none
    bool hasModel = false;
};

struct FailedFile {
    std::int64_t photoId = 0;
    std::string path;
    std::string reason;  // technical detail (English; tooltips and logs)
    // What kind of failure, for the UI's own sentence: "empty", "not-a-file", "too-large",
    // "unreadable", "truncated", "not-an-image", "unsupported", "damaged", "out-of-memory", "other".
    std::string kind = "other";
};

struct IndexSummary {
    std::size_t added = 0, changed = 0, removed = 0, moved = 0, embedded = 0, failed = 0;
    bool hasModel = false;  // false: photos were catalogued, nothing was embedded (no model yet)
};

// A relevance mark the user gave a search result.
struct FeedbackMark {
    std::int64_t id = 0;
    std::string query;
    std::int64_t photoId = 0;
    std::string path;        // of the photo, for display
    bool relevant = false;
    std::int64_t created = 0;  // unix seconds
};

struct CaptionImportReport {
    std::size_t imported = 0;
    std::size_t duplicates = 0;            // the same caption was there already
    std::vector<std::string> unmatched;    // "line N: path" of lines whose photo is not in the library
};

// What teaching would use now, counted exactly as train() uses it.
struct TeachingPlan {
    std::size_t trainPairs = 0, heldOutPairs = 0;
    std::size_t trainPhotos = 0, heldOutPhotos = 0;
    bool enough = false;      // enough to teach at all
    bool measurable = false;  // the held-out set is large enough for the before/after figures
    std::size_t minHeldOutCaptions = 0;  // the size below which figures are not measurements
};

struct ModelInfo {
    std::string name;        // folder name under models/
    std::string dir;
    std::string architecture;  // e.g. "bert-4l + efficientnet_b0"
    std::uint64_t bytes = 0;
    int dim = 0;
    std::map<std::string, double> metrics;  // e.g. t2i_r1, t2i_r5, t2i_map
    std::string created;
    std::string source;
    bool active = false;
};

// Every model measured on the library's own held-out captions (Engine::measureModels).
struct ModelMeasurement {
    std::string name;
    bool measured = false;
    double r1 = 0.0, r5 = 0.0;          // text -> photo Recall@1 and @5
    std::size_t captions = 0, photos = 0;
    std::string problem;                // why it was not measured (technical)
};
struct HeldOutMeasurement {
    std::size_t captions = 0, photos = 0;  // of the held-out set
    bool measurable = false;               // large enough to mean something; else nothing is measured
    std::vector<ModelMeasurement> models;
};

struct ImportRequest {
    enum class Kind { Bundle, SimpleClip, HuggingFaceBase };
    Kind kind = Kind::Bundle;
    std::string name;          // the new model's name (folder under models/)
    std::string source;        // Bundle: bundle folder; SimpleClip: state dict file
    std::string vocab;         // SimpleClip: vocab.txt
    std::string bertConfig;    // SimpleClip: optional config.json
    std::string bertFolder;    // HuggingFaceBase: HF BERT folder
    std::string imageWeights;  // HuggingFaceBase: backbone weights
    std::string arch;          // HuggingFaceBase: backbone architecture (empty: guess)
};

struct TrainRequest {
    std::string baseModel;     // model name; empty: the active model
    bool useCaptions = true;
    bool useFeedback = true;
    std::string preset = "quick";  // "quick" | "thorough"
    int epochs = 0;            // 0: the preset's
    double lrHeads = 0.0;      // 0: the preset's
    double lrImage = 0.0;
    double lrText = 0.0;
    std::string freeze;        // "" (the preset's), "heads", "text-attention", "last-layers", "all"
    int batchSize = 0;         // 0: the preset's
    std::string newModelName;  // empty: "<base>-ft-<date>"
};

struct TrainPreset {
    std::string name;
    int epochs = 0;
    double lrHeads = 0.0, lrImage = 0.0, lrText = 0.0;
    std::string freeze;
    int batchSize = 0;
};

struct TrainEvent {
    enum class Kind { Step, Validation, Stage };
    enum class Stage { Loading, MeasuringBefore, Training, MeasuringAfter, Saving };
    Kind kind = Kind::Step;
    Stage stage = Stage::Loading;
    int epoch = 0;
    int epochs = 0;
    std::size_t step = 0;       // global step
    std::size_t steps = 0;      // total steps, 0 when unknown
    double loss = 0.0;
    double learningRate = 0.0;
    double recall = 0.0;        // validation text->image Recall@K
    int recallK = 5;
    double elapsedSeconds = 0.0;
    double etaSeconds = -1.0;
};

struct TrainOutcome {
    std::string modelName;
    std::string bundleDir;
    std::map<std::string, double> before;  // metrics of the base model on held-out captions
    std::map<std::string, double> after;   // metrics of the new model on the same captions
    std::size_t trainPairs = 0;
    std::size_t heldOutPairs = 0;
    std::size_t heldOutPhotos = 0;
    bool measurable = false;               // enough held-out captions for the figures to mean something
};

// Size of the demo run. Zeros: the demo's defaults (a few minutes on a laptop CPU); tests ask for
// a tiny one.
struct DemoRequest {
    int steps = 0;
    int batchSize = 0;
    int evalImages = 0;  // held-out photos per split (they become the demo library)
    bool tinyModel = false;
    std::uint64_t seed = 1;
};

// Where the demo is: its stage, and within training or indexing how far it got.
struct DemoProgress {
    enum class Stage { Preparing, Training, Evaluating, Saving, WritingPhotos, Indexing, Querying };
    Stage stage = Stage::Preparing;
    std::size_t done = 0, total = 0;  // training steps, or photos being indexed
    double elapsedSeconds = 0.0;      // since the demo started
    double etaSeconds = -1.0;         // of the current stage; negative when unknown
};
using DemoProgressFn = std::function<void(const DemoProgress&)>;

struct EngineOptions {
    std::string device = "auto";  // "auto", "cpu", "cuda"
    int threads = 0;              // 0: all cores
    int hnswEfSearch = 64;        // search breadth (at least the number of results)
    std::string textPrecision = "auto";  // queries: "auto" (fastest within the stated bounds) or "float32"
    int thumbnailSize = 256;
    // Open the library for reading only: works while another process (the window) holds it for
    // writing; what writes throws LibraryReadOnly. Used by the desktop search provider. Read at
    // openEngine() only.
    bool readOnly = false;
};

using TrainEventFn = std::function<void(const TrainEvent&)>;

class Engine {
public:
    virtual ~Engine() = default;

    // Library.
    virtual LibraryState state() = 0;
    virtual std::vector<std::string> roots() = 0;
    virtual void addRoot(const std::string& folder) = 0;
    virtual void removeRoot(const std::string& folder) = 0;  // forgets the photos; files stay
    // Scans every root and embeds what is new or changed with the active model. Cancelled: the
    // finished batches are kept.
    virtual IndexSummary index(const ProgressFn& progress, const CancelFlag* cancel) = 0;
    virtual std::vector<FailedFile> failures() = 0;
    // Takes photos out of the library (their captions and marks go with them; the files stay) and
    // later scans pass them by. Returns how many were removed.
    virtual std::size_t removeFromLibrary(const std::vector<std::int64_t>& photoIds) = 0;

    // Search.
    virtual SearchResult search(const std::string& query, const SearchOptions& options) = 0;
    // Gets the searching model ready (loaded, its query path's weights prepared, its index read)
    // so that the first search answers as fast as the next ones; nothing without a model.
    virtual void prepareSearch() {}
    virtual SearchResult similar(std::int64_t photoId, const SearchOptions& options) = 0;
    // The library without a query or model: photos passing the options' filters, newest first.
    virtual SearchResult browse(const SearchOptions& options) = 0;
    // The words of `query` the searching model does not know (its tokenizer gives [UNK], or has
    // them only letter by letter); empty
    // when every word is known or there is no model.
    virtual std::vector<std::string> unknownWords(const std::string& query) = 0;
    // Groups of near-identical photos (cosine >= similarity, in (0, 1]) from the active model's
    // stored vectors. Reads only. Cancelled: nothing.
    virtual DuplicateScan duplicates(double similarity, const ProgressFn& progress, const CancelFlag* cancel) = 0;
    virtual Photo photo(std::int64_t photoId) = 0;
    // A JPEG (or any Qt-readable) encoding of the photo's thumbnail, at most `size` pixels a side;
    // empty when the library has none (the UI then decodes the file itself).
    virtual std::vector<std::uint8_t> thumbnail(std::int64_t photoId, int size) = 0;

    // Captions and feedback.
    // Every caption, also those on photos that could not be read.
    virtual std::vector<Caption> captions() = 0;
    virtual std::vector<Caption> captionsFor(std::int64_t photoId) = 0;
    virtual void addCaption(const std::vector<std::int64_t>& photoIds, const std::string& text) = 0;
    virtual void editCaption(std::int64_t captionId, const std::string& text) = 0;
    virtual void deleteCaption(std::int64_t captionId) = 0;
    virtual CaptionImportReport importCaptions(const std::string& tsvPath) = 0;
    virtual std::size_t exportCaptions(const std::string& tsvPath) = 0;
    // Marks a result for a query; an earlier mark of that photo for that query is replaced.
    // Returns the mark's id (for undo).
    virtual std::int64_t feedback(const std::string& query, std::int64_t photoId, bool relevant) = 0;
    virtual std::vector<FeedbackMark> feedbackMarks() = 0;  // oldest first
    virtual void removeFeedback(std::int64_t markId) = 0;   // a mark already gone is not an error
    // Training pairs from captions and positive feedback, split as train() will split them.
    virtual TeachingPlan teachingPlan(bool useCaptions, bool useFeedback) = 0;

    // Models.
    virtual std::vector<ModelInfo> models() = 0;
    // Measures every model on the same captions: the library's held-out set (the fixed split that
    // teaching uses), so the figures compare. Cancelled: nothing.
    virtual HeldOutMeasurement measureModels(const ProgressFn& progress, const CancelFlag* cancel) = 0;
    virtual ModelInfo importModel(const ImportRequest& request, const ProgressFn& progress, const CancelFlag* cancel) = 0;
    virtual void activateModel(const std::string& name) = 0;
    virtual void exportModel(const std::string& name, const std::string& destinationFolder) = 0;
    virtual void deleteModel(const std::string& name) = 0;

    // Fine-tuning. Cancelled: nothing is kept.
    virtual std::vector<TrainPreset> trainPresets() = 0;
    virtual TrainOutcome train(const TrainRequest& request, const TrainEventFn& events, const CancelFlag* cancel) = 0;

    // The demo: trains a small model on generated scenes, builds a demo library from them and
    // makes it the active model. Cancelled while training: the previous demo model stays as it was.
    virtual void runDemo(const DemoRequest& request, const DemoProgressFn& progress, const CancelFlag* cancel) = 0;

    // Devices this build can run on ("cpu", and "cuda" when a GPU is usable).
    virtual std::vector<std::string> devices() = 0;
    virtual void configure(const EngineOptions& options) = 0;
    // A read-only engine reopens the library when another process changed it since (new photos,
    // a new active model); loaded models stay. True when it reopened. Not to be called while
    // another call on this engine runs. A writable engine sees its own writes: false.
    virtual bool refresh() { return false; }
};

// Opens (creating when needed, unless read-only) the data folder: `dataDir`/library and
// `dataDir`/models; an empty `dataDir` is the default one the CLI uses too.
// Throws lowclip::Error when the library is in use by another process or cannot be opened.
std::unique_ptr<Engine> openEngine(const std::string& dataDir, const EngineOptions& options);

}  // namespace lowclip::ui
