// The library against what a photo folder and a crashed disk can hold: overlapping roots (a
// parent, a child, one folder through a symlink), a sparse 1 TiB file, a FIFO or a device in a
// photo's place, an unreadable file, a corrupt vector index snapshot, a damaged journal.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <set>

#include "core/error.h"
#include "core/library/fs_util.h"
#include "core/library/library.h"
#include "core/library/vector_index.h"
#include "tests/library/library_test_support.h"
#include "tests/support/testing.h"

using namespace lowclip::library;
using namespace lowclip::library::testsupport;

namespace {

// A folder of 6 photos: 2 at the top, 2 in a/, 2 in b/.
std::string makeTree(const std::string& root) {
    makeDirs(root + "/a");
    makeDirs(root + "/b");
    writeImage(root + "/top1.jpg", 200, 20, 20);
    writeImage(root + "/top2.png", 20, 200, 20);
    writeImage(root + "/a/a1.jpg", 20, 20, 200);
    writeImage(root + "/a/a2.png", 200, 200, 20);
    writeImage(root + "/b/b1.jpg", 20, 200, 200);
    writeImage(root + "/b/b2.png", 200, 20, 200);
    return root;
}

IndexOptions fastIndex() {
    IndexOptions o;
    o.decodeThreads = 2;
    o.batchSize = 4;
    o.snapshotSeconds = 0;
    return o;
}

lowclip::ErrorCode codeOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const lowclip::Error& e) {
        return e.code();
    }
    return lowclip::ErrorCode::Internal;  // "did not throw"
}

// Makes a hang fail the test instead of the whole run's time limit.
struct Deadline {
    explicit Deadline(unsigned seconds) { ::alarm(seconds); }
    ~Deadline() { ::alarm(0); }
};

std::string baseName(const std::string& p) { return p.substr(p.find_last_of('/') + 1); }

std::map<std::string, ErrorRecord> errorsByName(Library& lib) {
    std::map<std::string, ErrorRecord> out;
    for (const auto& e : lib.errors()) out[baseName(e.path)] = e;
    return out;
}

std::vector<float> randomVectors(std::size_t n, int dim, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd;
    std::vector<float> v(n * static_cast<std::size_t>(dim));
    for (auto& x : v) x = nd(rng);
    normaliseRows(v.data(), n, dim);
    return v;
}

std::vector<std::int64_t> labelsFrom(std::size_t n, std::int64_t from) {
    std::vector<std::int64_t> l(n);
    for (std::size_t i = 0; i < n; ++i) l[i] = from + static_cast<std::int64_t>(i);
    return l;
}

// hnswlib 0.6.2 snapshot layout: six size_t fields, then the top level (int) and entry point.
constexpr std::size_t kCountOffset = 16;
constexpr std::size_t kMaxLevelOffset = 48;
constexpr std::size_t kEntryPointOffset = 52;
constexpr std::size_t kHeaderBytes = 96;

template <class T>
T getAt(const std::string& bytes, std::size_t off) {
    T v;
    std::memcpy(&v, bytes.data() + off, sizeof(T));
    return v;
}
template <class T>
void putAt(std::string& bytes, std::size_t off, T v) {
    std::memcpy(&bytes[off], &v, sizeof(T));
}

}  // namespace

TEST_CASE("roots: one folder by several names is one root; a folder inside a root is refused") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makeTree(tmp + "/photos");
    REQUIRE(::symlink(photos.c_str(), (tmp + "/link").c_str()) == 0);
    auto lib = Library::open(tmp + "/lib");
    const std::int64_t id = lib->addRoot(photos);
    CHECK(lib->addRoot(tmp + "/link") == id);           // through a symlink
    CHECK(lib->addRoot(photos + "/a/..") == id);        // through ".."
    CHECK(lib->addRoot(tmp + "/link/") == id);
    CHECK(lib->roots().size() == 1);
    CHECK(codeOf([&] { lib->addRoot(photos + "/a"); }) == lowclip::ErrorCode::RootOverlap);
    CHECK(codeOf([&] { lib->addRoot(tmp + "/link/b"); }) == lowclip::ErrorCode::RootOverlap);
    try {
        lib->addRoot(photos + "/a");
    } catch (const lowclip::Error& e) {
        CHECK(e.detail("other") == photos);
        CHECK(std::string(e.what()).find("already in the library") != std::string::npos);
    }
    CHECK(lib->roots().size() == 1);
    auto rep = lib->scan();
    CHECK_MSG(rep.added == 6, "added=" << rep.added);
    CHECK(rep.errors == 0);
    CHECK(lib->photoCount() == 6);
    CHECK(lib->roots()[0].path == photos);

    // A hidden folder is not scanned with its parent: it may be a root of its own, seen once.
    makeDirs(photos + "/.private");
    writeImage(photos + "/.private/p.jpg", 1, 2, 3);
    const std::int64_t hidden = lib->addRoot(photos + "/.private");
    CHECK(hidden != id);
    rep = lib->scan();
    CHECK(rep.added == 1);
    ScanOptions all;
    all.includeHidden = true;
    rep = lib->scan(all);  // both roots now reach .private: still one row per photo
    CHECK(rep.added == 0);
    CHECK(rep.errors == 0);
    CHECK(lib->photoCount() == 7);
}

