// The application service. Includes Torch headers (bundles, trainer) and never a Qt header.
#include "core/app/workspace.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/app/fine_tune.h"
#include "core/error.h"
#include "core/io/bundle.h"
#include "core/util/atomic_file.h"
#include "core/util/paths.h"
#include "core/nn/runtime.h"
#include "core/text/basic_tokenizer.h"
#include "core/text/tokenizer.h"
#include "core/train/datasets.h"
#include "core/train/demo.h"
#include "core/train/evaluate.h"
#include "core/vision/encode.h"

namespace fs = std::filesystem;

namespace lowclip::app {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string resolved(const std::string& p) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(fs::absolute(p, ec), ec);
    return ec ? p : c.string();
}

bool sameFolder(const std::string& a, const std::string& b) { return !a.empty() && !b.empty() && resolved(a) == resolved(b); }

bool isBundleFolder(const std::string& dir) {
    std::error_code ec;
    return !dir.empty() && fs::is_regular_file(fs::path(dir) / io::kBundleConfigFile, ec);
}

bool allDigits(const std::string& s) {
    return !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string nowIso() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string localStamp() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M", &tm);
    return buf;
}

// The fixed held-out split for teaching: a photo is held out when its id falls in bucket 0 of 5
// (a 64-bit mix of the id), so the set does not move when captions are added or removed.
std::uint64_t mixId(std::int64_t id) {
    std::uint64_t z = static_cast<std::uint64_t>(id) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
constexpr std::uint64_t kHeldOutBuckets = 5;

struct FileStamp {
    std::int64_t size = -1;
    std::int64_t mtimeNs = 0;
    bool operator==(const FileStamp& o) const { return size == o.size && mtimeNs == o.mtimeNs; }
};

FileStamp stampOf(const std::string& path) {
    FileStamp s;
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) return s;
    auto t = fs::last_write_time(path, ec);
    if (ec) return s;
    s.size = static_cast<std::int64_t>(size);
    s.mtimeNs = static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
    return s;
}

std::vector<std::uint8_t> readSmallFile(const std::string& path, std::size_t limit) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec || size > limit) return {};
    std::ifstream in(path, std::ios::binary);
    std::vector<std::uint8_t> data(static_cast<std::size_t>(size));
    if (size > 0) in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(size));
    if (!in) return {};
    return data;
}

TeachEvent stepEvent(const train::StepInfo& s, int epochs, Clock::time_point t0) {
    TeachEvent e;
    e.kind = TeachEvent::Kind::Step;
    e.stage = TeachStage::Training;
    e.epoch = int(s.epoch) + 1;
    e.epochs = epochs;
    e.step = s.step;
    e.steps = s.totalSteps;
    e.loss = s.loss;
    e.learningRate = s.learningRate;
    e.logitScale = s.logitScale;
    e.itemsPerSecond = s.itemsPerSecond;
    e.elapsedSeconds = secondsSince(t0);
    e.etaSeconds = s.etaSeconds;
    return e;
}

}  // namespace

// ---- free functions ---------------------------------------------------------------------------

std::string defaultDataDir() {
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x == '/') return std::string(x) + "/lowclip";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/lowclip";
    return ".lowclip";
}

std::vector<TeachPreset> teachPresets() {
    // Quick: the heads and the text tower's attention adapt; Thorough: everything learns, longer.
    return {TeachPreset{"quick", 3, 1e-3, 1e-4, 1e-5, "text-attention", 32},
            TeachPreset{"thorough", 10, 1e-3, 1e-4, 1e-5, "all", 32}};
}

TeachPreset teachPreset(const std::string& name) {
    for (const auto& p : teachPresets())
        if (p.name == name) return p;
    throw Error(ErrorCode::InvalidArgument, "unknown teaching preset '" + name + "' (quick or thorough)",
                {{"what", "preset"}, {"value", name}});
}

std::vector<std::string> defaultDemoQueries() {
    return {"qırmızı dairə", "qara fonda sarı ulduz", "böyük yaşıl üçbucaq", "sol tərəfdə kvadrat",
            "mavi dairənin solunda qırmızı kvadrat"};
}

// ---- Workspace ---------------------------------------------------------------------------------

struct Workspace::Cached {
    std::shared_ptr<train::Embedder> embedder;
    std::string device;
    train::TextPrecision precision = train::TextPrecision::Fastest;
    FileStamp weights;
};

std::unique_ptr<Workspace> Workspace::open(const WorkspaceOptions& options) {
    std::string data = options.dataDir.empty() ? defaultDataDir() : options.dataDir;
    data = util::absolutePath(data);
    const std::string libDir = options.libraryDir.empty() ? (fs::path(data) / "library").string() : options.libraryDir;
    if (options.mode == library::OpenMode::ReadWrite) util::makeDirs((fs::path(data) / "models").string());
    // Taken before the library is opened: a write in between makes the next reopenIfChanged() reopen.
    std::string signature = filesSignature(data, libDir);
    std::unique_ptr<library::Library> lib;
    try {
        lib = library::Library::open(libDir, options.mode);
    } catch (const Error& e) {
        if (e.code() != ErrorCode::NoLibrary) throw;
    }
    std::unique_ptr<Workspace> ws(new Workspace(data, util::absolutePath(libDir), std::move(lib), options.runtime));
    ws->signature_ = std::move(signature);
    return ws;
}

