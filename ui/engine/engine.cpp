// The engine facade: a thin adapter from the UI's plain types to the application service
// (core/app/workspace.h) and back. No policy lives here; no Qt header is included.
#include "ui/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>

#include "core/app/workspace.h"
#include "core/error.h"
#include "core/library/result_shaping.h"
#include "core/nn/runtime.h"
#include "core/train/demo_options.h"

namespace fs = std::filesystem;

namespace lowclip::ui {

namespace {

Photo toPhoto(const library::PhotoInfo& p, const std::vector<library::Root>& roots) {
    Photo out;
    out.id = p.id;
    out.path = p.displayPath.empty() ? library::displayPath(p.path) : p.displayPath;
    for (const auto& r : roots)
        if (r.id == p.rootId) out.root = r.displayPath;
    out.width = p.width;
    out.height = p.height;
    out.bytes = std::uint64_t(std::max<std::int64_t>(0, p.size));
    out.dateTaken = p.dateTaken;
    std::string camera = p.cameraMake;
    if (!p.cameraModel.empty()) {
        // Many makers repeat the make in the model ("Canon" + "Canon EOS 80D").
        if (!camera.empty() && p.cameraModel.rfind(camera, 0) != 0) camera += " " + p.cameraModel;
        else camera = p.cameraModel;
    }
    out.camera = camera;
    if (p.latitude && p.longitude) {
        out.hasLocation = true;
        out.latitude = *p.latitude;
        out.longitude = *p.longitude;
    }
    return out;
}

ModelInfo toModelInfo(const app::ModelEntry& e) {
    ModelInfo info;
    info.name = e.name;
    info.dir = e.dir;
    info.architecture = e.readable ? e.textEncoder + " + " + e.imageArch : std::string();
    info.bytes = e.bytes;
    info.dim = e.dim;
    info.metrics = e.metrics;
    info.created = e.created;
    info.source = e.source;
    info.active = e.active;
    return info;
}

std::map<std::string, double> flat(const train::RetrievalReport& r) {
    if (r.numTexts == 0) return {};
    return {{"t2i_r1", r.textToImage.r1}, {"t2i_r5", r.textToImage.r5}, {"t2i_map", r.textToImage.map},
            {"i2t_r1", r.imageToText.r1}, {"i2t_r5", r.imageToText.r5}, {"i2t_map", r.imageToText.map}};
}

app::RuntimeOptions toRuntime(const EngineOptions& o) {
    app::RuntimeOptions r;
    r.device = o.device;
    r.threads = o.threads;
    r.searchBreadth = o.hnswEfSearch;
    r.textPrecision = o.textPrecision == "float32" ? train::TextPrecision::Float32 : train::TextPrecision::Fastest;
    return r;
}

class WorkspaceEngine final : public Engine {
public:
    WorkspaceEngine(const std::string& dataDir, const EngineOptions& options) {
        app::WorkspaceOptions wo;
        wo.dataDir = dataDir;
        wo.runtime = toRuntime(options);
        wo.mode = options.readOnly ? library::OpenMode::ReadOnly : library::OpenMode::ReadWrite;
        ws_ = app::Workspace::open(wo);
    }

    bool refresh() override { return ws_->reopenIfChanged(); }

    // ---- library ----------------------------------------------------------------------------

    LibraryState state() override {
        LibraryState s;
        auto& lib = ws_->library();
        const auto st = lib.status();
        s.photos = st.photos;
        s.failed = st.photosWithErrors;
        for (const auto& r : lib.roots()) s.roots.push_back(r.displayPath);
        const app::ModelRef active = ws_->activeModel();
        s.hasModel = !active.empty();
        if (s.hasModel) s.modelName = active.name.empty() ? fs::path(active.dir).filename().string() : active.name;
        // Embedded/pending of the model the index is being built for.
        std::optional<library::ModelInfo> counted;
        for (const auto& m : st.models)
            if (s.hasModel && fs::weakly_canonical(m.bundlePath) == fs::weakly_canonical(active.dir)) counted = m;
        if (counted) {
            s.embedded = counted->embedded;
            s.pending = counted->pending;
        } else {
            s.pending = st.photos > st.photosWithErrors ? st.photos - st.photosWithErrors : 0;
        }
        return s;
    }

