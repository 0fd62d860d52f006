#include "core/library/index_pipeline.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <new>
#include <optional>
#include <thread>

#include "core/error.h"
#include "core/library/job_progress.h"
#include "core/library/scanner.h"
#include "core/train/embedder.h"
#include "core/vision/decode.h"
#include "core/vision/preprocess.h"

namespace lowclip::library {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Todo {
    PhotoId id = 0;
    std::string path;
};

struct Decoded {
    PhotoId id = 0;
    vision::Image image;       // without a preprocessing spec
    std::vector<float> input;  // with one: the model's input (3 x S x S)
    std::string error;         // non-empty: decoding failed, with the reason a person reads
};

// An upright RGB image, large JPEGs decoded at reduced scale towards the model's input size; with
// `spec`, preprocessed into the model's input here (on the decoder's thread, not the model's).
Decoded decode(const Todo& t, int targetShortSide, std::int64_t maxPixels, std::int64_t maxFileBytes,
               const std::optional<vision::PreprocessSpec>& spec) {
    Decoded d;
    d.id = t.id;
    vision::DecodeOptions o;
    o.targetShortSide = targetShortSide;
    o.maxPixels = maxPixels;
    o.applyExifOrientation = true;
    try {
        // Read here, bounded and never blocking on a FIFO put in the photo's place since the scan.
        const std::string bytes = readRegularFile(t.path, maxFileBytes);
        d.image = vision::decodeImageMemory(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), o, t.path);
        if (spec && !d.image.empty()) {
            d.input = vision::preprocess(d.image, *spec);
            d.image = vision::Image();
            if (d.input.empty()) d.error = "the image could not be prepared for the model";
        }
    } catch (const Error& e) {
        d.error = e.what();
    } catch (const std::bad_alloc&) {
        d.error = "not enough memory to decode this image";
    } catch (...) {
        d.error.clear();
    }
    if (d.image.empty() && d.input.empty() && d.error.empty()) d.error = "the image could not be decoded";
    return d;
}

// Decode threads feeding a bounded queue, in work-list order per thread. The destructor stops and
// joins them (also when the consumer leaves by an exception).
class DecodeQueue {
public:
    enum class Pop { Item, Timeout, Finished };

    DecodeQueue(const std::vector<Todo>& todo, int threads, std::size_t capacity, int targetShortSide,
                std::int64_t maxPixels, std::int64_t maxFileBytes, std::optional<vision::PreprocessSpec> spec)
        : todo_(todo), capacity_(capacity), targetShortSide_(targetShortSide), maxPixels_(maxPixels),
          maxFileBytes_(maxFileBytes), spec_(std::move(spec)) {
        producersLeft_ = static_cast<std::size_t>(threads);
        for (int t = 0; t < threads; ++t) pool_.emplace_back([this] { produce(); });
    }
    ~DecodeQueue() { stop(); }
    DecodeQueue(const DecodeQueue&) = delete;
    DecodeQueue& operator=(const DecodeQueue&) = delete;

    Pop pop(Decoded& out, std::chrono::milliseconds wait) {
        std::unique_lock<std::mutex> l(mu_);
        notEmpty_.wait_for(l, wait, [&] { return !queue_.empty() || producersLeft_ == 0; });
        if (!queue_.empty()) {
            out = std::move(queue_.front());
            queue_.pop_front();
            notFull_.notify_one();
            return Pop::Item;
        }
        return producersLeft_ == 0 ? Pop::Finished : Pop::Timeout;
    }

    // Decodes the next photo of the work list on the calling thread: the model's thread does this
    // instead of waiting when the queue is empty and its batch is not full (on a CPU model its share
    // of the cores would otherwise idle while decoding is the slower side). False when none is left.
    bool decodeHere(Decoded& out) {
        if (stop_) return false;
        const std::size_t i = next_++;
        if (i >= todo_.size()) return false;
        out = decode(todo_[i], targetShortSide_, maxPixels_, maxFileBytes_, spec_);
        return true;
    }

    void stop() {
        {
            std::lock_guard<std::mutex> l(mu_);
            stop_ = true;
        }
        notFull_.notify_all();
        notEmpty_.notify_all();
        for (auto& t : pool_)
            if (t.joinable()) t.join();
        pool_.clear();
    }

private:
    void produce() {
        for (std::size_t i = next_++; i < todo_.size() && !stop_; i = next_++) {
            Decoded d = decode(todo_[i], targetShortSide_, maxPixels_, maxFileBytes_, spec_);
            std::unique_lock<std::mutex> l(mu_);
            notFull_.wait(l, [&] { return queue_.size() < capacity_ || stop_; });
            if (stop_) break;
            queue_.push_back(std::move(d));
            notEmpty_.notify_one();
        }
        std::lock_guard<std::mutex> l(mu_);
        --producersLeft_;
        notEmpty_.notify_all();
    }

