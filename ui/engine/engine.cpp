// The engine facade's implementation on top of core (library, embedder, bundles, trainer).
// Plain C++: this file may include Torch headers through core and must never include Qt.
#include "ui/engine/engine.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <sstream>

#include "core/error.h"
#include "core/io/importers.h"
#include "core/library/library.h"
#include "core/nn/runtime.h"
#include "core/train/embedder.h"
#include "ui/engine/engine_extras.h"

namespace fs = std::filesystem;

namespace lowclip::ui {

namespace {

std::string readTextFile(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeTextFileAtomically(const fs::path& p, const std::string& text) {
    fs::path tmp = p;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out) throw Error("cannot write " + tmp.string());
    }
    fs::rename(tmp, p);
}

std::uint64_t folderBytes(const fs::path& dir) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        std::error_code ec2;
        if (it->is_regular_file(ec2)) total += it->file_size(ec2);
    }
    return total;
}

bool isBundleFolder(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / "lowclip.json", ec);
}

std::string canonical(const std::string& p) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(p, ec);
    return ec ? p : c.string();
}

// What the model manager shows about a bundle (from lowclip.json; weights are not opened).
ModelInfo describeBundle(const fs::path& dir) {
    ModelInfo info;
    info.name = dir.filename().string();
    info.dir = dir.string();
    info.bytes = folderBytes(dir);
    try {
        io::BundleInfo b = io::readBundleInfo(dir.string());
        info.architecture = b.textEncoder + " + " + b.imageArch;
        info.dim = int(b.projectionDim);
        info.created = b.created;
        info.source = b.source;
        // Metrics: numbers under "metrics", one level of nesting flattened ({"single": {"t2i_r1": ..}} -> "single.t2i_r1").
        for (auto it = b.metrics.begin(); b.metrics.is_object() && it != b.metrics.end(); ++it) {
            if (it->is_number()) info.metrics[it.key()] = it->get<double>();
            else if (it->is_object())
                for (auto jt = it->begin(); jt != it->end(); ++jt)
                    if (jt->is_number()) info.metrics[it.key() + "." + jt.key()] = jt->get<double>();
        }
    } catch (const std::exception& e) {
        info.architecture = std::string("unreadable: ") + e.what();
    }
    return info;
}

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

std::string today() {
    std::time_t t = std::time(nullptr);
    char buf[32];
    std::tm tm{};
    localtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M", &tm);
    return buf;
}

bool validModelName(const std::string& name) {
    if (name.empty() || name == "." || name == ".." || name.size() > 100) return false;
    for (char c : name)
        if (c == '/' || c == '\\' || c == '\0') return false;
    return name[0] != '.';
}

class CoreEngine final : public Engine {
public:
    CoreEngine(const std::string& dataDir, const EngineOptions& options) : dataDir_(dataDir), options_(options) {
        std::error_code ec;
        fs::create_directories(modelsDir(), ec);
        if (ec) throw Error("cannot create the models folder " + modelsDir().string() + ": " + ec.message());
        lib_ = library::Library::open((fs::path(dataDir_) / "library").string(), library::OpenMode::ReadWrite);
        nn::configureThreads(options_.threads);
        selected_ = readSelectedModel();
    }

    // ---- library ----------------------------------------------------------------------------

    LibraryState state() override {
        LibraryState s;
        auto st = lib_->status();
        s.photos = st.photos;
        s.failed = st.photosWithErrors;
        for (const auto& r : lib_->roots()) s.roots.push_back(r.displayPath);
        const std::string bundle = indexBundle();
        s.hasModel = !bundle.empty();
        if (s.hasModel) s.modelName = fs::path(bundle).filename().string();
        // Embedded/pending of the model the index is being built for (or the active one).
        const library::ModelInfo* counted = nullptr;
        for (const auto& m : st.models)
            if (!bundle.empty() && canonical(m.bundlePath) == canonical(bundle)) counted = &m;
        if (!counted && st.activeModel) counted = &*st.activeModel;
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
        for (const auto& r : lib_->roots()) out.push_back(r.displayPath);
        return out;
    }