Workspace::Workspace(std::string dataDir, std::string libraryDir, std::unique_ptr<library::Library> lib,
                     const RuntimeOptions& runtime)
    : dataDir_(std::move(dataDir)), libraryDir_(std::move(libraryDir)), lib_(std::move(lib)),
      registry_((fs::path(dataDir_) / "models").string()), runtime_(runtime) {
    nn::configureThreads(runtime_.threads);
}

Workspace::~Workspace() = default;

library::Library& Workspace::library() {
    if (!lib_)
        throw Error(ErrorCode::NoLibrary, "there is no photo library at " + libraryDir_ + " yet", {{"folder", libraryDir_}});
    return *lib_;
}

bool Workspace::readOnly() const { return !lib_ || lib_->readOnly(); }

std::string Workspace::filesSignature(const std::string& dataDir, const std::string& libraryDir) {
    // Size and modification time of what a read-only library holds in memory: the vector index
    // files (new vectors, a new model's index), and the active-model choice. The catalog is not in
    // it: every read sees the writer's last commit, and a hit whose photo has gone is dropped by
    // the search; the window writes the catalog all the time (thumbnails), and a reopen reloads
    // the indexes. Bounded: a folder of more entries than any library makes is read up to the bound.
    constexpr std::size_t kMaxEntries = 4096;
    std::ostringstream sig;
    auto add = [&sig](const fs::path& p) {
        std::error_code ec;
        const auto size = fs::file_size(p, ec);
        if (ec) return;
        const auto time = fs::last_write_time(p, ec);
        if (ec) return;
        sig << p.filename().string() << ':' << size << ':' << time.time_since_epoch().count() << ';';
    };
    const fs::path lib(libraryDir);
    add(lib / "catalog.sqlite");  // appears when the library is made; changes rarely (checkpoints)
    std::error_code ec;
    std::vector<fs::path> entries;
    for (fs::directory_iterator it(lib / "index", ec), end; !ec && it != end && entries.size() < kMaxEntries;
         it.increment(ec))
        entries.push_back(it->path());
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) add(e);
    add(fs::path(dataDir) / "models" / "active");
    return sig.str();
}

bool Workspace::reopenIfChanged() {
    if (lib_ && !lib_->readOnly()) return false;
    std::string now = filesSignature(dataDir_, libraryDir_);
    if (now == signature_) return false;
    std::unique_ptr<library::Library> lib;
    try {
        lib = library::Library::open(libraryDir_, library::OpenMode::ReadOnly);
    } catch (const Error& e) {
        if (e.code() != ErrorCode::NoLibrary) throw;
    }
    lib_ = std::move(lib);
    signature_ = std::move(now);
    return true;
}

RuntimeOptions Workspace::runtime() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return runtime_;
}

void Workspace::configure(const RuntimeOptions& options) {
    std::lock_guard<std::mutex> lock(mutex_);
    runtime_ = options;
    nn::configureThreads(runtime_.threads);
}

// ---- models -----------------------------------------------------------------------------------

ModelRef Workspace::refFor(const std::string& dir) {
    ModelRef r;
    r.dir = dir;
    const fs::path p(dir);
    if (sameFolder(p.parent_path().string(), registry_.folder()) && registry_.contains(p.filename().string()))
        r.name = p.filename().string();
    return r;
}

std::optional<library::ModelInfo> Workspace::libraryModelFor(const std::string& dir) {
    std::optional<library::ModelInfo> found;
    if (!lib_) return found;
    for (auto& m : lib_->models())
        if (sameFolder(m.bundlePath, dir) && (!found || m.embedded > found->embedded)) found = m;
    return found;
}

std::vector<ModelEntry> Workspace::models() {
    std::vector<ModelEntry> list = registry_.list();
    const ModelRef active = activeModel();
    for (auto& e : list) e.active = !active.empty() && sameFolder(e.dir, active.dir);
    return list;
}

ModelRef Workspace::activeModel() {
    if (std::string name = registry_.recordedActive(); !name.empty()) return ModelRef{name, registry_.dirOf(name)};
    if (auto a = lib_ ? lib_->activeModel() : std::nullopt; a && isBundleFolder(a->bundlePath)) return refFor(a->bundlePath);
    if (registry_.contains("demo")) return ModelRef{"demo", registry_.dirOf("demo")};
    auto list = registry_.list();
    if (list.size() == 1) return ModelRef{list.front().name, list.front().dir};
    return {};
}

ModelRef Workspace::searchModel() {
    ModelRef active = activeModel();
    if (active.empty()) return active;
    if (auto info = libraryModelFor(active.dir); info && info->pending == 0) return active;
    // The chosen model is still being indexed: answer with the last model whose index is complete.
    if (auto done = lib_ ? lib_->activeModel() : std::nullopt; done && isBundleFolder(done->bundlePath) && done->embedded > 0)
        return refFor(done->bundlePath);
    return active;
}

