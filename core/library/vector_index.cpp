// The only translation unit that includes hnswlib (its header defines non-inline functions).
#include "core/library/vector_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "core/error.h"
#include "core/library/fs_util.h"
#include "core/util/atomic_file.h"
#include "core/util/fault_injection.h"

namespace lowclip::library {

using Hnsw = hnswlib::HierarchicalNSW<float>;

namespace {

constexpr char kJournalMagic[4] = {'L', 'C', 'V', 'J'};
constexpr std::uint32_t kJournalVersion = 1;
constexpr std::size_t kJournalHeader = kJournalHeaderBytes;
enum : std::uint8_t { kRecAdd = 1, kRecDelete = 2 };

// hnswlib 0.6.2 snapshot header, as written by HierarchicalNSW::saveIndex.
struct SnapshotHeader {
    std::size_t offsetLevel0, maxElements, count, sizeDataPerElement, labelOffset, offsetData;
    int maxLevel;
    unsigned enterPoint;
    std::size_t maxM, maxM0, M;
    double mult;
    std::size_t efConstruction;
};

template <class T>
bool readPod(std::ifstream& in, T& v) {
    in.read(reinterpret_cast<char*>(&v), sizeof(T));
    return static_cast<bool>(in);
}

SnapshotHeader readSnapshotHeader(const std::string& path, int dim, std::int64_t fileBytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open vector index " + path);
    SnapshotHeader h{};
    bool ok = readPod(in, h.offsetLevel0) && readPod(in, h.maxElements) && readPod(in, h.count) &&
              readPod(in, h.sizeDataPerElement) && readPod(in, h.labelOffset) && readPod(in, h.offsetData) &&
              readPod(in, h.maxLevel) && readPod(in, h.enterPoint) && readPod(in, h.maxM) && readPod(in, h.maxM0) &&
              readPod(in, h.M) && readPod(in, h.mult) && readPod(in, h.efConstruction);
    if (!ok) throw Error("vector index " + path + " is truncated (no complete header)");
    // hnswlib writes offsetLevel0 = 0 and mult = 1 / ln(M); it trusts both when it loads (the first
    // addresses every element, the second draws the levels of new elements).
    const double mult = 1.0 / std::log(static_cast<double>(std::max<std::size_t>(h.M, 2)));
    if (h.M < 2 || h.M > 10000 || h.maxM0 != 2 * h.M || h.maxM != h.M || h.offsetLevel0 != 0 ||
        !(std::fabs(h.mult - mult) <= 1e-9 * mult) || h.efConstruction < 1 || h.efConstruction > 100000)
        throw Error("vector index " + path + " is corrupt (bad graph parameters)");
    std::size_t links0 = h.maxM0 * sizeof(unsigned) + sizeof(unsigned);
    std::size_t dataBytes = h.sizeDataPerElement - links0 - sizeof(hnswlib::labeltype);
    if (h.offsetData != links0 || h.sizeDataPerElement <= links0 + sizeof(hnswlib::labeltype) ||
        h.labelOffset != links0 + dataBytes || dataBytes % sizeof(float) != 0)
        throw Error("vector index " + path + " is corrupt (bad record layout)");
    if (static_cast<int>(dataBytes / sizeof(float)) != dim)
        throw Error("vector index " + path + " holds " + std::to_string(dataBytes / sizeof(float)) +
                    "-dimensional vectors but the model gives " + std::to_string(dim) + "-dimensional ones");
    if (h.count > static_cast<std::size_t>(fileBytes) / h.sizeDataPerElement || h.count > 0xFFFFFFF0u)
        throw Error("vector index " + path + " is truncated or corrupt (element count does not fit the file)");
    if (h.count > 0 && h.enterPoint >= h.count)
        throw Error("vector index " + path + " is corrupt (entry point out of range)");
    return h;
}

// How far the squared length of a stored vector may be from 1 (float32 rounding of a normalised vector
// stays below 1e-6); farther means the file was not written by us.
constexpr double kUnitTolerance = 1e-3;

// The graph levels hnswlib draws (about log_M(n)) stay far below this; a larger level is corruption.
constexpr int kMaxGraphLevel = 64;

// Checks what hnswlib's loader takes on trust, so that a search can never read outside the graph:
// every element's level and link lists, every neighbour id and level, the entry point, distinct
// labels, finite vectors. Throws lowclip::Error naming the file.
void validateGraph(const Hnsw& h, const std::string& path, int dim) {
    auto corrupt = [&](const std::string& what) {
        return Error(ErrorCode::InvalidFile, "vector index " + path + " is corrupt (" + what + ")",
                     {{"path", path}, {"reason", what}});
    };
    const std::size_t n = h.cur_element_count;
    if (h.maxlevel_ < (n ? 0 : -1) || h.maxlevel_ > kMaxGraphLevel) throw corrupt("bad top level " + std::to_string(h.maxlevel_));
    if (n == 0) return;
    if (h.enterpoint_node_ >= n) throw corrupt("entry point out of range");
    if (h.element_levels_[h.enterpoint_node_] != h.maxlevel_) throw corrupt("the entry point is not on the top level");
    std::unordered_map<hnswlib::labeltype, std::size_t> seen;
    seen.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto id = static_cast<hnswlib::tableint>(i);
        const int level = h.element_levels_[i];
        if (level < 0 || level > h.maxlevel_) throw corrupt("element " + std::to_string(i) + " has a bad level");
        if (level > 0 && (h.linkLists_[i] == nullptr)) throw corrupt("element " + std::to_string(i) + " lacks its links");
        for (int l = 0; l <= level; ++l) {
            hnswlib::linklistsizeint* list = l == 0 ? h.get_linklist0(id) : h.get_linklist(id, l);
            const std::size_t count = h.getListCount(list);
            if (count > (l == 0 ? h.maxM0_ : h.maxM_)) throw corrupt("element " + std::to_string(i) + " has too many links");
            const auto* links = reinterpret_cast<const hnswlib::tableint*>(list + 1);
            for (std::size_t k = 0; k < count; ++k)
                if (links[k] >= n || h.element_levels_[links[k]] < l)
                    throw corrupt("element " + std::to_string(i) + " links to a missing element");
        }
        const auto* v = reinterpret_cast<const float*>(h.getDataByInternalId(id));
        double norm = 0.0;
        for (int j = 0; j < dim; ++j) {
            if (!std::isfinite(v[j])) throw corrupt("element " + std::to_string(i) + " has a vector that is not finite");
            norm += double(v[j]) * v[j];
        }
        // Every vector is stored L2-normalised (scores are cosines in [-1, 1]).
        if (!(std::fabs(norm - 1.0) <= kUnitTolerance))
            throw corrupt("element " + std::to_string(i) + " has a vector that is not of unit length");
        if (!seen.emplace(h.getExternalLabel(id), i).second) throw corrupt("a label appears twice");
    }
}

std::string errnoText() { return std::strerror(errno); }

void writeAll(int fd, const char* data, std::size_t size, const std::string& what) {
    while (size) {
        ssize_t n = util::faultableWrite(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error("cannot write " + what + ": " + errnoText());
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

}  // namespace

bool normaliseRows(float* data, std::size_t n, int dim, std::vector<bool>* rowOk) {
    bool all = true;
    if (rowOk) rowOk->assign(n, true);
    for (std::size_t r = 0; r < n; ++r) {
        float* row = data + r * static_cast<std::size_t>(dim);
        double s = 0.0;
        bool finite = true;
        for (int i = 0; i < dim; ++i) {
            if (!std::isfinite(row[i])) finite = false;
            s += static_cast<double>(row[i]) * row[i];
        }
        if (!finite || s <= 0.0 || !std::isfinite(s)) {
            all = false;
            if (rowOk) (*rowOk)[r] = false;
            continue;
        }
        float inv = static_cast<float>(1.0 / std::sqrt(s));
        for (int i = 0; i < dim; ++i) row[i] *= inv;
    }
    return all;
}

struct VectorIndex::Impl {
    int dim;
    HnswParams params;
    std::unique_ptr<hnswlib::InnerProductSpace> space;
    std::unique_ptr<Hnsw> h;
    std::string base;  // empty: in memory only
    bool writable = false;
    int journalFd = -1;
    std::size_t journalSize = 0;
    bool journalDropped = false;  // the journal found on open was damaged and not replayed
    std::string journalProblem;
    mutable std::shared_mutex mu;

    Impl(int d, HnswParams p) : dim(d), params(p), space(std::make_unique<hnswlib::InnerProductSpace>(d)) {}
    ~Impl() {
        if (journalFd >= 0) ::close(journalFd);
    }

    std::string snapshotPath() const { return base + ".hnsw"; }
    std::string journalPath() const { return base + ".journal"; }

    void fresh(std::size_t capacity) {
        h = std::make_unique<Hnsw>(space.get(), std::max<std::size_t>(capacity, 16), params.M, params.efConstruction);
        h->setEf(1);  // breadth is passed per query as k (see search())
    }

    bool isDeleted(hnswlib::tableint id) const { return h->isMarkedDeleted(id); }

    // Internal id of a live label, or -1.
    long long liveId(std::int64_t label) const {
        auto it = h->label_lookup_.find(static_cast<hnswlib::labeltype>(label));
        if (it == h->label_lookup_.end() || isDeleted(it->second)) return -1;
        return it->second;
    }

    void loadSnapshot(const std::string& path) {
        std::int64_t bytes = fileSize(path);
        SnapshotHeader hdr = readSnapshotHeader(path, dim, bytes);
        auto* raw = new Hnsw(space.get());  // the loading constructor path leaves these uninitialised
        raw->num_deleted_ = 0;
        raw->cur_element_count = 0;
        raw->data_level0_memory_ = nullptr;
        raw->linkLists_ = nullptr;
        raw->visited_list_pool_ = nullptr;
        raw->metric_distance_computations = 0;
        raw->metric_hops = 0;
        try {
            raw->loadIndex(path, space.get(), std::max(hdr.count + 64, params.initialCapacity));
        } catch (const std::bad_alloc&) {
            raw->cur_element_count = 0;  // the destructor would otherwise walk half-read tables
            delete raw;
            throw Error(ErrorCode::InvalidFile, "vector index " + path + " is too large for the memory available",
                        {{"path", path}, {"reason", "out of memory"}});
        } catch (const std::exception& e) {
            raw->cur_element_count = 0;
            delete raw;
            throw Error(ErrorCode::InvalidFile, "vector index " + path + " is corrupt: " + e.what(),
                        {{"path", path}, {"reason", e.what()}});
        }
        try {
            validateGraph(*raw, path, dim);
        } catch (...) {
            delete raw;  // fully loaded: its tables are consistent enough to free
            throw;
        }
        h.reset(raw);
        h->setEf(1);
    }

    void ensureCapacity(std::size_t extra) {
        std::size_t need = h->cur_element_count + extra;
        if (need <= h->max_elements_) return;
        h->resizeIndex(std::max(need, h->max_elements_ * 2));
    }

    void addPoints(const std::vector<std::int64_t>& labels, const float* vectors, int threads) {
        std::size_t n = labels.size();
        std::size_t extra = 0;
        for (auto l : labels)
            if (!h->label_lookup_.count(static_cast<hnswlib::labeltype>(l))) ++extra;
        ensureCapacity(extra);
        auto addOne = [&](std::size_t i) {
            h->addPoint(vectors + i * static_cast<std::size_t>(dim), static_cast<hnswlib::labeltype>(labels[i]));
        };
        if (threads <= 1 || n < 64) {
            for (std::size_t i = 0; i < n; ++i) addOne(i);
            return;
        }
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> pool;
        std::exception_ptr failure;
        std::mutex failMu;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&] {
                try {
                    for (std::size_t i = next++; i < n; i = next++) addOne(i);
                } catch (...) {
                    std::lock_guard<std::mutex> g(failMu);
                    failure = std::current_exception();
                    next = n;
                }
            });
        }
        for (auto& th : pool) th.join();
        if (failure) std::rethrow_exception(failure);
    }

