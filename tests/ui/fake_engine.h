#pragma once
// A small in-memory Engine for GUI tests that need no trained model: photos with words attached,
// captions, models, and hooks to make any call fail with a chosen core error or wait for its
// cancellation flag. Plain C++ (like the real engine's header), safe to call from worker threads.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "ui/engine/engine.h"

namespace lowclip::ui::testing {

class FakeEngine final : public Engine {
public:
    struct FakePhoto {
        Photo photo;
        std::set<std::string> words;  // a query matches when it shares a word
    };

    // ---- set-up (before the window uses the engine) ----
    std::int64_t addPhoto(const std::string& path, const std::set<std::string>& words, const std::string& date = {}) {
        std::lock_guard<std::mutex> lock(mutex_);
        FakePhoto p;
        p.photo.id = ++lastId_;
        p.photo.path = path;
        p.photo.root = root_;
        p.photo.width = 96;
        p.photo.height = 72;
        p.photo.dateTaken = date;
        p.words = words;
        photos_.push_back(p);
        return p.photo.id;
    }
    void addModel(const std::string& name, bool active, const std::map<std::string, double>& metrics = {}) {
        std::lock_guard<std::mutex> lock(mutex_);
        ModelInfo m;
        m.metrics = metrics;
        m.name = name;
        m.dir = "/models/" + name;
        m.architecture = "bert (fake) + resnet (fake)";
        m.dim = 8;
        m.active = active;
        models_.push_back(m);
    }
    void setRoot(const std::string& root) { root_ = root; }
    // Every later call named `call` ("search", "index", "importCaptions", ...) throws this error.
    void failWith(const std::string& call, const lowclip::Error& error) {
        std::lock_guard<std::mutex> lock(mutex_);
        failures_.erase(call);
        failures_.emplace(call, error);
    }
    void clearFailures() {
        std::lock_guard<std::mutex> lock(mutex_);
        failures_.clear();
    }
    CaptionImportReport nextImport;  // what importCaptions reports
    std::vector<FailedFile> nextFailures;  // what failures() reports
    // index() reports 3 of 10 photos and waits for its cancellation flag (up to 30 s).
    std::atomic<bool> indexWaitsForCancel{false};
    // When not empty, the words unknownWords() reports are the query's words not in it.
    std::set<std::string> vocabulary;
    std::atomic<int> browseCalls{0};
    // search(): how many leading hits are relevant (negative: all), and near-identical photos (photo
    // id -> the id whose stack it joins when that one ranks higher; used when stacks are asked for).
    int relevantHits = -1;
    std::map<std::int64_t, std::int64_t> nearIdentical;
    DuplicateScan nextDuplicates;  // what duplicates() reports
    std::atomic<int> duplicateCalls{0};
    SearchOptions lastOptions() {
        std::lock_guard<std::mutex> lock(mutex_);
        return lastOptions_;
    }
    std::atomic<int> demoRuns{0}, stateCalls{0}, prepareCalls{0};