ModelRef Workspace::resolveModel(const std::string& which) {
    if (which.empty()) {
        ModelRef a = activeModel();
        if (a.empty())
            throw Error(ErrorCode::NoModel, "there is no model yet: import one or run the demo");
        return a;
    }
    if (ModelRegistry::validName(which) && registry_.contains(which)) return ModelRef{which, registry_.dirOf(which)};
    if (isBundleFolder(which)) return refFor(util::absolutePath(which));
    throw Error(ErrorCode::ModelNotFound, "there is no model named '" + which + "' and no model bundle in that folder",
                {{"name", which}});
}

std::shared_ptr<train::Embedder> Workspace::embedder(const ModelRef& model) {
    if (model.empty()) throw Error(ErrorCode::NoModel, "there is no model yet: import one or run the demo");
    const std::string key = resolved(model.dir);
    const FileStamp weights = stampOf((fs::path(model.dir) / io::kBundleWeightsFile).string());
    RuntimeOptions rt = runtime();
    auto fresh = [&](const Cached& c) {
        return c.device == rt.device && c.precision == rt.textPrecision && c.weights == weights;
    };
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = embedders_.find(key);
        if (it != embedders_.end() && fresh(*it->second)) return it->second->embedder;
    }
    std::lock_guard<std::mutex> loading(loadMutex_);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = embedders_.find(key);
        if (it != embedders_.end() && fresh(*it->second)) return it->second->embedder;
    }
    auto c = std::make_shared<Cached>();
    c->embedder = std::shared_ptr<train::Embedder>(train::loadEmbedder(model.dir, rt.device, rt.textPrecision));
    c->device = rt.device;
    c->precision = rt.textPrecision;
    c->weights = weights;
    std::lock_guard<std::mutex> lock(mutex_);
    embedders_[key] = c;
    return c->embedder;
}

void Workspace::forgetEmbedder(const std::string& dir) {
    std::lock_guard<std::mutex> lock(mutex_);
    embedders_.erase(resolved(dir));
}

void Workspace::activateModel(const std::string& name) {
    if (!registry_.contains(name))
        throw Error(ErrorCode::ModelNotFound, "there is no model named '" + name + "'", {{"name", name}});
    const ModelRef ref{name, registry_.dirOf(name)};
    auto e = embedder(ref);  // loads and checks it before it becomes the choice
    registry_.recordActive(name);
    // Already fully embedded by this model: the library searches with it at once.
    if (lib_ && !lib_->readOnly())
        for (const auto& m : library().models())
            if (m.modelId == e->modelId() && m.pending == 0 && m.embedded > 0) library().setActiveModel(m.modelId);
}

ModelEntry Workspace::importModel(const std::string& name, const ModelImport& source, const ProgressFn& progress,
                                  const CancelFlag* cancel) {
    ModelEntry e = registry_.importModel(name, source, progress, cancel);
    e.active = sameFolder(activeModel().dir, e.dir);
    return e;
}

void Workspace::exportModel(const std::string& name, const std::string& destinationFolder) {
    registry_.exportModel(name, destinationFolder);
}

void Workspace::deleteModel(const std::string& name) {
    if (!registry_.contains(name))
        throw Error(ErrorCode::ModelNotFound, "there is no model named '" + name + "'", {{"name", name}});
    const std::string dir = registry_.dirOf(name);
    if (sameFolder(activeModel().dir, dir) || sameFolder(searchModel().dir, dir))
        throw Error(ErrorCode::ModelInUse, "'" + name + "' is the model in use: switch to another model before deleting it",
                    {{"name", name}});
    if (lib_)
        for (const auto& m : lib_->models())
            if (sameFolder(m.bundlePath, dir)) lib_->removeModel(m.modelId);
    forgetEmbedder(dir);
    registry_.removeModel(name);
}

// ---- library folders and photos ---------------------------------------------------------------

std::vector<library::Root> Workspace::roots() { return library().roots(); }

library::Root Workspace::findRoot(const std::string& which) {
    const auto all = library().roots();
    if (allDigits(which))
        for (const auto& r : all)
            if (std::to_string(r.id) == which) return r;
    for (const auto& r : all)
        if (r.path == which || r.displayPath == which) return r;
    for (const auto& r : all)
        if (sameFolder(r.path, which)) return r;
    throw Error(ErrorCode::RootNotFound, "the folder '" + which + "' is not in the library", {{"root", which}});
}

std::int64_t Workspace::addRoot(const std::string& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw Error(ErrorCode::NotAFolder, "'" + folder + "' is not a folder", {{"path", folder}});
    return library().addRoot(resolved(folder));
}

void Workspace::removeRoot(const std::string& which) { library().removeRoot(findRoot(which).id); }

library::PhotoInfo Workspace::findPhoto(const std::string& which) {
    std::optional<library::PhotoInfo> p;
    if (allDigits(which)) p = library().photo(std::stoll(which));
    if (!p && !which.empty()) p = library().photoByPath(which);
    if (!p && !which.empty()) p = library().photoByPath(resolved(which));
    if (!p) throw Error(ErrorCode::PhotoNotFound, "there is no photo '" + which + "' in the library", {{"id", which}});
    return *p;
}