    void addRoot(const std::string& folder) override {
        std::error_code ec;
        if (!fs::is_directory(folder, ec)) throw Error("'" + folder + "' is not a folder");
        lib_->addRoot(canonical(folder));
    }

    void removeRoot(const std::string& folder) override {
        for (const auto& r : lib_->roots())
            if (r.displayPath == folder || r.path == folder) {
                lib_->removeRoot(r.id);
                return;
            }
        throw Error("the folder '" + folder + "' is not in the library");
    }

    IndexSummary index(const ProgressFn& progress, const CancelFlag* cancel) override {
        std::lock_guard<std::mutex> one(indexMutex_);  // one indexing run at a time
        IndexSummary summary;
        try {
            library::ScanReport scan = lib_->scan({}, progress, cancel);
            summary.added = scan.added;
            summary.changed = scan.changed;
            summary.removed = scan.removed;
            summary.moved = scan.moved;
            summary.failed = scan.errors;
            const std::string bundle = indexBundle();
            if (bundle.empty()) return summary;  // nothing to embed with yet
            auto embedder = embedderFor(bundle);
            library::IndexOptions io;
            io.bundlePath = bundle;
            io.modelName = fs::path(bundle).filename().string();
            io.decodeThreads = options_.threads;
            library::IndexReport rep = lib_->index(*embedder, io, progress, cancel);
            summary.embedded = rep.embedded;
            summary.failed += rep.failed;
        } catch (const Cancelled&) {
            summary.cancelled = true;
        }
        return summary;
    }

    std::vector<FailedFile> failures() override {
        std::vector<FailedFile> out;
        for (const auto& e : lib_->errors()) {
            FailedFile f;
            f.path = e.displayPath.empty() ? library::displayPath(e.path) : e.displayPath;
            f.reason = e.stage.empty() ? e.message : e.stage + ": " + e.message;
            out.push_back(std::move(f));
        }
        return out;
    }

    // ---- search ------------------------------------------------------------------------------

    SearchResult search(const std::string& query, const SearchOptions& options) override {
        auto t0 = std::chrono::steady_clock::now();
        const std::string bundle = searchBundle();
        if (bundle.empty()) throw Error("there is no model to search with yet: import one or try the demo (Model menu)");
        auto embedder = embedderFor(bundle);
        auto hits = lib_->search(*embedder, query, toLibraryOptions(options));
        return toResult(hits, t0);
    }

    SearchResult similar(std::int64_t photoId, const SearchOptions& options) override {
        auto t0 = std::chrono::steady_clock::now();
        const std::string bundle = searchBundle();
        if (bundle.empty()) throw Error("there is no model to compare photos with yet");
        auto embedder = embedderFor(bundle);
        auto hits = lib_->similar(photoId, toLibraryOptions(options), embedder->modelId());
        return toResult(hits, t0);
    }

    Photo photo(std::int64_t photoId) override {
        auto p = lib_->photo(photoId);
        if (!p) throw Error("the photo is no longer in the library");
        return toPhoto(*p, lib_->roots());
    }

    std::vector<std::uint8_t> thumbnail(std::int64_t photoId, int size) override { return lib_->thumbnail(photoId, size); }

    // ---- captions and feedback ---------------------------------------------------------------

    std::vector<Caption> captions() override {
        std::vector<Caption> out;
        std::set<std::int64_t> seen;
        for (const auto& pair : lib_->allCaptions()) {
            if (!seen.insert(pair.photo).second) continue;
            for (auto& c : captionsFor(pair.photo)) out.push_back(std::move(c));
        }
        return out;
    }