    const std::vector<Todo>& todo_;
    const std::size_t capacity_;
    const int targetShortSide_;
    const std::int64_t maxPixels_;
    const std::int64_t maxFileBytes_;
    const std::optional<vision::PreprocessSpec> spec_;
    std::atomic<std::size_t> next_{0};
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::condition_variable notEmpty_, notFull_;
    std::deque<Decoded> queue_;
    std::size_t producersLeft_ = 0;
    std::vector<std::thread> pool_;
};

class IndexJob {
public:
    IndexJob(Catalog& catalog, IndexRegistry& indexes, train::Embedder& embedder, const IndexOptions& options,
             const ProgressFn& progress, const CancelFlag* cancel)
        : catalog_(catalog), indexes_(indexes), embedder_(embedder), options_(options), progress_(progress),
          cancel_(cancel), modelId_(embedder.modelId()), dim_(embedder.dim()),
          batchSize_(static_cast<std::size_t>(std::max(1, options.batchSize))), spec_(embedder.imagePreprocessing()) {
        if (spec_) inputFloats_ = 3 * static_cast<std::size_t>(spec_->imageSize) * static_cast<std::size_t>(spec_->imageSize);
        const int preferred = embedder.preferredImageBatch();
        encodeBatch_ = preferred > 0 ? std::min(batchSize_, static_cast<std::size_t>(preferred)) : batchSize_;
    }

    IndexReport run() {
        if (modelId_.empty()) throw Error(ErrorCode::InvalidArgument, "index: the model has an empty model id");
        if (dim_ <= 0) throw Error(ErrorCode::InvalidArgument, "index: the model reports dimension " + std::to_string(dim_));
        registerModel();
        index_ = indexes_.open(modelId_);  // the consistency check runs before the work list is made
        loadWorkList();
        report_.setupSeconds = secondsSince(start_);
        const bool cancelled = embedAll();
        const Clock::time_point last = Clock::now();
        if (index_->journalBytes() > kJournalHeaderBytes) index_->snapshot();
        finish();
        report_.commitSeconds += secondsSince(last);
        report_.seconds = secondsSince(start_);
        report_.photosPerSecond = report_.seconds > 0 ? static_cast<double>(report_.embedded) / report_.seconds : 0.0;
        if (cancelled) throw Cancelled();
        return report_;
    }

private:
    void registerModel() {
        modelRow_ = catalog_.write([&](Db& db) {
            std::optional<ModelRow> row = modelIn(db, modelId_);
            if (row && row->dim != dim_)
                throw Error(ErrorCode::InvalidArgument,
                            "model '" + modelId_ + "' was indexed with dimension " + std::to_string(row->dim) +
                                " but now reports " + std::to_string(dim_) + "; remove the model from the library first",
                            {{"name", modelId_}});
            std::int64_t id;
            if (!row) {
                db.prepare("INSERT INTO models(model_id, name, bundle_path, dim, created) VALUES(?, ?, ?, ?, ?)")
                    .bindText(1, modelId_).bindText(2, options_.modelName).bindText(3, options_.bundlePath)
                    .bind(4, dim_).bind(5, nowSeconds()).exec();
                id = db.lastInsertId();
            } else {
                id = row->id;
                if (!options_.bundlePath.empty())
                    db.prepare("UPDATE models SET bundle_path = ? WHERE id = ?").bindText(1, options_.bundlePath).bind(2, id).exec();
                if (!options_.modelName.empty())
                    db.prepare("UPDATE models SET name = ? WHERE id = ?").bindText(1, options_.modelName).bind(2, id).exec();
            }
            if (settingIn(db, kActiveModelKey).empty()) {  // the first model is the active one at once
                setSettingIn(db, kActiveModelKey, modelId_);
                report_.activated = true;
            }
            return id;
        });
    }

    void loadWorkList() {
        static const RowMapper<Todo> rows{{"p.id", &Todo::id}, {"p.path", &Todo::path}};
        todo_ = catalog_.read([&](Db& db) {
            return selectAll(db, rows,
                             "FROM photos p WHERE (p.status = 'ok' OR (? AND p.status = 'error' AND "
                             "p.error_stage IN ('decode', 'embed'))) AND NOT EXISTS "
                             "(SELECT 1 FROM embeddings e WHERE e.photo = p.id AND e.model = ?) ORDER BY p.id",
                             [&](Statement& s) { s.bind(1, options_.retryErrors ? 1 : 0).bind(2, modelRow_); });
        });
    }