    void removeLabels(const std::vector<std::int64_t>& labels) {
        for (auto l : labels)
            if (liveId(l) >= 0) h->markDelete(static_cast<hnswlib::labeltype>(l));
    }

    // --- journal -------------------------------------------------------------------------
    static void appendRecord(std::string& buf, std::uint8_t type, std::int64_t label, const float* v, int dim) {
        std::size_t start = buf.size();
        buf.push_back(static_cast<char>(type));
        buf.append(reinterpret_cast<const char*>(&label), sizeof(label));
        if (type == kRecAdd) buf.append(reinterpret_cast<const char*>(v), sizeof(float) * static_cast<std::size_t>(dim));
        std::uint64_t sum = hashBytes(buf.data() + start, buf.size() - start);
        buf.append(reinterpret_cast<const char*>(&sum), sizeof(sum));
    }

    void writeJournal(const std::string& records) {
        if (journalFd < 0 || records.empty()) return;
        writeAll(journalFd, records.data(), records.size(), journalPath());
        if (util::faultableFdatasync(journalFd) != 0) throw Error("cannot flush " + journalPath() + " to disk: " + errnoText());
        journalSize += records.size();
    }

    std::string journalHeader() const {
        std::string hdr(kJournalMagic, 4);
        hdr.append(reinterpret_cast<const char*>(&kJournalVersion), 4);
        std::uint32_t d = static_cast<std::uint32_t>(dim);
        hdr.append(reinterpret_cast<const char*>(&d), 4);
        return hdr;
    }