    std::vector<Caption> captionsFor(std::int64_t photoId) override {
        std::vector<Caption> out;
        auto p = lib_->photo(photoId);
        const std::string path = p ? (p->displayPath.empty() ? library::displayPath(p->path) : p->displayPath) : "";
        for (const auto& c : lib_->captions(photoId)) {
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
        if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw Error("a caption cannot be empty");
        for (auto id : photoIds) lib_->addCaption(id, text, "user");
    }

    void editCaption(std::int64_t captionId, const std::string& text) override {
        if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw Error("a caption cannot be empty");
        lib_->editCaption(captionId, text);
    }

    void deleteCaption(std::int64_t captionId) override { lib_->deleteCaption(captionId); }

    std::size_t importCaptions(const std::string& tsvPath) override { return lib_->importCaptionsTsv(tsvPath).imported; }

    std::size_t exportCaptions(const std::string& tsvPath) override { return lib_->exportCaptionsTsv(tsvPath); }

    void feedback(const std::string& query, std::int64_t photoId, bool relevant) override {
        std::string modelId;
        const std::string bundle = searchBundle();
        if (!bundle.empty()) modelId = embedderFor(bundle)->modelId();
        lib_->addFeedback(query, photoId, relevant, modelId);
    }

    std::size_t trainingPairs(bool useCaptions, bool useFeedback) override {
        std::size_t n = 0;
        if (useCaptions) n += lib_->allCaptions().size();
        if (useFeedback)
            for (const auto& f : lib_->feedback()) n += f.relevant ? 1 : 0;
        return n;
    }

    // ---- models ------------------------------------------------------------------------------

    std::vector<ModelInfo> models() override {
        std::vector<ModelInfo> out;
        std::error_code ec;
        const std::string active = indexBundle();
        for (auto it = fs::directory_iterator(modelsDir(), ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
            if (!it->is_directory() || !isBundleFolder(it->path())) continue;
            ModelInfo info = describeBundle(it->path());
            info.active = !active.empty() && canonical(active) == canonical(it->path().string());
            out.push_back(std::move(info));
        }
        std::sort(out.begin(), out.end(), [](const ModelInfo& a, const ModelInfo& b) { return a.name < b.name; });
        return out;
    }

    ModelInfo importModel(const ImportRequest& request, const ProgressFn& progress, const CancelFlag* cancel) override {
        if (!validModelName(request.name))
            throw Error("'" + request.name + "' cannot be a model name: use letters, digits, '-' or '_'");
        const fs::path target = modelsDir() / request.name;
        std::error_code ec;
        if (fs::exists(target, ec)) throw Error("a model named '" + request.name + "' already exists: choose another name");
        auto say = [&](const std::string& m) {
            if (!progress) return;
            Progress p;
            p.stage = "import";
            p.message = m;
            progress(p);
        };
        throwIfCancelled(cancel);
        // The importers write atomically: on failure nothing is left at `target`.
        switch (request.kind) {
        case ImportRequest::Kind::Bundle:
            say("checking " + request.source);
            io::importBundle(request.source, target.string());
            break;
        case ImportRequest::Kind::SimpleClip: {
            say("converting " + request.source);
            io::SimpleClipImportOptions o;
            o.stateDict = request.source;
            o.vocab = request.vocab;
            o.bertConfig = request.bertConfig;
            o.name = request.name;
            o.out = target.string();
            io::importSimpleClip(o);
            break;
        }
        case ImportRequest::Kind::HuggingFaceBase: {
            say("building from " + request.bertFolder + " and " + request.imageWeights);
            io::BaseImportOptions o;
            o.bertFolder = request.bertFolder;
            o.imageWeights = request.imageWeights;
            o.imageArch = request.arch;
            o.name = request.name;
            o.out = target.string();
            io::importBase(o);
            break;
        }
        }
        if (cancel && cancel->load()) {
            fs::remove_all(target, ec);
            throw Cancelled();
        }
        return describeBundle(target);
    }

    void activateModel(const std::string& name) override {
        const fs::path dir = modelsDir() / name;
        if (!isBundleFolder(dir)) throw Error("there is no model named '" + name + "'");
        embedderFor(dir.string());  // loads and validates it
        {
            std::lock_guard<std::mutex> lock(mutex_);
            selected_ = dir.string();
        }
        writeTextFileAtomically(modelsDir() / "active", name + "\n");
        // Already fully embedded by this model: switch searches at once.
        auto embedder = embedderFor(dir.string());
        for (const auto& m : lib_->models())
            if (m.modelId == embedder->modelId() && m.pending == 0 && !lib_->readOnly()) lib_->setActiveModel(m.modelId);
    }

    void exportModel(const std::string& name, const std::string& destinationFolder) override {
        const fs::path dir = modelsDir() / name;
        if (!isBundleFolder(dir)) throw Error("there is no model named '" + name + "'");
        const fs::path target = fs::path(destinationFolder) / name;
        std::error_code ec;
        if (fs::exists(target, ec)) throw Error("'" + target.string() + "' already exists");
        fs::copy(dir, target, fs::copy_options::recursive, ec);
        if (ec) throw Error("cannot copy the model to '" + target.string() + "': " + ec.message());
    }

    void deleteModel(const std::string& name) override {
        const fs::path dir = modelsDir() / name;
        if (!isBundleFolder(dir)) throw Error("there is no model named '" + name + "'");
        if (canonical(indexBundle()) == canonical(dir.string()) || canonical(searchBundle()) == canonical(dir.string()))
            throw Error("'" + name + "' is the model in use: switch to another model before deleting it");
        for (const auto& m : lib_->models())
            if (canonical(m.bundlePath) == canonical(dir.string())) lib_->removeModel(m.modelId);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            embedders_.erase(canonical(dir.string()));
        }
        std::error_code ec;
        fs::remove_all(dir, ec);
        if (ec) throw Error("cannot delete '" + dir.string() + "': " + ec.message());
    }

    // ---- training ----------------------------------------------------------------------------

    std::vector<TrainPreset> trainPresets() override { return extras::trainPresets(); }

    TrainOutcome train(const TrainRequest& request, const TrainEventFn& events, const CancelFlag* cancel) override {
        std::string base = request.baseModel.empty() ? indexBundle() : (modelsDir() / request.baseModel).string();
        if (base.empty() || !isBundleFolder(base)) throw Error("choose a model to start from: there is none yet");
        std::vector<extras::Pair> pairs;
        std::set<std::pair<std::int64_t, std::string>> seen;
        if (request.useCaptions)
            for (auto& c : lib_->allCaptions())
                if (seen.insert({c.photo, c.text}).second) pairs.push_back({c.path, c.text});
        if (request.useFeedback)
            for (const auto& f : lib_->feedback()) {
                if (!f.relevant) continue;
                auto p = lib_->photo(f.photo);
                if (p && seen.insert({f.photo, f.query}).second) pairs.push_back({p->path, f.query});
            }
        std::string name = request.newModelName;
        if (name.empty()) name = fs::path(base).filename().string() + "-ft-" + today();
        if (!validModelName(name)) throw Error("'" + name + "' cannot be a model name");
        const fs::path out = modelsDir() / name;
        std::error_code ec;
        if (fs::exists(out, ec)) throw Error("a model named '" + name + "' already exists");
        TrainOutcome outcome;
        try {
            outcome = extras::fineTune(base, pairs, request, out.string(), options_.device, events, cancel);
        } catch (const Cancelled&) {
            fs::remove_all(out, ec);  // nothing half-written stays behind
            outcome.cancelled = true;
        }
        outcome.modelName = name;
        outcome.bundleDir = out.string();
        return outcome;
    }

    void runDemo(const DemoRequest& request, const ProgressFn& progress, const CancelFlag* cancel) override {
        const fs::path out = modelsDir() / "demo";
        // Where `lowclip-cli demo` puts them too.
        const fs::path photos = fs::path(dataDir_) / "library" / "demo-photos";
        std::string device;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            device = options_.device;
            embedders_.erase(canonical(out.string()));  // a new demo replaces the old one
        }
        extras::runDemo(request, out.string(), photos.string(), device, progress, cancel);
        // The demo's held-out scenes become a library folder, embedded by the demo model.
        bool known = false;
        for (const auto& r : lib_->roots()) known = known || canonical(r.path) == canonical(photos.string());
        if (!known && fs::is_directory(photos)) lib_->addRoot(canonical(photos.string()));
        activateModel("demo");
        index(progress, cancel);
    }