    // The embedder's image threads as set() gives them for a scope, then 0 (all) again.
    class ImageThreadsGuard {
    public:
        explicit ImageThreadsGuard(train::Embedder& e) : e_(e) {}
        ~ImageThreadsGuard() { e_.setImageThreads(0); }
        void set(int threads) { e_.setImageThreads(threads); }
        ImageThreadsGuard(const ImageThreadsGuard&) = delete;
        ImageThreadsGuard& operator=(const ImageThreadsGuard&) = delete;

    private:
        train::Embedder& e_;
    };

    // Returns true when cancelled.
    bool embedAll() {
        if (todo_.empty()) return false;
        const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        int threads = options_.decodeThreads > 0 ? options_.decodeThreads : cores;
        // A CPU image tower and the decoders share the cores: half each (bench_vision, 2 AVX2 cores:
        // 1 + 1 threads end to end 50.6 photos/s, 2 + 2 46.3, as the threads' spinning and cache
        // misses of oversubscribed cores cost more than the overlap gains).
        ImageThreadsGuard imageThreads(embedder_);
        if (options_.decodeThreads <= 0 && embedder_.imagesOnCpu() && cores >= 2) {
            threads = cores / 2;
            imageThreads.set(cores - threads);
        }
        threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), todo_.size()));
        const std::size_t capacity = options_.queueSize > 0 ? static_cast<std::size_t>(options_.queueSize) : 2 * batchSize_;
        DecodeQueue queue(todo_, threads, capacity, embedder_.imageSize(), static_cast<std::int64_t>(options_.maxPixels),
                          std::max<std::int64_t>(options_.maxFileBytes, 0), spec_);
        bool cancelled = false;
        for (;;) {
            if (cancel_ && cancel_->load()) {
                cancelled = true;
                break;
            }
            Decoded d;
            DecodeQueue::Pop got = queue.pop(d, std::chrono::milliseconds(0));
            if (got == DecodeQueue::Pop::Timeout) {
                const Clock::time_point t = Clock::now();
                if (queue.decodeHere(d)) {
                    got = DecodeQueue::Pop::Item;
                    report_.decodeSeconds += secondsSince(t);
                } else {
                    got = queue.pop(d, kIndexCancelPoll);
                    report_.waitSeconds += secondsSince(t);
                }
            }
            if (got == DecodeQueue::Pop::Finished) break;
            if (got == DecodeQueue::Pop::Timeout) continue;
            if (!d.error.empty()) {
                failures_.push_back({d.id, "decode", std::move(d.error)});
            } else if (spec_ && d.input.size() != inputFloats_) {
                failures_.push_back({d.id, "decode", "the image could not be prepared for the model"});
            } else {
                batchIds_.push_back(d.id);
                if (spec_) {
                    batchInputs_.insert(batchInputs_.end(), d.input.begin(), d.input.end());
                } else {
                    batchImages_.push_back(std::move(d.image));
                }
                // The model takes images as soon as it has its own batch, not only at a commit: no
                // waiting for a whole commit batch to be decoded at the start.
                if (pending() >= encodeBatch_) encodePending();
            }
            if (batchIds_.size() >= batchSize_ || failures_.size() >= batchSize_) flush();
        }
        queue.stop();
        if (!batchIds_.empty() || !failures_.empty()) flush();
        return cancelled;
    }

    std::size_t pending() const { return spec_ ? batchInputs_.size() / inputFloats_ : batchImages_.size(); }

    // Encodes the images not encoded yet (the last pending() of batchIds_) onto vecs_.
    void encodePending() {
        const std::size_t n = pending();
        if (n == 0) return;
        const auto dim = static_cast<std::size_t>(dim_);
        const Clock::time_point t = Clock::now();
        std::vector<float> v = spec_ ? embedder_.encodePreprocessed(batchInputs_.data(), n) : embedder_.encodeImages(batchImages_);
        report_.encodeSeconds += secondsSince(t);
        if (v.size() != n * dim)
            throw Error("index: the model returned " + std::to_string(v.size()) + " numbers for " + std::to_string(n) +
                        " images of dimension " + std::to_string(dim_));
        vecs_.insert(vecs_.end(), v.begin(), v.end());
        batchImages_.clear();
        batchInputs_.clear();
    }

    // Embeds what is left of the batch, adds the vectors to the index, then commits the batch to the catalog.
    void flush() {
        std::vector<bool> rowOk;
        const auto dim = static_cast<std::size_t>(dim_);
        encodePending();
        const Clock::time_point committing = Clock::now();
        std::vector<float> vecs = std::move(vecs_);  // one row per batchIds_ entry (encodePending checks)
        vecs_.clear();
        if (!batchIds_.empty()) normaliseRows(vecs.data(), batchIds_.size(), dim_, &rowOk);
        std::vector<std::int64_t> labels;  // label = photo id
        std::vector<float> good;
        for (std::size_t i = 0; i < batchIds_.size(); ++i) {
            if (!rowOk[i]) {
                failures_.push_back({batchIds_[i], "embed", "the model gave a zero or non-finite vector"});
                continue;
            }
            labels.push_back(batchIds_[i]);
            good.insert(good.end(), vecs.begin() + static_cast<std::ptrdiff_t>(i * dim),
                        vecs.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim));
        }
        // 1. the vectors reach the disk (journal, fsync'ed); 2. the catalog says so, in one transaction.
        if (!labels.empty()) index_->add(labels, good.data());
        catalog_.write([&](Db& db) {
            for (auto label : labels)
                db.prepare("INSERT OR REPLACE INTO embeddings(photo, model, label, hash, embedded) "
                           "VALUES(?, ?, ?, (SELECT hash FROM photos WHERE id = ?), ?)")
                    .bind(1, label).bind(2, modelRow_).bind(3, label).bind(4, label).bind(5, nowSeconds()).exec();
            for (const auto& f : failures_)
                db.prepare("UPDATE photos SET status = 'error', error_stage = ?, error = ?, updated = ? WHERE id = ?")
                    .bindText(1, f.stage).bindText(2, f.message).bind(3, nowSeconds()).bind(4, f.photo).exec();
        });
        report_.embedded += labels.size();
        report_.failed += failures_.size();
        done_ += labels.size() + failures_.size();
        batchIds_.clear();
        batchImages_.clear();
        batchInputs_.clear();
        failures_.clear();
        if (secondsSince(lastSnapshot_) >= options_.snapshotSeconds) {
            index_->snapshot();
            lastSnapshot_ = Clock::now();
        }
        report_.commitSeconds += secondsSince(committing);
        reportProgress();
    }

    void reportProgress() {
        if (!progress_) return;
        Progress p = jobProgress("index", done_, todo_.size(), start_);
        p.message = std::to_string(report_.embedded) + " embedded, " + std::to_string(report_.failed) + " failed";
        progress_(p);
    }

    // What is left, and the model becomes the active one once it has embedded every readable photo.
    void finish() {
        catalog_.write([&](Db& db) {
            Statement s = db.prepare(
                "SELECT count(*) FROM photos p WHERE p.status = 'ok' AND NOT EXISTS "
                "(SELECT 1 FROM embeddings e WHERE e.photo = p.id AND e.model = ?)");
            s.bind(1, modelRow_);
            report_.remaining = s.step() ? static_cast<std::size_t>(s.i64(0)) : 0;
            report_.complete = report_.remaining == 0;
            if (report_.complete && options_.makeActive && settingIn(db, kActiveModelKey) != modelId_) {
                setSettingIn(db, kActiveModelKey, modelId_);
                report_.activated = true;
            }
        });
    }

    struct Failure {
        PhotoId photo;
        std::string stage;  // "decode" or "embed"
        std::string message;
    };

    Catalog& catalog_;
    IndexRegistry& indexes_;
    train::Embedder& embedder_;
    const IndexOptions& options_;
    const ProgressFn& progress_;
    const CancelFlag* cancel_;
    const std::string modelId_;
    const int dim_;
    const std::size_t batchSize_;
    const std::optional<vision::PreprocessSpec> spec_;  // set: decoders preprocess, the model takes floats
    std::size_t inputFloats_ = 0;                       // floats per preprocessed image
    std::size_t encodeBatch_ = 1;  // images per encodeImages call (the embedder's batch, at most batchSize_)
    std::vector<float> vecs_;      // vectors of the batch's first photos, encoded ahead of the commit
    const Clock::time_point start_ = Clock::now();

    IndexReport report_;
    std::int64_t modelRow_ = 0;
    std::shared_ptr<VectorIndex> index_;
    std::vector<Todo> todo_;
    std::vector<PhotoId> batchIds_;
    std::vector<vision::Image> batchImages_;  // not encoded yet (without spec_)
    std::vector<float> batchInputs_;          // not encoded yet (with spec_): inputFloats_ per image
    std::vector<Failure> failures_;
    std::size_t done_ = 0;
    Clock::time_point lastSnapshot_ = Clock::now();
};

}  // namespace

IndexReport runIndexing(Catalog& catalog, IndexRegistry& indexes, train::Embedder& embedder,
                        const IndexOptions& options, const ProgressFn& progress, const CancelFlag* cancel) {
    return IndexJob(catalog, indexes, embedder, options, progress, cancel).run();
}

}  // namespace lowclip::library