std::size_t Workspace::removePhotos(const std::vector<library::PhotoId>& photos) { return library().removePhotos(photos); }

// ---- indexing and search ----------------------------------------------------------------------

IndexOutcome Workspace::index(const IndexRequest& request, const ProgressFn& progress, const CancelFlag* cancel) {
    std::lock_guard<std::mutex> one(indexMutex_);  // one indexing run at a time
    IndexOutcome out;
    if (request.restoreRemoved) library().restoreRemoved();
    if (request.scan) out.scan = library().scan(request.scanOptions, progress, cancel);
    if (!request.embed) return out;
    ModelRef model = request.model.empty() ? activeModel() : resolveModel(request.model);
    if (model.empty()) return out;  // nothing to embed with yet: the photos wait
    auto e = embedder(model);
    out.model = model;
    out.modelId = e->modelId();
    if (request.rebuild) library().rebuildIndex(e->modelId());
    library::IndexOptions io = request.indexOptions;
    io.bundlePath = model.dir;
    io.modelName = model.name.empty() ? fs::path(model.dir).filename().string() : model.name;
    if (io.decodeThreads == 0) io.decodeThreads = runtime().threads;
    out.index = library().index(*e, io, progress, cancel);
    return out;
}

bool Workspace::prepareSearch() {
    const ModelRef model = searchModel();
    if (model.empty()) return false;
    const auto e = embedder(model);
    const std::string word = "şəkil";
    if (auto info = libraryModelFor(model.dir); info && info->embedded > 0) {
        library::SearchOptions o;
        o.k = 1;
        library().search(*e, word, o);
    } else {
        e->encodeTexts({word});
    }
    return true;
}

SearchAnswer Workspace::search(const std::string& query, const library::SearchOptions& options, const std::string& model) {
    const auto t0 = Clock::now();
    SearchAnswer a;
    a.model = model.empty() ? searchModel() : resolveModel(model);
    if (a.model.empty()) throw Error(ErrorCode::NoModel, "there is no model to search with yet: import one or run the demo");
    auto e = embedder(a.model);
    a.modelId = e->modelId();
    library::SearchOptions o = options;
    const int breadth = runtime().searchBreadth;
    if (o.ef == 0 && breadth > 0) o.ef = std::max(breadth, o.k + o.offset);
    a.hits = library().search(*e, query, o);
    a.milliseconds = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return a;
}

library::DuplicateReport Workspace::nearDuplicates(const library::DuplicateOptions& options, const ProgressFn& progress,
                                                   const CancelFlag* cancel, const std::string& model) {
    const ModelRef ref = model.empty() ? searchModel() : resolveModel(model);
    if (ref.empty()) throw Error(ErrorCode::NoModel, "there is no model to compare photos with yet");
    std::string modelId;
    if (auto info = libraryModelFor(ref.dir)) modelId = info->modelId;
    else modelId = embedder(ref)->modelId();
    return library().nearDuplicates(modelId, options, progress, cancel);
}

SearchAnswer Workspace::similar(library::PhotoId photo, const library::SearchOptions& options, const std::string& model) {
    const auto t0 = Clock::now();
    SearchAnswer a;
    a.model = model.empty() ? searchModel() : resolveModel(model);
    if (a.model.empty()) throw Error(ErrorCode::NoModel, "there is no model to compare photos with yet");
    if (auto info = libraryModelFor(a.model.dir)) a.modelId = info->modelId;
    else a.modelId = embedder(a.model)->modelId();
    if (!library().photo(photo))
        throw Error(ErrorCode::PhotoNotFound, "the photo is no longer in the library", {{"id", std::to_string(photo)}});
    library::SearchOptions o = options;
    const int breadth = runtime().searchBreadth;
    if (o.ef == 0 && breadth > 0) o.ef = std::max(breadth, o.k + o.offset);
    a.hits = library().similar(photo, o, a.modelId);
    a.milliseconds = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return a;
}

// ---- captions and feedback --------------------------------------------------------------------

std::vector<std::int64_t> Workspace::addCaption(const std::vector<library::PhotoId>& photos, const std::string& text,
                                                const std::string& source) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
        throw Error(ErrorCode::EmptyCaption, "a caption cannot be empty");
    for (auto id : photos)
        if (!library().photo(id))
            throw Error(ErrorCode::PhotoNotFound, "the photo is no longer in the library", {{"id", std::to_string(id)}});
    std::vector<std::int64_t> ids;
    for (auto id : photos) ids.push_back(library().addCaption(id, text, source));
    return ids;
}

library::TsvImportReport Workspace::importCaptions(const std::string& tsvPath) { return library().importCaptionsTsv(tsvPath); }

std::size_t Workspace::exportCaptions(const std::string& tsvPath) { return library().exportCaptionsTsv(tsvPath); }

namespace {
std::string trimmed(const std::string& s) {
    const std::size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}
}  // namespace

std::int64_t Workspace::feedback(const std::string& query, library::PhotoId photo, bool relevant) {
    std::string modelId;
    if (ModelRef m = searchModel(); !m.empty()) {
        if (auto info = libraryModelFor(m.dir)) modelId = info->modelId;
    }
    const std::string q = trimmed(query);
    const std::int64_t id = library().addFeedback(q, photo, relevant, modelId);  // checks the query and the photo
    for (const auto& f : library().feedback())
        if (f.id != id && f.photo == photo && trimmed(f.query) == q) library().deleteFeedback(f.id);
    return id;
}