    std::vector<std::string> devices() override {
        std::vector<std::string> d{"cpu"};
        if (nn::cudaAvailable()) d.push_back("cuda");
        return d;
    }

    void configure(const EngineOptions& options) override {
        std::lock_guard<std::mutex> lock(mutex_);
        if (options.device != options_.device) embedders_.clear();  // reload on the new device
        options_ = options;
        nn::configureThreads(options_.threads);
    }

private:
    fs::path modelsDir() const { return fs::path(dataDir_) / "models"; }

    std::string readSelectedModel() {
        std::error_code ec;
        const fs::path f = modelsDir() / "active";
        if (fs::is_regular_file(f, ec)) {
            std::string name = readTextFile(f);
            while (!name.empty() && (name.back() == '\n' || name.back() == '\r' || name.back() == ' ')) name.pop_back();
            if (validModelName(name) && isBundleFolder(modelsDir() / name)) return (modelsDir() / name).string();
        }
        return {};
    }

    // The model new photos are embedded with: the user's choice, else the library's active model,
    // else the demo model, else the only model there is.
    std::string indexBundle() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!selected_.empty() && isBundleFolder(selected_)) return selected_;
        }
        return fallbackBundle();
    }

    // The model searches use: the library's active model (its index is complete) when its bundle
    // is still there, else the one being indexed.
    std::string searchBundle() {
        if (auto active = lib_->activeModel(); active && !active->bundlePath.empty() && isBundleFolder(active->bundlePath)) {
            // Once the chosen model's index is complete it becomes the active one (IndexOptions::makeActive).
            return active->bundlePath;
        }
        return indexBundle();
    }

    std::string fallbackBundle() {
        if (auto active = lib_->activeModel(); active && !active->bundlePath.empty() && isBundleFolder(active->bundlePath))
            return active->bundlePath;
        if (isBundleFolder(modelsDir() / "demo")) return (modelsDir() / "demo").string();
        std::vector<fs::path> found;
        std::error_code ec;
        for (auto it = fs::directory_iterator(modelsDir(), ec); !ec && it != fs::directory_iterator(); it.increment(ec))
            if (it->is_directory() && isBundleFolder(it->path())) found.push_back(it->path());
        if (found.size() == 1) return found.front().string();
        return {};
    }

    std::shared_ptr<train::Embedder> embedderFor(const std::string& bundle) {
        const std::string key = canonical(bundle);
        std::string device;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = embedders_.find(key);
            if (it != embedders_.end()) return it->second;
            device = options_.device;
        }
        std::lock_guard<std::mutex> loading(loadMutex_);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = embedders_.find(key);
            if (it != embedders_.end()) return it->second;
        }
        std::shared_ptr<train::Embedder> e = train::loadEmbedder(bundle, device);
        std::lock_guard<std::mutex> lock(mutex_);
        embedders_[key] = e;
        return e;
    }

    library::SearchOptions toLibraryOptions(const SearchOptions& o) {
        library::SearchOptions lo;
        lo.k = o.k;
        lo.offset = o.offset;
        lo.ef = options_.hnswEfSearch > 0 ? std::max(options_.hnswEfSearch, o.k) : 0;
        if (!o.root.empty()) {
            for (const auto& r : lib_->roots())
                if (r.displayPath == o.root || r.path == o.root) lo.filter.rootId = r.id;
            if (!lo.filter.rootId) throw Error("the folder '" + o.root + "' is not in the library");
        }
        lo.filter.dateFrom = o.dateFrom;
        lo.filter.dateTo = o.dateTo;
        return lo;
    }

    SearchResult toResult(const std::vector<library::SearchResult>& hits, std::chrono::steady_clock::time_point t0) {
        SearchResult r;
        const auto roots = lib_->roots();
        for (const auto& h : hits) {
            Photo p = toPhoto(h.photo, roots);
            p.score = h.score;
            r.hits.push_back(std::move(p));
        }
        r.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        return r;
    }

    std::string dataDir_;
    EngineOptions options_;
    std::unique_ptr<library::Library> lib_;
    std::mutex mutex_;      // selected_, embedders_, options_
    std::mutex loadMutex_;  // one model load at a time
    std::mutex indexMutex_;
    std::string selected_;
    std::map<std::string, std::shared_ptr<train::Embedder>> embedders_;
};

}  // namespace

std::unique_ptr<Engine> openEngine(const std::string& dataDir, const EngineOptions& options) {
    return std::make_unique<CoreEngine>(dataDir, options);
}

}  // namespace lowclip::ui