    // ---- Engine ----
    LibraryState state() override {
        ++stateCalls;
        maybeFail("state");
        std::lock_guard<std::mutex> lock(mutex_);
        LibraryState s;
        s.photos = s.embedded = photos_.size();
        if (!root_.empty()) s.roots.push_back(root_);
        for (const auto& m : models_)
            if (m.active) s.modelName = m.name;
        s.hasModel = !s.modelName.empty();
        if (!s.hasModel) {
            s.embedded = 0;
            s.pending = photos_.size();
        }
        return s;
    }
    std::vector<std::string> roots() override {
        std::lock_guard<std::mutex> lock(mutex_);
        return root_.empty() ? std::vector<std::string>{} : std::vector<std::string>{root_};
    }
    void addRoot(const std::string& folder) override {
        maybeFail("addRoot");
        std::lock_guard<std::mutex> lock(mutex_);
        root_ = folder;
    }
    void removeRoot(const std::string&) override {
        std::lock_guard<std::mutex> lock(mutex_);
        root_.clear();
    }
    std::atomic<int> indexCalls{0};
    IndexSummary index(const ProgressFn& progress, const CancelFlag* cancel) override {
        ++indexCalls;
        maybeFail("index");
        if (indexWaitsForCancel) {
            Progress p;
            p.stage = "index";
            p.done = 3;
            p.total = 10;
            p.itemsPerSecond = 1.5;
            p.message = "3 embedded, 0 failed (core's English)";
            for (int i = 0; i < 1500 && !(cancel && cancel->load()); ++i) {
                if (progress && i % 10 == 0) progress(p);
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
        throwIfCancelled(cancel);
        IndexSummary s;
        s.hasModel = true;
        return s;
    }
    std::vector<FailedFile> failures() override {
        std::lock_guard<std::mutex> lock(mutex_);
        return nextFailures;
    }
    std::size_t removeFromLibrary(const std::vector<std::int64_t>& photoIds) override {
        maybeFail("removeFromLibrary");
        std::lock_guard<std::mutex> lock(mutex_);
        std::size_t n = 0;
        for (std::int64_t id : photoIds) {
            const auto before = nextFailures.size() + photos_.size();
            nextFailures.erase(std::remove_if(nextFailures.begin(), nextFailures.end(),
                                              [id](const FailedFile& f) { return f.photoId == id; }),
                               nextFailures.end());
            photos_.erase(std::remove_if(photos_.begin(), photos_.end(), [id](const FakePhoto& p) { return p.photo.id == id; }),
                          photos_.end());
            if (nextFailures.size() + photos_.size() < before) ++n;
            removedIds.push_back(id);
        }
        return n;
    }
    std::vector<std::int64_t> removedIds;
    HeldOutMeasurement measureModels(const ProgressFn&, const CancelFlag* cancel) override {
        maybeFail("measureModels");
        throwIfCancelled(cancel);
        std::lock_guard<std::mutex> lock(mutex_);
        HeldOutMeasurement out = heldOut;
        if (out.measurable) {
            out.models.clear();
            for (const auto& m : models_) {
                ModelMeasurement r;
                r.name = m.name;
                auto it = heldOutRecall.find(m.name);
                r.measured = it != heldOutRecall.end();
                if (r.measured) r.r5 = it->second;
                r.r1 = r.r5 / 2;
                r.captions = out.captions;
                r.photos = out.photos;
                if (!r.measured) r.problem = "cannot load";
                out.models.push_back(r);
            }
        }
        return out;
    }
    HeldOutMeasurement heldOut;                   // counts and measurability for measureModels()
    std::map<std::string, double> heldOutRecall;  // by model name: R@5 on the held-out set

    void prepareSearch() override {
        ++prepareCalls;
        maybeFail("prepareSearch");
    }
    SearchResult search(const std::string& query, const SearchOptions& options) override {
        maybeFail("search");
        std::lock_guard<std::mutex> lock(mutex_);
        lastOptions_ = options;
        std::set<std::string> words;
        std::istringstream in(query);
        for (std::string w; in >> w;) words.insert(w);
        if (words.empty()) throw lowclip::Error(lowclip::ErrorCode::InvalidArgument, "the query is empty");
        SearchResult r;
        for (const auto& p : photos_) {
            std::size_t shared = 0;
            for (const auto& w : words) shared += p.words.count(w);
            if (shared == 0) continue;
            Photo hit = p.photo;
            hit.score = float(shared) / float(words.size()) - 0.001f * float(p.photo.id);
            r.hits.push_back(hit);
        }
        std::sort(r.hits.begin(), r.hits.end(), [](const Photo& a, const Photo& b) { return a.score > b.score; });
        if (int(r.hits.size()) > options.k) r.hits.resize(std::size_t(options.k));
        r.milliseconds = 1.0;
        r.relevant = relevantHits < 0 ? r.hits.size() : std::min(r.hits.size(), std::size_t(relevantHits));
        if (options.stackSimilarity > 0) {
            for (std::size_t i = 0; i < r.hits.size(); ++i) {
                r.stackLeader.push_back(i);
                auto it = nearIdentical.find(r.hits[i].id);
                if (it == nearIdentical.end()) continue;
                for (std::size_t j = 0; j < i; ++j)
                    if (r.hits[j].id == it->second && r.stackLeader[j] == j) r.stackLeader[i] = j;
            }
        }
        return r;
    }
    SearchResult similar(std::int64_t photoId, const SearchOptions& options) override {
        maybeFail("similar");
        std::lock_guard<std::mutex> lock(mutex_);
        lastOptions_ = options;
        SearchResult r;
        for (const auto& p : photos_)
            if (p.photo.id != photoId) r.hits.push_back(p.photo);
        if (int(r.hits.size()) > options.k) r.hits.resize(std::size_t(options.k));
        return r;
    }
    // Newest first by date taken (photos without one last), as dated filters allow.
    SearchResult browse(const SearchOptions& options) override {
        ++browseCalls;
        maybeFail("browse");
        std::lock_guard<std::mutex> lock(mutex_);
        lastOptions_ = options;
        SearchResult r;
        for (const auto& p : photos_) {
            const std::string& d = p.photo.dateTaken;
            if (!d.empty() || !options.keepUndated) {
                if (!options.dateFrom.empty() && (d.empty() || d < options.dateFrom)) continue;
                if (!options.dateTo.empty() && (d.empty() || d >= options.dateTo + "~")) continue;
            }
            r.hits.push_back(p.photo);
        }
        std::stable_sort(r.hits.begin(), r.hits.end(), [](const Photo& a, const Photo& b) {
            if (a.dateTaken.empty() != b.dateTaken.empty()) return b.dateTaken.empty();
            return a.dateTaken > b.dateTaken;
        });
        if (int(r.hits.size()) > options.k) r.hits.resize(std::size_t(options.k));
        return r;
    }
    std::vector<std::string> unknownWords(const std::string& query) override {
        maybeFail("unknownWords");
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<std::string> out;
        if (vocabulary.empty()) return out;
        std::istringstream in(query);
        for (std::string w; in >> w;)
            if (!vocabulary.count(w) && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
        return out;
    }

    DuplicateScan duplicates(double similarity, const ProgressFn&, const CancelFlag* cancel) override {
        ++duplicateCalls;
        maybeFail("duplicates");
        throwIfCancelled(cancel);
        std::lock_guard<std::mutex> lock(mutex_);
        DuplicateScan r = nextDuplicates;
        // Groups whose lowest similarity is below the asked one split up, as the real scan would.
        r.groups.erase(std::remove_if(r.groups.begin(), r.groups.end(),
                                      [&](const DuplicateGroup& g) {
                                          return std::any_of(g.similarity.begin(), g.similarity.end(),
                                                             [&](float x) { return x < similarity; });
                                      }),
                       r.groups.end());
        r.groupsFound = r.groups.size();
        return r;
    }

    Photo photo(std::int64_t photoId) override {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& p : photos_)
            if (p.photo.id == photoId) return p.photo;
        throw lowclip::Error(lowclip::ErrorCode::PhotoNotFound, "no such photo", {{"id", std::to_string(photoId)}});
    }
    std::vector<std::uint8_t> thumbnail(std::int64_t, int) override { return {}; }

    std::vector<Caption> captions() override {
        std::lock_guard<std::mutex> lock(mutex_);
        return captions_;
    }
    std::vector<Caption> captionsFor(std::int64_t photoId) override {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<Caption> out;
        for (const auto& c : captions_)
            if (c.photoId == photoId) out.push_back(c);
        return out;
    }
    void addCaption(const std::vector<std::int64_t>& photoIds, const std::string& text) override {
        maybeFail("addCaption");
        if (text.find_first_not_of(" \t") == std::string::npos)
            throw lowclip::Error(lowclip::ErrorCode::EmptyCaption, "a caption cannot be empty");
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto id : photoIds) {
            Caption c;
            c.id = ++lastCaption_;
            c.photoId = id;
            c.text = text;
            c.source = "user";
            for (const auto& p : photos_)
                if (p.photo.id == id) c.path = p.photo.path;
            captions_.push_back(c);
        }
    }
    void editCaption(std::int64_t captionId, const std::string& text) override {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& c : captions_)
            if (c.id == captionId) c.text = text;
    }
    void deleteCaption(std::int64_t captionId) override {
        std::lock_guard<std::mutex> lock(mutex_);
        captions_.erase(std::remove_if(captions_.begin(), captions_.end(), [&](const Caption& c) { return c.id == captionId; }),
                        captions_.end());
    }
    CaptionImportReport importCaptions(const std::string&) override {
        maybeFail("importCaptions");
        return nextImport;
    }
    std::size_t exportCaptions(const std::string&) override { return captions_.size(); }
    std::int64_t feedback(const std::string& query, std::int64_t photoId, bool relevant) override {
        maybeFail("feedback");
        std::lock_guard<std::mutex> lock(mutex_);
        marks_.erase(std::remove_if(marks_.begin(), marks_.end(),
                                    [&](const FeedbackMark& m) { return m.query == query && m.photoId == photoId; }),
                     marks_.end());
        FeedbackMark m;
        m.id = ++lastMark_;
        m.query = query;
        m.photoId = photoId;
        m.relevant = relevant;
        m.created = 1700000000;
        for (const auto& p : photos_)
            if (p.photo.id == photoId) m.path = p.photo.path;
        marks_.push_back(m);
        return m.id;
    }
    std::vector<FeedbackMark> feedbackMarks() override {
        std::lock_guard<std::mutex> lock(mutex_);
        return marks_;
    }
    void removeFeedback(std::int64_t markId) override {
        std::lock_guard<std::mutex> lock(mutex_);
        marks_.erase(std::remove_if(marks_.begin(), marks_.end(), [&](const FeedbackMark& m) { return m.id == markId; }),
                     marks_.end());
    }
    TeachingPlan teachingPlan(bool useCaptions, bool) override {
        std::lock_guard<std::mutex> lock(mutex_);
        TeachingPlan p;
        const std::size_t n = useCaptions ? captions_.size() : 0;
        p.heldOutPairs = n / 5;
        p.trainPairs = n - p.heldOutPairs;
        p.trainPhotos = p.trainPairs;
        p.heldOutPhotos = p.heldOutPairs;
        p.enough = p.trainPhotos >= 2;
        p.measurable = p.heldOutPairs >= 20;
        p.minHeldOutCaptions = 20;
        return p;
    }