    void openJournalForAppend() {
        if (journalFd >= 0) ::close(journalFd);
        journalFd = ::open(journalPath().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (journalFd < 0) throw Error("cannot open " + journalPath() + " for writing: " + errnoText());
        journalSize = static_cast<std::size_t>(std::max<std::int64_t>(fileSize(journalPath()), 0));
    }

    void resetJournal() {
        util::writeFileAtomically(journalPath(), journalHeader());
        openJournalForAppend();
    }

    // Replays the journal, record by record; returns the number of records applied. Truncates a
    // torn tail when writable. A journal that is not one of ours (bad header, another version or
    // dimension) is set aside as ".corrupt" when writable and ignored otherwise: the snapshot stays,
    // and the catalog check sends the vectors it held back to be embedded.
    std::size_t replayJournal() {
        std::ifstream in(journalPath(), std::ios::binary);
        if (!in) return 0;
        char header[kJournalHeader];
        in.read(header, static_cast<std::streamsize>(kJournalHeader));
        const std::size_t got = static_cast<std::size_t>(in.gcount());
        if (got == 0) return 0;  // empty: rewritten when writable
        std::uint32_t version = 0, d = 0;
        if (got == kJournalHeader) {
            std::memcpy(&version, header + 4, 4);
            std::memcpy(&d, header + 8, 4);
        }
        if (got < kJournalHeader || std::memcmp(header, kJournalMagic, 4) != 0 || version != kJournalVersion ||
            static_cast<int>(d) != dim) {
            in.close();
            dropJournal(got < kJournalHeader || std::memcmp(header, kJournalMagic, 4) != 0
                            ? "not a LowCLIP journal"
                            : "version " + std::to_string(version) + " and dimension " + std::to_string(d) +
                                  " where " + std::to_string(kJournalVersion) + " and " + std::to_string(dim) +
                                  " were expected");
            return 0;
        }
        std::size_t pos = kJournalHeader, applied = 0;
        const std::size_t addSize = 1 + 8 + sizeof(float) * static_cast<std::size_t>(dim) + 8;
        const std::size_t delSize = 1 + 8 + 8;
        std::vector<char> rec(addSize);
        std::vector<float> v(static_cast<std::size_t>(dim));
        bool torn = false;
        for (;;) {
            in.read(rec.data(), 1);
            if (in.gcount() == 0) break;
            const std::uint8_t type = static_cast<std::uint8_t>(rec[0]);
            const std::size_t size = type == kRecAdd ? addSize : type == kRecDelete ? delSize : 0;
            if (!size) {
                torn = true;
                break;
            }
            in.read(rec.data() + 1, static_cast<std::streamsize>(size - 1));
            if (static_cast<std::size_t>(in.gcount()) != size - 1) {
                torn = true;
                break;
            }
            std::uint64_t sum;
            std::memcpy(&sum, rec.data() + size - 8, 8);
            if (hashBytes(rec.data(), size - 8) != sum) {
                torn = true;
                break;
            }
            std::int64_t label;
            std::memcpy(&label, rec.data() + 1, 8);
            if (type == kRecAdd) {
                std::memcpy(v.data(), rec.data() + 9, sizeof(float) * v.size());
                long long id = liveId(label);
                bool same = id >= 0 && std::memcmp(h->getDataByInternalId(static_cast<hnswlib::tableint>(id)),
                                                   v.data(), sizeof(float) * v.size()) == 0;
                if (!same) {
                    double norm = 0.0;
                    for (float x : v) norm += std::isfinite(x) ? double(x) * x : -1e300;
                    if (!(std::fabs(norm - 1.0) <= kUnitTolerance)) {  // checksummed yet not normalised, so not ours: stop here
                        torn = true;
                        break;
                    }
                    addPoints({label}, v.data(), 1);
                }
            } else {
                removeLabels({label});
            }
            ++applied;
            pos += size;
        }
        in.close();
        if (torn && writable) {
            // A crash in the middle of an append: drop the torn tail so new records follow good ones.
            const int rc = util::faultPoint(util::FaultKind::Write) ? (errno = EIO, -1)
                                                                    : ::truncate(journalPath().c_str(), static_cast<off_t>(pos));
            if (rc != 0)
                throw Error(ErrorCode::Io, "cannot repair " + journalPath() + ": " + errnoText(),
                            {{"path", journalPath()}, {"reason", errnoText()}});
        }
        return applied;
    }

    // A damaged journal: kept aside for inspection (writable) and not replayed.
    void dropJournal(const std::string& why) {
        journalDropped = true;
        journalProblem = why;
        if (!writable) return;
        const std::string aside = journalPath() + ".corrupt";
        if (util::faultableRename(journalPath().c_str(), aside.c_str()) != 0)
            throw Error(ErrorCode::Io, "cannot set aside the damaged journal " + journalPath() + ": " + errnoText(),
                        {{"path", journalPath()}, {"reason", errnoText()}});
    }

    std::size_t snapshotBytesExpected() const {
        std::size_t bytes = 8 * 6 + 4 + 4 + 8 * 3 + 8 + 8;
        bytes += h->cur_element_count * h->size_data_per_element_;
        for (std::size_t i = 0; i < h->cur_element_count; ++i) {
            bytes += sizeof(unsigned);
            if (h->element_levels_[i] > 0)
                bytes += h->size_links_per_element_ * static_cast<std::size_t>(h->element_levels_[i]);
        }
        return bytes;
    }

    void saveSnapshot(const std::string& path) const {
        util::AtomicFileWriter out(path);
        if (util::faultPoint(util::FaultKind::Write))
            throw Error(ErrorCode::Io, "cannot write vector index " + path + ": " + std::strerror(EIO),
                        {{"path", path}, {"reason", std::strerror(EIO)}});
        h->saveIndex(out.tempPath());  // hnswlib does not report write errors: check the size below
        std::int64_t got = fileSize(out.tempPath());
        if (got < 0 || static_cast<std::size_t>(got) != snapshotBytesExpected())
            throw Error(ErrorCode::Io,
                        "cannot write vector index " + path + " (disk full?): wrote " + std::to_string(got) + " of " +
                            std::to_string(snapshotBytesExpected()) + " bytes",
                        {{"path", path}, {"reason", "short write"}});
        out.commit();
    }
};

VectorIndex::VectorIndex(int dim, HnswParams params) : d(std::make_unique<Impl>(dim, params)) {
    if (dim <= 0) throw Error("vector index: dimension must be positive, got " + std::to_string(dim));
    d->fresh(params.initialCapacity);
}

VectorIndex::~VectorIndex() = default;

std::unique_ptr<VectorIndex> VectorIndex::open(const std::string& base, int dim, bool writable, HnswParams params,
                                               std::size_t* journalRecords) {
    auto idx = std::make_unique<VectorIndex>(dim, params);
    Impl& m = *idx->d;
    m.base = base;
    m.writable = writable;
    if (pathExists(m.snapshotPath())) m.loadSnapshot(m.snapshotPath());
    std::size_t replayed = m.replayJournal();
    if (journalRecords) *journalRecords = replayed;
    if (writable) {
        if (!pathExists(m.journalPath()) || fileSize(m.journalPath()) < static_cast<std::int64_t>(kJournalHeader))
            m.resetJournal();
        else
            m.openJournalForAppend();
    }
    return idx;
}

int VectorIndex::dim() const { return d->dim; }

std::size_t VectorIndex::size() const {
    std::shared_lock<std::shared_mutex> g(d->mu);
    return d->h->cur_element_count - d->h->num_deleted_;
}

std::size_t VectorIndex::deletedCount() const {
    std::shared_lock<std::shared_mutex> g(d->mu);
    return d->h->num_deleted_;
}

std::size_t VectorIndex::capacity() const {
    std::shared_lock<std::shared_mutex> g(d->mu);
    return d->h->max_elements_;
}

std::size_t VectorIndex::memoryBytes() const {
    std::shared_lock<std::shared_mutex> g(d->mu);
    const Hnsw& h = *d->h;
    std::size_t bytes = h.max_elements_ * h.size_data_per_element_;   // level 0: links, vector, label
    bytes += h.max_elements_ * (sizeof(void*) + sizeof(int) + sizeof(std::mutex));  // linkLists_, levels, locks
    for (std::size_t i = 0; i < h.cur_element_count; ++i)
        if (h.element_levels_[i] > 0) bytes += h.size_links_per_element_ * static_cast<std::size_t>(h.element_levels_[i]);
    bytes += h.label_lookup_.size() * 32 + h.label_lookup_.bucket_count() * sizeof(void*);
    bytes += h.max_elements_ * sizeof(unsigned short);  // visited list
    return bytes;
}

void VectorIndex::add(const std::vector<std::int64_t>& labels, const float* vectors, int threads) {
    if (labels.empty()) return;
    std::size_t n = labels.size();
    std::vector<float> v(vectors, vectors + n * static_cast<std::size_t>(d->dim));
    std::vector<bool> ok;
    if (!normaliseRows(v.data(), n, d->dim, &ok))
        throw Error("vector index: a vector is zero or not finite (label " +
                    std::to_string(labels[static_cast<std::size_t>(std::find(ok.begin(), ok.end(), false) - ok.begin())]) + ")");
    // The same label twice in one call: keep the last vector.
    std::vector<std::int64_t> ls;
    std::vector<float> vs;
    {
        std::unordered_map<std::int64_t, std::size_t> last;
        for (std::size_t i = 0; i < n; ++i) last[labels[i]] = i;
        if (last.size() != n) {
            for (std::size_t i = 0; i < n; ++i) {
                if (last[labels[i]] != i) continue;
                ls.push_back(labels[i]);
                vs.insert(vs.end(), v.begin() + static_cast<std::ptrdiff_t>(i * d->dim),
                          v.begin() + static_cast<std::ptrdiff_t>((i + 1) * d->dim));
            }
        } else {
            ls = labels;
            vs = std::move(v);
        }
    }
    std::unique_lock<std::shared_mutex> g(d->mu);
    if (d->journalFd >= 0) {
        std::string rec;
        rec.reserve(ls.size() * (17 + sizeof(float) * d->dim));
        for (std::size_t i = 0; i < ls.size(); ++i)
            Impl::appendRecord(rec, kRecAdd, ls[i], vs.data() + i * static_cast<std::size_t>(d->dim), d->dim);
        d->writeJournal(rec);
    }
    d->addPoints(ls, vs.data(), threads);
}

void VectorIndex::remove(const std::vector<std::int64_t>& labels) {
    std::unique_lock<std::shared_mutex> g(d->mu);
    std::vector<std::int64_t> live;
    for (auto l : labels)
        if (d->liveId(l) >= 0) live.push_back(l);
    if (live.empty()) return;
    if (d->journalFd >= 0) {
        std::string rec;
        for (auto l : live) Impl::appendRecord(rec, kRecDelete, l, nullptr, d->dim);
        d->writeJournal(rec);
    }
    d->removeLabels(live);
}

bool VectorIndex::contains(std::int64_t label) const {
    std::shared_lock<std::shared_mutex> g(d->mu);
    return d->liveId(label) >= 0;
}

std::vector<float> VectorIndex::vector(std::int64_t label) const {
    std::shared_lock<std::shared_mutex> g(d->mu);
    long long id = d->liveId(label);
    if (id < 0) return {};
    const auto* p = reinterpret_cast<const float*>(d->h->getDataByInternalId(static_cast<hnswlib::tableint>(id)));
    return std::vector<float>(p, p + d->dim);
}

std::vector<std::int64_t> VectorIndex::labels() const {
    std::shared_lock<std::shared_mutex> g(d->mu);
    std::vector<std::int64_t> out;
    out.reserve(d->h->label_lookup_.size());
    for (const auto& [label, id] : d->h->label_lookup_)
        if (!d->isDeleted(id)) out.push_back(static_cast<std::int64_t>(label));
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::pair<std::int64_t, float>> VectorIndex::search(const float* query, std::size_t k, std::size_t ef) const {
    std::vector<std::pair<std::int64_t, float>> out;
    if (k == 0) return out;
    std::vector<float> q(query, query + d->dim);
    if (!normaliseRows(q.data(), 1, d->dim)) throw Error("search: the query vector is zero or not finite");
    std::shared_lock<std::shared_mutex> g(d->mu);
    if (d->h->cur_element_count == 0) return out;
    // hnswlib searches with breadth max(ef_, k); ef_ is kept at 1 so the breadth is chosen per query
    // without touching shared state: ask for max(k, ef) and keep the best k.
    std::size_t breadth = std::max(k, ef ? ef : d->params.efSearch);
    auto pq = d->h->searchKnn(q.data(), breadth);
    out.resize(pq.size());
    for (std::size_t i = pq.size(); i-- > 0;) {
        out[i] = {static_cast<std::int64_t>(pq.top().second), 1.0f - pq.top().first};
        pq.pop();
    }
    if (out.size() > k) out.resize(k);
    return out;
}

std::vector<std::pair<std::int64_t, float>> VectorIndex::scoreLabels(const float* query,
                                                                     const std::vector<std::int64_t>& labels,
                                                                     std::size_t k) const {
    std::vector<float> q(query, query + d->dim);
    if (!normaliseRows(q.data(), 1, d->dim)) throw Error("search: the query vector is zero or not finite");
    std::vector<std::pair<std::int64_t, float>> out;
    std::shared_lock<std::shared_mutex> g(d->mu);
    auto dist = d->h->fstdistfunc_;
    for (auto l : labels) {
        long long id = d->liveId(l);
        if (id < 0) continue;
        float dd = dist(q.data(), d->h->getDataByInternalId(static_cast<hnswlib::tableint>(id)), d->h->dist_func_param_);
        out.emplace_back(l, 1.0f - dd);
    }
    auto better = [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); };
    if (out.size() > k) {
        std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(), better);
        out.resize(k);
    } else {
        std::sort(out.begin(), out.end(), better);
    }
    return out;
}

