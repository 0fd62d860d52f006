// Crash safety of the library's writes, tested the way SQLite tests itself (core/util/fault_injection.h).
// A small run — open a new library, add a root, scan, index six photos in batches of two with a
// snapshot after each batch, import a caption file — is repeated in a forked child with its Nth write,
// fsync or rename (of the catalog, the vector index snapshot or its journal) made to fail, for every N
// until the run no longer reaches N; once with the process ending on the spot (a crash, a power cut)
// and once with the operation failing (EIO) and the run ending at the error it reports. After each,
// the next open must find the catalog and the vector index agreeing (every vector the catalog lists is
// in the index and nothing else), and finishing the run must leave every photo indexed exactly once,
// no photo or caption twice, and nothing lost.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <opencv2/core/utility.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <string>

#include "core/error.h"
#include "core/library/library.h"
#include "core/library/vector_index.h"
#include "core/util/fault_injection.h"
#include "tests/library/library_test_support.h"
#include "tests/support/testing.h"

using namespace lowclip::library;
using namespace lowclip::library::testsupport;
namespace util = lowclip::util;

namespace {

std::string makePhotos(const std::string& root) {
    makeDirs(root + "/a");
    writeImage(root + "/r1.jpg", 200, 20, 20);
    writeImage(root + "/g1.png", 20, 200, 20);
    writeImage(root + "/a/b1.jpg", 20, 20, 200);
    writeImage(root + "/a/r2.png", 210, 30, 30);
    writeImage(root + "/a/g2.jpg", 30, 210, 30);
    writeImage(root + "/b2.png", 30, 30, 210);
    return root;
}

std::string writeCaptions(const std::string& dir, const std::string& photos) {
    const std::string path = dir + "/captions.tsv";
    std::ofstream out(path, std::ios::binary);
    out << photos << "/r1.jpg\tqırmızı kvadrat\n" << photos << "/a/b1.jpg\tmavi dairə\n" << photos << "/b2.png\tmavi fon\n";
    return path;
}

IndexOptions smallBatches() {
    IndexOptions o;
    o.decodeThreads = 1;
    o.batchSize = 2;
    o.snapshotSeconds = 0;  // a snapshot after every batch: its write, fsync and rename are counted too
    return o;
}

// The run; throws what the library throws.
void run(const std::string& lib, const std::string& photos, const std::string& tsv) {
    ColourEmbedder emb;
    auto l = Library::open(lib);
    if (l->roots().empty()) l->addRoot(photos);
    l->scan();
    l->index(emb, smallBatches());
    l->importCaptionsTsv(tsv);
}

enum Outcome { Finished = 0, FaultHandled = 1, UnexpectedError = 2, UnexpectedException = 3 };

// Runs the whole thing in a child with the nth operation failing; returns the child's exit status.
int runWithFault(const std::string& lib, const std::string& photos, const std::string& tsv, std::uint64_t n,
                 util::FaultAction action, std::string* error) {
    const std::string errFile = lib + ".error";
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        int code = Finished;
        std::string what;
        try {
            util::armFault(n, action);
            run(lib, photos, tsv);
            code = util::faultTriggered() ? FaultHandled : Finished;
        } catch (const lowclip::Error& e) {
            what = e.what();
            code = util::faultTriggered() ? FaultHandled : UnexpectedError;
        } catch (const std::exception& e) {
            what = e.what();
            code = UnexpectedException;
        }
        util::disarmFault();
        std::ofstream(errFile) << what;
        std::fflush(nullptr);
        ::_exit(code);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::ifstream in(errFile);
    error->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::remove(errFile.c_str());
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

// Labels of the catalog's embeddings for the library's only model, read straight from catalog.db.
std::set<std::int64_t> catalogLabels(const std::string& lib) {
    std::set<std::int64_t> out;
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2((lib + "/catalog.sqlite").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT label FROM embeddings", -1, &s, nullptr) == SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW) out.insert(sqlite3_column_int64(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

// After the faulted run: the next open agrees with itself, and finishing the run completes it.
void checkAfter(const std::string& lib, const std::string& photos, const std::string& tsv, const std::string& where) {
    ColourEmbedder emb;
    SearchOptions all;
    all.k = 100;
    {
        std::unique_ptr<Library> l;
        try {
            l = Library::open(lib);
        } catch (const lowclip::Error& e) {
            throw lowclip::testing::Failure{where + ": the library does not open after the fault: " + e.what()};
        }
        auto models = l->models();
        if (!models.empty()) {
            l->search(emb, "qırmızı", all);  // opens the index: the catalog check runs
            const std::string base = lib + "/index/model-" + std::to_string(models.at(0).id);
            l.reset();
            auto idx = VectorIndex::open(base, 8, false);
            auto labels = idx->labels();
            std::set<std::int64_t> inIndex(labels.begin(), labels.end());
            CHECK_MSG(inIndex == catalogLabels(lib), where + ": the catalog and the vector index disagree after reopening");
        }
    }
    std::string problem;
    try {
        run(lib, photos, tsv);
    } catch (const lowclip::Error& e) {
        problem = e.what();
    }
    CHECK_MSG(problem.empty(), where + ": finishing the run failed: " + problem);
    auto l = Library::open(lib);
    CHECK_MSG(l->photoCount() == 6, where + ": " + std::to_string(l->photoCount()) + " photos in the catalog");
    auto models = l->models();
    REQUIRE(models.size() == 1);
    CHECK_MSG(models[0].embedded == 6 && models[0].pending == 0,
              where + ": " + std::to_string(models[0].embedded) + " embedded, " + std::to_string(models[0].pending) +
                  " pending");
    auto hits = l->search(emb, "qırmızı", all);
    std::set<PhotoId> ids;
    for (const auto& h : hits) ids.insert(h.photo.id);
    CHECK_MSG(hits.size() == 6 && ids.size() == 6, where + ": a search finds " + std::to_string(hits.size()) + " hits, " +
                                                       std::to_string(ids.size()) + " distinct");
    CHECK_MSG(l->allCaptions().size() == 3, where + ": " + std::to_string(l->allCaptions().size()) + " captions");
    CHECK_MSG(l->errors().empty(), where + ": photos recorded as failed: " +
                                       (l->errors().empty() ? "" : l->errors().front().message));
}

void sweep(util::FaultAction action, const char* name) {
    cv::setNumThreads(0);  // no OpenCV worker threads in the process that forks
    const std::string tmp = lowclip::testing::makeTempDir();
    const std::string photos = makePhotos(tmp + "/photos");
    const std::string tsv = writeCaptions(tmp, photos);
    std::set<std::string> messages;
    std::uint64_t n = 1;
    for (;; ++n) {
        REQUIRE(n < 2000);
        const std::string lib = tmp + "/lib-" + std::to_string(n);
        std::string error;
        const int status = runWithFault(lib, photos, tsv, n, action, &error);
        const std::string where = std::string(name) + " at operation " + std::to_string(n);
        if (status == Finished) break;  // the run no longer reaches n
        const bool expected = action == util::FaultAction::Crash ? status == util::kFaultExitCode : status == FaultHandled;
        CHECK_MSG(expected, where + ": the child ended with status " + std::to_string(status) + " " + error);
        if (!expected) continue;
        if (action == util::FaultAction::Fail && !error.empty())
            for (const char* internal : {"bad_alloc", "std::", "SQLite code", "INSERT ", "UPDATE ", "SELECT ", "DELETE FROM"})
                CHECK_MSG(error.find(internal) == std::string::npos, where + ": the failure reads as internal text: " + error);
        if (action == util::FaultAction::Fail) {
            std::string shown = error;
            for (std::size_t at; (at = shown.find(lib)) != std::string::npos;) shown.replace(at, lib.size(), "<library>");
            messages.insert(shown.substr(0, 150));
        }
        checkAfter(lib, photos, tsv, where);
    }
    std::cout << "  " << name << ": " << (n - 1) << " faulted runs, each reopened and finished\n";
    for (const auto& m : messages) std::cout << "    reported: " << (m.empty() ? "(nothing: the run went on)" : m) << "\n";
    CHECK(n > 20);  // the run writes, syncs and renames more than that: the hook is in place
}

}  // namespace

TEST_CASE("faults: the process stops at the Nth write, fsync or rename; the next open is consistent") {
    sweep(util::FaultAction::Crash, "crash");
}

TEST_CASE("faults: the Nth write, fsync or rename fails with EIO; the error is reported and nothing is lost") {
    sweep(util::FaultAction::Fail, "EIO");
}

LOWCLIP_TEST_MAIN()
