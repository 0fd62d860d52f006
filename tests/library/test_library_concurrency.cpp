// One Library object used from several threads: searches, listings and edits run while index()
// and scan() work, and neither waits for the other's batches.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.h"
#include "core/library/fs_util.h"
#include "core/library/library.h"
#include "tests/library/library_test_support.h"
#include "tests/support/testing.h"

using namespace lowclip::library;
using namespace lowclip::library::testsupport;

namespace {

void writePhotos(const std::string& dir, int n, int first = 0) {
    makeDirs(dir);
    for (int i = first; i < first + n; ++i)
        writeImage(dir + "/p" + std::to_string(i) + ".png", (i * 37) % 256, (i * 91) % 256, (i * 53) % 256, 16, 16);
}

}  // namespace

TEST_CASE("searches run on several threads while index() runs, and both finish correctly") {
    const std::string tmp = lowclip::testing::makeTempDir();
    const int n = 160;
    writePhotos(tmp + "/photos", n);
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(tmp + "/photos");
    REQUIRE(lib->scan().added == std::size_t(n));

    // A first model, so that searches have an index from the start.
    ColourEmbedder first("colour-v1");
    IndexOptions fast;
    fast.decodeThreads = 2;
    fast.batchSize = 4;
    fast.snapshotSeconds = 0.05;
    REQUIRE(lib->index(first, fast).embedded == std::size_t(n));

    // The second model indexes slowly (20 ms a batch of 4); three threads search both models and
    // one adds captions until it is done.
    ColourEmbedder second("colour-v2", 20);
    std::atomic<bool> indexing{true};
    std::atomic<int> searchesDuring{0}, partialSeen{0}, failures{0};
    std::mutex logMu;
    auto fail = [&](const std::string& what) {
        std::lock_guard<std::mutex> g(logMu);
        std::cerr << "  " << what << "\n";
        ++failures;
    };
    std::vector<std::thread> readers;
    for (int t = 0; t < 3; ++t) {
        readers.emplace_back([&, t] {
            ColourEmbedder texts1("colour-v1"), texts2("colour-v2");
            std::size_t lastSecond = 0;
            const char* words[] = {"qırmızı", "yaşıl", "mavi"};
            for (int i = 0; indexing; ++i) {
                try {
                    SearchOptions all;
                    all.k = 1000;
                    auto r1 = lib->search(texts1, words[(i + t) % 3], all);
                    std::set<PhotoId> ids;
                    for (const auto& r : r1) ids.insert(r.photo.id);
                    if (r1.size() != std::size_t(n) || ids.size() != r1.size())
                        fail("first model: " + std::to_string(r1.size()) + " results, " + std::to_string(ids.size()) + " distinct");
                    for (std::size_t k = 1; k < r1.size(); ++k)
                        if (r1[k - 1].score < r1[k].score) fail("first model: results out of order");
                    // The model being indexed: what it has committed so far, never less than before.
                    std::vector<SearchResult> r2;
                    try {
                        r2 = lib->search(texts2, words[i % 3], all);
                    } catch (const lowclip::Error& e) {
                        if (e.code() != lowclip::ErrorCode::ModelNotFound) throw;  // not registered yet
                    }
                    if (r2.size() < lastSecond)
                        fail("second model: " + std::to_string(r2.size()) + " results after " + std::to_string(lastSecond));
                    lastSecond = r2.size();
                    if (!r2.empty() && r2.size() < std::size_t(n)) ++partialSeen;
                    if (lib->photos(0, 5).size() != 5 || lib->photoCount() != std::size_t(n)) fail("photo listing changed");
                    ++searchesDuring;
                } catch (const std::exception& e) {
                    fail(std::string("search failed: ") + e.what());
                }
            }
        });
    }
    std::thread writer([&] {
        auto ps = lib->photos(0, 20);
        for (std::size_t i = 0; indexing && i < ps.size(); ++i) {
            try {
                lib->addCaption(ps[i].id, "rəngli şəkil " + std::to_string(i));
            } catch (const std::exception& e) {
                fail(std::string("caption failed: ") + e.what());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
    IndexReport ir;
    try {
        ir = lib->index(second, fast);
    } catch (...) {
        indexing = false;
        for (auto& t : readers) t.join();
        writer.join();
        throw;
    }
    indexing = false;
    for (auto& t : readers) t.join();
    writer.join();

    CHECK(ir.embedded == std::size_t(n));
    CHECK(ir.complete);
    CHECK_MSG(failures == 0, failures << " failed checks in other threads");
    CHECK_MSG(searchesDuring > 3, "only " << searchesDuring << " searches ran during indexing");
    CHECK_MSG(partialSeen > 0, "no search saw the second model half-indexed");
    SearchOptions all;
    all.k = 1000;
    auto done = lib->search(second, "mavi", all);
    CHECK(done.size() == std::size_t(n));
    std::set<PhotoId> ids;
    for (const auto& r : done) ids.insert(r.photo.id);
    CHECK(ids.size() == std::size_t(n));
    CHECK(lib->allCaptions().size() >= 1);
    auto checks = lib->indexChecks();
    for (const auto& c : checks) CHECK(c.reembed == 0);
}

TEST_CASE("reads are not held up while a scan reads files for its current batch") {
    const std::string tmp = lowclip::testing::makeTempDir();
    writePhotos(tmp + "/photos", 30);
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(tmp + "/photos");
    lib->scan();
    writePhotos(tmp + "/photos", 30, 30);  // 30 new files: one batch of 1000

    ScanOptions o;
    int seen = 0;
    std::future_status waited = std::future_status::deferred;
    std::size_t countDuring = 0;
    std::future<std::size_t> reader;
    o.beforeFile = [&](const std::string&) {
        // Halfway through the new files, with the batch's earlier files already read: a listing on
        // another thread must finish now, not after the batch.
        if (++seen != 45) return;
        reader = std::async(std::launch::async, [&] { return lib->photos().size(); });
        waited = reader.wait_for(std::chrono::seconds(10));
        if (waited == std::future_status::ready) countDuring = reader.get();
    };
    auto rep = lib->scan(o);
    if (reader.valid()) reader.get();
    CHECK(rep.added == 30);
    CHECK_MSG(waited == std::future_status::ready, "a read waited for the scan's batch");
    CHECK(countDuring == 30);  // the batch is not committed yet: readers see the last commit
    CHECK(lib->photoCount() == 60);
}

LOWCLIP_TEST_MAIN()