TEST_CASE("roots: a parent added after its children takes them over, keeping their photos and captions") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makeTree(tmp + "/photos");
    auto lib = Library::open(tmp + "/lib");
    const std::int64_t a = lib->addRoot(photos + "/a");
    const std::int64_t b = lib->addRoot(photos + "/b");
    CHECK(a != b);
    CHECK(lib->scan().added == 4);
    auto a1 = lib->photoByPath(photos + "/a/a1.jpg");
    REQUIRE(a1);
    lib->addCaption(a1->id, "mavi dairə");
    ColourEmbedder emb;
    CHECK(lib->index(emb, fastIndex()).embedded == 4);

    const std::int64_t parent = lib->addRoot(photos);
    auto roots = lib->roots();
    REQUIRE(roots.size() == 1);
    CHECK(roots[0].id == parent);
    CHECK(roots[0].photoCount == 4);
    auto rep = lib->scan();  // must not fail on "UNIQUE constraint failed", nor catalogue twice
    CHECK_MSG(rep.added == 2, "added=" << rep.added);
    CHECK(rep.removed == 0);
    CHECK(rep.unchanged == 4);
    CHECK(lib->photoCount() == 6);
    auto again = lib->photoByPath(photos + "/a/a1.jpg");
    REQUIRE(again);
    CHECK(again->id == a1->id);
    CHECK(again->rootId == parent);
    auto caps = lib->captions(a1->id);
    REQUIRE(caps.size() == 1);
    CHECK(caps[0].text == "mavi dairə");
    auto ir = lib->index(emb, fastIndex());
    CHECK(ir.embedded == 2);  // only the new ones
    CHECK(ir.complete);
}

TEST_CASE("scan: roots that came to overlap later (a folder replaced by a symlink) list each photo once") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makeTree(tmp + "/photos");
    makeDirs(tmp + "/other");
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    lib->addRoot(tmp + "/other");
    REQUIRE(::rmdir((tmp + "/other").c_str()) == 0);
    REQUIRE(::symlink((photos + "/a").c_str(), (tmp + "/other").c_str()) == 0);  // now inside the first root
    auto rep = lib->scan();
    CHECK_MSG(rep.added == 6, "added=" << rep.added);
    CHECK(lib->photoCount() == 6);
    CHECK(!lib->photoByPath(tmp + "/other/a1.jpg"));
    // Hard links are one file too.
    REQUIRE(::link((photos + "/top1.jpg").c_str(), (photos + "/b/hardlink.jpg").c_str()) == 0);
    rep = lib->scan();
    CHECK(rep.added == 0);
    CHECK(lib->photoCount() == 6);
}