std::vector<library::Feedback> Workspace::feedbackMarks() { return library().feedback(); }

void Workspace::removeFeedback(std::int64_t feedbackId) { library().deleteFeedback(feedbackId); }

// ---- words the model does not know --------------------------------------------------------------

namespace {
constexpr std::size_t kMaxQueryBytes = 64 * 1024;  // a typed query; anything longer is not one
}  // namespace

struct Workspace::CachedTokenizer {
    std::shared_ptr<const text::WordPieceTokenizer> tokenizer;
    fs::file_time_type vocabTime;
};

namespace {

// A word the vocabulary has only letter by letter ("x ##y ##z"): the model knows its letters, not
// the word, and its vector says next to nothing about it.
bool spelledOut(const std::vector<std::string>& pieces) {
    if (pieces.size() < 2) return false;
    for (const std::string& piece : pieces) {
        const std::size_t start = piece.rfind("##", 0) == 0 ? 2 : 0;
        std::size_t codePoints = 0;
        for (std::size_t i = start; i < piece.size(); ++i)
            if ((static_cast<unsigned char>(piece[i]) & 0xC0) != 0x80) ++codePoints;
        if (codePoints != 1) return false;
    }
    return true;
}

}  // namespace

std::vector<std::string> Workspace::unknownWords(const std::string& query) {
    if (query.size() > kMaxQueryBytes) throw Error(ErrorCode::InvalidArgument, "the query is too long", {{"what", "query"}});
    const ModelRef model = searchModel();
    if (model.empty()) return {};
    std::error_code ec;
    const fs::file_time_type vocabTime = fs::last_write_time(fs::path(model.dir) / "vocab.txt", ec);
    std::shared_ptr<const text::WordPieceTokenizer> tok;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = tokenizers_.find(model.dir);
        if (it != tokenizers_.end() && it->second->vocabTime == vocabTime) tok = it->second->tokenizer;
    }
    if (!tok) {
        tok = std::make_shared<const text::WordPieceTokenizer>(text::WordPieceTokenizer::fromFolder(model.dir));
        auto entry = std::make_shared<CachedTokenizer>(CachedTokenizer{tok, vocabTime});
        std::lock_guard<std::mutex> lock(mutex_);
        tokenizers_[model.dir] = entry;
    }
    const text::BasicTokenizer basic(tok->normalization());
    const std::string unk = tok->token(tok->unkId());
    std::vector<std::string> out;
    auto add = [&out](const std::string& w) {
        if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
    };
    std::istringstream in(query);
    for (std::string chunk; in >> chunk;) {
        std::vector<std::string> unknown;
        const std::vector<std::string> words = basic.tokenize(chunk);
        for (const auto& w : words) {
            const std::vector<std::string> pieces = tok->tokenize(w);
            if (std::find(pieces.begin(), pieces.end(), unk) != pieces.end() || spelledOut(pieces)) unknown.push_back(w);
        }
        if (unknown.empty()) continue;
        if (words.size() == 1) add(chunk);
        else
            for (const auto& w : unknown) add(w);
    }
    return out;
}

// ---- browsing without a model ---------------------------------------------------------------------

namespace {
// "YYYY-MM-DDTHH:MM:SS" (UTC) of a file time in nanoseconds since the epoch.
std::string isoFromNs(std::int64_t ns) {
    const std::time_t t = static_cast<std::time_t>(ns / 1000000000);
    std::tm tm{};
    if (!gmtime_r(&t, &tm)) return {};
    char buf[32];
    if (std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) == 0) return {};
    return buf;
}
}  // namespace

std::vector<library::PhotoInfo> Workspace::browse(const library::SearchFilter& filter, std::size_t offset, std::size_t limit) {
    struct Entry {
        std::string when;
        library::PhotoInfo photo;
    };
    std::vector<Entry> all;
    for (auto& p : library().photos()) {
        if (!p.ok) continue;
        if (filter.rootId && p.rootId != *filter.rootId) continue;
        const bool undated = p.dateTaken.empty();
        if (!undated || !filter.keepUndated) {
            if (!filter.dateFrom.empty() && (undated || p.dateTaken < filter.dateFrom)) continue;
            if (!filter.dateTo.empty() && (undated || p.dateTaken >= filter.dateTo + "~")) continue;
        }
        std::string when = undated ? isoFromNs(p.mtimeNs) : p.dateTaken;
        all.push_back(Entry{std::move(when), std::move(p)});
    }
    std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
        if (a.when != b.when) return a.when > b.when;
        return a.photo.id > b.photo.id;
    });
    std::vector<library::PhotoInfo> page;
    for (std::size_t i = offset; i < all.size() && page.size() < limit; ++i) page.push_back(std::move(all[i].photo));
    return page;
}

// ---- teaching ---------------------------------------------------------------------------------