    std::vector<std::string> roots() override {
        std::vector<std::string> out;
        for (const auto& r : ws_->roots()) out.push_back(r.displayPath);
        return out;
    }

    void addRoot(const std::string& folder) override { ws_->addRoot(folder); }
    void removeRoot(const std::string& folder) override { ws_->removeRoot(folder); }

    IndexSummary index(const ProgressFn& progress, const CancelFlag* cancel) override {
        app::IndexRequest request;
        request.indexOptions.decodeThreads = ws_->runtime().threads;
        const app::IndexOutcome out = ws_->index(request, progress, cancel);
        IndexSummary s;
        if (out.scan) {
            s.added = out.scan->added;
            s.changed = out.scan->changed;
            s.removed = out.scan->removed;
            s.moved = out.scan->moved;
            s.failed = out.scan->errors;
        }
        if (out.index) {
            s.hasModel = true;
            s.embedded = out.index->embedded;
            s.failed += out.index->failed;
        }
        return s;
    }

    std::size_t removeFromLibrary(const std::vector<std::int64_t>& photoIds) override {
        return ws_->removePhotos(photoIds);
    }

    HeldOutMeasurement measureModels(const ProgressFn& progress, const CancelFlag* cancel) override {
        const app::HeldOutMeasurement m = ws_->measureModels(progress, cancel);
        HeldOutMeasurement out;
        out.captions = m.heldOutPairs;
        out.photos = m.heldOutPhotos;
        out.measurable = m.measurable;
        for (const auto& one : m.models) {
            ModelMeasurement r;
            r.name = one.name;
            r.measured = one.measured;
            r.r1 = one.report.textToImage.r1;
            r.r5 = one.report.textToImage.r5;
            r.captions = one.report.numTexts;
            r.photos = one.report.numImages;
            r.problem = one.problem;
            out.models.push_back(std::move(r));
        }
        return out;
    }

    std::vector<FailedFile> failures() override {
        std::vector<FailedFile> out;
        for (const auto& e : ws_->library().errors()) {
            FailedFile f;
            f.photoId = e.photo;
            f.path = e.displayPath.empty() ? library::displayPath(e.path) : e.displayPath;
            f.reason = e.stage.empty() ? e.message : e.stage + ": " + e.message;
            f.kind = library::failureKindName(e.kind);
            out.push_back(std::move(f));
        }
        return out;
    }

    // ---- search ------------------------------------------------------------------------------

    SearchResult search(const std::string& query, const SearchOptions& options) override {
        return toResult(ws_->search(query, toLibraryOptions(options)), options);
    }

    SearchResult similar(std::int64_t photoId, const SearchOptions& options) override {
        return toResult(ws_->similar(photoId, toLibraryOptions(options)), options);
    }

    DuplicateScan duplicates(double similarity, const ProgressFn& progress, const CancelFlag* cancel) override {
        library::DuplicateOptions o;
        o.similarity = similarity;
        const library::DuplicateReport r = ws_->nearDuplicates(o, progress, cancel);
        DuplicateScan out;
        out.photosChecked = r.photosChecked;
        out.photosInGroups = r.photosInGroups;
        out.groupsFound = r.groupsFound;
        const auto roots = ws_->roots();
        for (const auto& g : r.groups) {
            DuplicateGroup group;
            for (const auto& m : g.members) {
                group.photos.push_back(toPhoto(m.photo, roots));
                group.similarity.push_back(m.similarity);
            }
            out.groups.push_back(std::move(group));
        }
        return out;
    }

    SearchResult browse(const SearchOptions& options) override {
        const auto t0 = std::chrono::steady_clock::now();
        const library::SearchOptions lo = toLibraryOptions(options);
        SearchResult r;
        const auto roots = ws_->roots();
        const std::size_t offset = std::size_t(std::max(0, options.offset)), k = std::size_t(std::max(0, options.k));
        for (const auto& p : ws_->browse(lo.filter, offset, k)) r.hits.push_back(toPhoto(p, roots));
        r.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        r.relevant = r.hits.size();
        return r;
    }