    std::vector<ModelInfo> models() override {
        std::lock_guard<std::mutex> lock(mutex_);
        return models_;
    }
    ModelInfo importModel(const ImportRequest& request, const ProgressFn&, const CancelFlag*) override {
        maybeFail("importModel");
        addModel(request.name, false);
        return models_.back();
    }
    void activateModel(const std::string& name) override {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& m : models_) m.active = m.name == name;
    }
    void exportModel(const std::string&, const std::string&) override {}
    void deleteModel(const std::string& name) override {
        maybeFail("deleteModel");
        std::lock_guard<std::mutex> lock(mutex_);
        models_.erase(std::remove_if(models_.begin(), models_.end(), [&](const ModelInfo& m) { return m.name == name; }),
                      models_.end());
    }
    std::vector<TrainPreset> trainPresets() override { return {TrainPreset{"quick", 1, 1e-3, 1e-4, 1e-5, "heads", 4}}; }
    TrainOutcome train(const TrainRequest&, const TrainEventFn&, const CancelFlag*) override {
        maybeFail("train");
        return {};
    }
    // Reports training steps, then waits for the cancellation flag (a run the test cancels); it gives
    // up after 30 s so that a test that fails to cancel ends instead of hanging.
    void runDemo(const DemoRequest&, const DemoProgressFn& progress, const CancelFlag* cancel) override {
        ++demoRuns;
        maybeFail("runDemo");
        DemoProgress p;
        p.stage = DemoProgress::Stage::Training;
        p.total = 100;
        for (int i = 0; i < 1500 && !(cancel && cancel->load()); ++i) {
            const std::size_t step = std::size_t(std::min(i, 99));
            p.done = step;
            p.elapsedSeconds = double(step);
            p.etaSeconds = double(100 - step);
            if (progress) progress(p);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        throwIfCancelled(cancel);
    }
    bool refresh() override {
        ++refreshCalls;
        return false;
    }
    std::atomic<int> refreshCalls{0};
    std::vector<std::string> devices() override { return {"cpu"}; }
    void configure(const EngineOptions&) override {}

private:
    void maybeFail(const std::string& call) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = failures_.find(call);
        if (it != failures_.end()) throw it->second;
    }

    std::mutex mutex_;
    std::string root_;
    std::vector<FakePhoto> photos_;
    std::vector<Caption> captions_;
    std::vector<ModelInfo> models_;
    std::vector<FeedbackMark> marks_;
    SearchOptions lastOptions_;
    std::map<std::string, lowclip::Error> failures_;
    std::int64_t lastId_ = 0, lastCaption_ = 0, lastMark_ = 0;
};

}  // namespace lowclip::ui::testing