HeldOutMeasurement Workspace::measureModels(const ProgressFn& progress, const CancelFlag* cancel) {
    HeldOutMeasurement out;
    const TeachingPlan plan = teachingPlan(true, true);
    out.heldOutPairs = plan.heldOutPairs;
    out.heldOutPhotos = plan.heldOutPhotos;
    out.measurable = plan.measurable;
    if (!out.measurable) return out;
    std::vector<std::pair<std::string, std::string>> held;
    for (const auto& p : plan.pairs)
        if (p.heldOut) held.emplace_back(p.path, p.text);
    const train::Dataset set = train::fromPairs(held, "held-out captions");
    // The photos decoded once per input size (most models share one), at the size teaching
    // measures with: the same photos and captions for every model.
    struct Decoded {
        train::Dataset kept;
        std::vector<vision::Image> images;
    };
    std::map<int, Decoded> decoded;
    const std::vector<ModelEntry> entries = models();
    std::size_t done = 0;
    for (const ModelEntry& e : entries) {
        throwIfCancelled(cancel);
        ModelMeasure m;
        m.name = e.name;
        if (!e.readable) {
            m.problem = e.problem;
        } else {
            try {
                io::LoadedBundle b = io::loadBundle(e.dir, runtime().device);
                const int size = std::max(b.config.imageSize, b.config.resizeSize);
                auto it = decoded.find(size);
                if (it == decoded.end()) {
                    Decoded d;
                    d.images = train::decodeDatasetImages(set, size, d.kept, nullptr, runtime().threads, {}, cancel);
                    it = decoded.emplace(size, std::move(d)).first;
                }
                m.report = train::evaluateDecoded(*b.model, *b.tokenizer, b.config, it->second.kept, it->second.images);
                m.measured = m.report.numTexts > 0;
            } catch (const Cancelled&) {
                throw;
            } catch (const Error& err) {
                m.problem = err.what();
            }
        }
        out.models.push_back(std::move(m));
        ++done;
        if (progress) {
            Progress p;
            p.stage = "measure";
            p.done = done;
            p.total = entries.size();
            progress(p);
        }
    }
    return out;
}

TeachingPlan Workspace::teachingPlan(bool useCaptions, bool useFeedback) {
    TeachingPlan plan;
    std::map<library::PhotoId, std::optional<library::PhotoInfo>> photos;
    auto readable = [&](library::PhotoId id) -> const library::PhotoInfo* {
        auto it = photos.find(id);
        if (it == photos.end()) it = photos.emplace(id, library().photo(id)).first;
        return it->second && it->second->ok ? &*it->second : nullptr;
    };
    std::set<std::pair<library::PhotoId, std::string>> seen;
    auto add = [&](library::PhotoId id, const std::string& text, bool fromFeedback) {
        const std::size_t b = text.find_first_not_of(" \t\r\n"), e = text.find_last_not_of(" \t\r\n");
        if (b == std::string::npos) return;
        const std::string t = text.substr(b, e - b + 1);
        const library::PhotoInfo* p = readable(id);
        if (!p || !seen.insert({id, t}).second) return;
        plan.pairs.push_back(TeachingPair{id, p->path, t, fromFeedback, false});
    };
    if (useCaptions)
        for (const auto& c : library().allCaptions()) add(c.photo, c.text, false);
    if (useFeedback)
        for (const auto& f : library().feedback())
            if (f.relevant) add(f.photo, f.query, true);

    std::set<library::PhotoId> all, held;
    for (const auto& p : plan.pairs) {
        all.insert(p.photo);
        if (mixId(p.photo) % kHeldOutBuckets == 0) held.insert(p.photo);
    }
    if (held.empty() && all.size() > kMinTeachingPhotos) {
        // Too few photos for the buckets to pick one: hold out the one with the smallest mix.
        held.insert(*std::min_element(all.begin(), all.end(),
                                      [](library::PhotoId a, library::PhotoId b) { return mixId(a) < mixId(b); }));
    }
    for (auto& p : plan.pairs) {
        p.heldOut = held.count(p.photo) > 0;
        (p.heldOut ? plan.heldOutPairs : plan.trainPairs)++;
    }
    plan.heldOutPhotos = held.size();
    plan.trainPhotos = all.size() - held.size();
    plan.enough = plan.trainPhotos >= kMinTeachingPhotos;
    plan.measurable = plan.heldOutPairs >= kMinHeldOutCaptions && plan.heldOutPhotos >= kMinHeldOutPhotos;
    return plan;
}