    void prepareSearch() override { ws_->prepareSearch(); }
    std::vector<std::string> unknownWords(const std::string& query) override { return ws_->unknownWords(query); }

    Photo photo(std::int64_t photoId) override {
        auto p = ws_->library().photo(photoId);
        if (!p)
            throw Error(ErrorCode::PhotoNotFound, "the photo is no longer in the library", {{"id", std::to_string(photoId)}});
        return toPhoto(*p, ws_->roots());
    }

    std::vector<std::uint8_t> thumbnail(std::int64_t photoId, int size) override {
        return ws_->library().thumbnail(photoId, size);
    }

    // ---- captions and feedback ---------------------------------------------------------------

    std::vector<Caption> captions() override {
        std::vector<Caption> out;
        std::set<std::int64_t> seen;
        for (const auto& pair : ws_->library().allCaptions()) {
            if (!seen.insert(pair.photo).second) continue;
            for (auto& c : captionsFor(pair.photo)) out.push_back(std::move(c));
        }
        // Captions on photos that could not be read are not teaching pairs, but they are the
        // person's and must be visible (and deletable) too.
        for (const auto& e : ws_->library().errors()) {
            if (!seen.insert(e.photo).second) continue;
            for (auto& c : captionsFor(e.photo)) out.push_back(std::move(c));
        }
        return out;
    }

    std::vector<Caption> captionsFor(std::int64_t photoId) override {
        std::vector<Caption> out;
        auto& lib = ws_->library();
        auto p = lib.photo(photoId);
        const std::string path = p ? (p->displayPath.empty() ? library::displayPath(p->path) : p->displayPath) : "";
        for (const auto& c : lib.captions(photoId)) {
            Caption cap;
            cap.id = c.id;
            cap.photoId = c.photo;
            cap.path = path;
            cap.text = c.text;
            cap.source = c.source;
            out.push_back(std::move(cap));
        }
        return out;
    }

    void addCaption(const std::vector<std::int64_t>& photoIds, const std::string& text) override {
        ws_->addCaption(photoIds, text, "user");
    }

    void editCaption(std::int64_t captionId, const std::string& text) override {
        if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw Error(ErrorCode::EmptyCaption, "a caption cannot be empty");
        ws_->library().editCaption(captionId, text);
    }

    void deleteCaption(std::int64_t captionId) override { ws_->library().deleteCaption(captionId); }

    CaptionImportReport importCaptions(const std::string& tsvPath) override {
        const auto r = ws_->importCaptions(tsvPath);
        return CaptionImportReport{r.imported, r.duplicates, r.unmatched};
    }

    std::size_t exportCaptions(const std::string& tsvPath) override { return ws_->exportCaptions(tsvPath); }

    std::int64_t feedback(const std::string& query, std::int64_t photoId, bool relevant) override {
        return ws_->feedback(query, photoId, relevant);
    }

    std::vector<FeedbackMark> feedbackMarks() override {
        std::vector<FeedbackMark> out;
        std::map<std::int64_t, std::string> paths;
        for (const auto& f : ws_->feedbackMarks()) {
            FeedbackMark m;
            m.id = f.id;
            m.query = f.query;
            m.photoId = f.photo;
            auto it = paths.find(f.photo);
            if (it == paths.end()) {
                const auto p = ws_->library().photo(f.photo);
                it = paths.emplace(f.photo, p ? (p->displayPath.empty() ? library::displayPath(p->path) : p->displayPath)
                                              : std::string()).first;
            }
            m.path = it->second;
            m.relevant = f.relevant;
            m.created = f.created;
            out.push_back(std::move(m));
        }
        return out;
    }

    void removeFeedback(std::int64_t markId) override { ws_->removeFeedback(markId); }

    TeachingPlan teachingPlan(bool useCaptions, bool useFeedback) override {
        const app::TeachingPlan p = ws_->teachingPlan(useCaptions, useFeedback);
        TeachingPlan out;
        out.trainPairs = p.trainPairs;
        out.heldOutPairs = p.heldOutPairs;
        out.trainPhotos = p.trainPhotos;
        out.heldOutPhotos = p.heldOutPhotos;
        out.enough = p.enough;
        out.measurable = p.measurable;
        out.minHeldOutCaptions = app::kMinHeldOutCaptions;
        return out;
    }