TEST_CASE("scan: a sparse 1 TiB file, a FIFO or a device in a photo's place, an unreadable file are recorded") {
    Deadline deadline(120);  // a FIFO read would block for ever
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = tmp + "/photos";
    makeDirs(photos);
    writeImage(photos + "/good.jpg", 200, 20, 20);
    {
        auto tif = encodeImage(".tif", 1, 2, 3);
        writeBytes(photos + "/huge.tif", tif);
        REQUIRE(::truncate((photos + "/huge.tif").c_str(), std::int64_t(1) << 40) == 0);  // 1 TiB, sparse
    }
    writeImage(photos + "/fifo.jpg", 1, 1, 1);    // becomes a FIFO once the walk has seen a photo
    writeImage(photos + "/device.jpg", 1, 1, 1);  // becomes a symlink to /dev/zero likewise
    REQUIRE(::mkfifo((photos + "/always_fifo.jpg").c_str(), 0644) == 0);  // a FIFO from the start: not a candidate
    // /proc/self/mem is a regular file whose first byte cannot be read (EIO), even by root.
    REQUIRE(::symlink("/proc/self/mem", (photos + "/unreadable.jpg").c_str()) == 0);

    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    ScanOptions o;
    o.beforeFile = [&](const std::string& path) {
        if (baseName(path) == "fifo.jpg") {
            ::unlink(path.c_str());
            ::mkfifo(path.c_str(), 0644);
        } else if (baseName(path) == "device.jpg") {
            ::unlink(path.c_str());
            if (::symlink("/dev/zero", path.c_str()) != 0) std::perror("symlink");
        }
    };
    auto rep = lib->scan(o);
    CHECK_MSG(rep.filesSeen == 5, "seen=" << rep.filesSeen);
    CHECK_MSG(rep.errors == 4, "errors=" << rep.errors);
    auto errs = errorsByName(*lib);
    CHECK(errs.size() == 4);
    CHECK(errs.count("good.jpg") == 0);
    CHECK(errs["huge.tif"].stage == "read");
    CHECK_MSG(errs["huge.tif"].message.find("1.0 TiB") != std::string::npos, errs["huge.tif"].message);
    CHECK_MSG(errs["fifo.jpg"].message.find("named pipe") != std::string::npos, errs["fifo.jpg"].message);
    CHECK_MSG(errs["device.jpg"].message.find("device") != std::string::npos, errs["device.jpg"].message);
    CHECK(errs["unreadable.jpg"].stage == "read");
    CHECK(!errs["unreadable.jpg"].message.empty());
    CHECK_MSG(errs["huge.tif"].kind == lowclip::library::FailureKind::TooLarge, failureKindName(errs["huge.tif"].kind));
    CHECK_MSG(errs["fifo.jpg"].kind == lowclip::library::FailureKind::NotAFile, failureKindName(errs["fifo.jpg"].kind));
    CHECK_MSG(errs["device.jpg"].kind == lowclip::library::FailureKind::NotAFile, failureKindName(errs["device.jpg"].kind));
    CHECK_MSG(errs["unreadable.jpg"].kind == lowclip::library::FailureKind::Unreadable,
              failureKindName(errs["unreadable.jpg"].kind) << ": " << errs["unreadable.jpg"].message);
    for (const auto& [name, e] : errs) CHECK_MSG(e.message.find("bad_alloc") == std::string::npos, e.message);
    auto good = lib->photoByPath(photos + "/good.jpg");
    REQUIRE(good);
    CHECK(good->ok);

    // A good photo replaced by a FIFO between the scan and the index run: a decode error, no hang.
    ColourEmbedder emb;
    ::unlink((photos + "/good.jpg").c_str());
    REQUIRE(::mkfifo((photos + "/good.jpg").c_str(), 0644) == 0);
    auto ir = lib->index(emb, fastIndex());
    CHECK(ir.embedded == 0);
    CHECK(ir.failed == 1);
    errs = errorsByName(*lib);
    CHECK_MSG(errs["good.jpg"].message.find("named pipe") != std::string::npos, errs["good.jpg"].message);
    // The next scan sees a FIFO: no longer a candidate, so the photo is gone.
    rep = lib->scan(ScanOptions{});
    CHECK_MSG(rep.removed == 3, "removed=" << rep.removed);  // good.jpg, fifo.jpg, device.jpg
    CHECK(rep.errors == 2);                                   // huge.tif and unreadable.jpg, read again
    CHECK(lib->photoCount() == 2);
}

TEST_CASE("scan: a file larger than the limit is an error, and a photo again once within it") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = tmp + "/photos";
    makeDirs(photos);
    writeImage(photos + "/p.png", 200, 20, 20, 64, 64);
    const std::int64_t size = fileSize(photos + "/p.png");
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    ScanOptions small;
    small.maxFileBytes = size - 1;
    CHECK(lib->scan(small).errors == 1);
    CHECK(!lib->photoByPath(photos + "/p.png")->ok);
    ScanOptions exact;
    exact.maxFileBytes = size;
    auto rep = lib->scan(exact);  // read errors are read again
    CHECK(rep.errors == 0);
    CHECK(lib->photoByPath(photos + "/p.png")->ok);
    CHECK(lib->photoByPath(photos + "/p.png")->width == 64);
}