void VectorIndex::snapshot() {
    if (d->base.empty() || !d->writable) throw Error("vector index: snapshot needs a writable, file-backed index");
    std::unique_lock<std::shared_mutex> g(d->mu);
    d->saveSnapshot(d->snapshotPath());
    d->resetJournal();
}

void VectorIndex::compact() {
    {
        std::unique_lock<std::shared_mutex> g(d->mu);
        std::vector<std::int64_t> ls;
        std::vector<float> vs;
        for (const auto& [label, id] : d->h->label_lookup_) {
            if (d->isDeleted(id)) continue;
            ls.push_back(static_cast<std::int64_t>(label));
        }
        std::sort(ls.begin(), ls.end());
        vs.reserve(ls.size() * static_cast<std::size_t>(d->dim));
        for (auto l : ls) {
            const auto* p = reinterpret_cast<const float*>(d->h->getDataByInternalId(d->h->label_lookup_.at(static_cast<hnswlib::labeltype>(l))));
            vs.insert(vs.end(), p, p + d->dim);
        }
        auto old = std::move(d->h);
        try {
            d->fresh(std::max(ls.size() + ls.size() / 4, d->params.initialCapacity));
            d->addPoints(ls, vs.data(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
        } catch (...) {
            d->h = std::move(old);
            throw;
        }
    }
    if (!d->base.empty() && d->writable) snapshot();
}

void VectorIndex::saveTo(const std::string& path) const {
    std::shared_lock<std::shared_mutex> g(d->mu);
    d->saveSnapshot(path);
}

std::size_t VectorIndex::journalBytes() const {
    std::shared_lock<std::shared_mutex> g(d->mu);
    return d->journalSize;
}

bool VectorIndex::fileBacked() const { return !d->base.empty(); }

bool VectorIndex::journalDropped() const { return d->journalDropped; }

}  // namespace lowclip::library