    // ---- models ------------------------------------------------------------------------------

    std::vector<ModelInfo> models() override {
        std::vector<ModelInfo> out;
        for (const auto& e : ws_->models()) out.push_back(toModelInfo(e));
        return out;
    }

    ModelInfo importModel(const ImportRequest& request, const ProgressFn& progress, const CancelFlag* cancel) override {
        app::ModelImport source;
        switch (request.kind) {
        case ImportRequest::Kind::Bundle:
            source.kind = app::ModelImport::Kind::Bundle;
            source.bundle = request.source;
            break;
        case ImportRequest::Kind::SimpleClip:
            source.kind = app::ModelImport::Kind::SimpleClip;
            source.simpleClip.stateDict = request.source;
            source.simpleClip.vocab = request.vocab;
            source.simpleClip.bertConfig = request.bertConfig;
            break;
        case ImportRequest::Kind::HuggingFaceBase:
            source.kind = app::ModelImport::Kind::Base;
            source.base.bertFolder = request.bertFolder;
            source.base.imageWeights = request.imageWeights;
            source.base.imageArch = request.arch;
            break;
        }
        return toModelInfo(ws_->importModel(request.name, source, progress, cancel));
    }

    void activateModel(const std::string& name) override { ws_->activateModel(name); }
    void exportModel(const std::string& name, const std::string& folder) override { ws_->exportModel(name, folder); }
    void deleteModel(const std::string& name) override { ws_->deleteModel(name); }

    // ---- training ----------------------------------------------------------------------------

    std::vector<TrainPreset> trainPresets() override {
        std::vector<TrainPreset> out;
        for (const auto& p : app::teachPresets())
            out.push_back(TrainPreset{p.name, p.epochs, p.lrHeads, p.lrImage, p.lrText, p.freeze, p.batchSize});
        return out;
    }

    TrainOutcome train(const TrainRequest& r, const TrainEventFn& events, const CancelFlag* cancel) override {
        app::TeachRequest t;
        t.baseModel = r.baseModel;
        t.useCaptions = r.useCaptions;
        t.useFeedback = r.useFeedback;
        t.preset = r.preset;
        t.epochs = r.epochs;
        t.lrHeads = r.lrHeads;
        t.lrImage = r.lrImage;
        t.lrText = r.lrText;
        t.freeze = r.freeze;
        t.batchSize = r.batchSize;
        t.newModelName = r.newModelName;
        app::TeachEventFn forward;
        if (events)
            forward = [&events](const app::TeachEvent& e) {
                TrainEvent out;
                out.kind = e.kind == app::TeachEvent::Kind::Stage        ? TrainEvent::Kind::Stage
                           : e.kind == app::TeachEvent::Kind::Validation ? TrainEvent::Kind::Validation
                                                                         : TrainEvent::Kind::Step;
                out.stage = static_cast<TrainEvent::Stage>(static_cast<int>(e.stage));
                out.epoch = e.epoch;
                out.epochs = e.epochs;
                out.step = e.step;
                out.steps = e.steps;
                out.loss = e.loss;
                out.learningRate = e.learningRate;
                out.recall = e.recall;
                out.recallK = e.recallK;
                out.elapsedSeconds = e.elapsedSeconds;
                out.etaSeconds = e.etaSeconds;
                events(out);
            };
        const app::TeachOutcome o = ws_->teach(t, forward, cancel);
        TrainOutcome out;
        out.modelName = o.model.name;
        out.bundleDir = o.model.dir;
        out.before = flat(o.before);
        out.after = flat(o.after);
        out.trainPairs = o.trainPairs;
        out.heldOutPairs = o.heldOutPairs;
        out.heldOutPhotos = o.heldOutPhotos;
        out.measurable = o.measurable;
        return out;
    }