TeachOutcome Workspace::teach(const TeachRequest& request, const TeachEventFn& events, const CancelFlag* cancel) {
    const auto t0 = Clock::now();
    auto stage = [&](TeachStage s) {
        if (!events) return;
        TeachEvent e;
        e.kind = TeachEvent::Kind::Stage;
        e.stage = s;
        e.elapsedSeconds = secondsSince(t0);
        events(e);
    };
    const TeachPreset preset = teachPreset(request.preset);
    const TeachingPlan plan = teachingPlan(request.useCaptions, request.useFeedback);
    if (!plan.enough)
        throw Error(ErrorCode::TooFewPairs,
                    "teaching needs captions on at least " + std::to_string(kMinTeachingPhotos) +
                        " readable photos besides the held-out ones (there are " + std::to_string(plan.trainPhotos) + ")",
                    {{"count", std::to_string(plan.trainPhotos)}, {"needed", std::to_string(kMinTeachingPhotos)}});
    const ModelRef base = resolveModel(request.baseModel);
    std::string name = request.newModelName;
    if (name.empty()) {
        const std::string stem = base.name.empty() ? fs::path(base.dir).filename().string() : base.name;
        name = registry_.freeName(ModelRegistry::validName(stem + "-ft-" + localStamp()) ? stem + "-ft-" + localStamp()
                                                                                          : "model-ft-" + localStamp());
    }
    const std::string out = registry_.dirOf(name);
    std::error_code ec;
    if (fs::exists(out, ec)) throw Error(ErrorCode::ModelExists, "a model named '" + name + "' already exists", {{"name", name}});
    throwIfCancelled(cancel);

    stage(TeachStage::Loading);
    const std::string device = runtime().device;
    io::LoadedBundle loaded = io::loadBundle(base.dir, device);

    std::vector<std::pair<std::string, std::string>> trainList, heldList;
    for (const auto& p : plan.pairs) (p.heldOut ? heldList : trainList).emplace_back(p.path, p.text);
    const int epochs = request.epochs > 0 ? request.epochs : preset.epochs;
    const int batchWanted = request.batchSize > 0 ? request.batchSize : preset.batchSize;

    FineTuneJob job;
    job.model = loaded.model;
    job.config = loaded.config;
    job.tokenizer = loaded.tokenizer;
    job.train = train::fromPairs(trainList, "captions");
    job.validation = train::fromPairs(heldList, "held-out captions");
    job.measureBefore = true;
    job.decodeThreads = runtime().threads;
    job.options = train::TrainOptions::fineTune();
    job.options.epochs = epochs;
    job.options.lrHeads = request.lrHeads > 0 ? request.lrHeads : preset.lrHeads;
    job.options.lrImage = request.lrImage > 0 ? request.lrImage : preset.lrImage;
    job.options.lrText = request.lrText > 0 ? request.lrText : preset.lrText;
    job.options.freeze = train::parseFreezePreset(request.freeze.empty() ? preset.freeze : request.freeze);
    job.options.device = device;
    job.options.progressEvery = 1;
    job.options.loaderThreads = 1;
    job.options.restoreBest = true;
    job.source.batchSize = std::size_t(std::clamp<int>(batchWanted, 2, std::max<int>(2, int(job.train.items.size()))));
    job.source.seed = 1;
    job.source.dropLast = false;
    const int recallK = plan.heldOutPhotos > 10 ? 5 : 1;

    FineTuneCallbacks cb;
    int epochNow = 0;
    std::size_t stepsNow = 0, stepsTotal = 0;
    cb.onStep = [&](const train::StepInfo& s) {
        epochNow = int(s.epoch) + 1;
        stepsNow = s.step;
        stepsTotal = s.totalSteps;
        if (events) events(stepEvent(s, epochs, t0));
    };
    cb.onValidation = [&](const train::RetrievalReport& r) {
        if (!events) return;
        TeachEvent e;
        e.kind = TeachEvent::Kind::Validation;
        e.stage = TeachStage::Training;
        e.epoch = epochNow;
        e.epochs = epochs;
        e.step = stepsNow;
        e.steps = stepsTotal;
        e.recall = recallK == 5 ? r.textToImage.r5 : r.textToImage.r1;
        e.recallK = recallK;
        e.elapsedSeconds = secondsSince(t0);
        events(e);
    };
    cb.onStage = [&](FineTuneStage s) {
        stage(s == FineTuneStage::MeasuringBefore ? TeachStage::MeasuringBefore
              : s == FineTuneStage::Training      ? TeachStage::Training
                                                  : TeachStage::MeasuringAfter);
    };
    FineTuneResult r = fineTune(job, cb, cancel);
    throwIfCancelled(cancel);

    stage(TeachStage::Saving);
    TeachOutcome o;
    if (r.before) o.before = *r.before;
    if (r.after) o.after = *r.after;
    o.trainPairs = job.train.captionCount();
    o.heldOutPairs = r.validationTexts;
    o.heldOutPhotos = r.validationImages;
    o.measurable = o.heldOutPairs >= kMinHeldOutCaptions && o.heldOutPhotos >= kMinHeldOutPhotos;
    o.recallK = recallK;
    io::BundleProvenance prov;
    prov.name = name;
    prov.source = "fine-tune of " + (base.name.empty() ? loaded.info.name : base.name);
    prov.created = nowIso();
    prov.training = {{"base", base.name.empty() ? loaded.info.name : base.name},
                     {"pairs", plan.pairs.size()},
                     {"train_pairs", o.trainPairs},
                     {"held_out_pairs", o.heldOutPairs},
                     {"train_photos", job.train.items.size()},
                     {"held_out_photos", o.heldOutPhotos},
                     {"epochs", r.training.epochsRun},
                     {"steps", r.training.steps},
                     {"preset", preset.name},
                     {"seconds", r.training.seconds}};
    nlohmann::json metrics = nlohmann::json::object();
    if (r.after) metrics["heldout"] = r.after->toFlatJson();
    if (r.before) metrics["heldout_before"] = r.before->toFlatJson();
    prov.metrics = metrics;
    loaded.model->to(torch::kCPU);
    io::saveBundle(out, *loaded.model, loaded.config, loaded.vocab, prov);
    o.model = ModelRef{name, out};
    o.seconds = secondsSince(t0);
    return o;
}