TEST_CASE("scan: photos larger than the header window keep their size, format and EXIF") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = tmp + "/photos";
    makeDirs(photos);
    // A JPEG with EXIF followed by padding after its end marker: the hash covers every byte.
    auto jpeg = jpegWithExif(20, 20, 200, "Kamera", "Model X", "2021:07:04 10:11:12");
    std::string big(jpeg.begin(), jpeg.end());
    big.resize(kMaxPhotoFileBytes / 16 + 7, '\0');
    REQUIRE(big.size() > 32u << 20);
    writeBytes(photos + "/big.jpg", big);
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    auto rep = lib->scan();
    CHECK(rep.errors == 0);
    auto p = lib->photoByPath(photos + "/big.jpg");
    REQUIRE(p);
    CHECK(p->ok);
    CHECK(p->size == std::int64_t(big.size()));
    CHECK(p->format == "jpeg");
    CHECK(p->cameraMake == "Kamera");
    CHECK(p->dateTaken == "2021-07-04T10:11:12");
    // The last byte counts: a change there is a change of content.
    big.back() = 1;
    writeBytes(photos + "/big.jpg", big);
    const struct timespec when[2] = {{1600000000, 0}, {1600000000, 0}};  // a surely different mtime
    REQUIRE(::utimensat(AT_FDCWD, (photos + "/big.jpg").c_str(), when, 0) == 0);
    rep = lib->scan();
    CHECK(rep.changed == 1);
}

TEST_CASE("vector index: a snapshot with a corrupt top level, element count or links is refused on open") {
    std::string dir = lowclip::testing::makeTempDir();
    const std::string base = dir + "/idx";
    const int dim = 8;
    auto data = randomVectors(300, dim, 3);
    {
        auto idx = VectorIndex::open(base, dim, true);
        idx->add(labelsFrom(300, 1), data.data());
        idx->snapshot();
    }
    const std::string good = readBytes(base + ".hnsw");
    REQUIRE(good.size() > kHeaderBytes);
    const int top = getAt<int>(good, kMaxLevelOffset);
    CHECK(top >= 1);  // 300 elements with M = 16 reach level 1 or more
    auto refused = [&](const std::string& bytes, const char* what) {
        writeBytes(base + ".hnsw", bytes);
        bool threw = false;
        try {
            auto idx = VectorIndex::open(base, dim, false);
            idx->search(data.data(), 10);  // what the old loader let through crashed here
        } catch (const lowclip::Error& e) {
            threw = true;
            CHECK_MSG(std::string(e.what()).find("vector index") != std::string::npos, e.what());
        }
        CHECK_MSG(threw, what << " was accepted");
    };
    std::string bad = good;
    putAt<int>(bad, kMaxLevelOffset, 1000000);
    refused(bad, "top level 1000000");
    bad = good;
    putAt<int>(bad, kMaxLevelOffset, top + 1);
    refused(bad, "a top level above the entry point's");
    bad = good;
    putAt<int>(bad, kMaxLevelOffset, -5);
    refused(bad, "a negative top level");
    bad = good;
    putAt<unsigned>(bad, kEntryPointOffset, 299 + 1000);
    refused(bad, "an entry point out of range");
    bad = good;
    putAt<std::size_t>(bad, kCountOffset, getAt<std::size_t>(good, kCountOffset) + 1);
    refused(bad, "an element count one too large");
    bad = good;
    putAt<std::size_t>(bad, kCountOffset, std::size_t(1) << 60);
    refused(bad, "an element count of 2^60");
    // Element 0's level-0 links: its count (first 2 bytes) and its first neighbour.
    bad = good;
    putAt<unsigned>(bad, kHeaderBytes + 4, 0x7fffffffu);
    refused(bad, "a neighbour id out of range");
    bad = good;
    putAt<unsigned short>(bad, kHeaderBytes, 60000);
    refused(bad, "a link count above the maximum");
    // Fields hnswlib's loader trusts: the level-0 offset (found by a fuzzer: it addressed every element
    // outside the table) and the level multiplier that draws the levels of new elements.
    bad = good;
    putAt<std::size_t>(bad, 0, std::size_t(1) << 40);
    refused(bad, "a level-0 offset of 2^40");
    bad = good;
    putAt<double>(bad, 80, 1e300);
    refused(bad, "a level multiplier of 1e300");
    // Element 0's vector, after its level-0 links (2 * M + 1 words): scaled, it is no longer of unit
    // length, and its scores would be no cosines (a fuzzer found searches returning scores above 1).
    bad = good;
    const std::size_t vectorAt = kHeaderBytes + (2 * 16 + 1) * 4;
    for (int j = 0; j < dim; ++j) putAt<float>(bad, vectorAt + 4 * j, 3.0f * getAt<float>(good, vectorAt + 4 * j));
    refused(bad, "a vector of length 3");
    // The good file still opens.
    writeBytes(base + ".hnsw", good);
    auto idx = VectorIndex::open(base, dim, false);
    CHECK(idx->size() == 300);
    CHECK(idx->search(data.data(), 1).at(0).first == 1);
}