    void runDemo(const DemoRequest& request, const DemoProgressFn& progress, const CancelFlag* cancel) override {
        app::DemoRequest d;
        d.options = request.tinyModel ? train::tinyDemoOptions() : train::DemoOptions{};
        d.options.seed = request.seed;
        if (request.steps > 0) d.options.steps = request.steps;
        if (request.batchSize > 0) d.options.batchSize = request.batchSize;
        if (request.evalImages > 0) d.options.evalImages = request.evalImages;
        d.options.warmupSteps = std::min(d.options.warmupSteps, std::max(1, d.options.steps / 10));
        const std::string device = ws_->runtime().device;
        d.options.device = device == "auto" ? "cpu" : device;  // the demo is sized for a CPU
        d.queries.clear();  // the window shows the library itself
        const auto t0 = std::chrono::steady_clock::now();
        auto elapsed = [t0] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
        app::DemoEvents events;
        DemoProgress::Stage current = DemoProgress::Stage::Preparing;
        events.onStage = [&](app::DemoStage s) {
            current = static_cast<DemoProgress::Stage>(static_cast<int>(s));
            if (!progress) return;
            DemoProgress p;
            p.stage = current;
            p.elapsedSeconds = elapsed();
            progress(p);
        };
        events.onStep = [&](const app::TeachEvent& e) {
            if (!progress) return;
            DemoProgress p;
            p.stage = DemoProgress::Stage::Training;
            p.done = e.step;
            p.total = e.steps;
            p.elapsedSeconds = elapsed();
            p.etaSeconds = e.etaSeconds;
            progress(p);
        };
        events.onIndexProgress = [&](const Progress& ip) {
            if (!progress) return;
            DemoProgress p;
            p.stage = current;
            p.done = ip.done;
            p.total = ip.total;
            p.elapsedSeconds = elapsed();
            p.etaSeconds = ip.etaSeconds;
            progress(p);
        };
        ws_->runDemo(d, events, cancel);
    }

    std::vector<std::string> devices() override {
        std::vector<std::string> d{"cpu"};
        if (nn::cudaAvailable()) d.push_back("cuda");
        return d;
    }

    void configure(const EngineOptions& options) override {
        app::RuntimeOptions r = ws_->runtime();
        const app::RuntimeOptions wanted = toRuntime(options);
        r.device = wanted.device;
        r.threads = wanted.threads;
        r.searchBreadth = wanted.searchBreadth;
        ws_->configure(r);
    }

private:
    library::SearchOptions toLibraryOptions(const SearchOptions& o) {
        library::SearchOptions lo;
        lo.k = o.k;
        lo.offset = o.offset;
        if (!o.root.empty()) lo.filter.rootId = ws_->findRoot(o.root).id;
        lo.filter.dateFrom = o.dateFrom;
        lo.filter.dateTo = o.dateTo;
        lo.filter.keepUndated = o.keepUndated;
        return lo;
    }

    // Near-identical photos are the exception: when more than half of a page would go into stacks,
    // the model does not tell these photos apart and the page is shown without stacks.
    static constexpr double kMaxStackedFraction = 0.5;

    SearchResult toResult(const app::SearchAnswer& a, const SearchOptions& options) {
        const auto t0 = std::chrono::steady_clock::now();
        SearchResult r;
        const auto roots = ws_->roots();
        std::vector<float> scores;
        std::vector<library::PhotoId> ids;
        for (const auto& h : a.hits) {
            Photo p = toPhoto(h.photo, roots);
            p.score = h.score;
            r.hits.push_back(std::move(p));
            scores.push_back(h.score);
            ids.push_back(h.photo.id);
        }
        r.relevant = options.offset > 0 ? r.hits.size() : library::relevantCount(scores);
        if (options.stackSimilarity > 0.0 && !a.modelId.empty())
            r.stackLeader = library::stackLeaders(ws_->library().vectorsOf(ids, a.modelId), options.stackSimilarity,
                                                  kMaxStackedFraction);
        r.milliseconds = a.milliseconds + std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        return r;
    }

    std::unique_ptr<app::Workspace> ws_;
};

}  // namespace

std::unique_ptr<Engine> openEngine(const std::string& dataDir, const EngineOptions& options) {
    return std::make_unique<WorkspaceEngine>(dataDir, options);
}

}  // namespace lowclip::ui