// ---- the demo ---------------------------------------------------------------------------------

DemoOutcome Workspace::runDemo(const DemoRequest& request, const DemoEvents& events, const CancelFlag* cancel) {
    const auto t0 = Clock::now();
    auto stage = [&](DemoStage s) {
        if (events.onStage) events.onStage(s);
    };
    auto log = [&](const std::string& s) {
        if (events.log) events.log(s);
    };
    const bool inRegistry = request.bundleDir.empty();
    const std::string bundleDir = inRegistry ? registry_.dirOf("demo") : util::absolutePath(request.bundleDir);
    if (request.buildLibrary && library().readOnly())
        throw Error(ErrorCode::LibraryReadOnly, "the library is open read-only: the demo cannot add its photos",
                    {{"folder", library().folder()}});

    train::DemoCallbacks cb;
    cb.onStage = [&](train::DemoStage s) {
        stage(s == train::DemoStage::Preparing  ? DemoStage::Preparing
              : s == train::DemoStage::Training ? DemoStage::Training
                                                : DemoStage::Evaluating);
    };
    cb.onStep = [&](const train::StepInfo& s) {
        if (events.onStep) events.onStep(stepEvent(s, 1, t0));
    };
    cb.log = log;
    train::DemoResult r = train::runDemo(request.options, cb, cancel);
    throwIfCancelled(cancel);

    DemoOutcome out;
    out.bundleDir = bundleDir;
    for (const auto& h : r.heldOut) out.heldOut.push_back(train::colourWord(h.colour) + " " + train::shapeWord(h.shape));
    out.eval = r.eval;
    out.mapByKind = r.mapByKind;
    out.trainingSteps = r.training.steps;
    out.trainSeconds = r.trainSeconds;
    out.vocabSize = r.vocab.size();
    out.summaryJson = r.toJson().dump();

    stage(DemoStage::Saving);
    io::BundleProvenance prov;
    prov.name = "demo";
    prov.source = "demo";
    prov.created = nowIso();
    prov.training = {{"seed", request.options.seed},      {"steps", r.training.steps},
                     {"batch", request.options.batchSize}, {"seconds", r.trainSeconds},
                     {"data", "synthetic Azerbaijani world"}};
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [name, rep] : r.eval) metrics[name] = rep.toFlatJson();
    prov.metrics = metrics;
    forgetEmbedder(bundleDir);
    io::saveBundle(bundleDir, *r.model, r.config, r.vocab, prov);
    log("model bundle saved to " + bundleDir);
    const ModelRef demo = inRegistry ? ModelRef{"demo", bundleDir} : refFor(bundleDir);

    if (request.buildLibrary) {
        throwIfCancelled(cancel);
        stage(DemoStage::WritingPhotos);
        // The held-out scenes, one folder per split, in the demo's own folder inside the library.
        const fs::path photos = fs::path(library().folder()) / "demo-photos";
        out.photosDir = photos.string();
        for (const auto& set : r.evalSets) {
            const fs::path dir = photos / set.name;
            util::makeDirs(dir.string());
            for (std::size_t i = 0; i < set.samples.size(); ++i) {
                std::ostringstream name;
                name << set.name << "_" << std::setw(4) << std::setfill('0') << i << ".png";
                const fs::path p = dir / name.str();
                const std::vector<std::uint8_t> png = vision::encodePng(set.samples[i].image);
                // Rewritten only when another seed drew another scene: unchanged photos keep their vectors.
                if (readSmallFile(p.string(), png.size() + 1) != png)
                    util::writeFileAtomically(p.string(), std::string(png.begin(), png.end()));
            }
        }
        bool known = false;
        for (const auto& root : library().roots()) known = known || sameFolder(root.path, photos.string());
        if (!known) {
            try {
                library().addRoot(resolved(photos.string()));
            } catch (const Error& e) {
                if (e.code() != ErrorCode::RootOverlap) throw;  // inside a folder of the library: scanned with it
            }
        }
        if (request.activate && !demo.name.empty()) registry_.recordActive(demo.name);

        stage(DemoStage::Indexing);
        IndexRequest ir;
        ir.model = demo.name.empty() ? demo.dir : demo.name;
        IndexOutcome idx = index(ir, events.onIndexProgress, cancel);
        out.library = true;
        if (idx.scan) out.photos = idx.scan->filesSeen;
        if (idx.index) out.embedded = idx.index->embedded;

        stage(DemoStage::Querying);
        library::SearchOptions so;
        so.k = request.resultsPerQuery;
        for (const auto& q : request.queries) {
            SearchAnswer a = search(q, so, ir.model);
            out.queries.push_back({q, a.hits});
        }
    } else if (request.activate && !demo.name.empty()) {
        registry_.recordActive(demo.name);
    }
    out.seconds = secondsSince(t0);
    return out;
}

}  // namespace lowclip::app