TEST_CASE("library: a corrupt snapshot takes the rebuild path; a damaged journal is dropped alone") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makeTree(tmp + "/photos");
    const std::string dir = tmp + "/lib";
    ColourEmbedder emb;
    std::string base;
    {
        auto lib = Library::open(dir);
        lib->addRoot(photos);
        lib->scan();
        CHECK(lib->index(emb, fastIndex()).embedded == 6);
        base = dir + "/index/model-" + std::to_string(lib->models().at(0).id);
    }
    // Everything in the snapshot, then a journal that is not one (another dimension in its header).
    {
        auto idx = VectorIndex::open(base, 8, true);
        idx->snapshot();
    }
    {
        std::string j = readBytes(base + ".journal");
        REQUIRE(j.size() == kJournalHeaderBytes);
        putAt<std::uint32_t>(j, 8, 9);
        writeBytes(base + ".journal", j);
    }
    SearchOptions all;
    all.k = 100;
    {
        auto lib = Library::open(dir);
        auto ir = lib->index(emb, fastIndex());
        auto checks = lib->indexChecks();
        REQUIRE(checks.size() == 1);
        CHECK(checks[0].journalDropped);
        CHECK(!checks[0].rebuiltFromScratch);  // the snapshot was kept
        CHECK(checks[0].reembed == 0);
        CHECK(ir.embedded == 0);  // nothing to embed again
        CHECK(lib->search(emb, "qırmızı", all).size() == 6);
        CHECK(pathExists(base + ".journal.corrupt"));
    }
    // A corrupt top level: searching must not crash; the index is set aside and rebuilt.
    {
        std::string s = readBytes(base + ".hnsw");
        putAt<int>(s, kMaxLevelOffset, 40);
        writeBytes(base + ".hnsw", s);
    }
    {
        auto lib = Library::open(dir);
        auto hits = lib->search(emb, "qırmızı", all);  // opens the index: corrupt, started afresh
        CHECK(hits.empty());
        auto checks = lib->indexChecks();
        REQUIRE(checks.size() == 1);
        CHECK(checks[0].rebuiltFromScratch);
        CHECK(checks[0].reembed == 6);
        CHECK(pathExists(base + ".hnsw.corrupt"));
        auto ir = lib->index(emb, fastIndex());
        CHECK(ir.embedded == 6);
        CHECK(lib->search(emb, "qırmızı", all).size() == 6);
    }
}

TEST_CASE("vector index: a journal with a bad header keeps the snapshot and is set aside") {
    std::string dir = lowclip::testing::makeTempDir();
    const std::string base = dir + "/idx";
    const int dim = 8;
    auto data = randomVectors(150, dim, 9);
    {
        auto idx = VectorIndex::open(base, dim, true);
        idx->add(labelsFrom(100, 1), data.data());
        idx->snapshot();
        idx->add(labelsFrom(50, 101), data.data() + 100 * dim);  // journal only
    }
    const std::string journal = readBytes(base + ".journal");
    for (int variant = 0; variant < 3; ++variant) {
        std::string j = journal;
        if (variant == 0) j[0] = 'X';                        // not a journal
        if (variant == 1) putAt<std::uint32_t>(j, 4, 77);   // another version
        if (variant == 2) j.resize(5);                       // a header cut short
        writeBytes(base + ".journal", j);
        ::unlink((base + ".journal.corrupt").c_str());
        {
            auto ro = VectorIndex::open(base, dim, false);  // read-only: ignored, nothing changed on disk
            CHECK(ro->size() == 100);
            CHECK(ro->journalDropped());
            CHECK(readBytes(base + ".journal") == j);
        }
        auto idx = VectorIndex::open(base, dim, true);
        CHECK_MSG(idx->size() == 100, "variant " << variant << " size " << idx->size());
        CHECK(idx->journalDropped());
        CHECK(readBytes(base + ".journal.corrupt") == j);
        CHECK(idx->journalBytes() == kJournalHeaderBytes);  // a fresh journal
        idx->add({1000}, data.data());
        idx.reset();
        auto again = VectorIndex::open(base, dim, false);
        CHECK(!again->journalDropped());
        CHECK(again->size() == 101);
        CHECK(again->contains(1000));
        ::unlink((base + ".journal").c_str());
    }
}

LOWCLIP_TEST_MAIN()
