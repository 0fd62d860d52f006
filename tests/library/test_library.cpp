// The photo library: catalog, scanning, indexing (resume after kill -9), search, captions,
// feedback, thumbnails, two processes. Images are generated here with OpenCV.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "core/error.h"
#include "core/library/fs_util.h"
#include "core/library/library.h"
#include "core/library/vector_index.h"
#include "tests/library/library_test_support.h"
#include "tests/support/testing.h"

using namespace lowclip::library;
using namespace lowclip::library::testsupport;

namespace {

struct Colour {
    const char* name;
    int r, g, b;
};
const Colour kRed{"red", 220, 20, 20}, kGreen{"green", 20, 200, 30}, kBlue{"blue", 25, 30, 210};

// A photo folder: 4 red, 3 green, 3 blue photos in subfolders, JPEG and PNG.
std::string makePhotoTree(const std::string& root) {
    makeDirs(root + "/yay/dəniz");
    makeDirs(root + "/qış");
    writeImage(root + "/yay/red1.jpg", kRed.r, kRed.g, kRed.b);
    writeImage(root + "/yay/red2.png", kRed.r - 10, kRed.g + 5, kRed.b);
    writeImage(root + "/yay/dəniz/mavi_göl.jpg", kBlue.r, kBlue.g, kBlue.b);
    writeImage(root + "/yay/dəniz/blue2.png", kBlue.r + 10, kBlue.g, kBlue.b - 5);
    writeImage(root + "/qış/green1.jpg", kGreen.r, kGreen.g, kGreen.b);
    writeImage(root + "/qış/green2.jpg", kGreen.r + 5, kGreen.g - 10, kGreen.b);
    writeImage(root + "/qış/green3.png", kGreen.r, kGreen.g + 10, kGreen.b + 5);
    writeImage(root + "/red3.jpg", kRed.r + 10, kRed.g, kRed.b + 10);
    writeImage(root + "/red4.JPG", kRed.r, kRed.g + 10, kRed.b);
    writeImage(root + "/blue3.jpg", kBlue.r, kBlue.g + 15, kBlue.b);
    return root;
}

IndexOptions fastIndex() {
    IndexOptions o;
    o.decodeThreads = 2;
    o.batchSize = 4;
    o.snapshotSeconds = 0;
    return o;
}

std::string baseName(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

std::size_t countByPathPart(const std::vector<SearchResult>& rs, const std::string& part, std::size_t first) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < first && i < rs.size(); ++i)
        if (baseName(rs[i].photo.path).find(part) != std::string::npos) ++n;
    return n;
}

}  // namespace

TEST_CASE("displayPath keeps valid UTF-8 and replaces invalid bytes") {
    CHECK(displayPath("/şəkillər/çay_ğ.jpg") == "/şəkillər/çay_ğ.jpg");
    CHECK(displayPath("a\xff" "b") == "a\xEF\xBF\xBD" "b");
    CHECK(displayPath("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");     // overlong
    CHECK(displayPath("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    CHECK(displayPath("x\xE2\x82") == "x\xEF\xBF\xBD\xEF\xBF\xBD");   // truncated sequence
}

TEST_CASE("catalog: created with schema, reopened, refuses a newer schema") {
    std::string dir = lowclip::testing::makeTempDir() + "/lib";
    {
        auto lib = Library::open(dir);
        auto st = lib->status();
        CHECK(st.schemaVersion == 2);
        CHECK(st.photos == 0);
        CHECK(!st.readOnly);
        CHECK(pathExists(dir + "/catalog.sqlite"));
    }
    {
        auto lib = Library::open(dir, OpenMode::ReadOnly);
        CHECK(lib->readOnly());
        CHECK_THROWS_WITH(lib->addRoot(dir), lowclip::Error, "read-only");
    }
    CHECK_THROWS_WITH(Library::open(dir + "/nothing", OpenMode::ReadOnly), lowclip::Error, "no library");
    // Pretend a newer LowCLIP wrote it.
    std::string cmd = "sqlite3 '" + dir + "/catalog.sqlite' 'PRAGMA user_version = 99' 2>/dev/null";
    if (std::system(cmd.c_str()) == 0) {
        CHECK_THROWS_WITH(Library::open(dir), lowclip::Error, "newer LowCLIP");
        CHECK_THROWS_WITH(Library::open(dir, OpenMode::ReadOnly), lowclip::Error, "newer LowCLIP");
    }
}

TEST_CASE("catalog: a library of schema 1 is brought to schema 2 by the first read-write open, keeping its folders") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string dir = tmp + "/lib";
    makeDirs(tmp + "/photos");
    {
        auto lib = Library::open(dir);
        lib->addRoot(tmp + "/photos");
    }
    // What an earlier LowCLIP left: schema 1, without the table of removed files.
    std::string cmd = "sqlite3 '" + dir + "/catalog.sqlite' 'DROP TABLE excluded; PRAGMA user_version = 1' 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) {
        SKIP("the sqlite3 program is not installed");
    }
    CHECK_THROWS_WITH(Library::open(dir, OpenMode::ReadOnly), lowclip::Error, "older schema");
    auto lib = Library::open(dir);
    CHECK(lib->status().schemaVersion == 2);
    CHECK(lib->roots().size() == 1);
    CHECK(lib->removedCount() == 0);
}

TEST_CASE("scan: recursion, hidden folders, extensions, symlink loops, non-UTF-8 names; rescan reads nothing") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makePhotoTree(tmp + "/photos");
    makeDirs(photos + "/.hidden");
    writeImage(photos + "/.hidden/secret.jpg", 10, 10, 10);
    writeBytes(photos + "/animation.gif", std::string("GIF89a....."));  // not in the default extensions
    writeBytes(photos + "/notes.txt", std::string("hello"));
    writeImage(photos + "/bad\xff\xfe name.jpg", kGreen.r, kGreen.g, kGreen.b);
    writeImage(photos + "/şəkil_çiçək_ğüö.png", kRed.r, kRed.g, kRed.b);
    REQUIRE(::symlink(photos.c_str(), (photos + "/yay/loop").c_str()) == 0);        // a loop
    REQUIRE(::symlink((photos + "/qış").c_str(), (photos + "/qış_link").c_str()) == 0);  // same folder twice

    auto lib = Library::open(tmp + "/lib");
    std::int64_t rootId = lib->addRoot(photos);
    CHECK(lib->addRoot(photos + "/") == rootId);  // same folder, same root
    std::vector<lowclip::Progress> seen;
    auto rep = lib->scan({}, [&](const lowclip::Progress& p) { seen.push_back(p); });
    CHECK_MSG(rep.added == 12, "added=" << rep.added);
    CHECK(rep.filesSeen == 12);
    CHECK(rep.errors == 0);
    CHECK(rep.filesRead == 12);
    CHECK(!seen.empty() && seen.back().done == 12);
    auto bad = lib->photoByPath(photos + "/bad\xff\xfe name.jpg");
    REQUIRE(bad.has_value());
    CHECK(bad->displayPath == photos + "/bad\xEF\xBF\xBD\xEF\xBF\xBD name.jpg");
    auto az = lib->photoByPath(photos + "/şəkil_çiçək_ğüö.png");
    REQUIRE(az.has_value());
    CHECK(az->format == "png");
    CHECK(az->width == 48);
    CHECK(az->height == 40);
    CHECK(!lib->photoByPath(photos + "/.hidden/secret.jpg"));

    auto again = lib->scan();
    CHECK(again.unchanged == 12);
    CHECK(again.filesRead == 0);  // stat calls only
    CHECK(again.added == 0);
    CHECK(again.removed == 0);

    ScanOptions withHidden;
    withHidden.includeHidden = true;
    auto h = lib->scan(withHidden);
    CHECK(h.added == 1);
    ScanOptions onlyPng;
    onlyPng.extensions = {".PNG"};
    auto p = lib->scan(onlyPng);
    CHECK_MSG(p.removed == 13 - 4, "removed=" << p.removed);  // the jpgs are no longer candidates
    CHECK(lib->photoCount() == 4);
    auto roots = lib->roots();
    REQUIRE(roots.size() == 1);
    CHECK(roots[0].online);
    CHECK(roots[0].photoCount == 4);
}

TEST_CASE("scan: broken, empty, mislabeled and bomb files are recorded; indexing goes on") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = tmp + "/photos";
    makeDirs(photos);
    writeImage(photos + "/good.jpg", kRed.r, kRed.g, kRed.b);
    writeBytes(photos + "/zero.jpg", std::string());
    writeBytes(photos + "/garbage.jpg", std::string("this is not a jpeg at all, just text........"));
    auto full = encodeImage(".jpg", 10, 200, 10, 300, 200);
    writeBytes(photos + "/truncated.jpg", std::vector<std::uint8_t>(full.begin(), full.begin() + long(full.size() / 3)));
    writeBytes(photos + "/mislabeled.jpg", encodeImage(".png", kBlue.r, kBlue.g, kBlue.b));  // PNG named .jpg
    // A PNG header claiming 100000 x 100000 pixels (a decompression bomb): never decoded.
    auto png = encodeImage(".png", 1, 2, 3, 8, 8);
    auto setBe32 = [&](std::size_t off, std::uint32_t v) {
        for (int i = 0; i < 4; ++i) png[off + i] = std::uint8_t(v >> (24 - 8 * i));
    };
    setBe32(16, 100000);
    setBe32(20, 100000);
    writeBytes(photos + "/bomb.png", png);

    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    auto rep = lib->scan();
    CHECK(rep.added == 6);
    auto errs = lib->errors();
    std::set<std::string> errored;
    for (const auto& e : errs) {
        errored.insert(e.path.substr(e.path.find_last_of('/') + 1));
        CHECK(!e.message.empty());
    }
    CHECK(errored.count("zero.jpg") == 1);
    CHECK(errored.count("garbage.jpg") == 1);
    auto mis = lib->photoByPath(photos + "/mislabeled.jpg");
    REQUIRE(mis);
    CHECK(mis->ok);
    CHECK(mis->format == "png");

    ColourEmbedder emb;
    IndexOptions o = fastIndex();
    o.maxPixels = 50'000'000;
    auto ir = lib->index(emb, o);
    CHECK_MSG(ir.embedded == 2, "embedded=" << ir.embedded);  // good + mislabeled
    CHECK(ir.complete);
    errs = lib->errors();
    errored.clear();
    std::string bombMessage;
    for (const auto& e : errs) {
        std::string name = e.path.substr(e.path.find_last_of('/') + 1);
        errored.insert(name);
        if (name == "bomb.png") bombMessage = e.message;
    }
    CHECK_MSG(errored.size() == 4, "errors=" << errored.size());
    // Each failure's kind, for the front ends to word in the user's language.
    std::map<std::string, lowclip::library::FailureKind> kinds;
    for (const auto& e : errs) kinds[e.path.substr(e.path.find_last_of('/') + 1)] = e.kind;
    CHECK_MSG(kinds["zero.jpg"] == lowclip::library::FailureKind::Empty, failureKindName(kinds["zero.jpg"]));
    CHECK_MSG(kinds["garbage.jpg"] == lowclip::library::FailureKind::NotAnImage, failureKindName(kinds["garbage.jpg"]));
    CHECK_MSG(kinds["truncated.jpg"] == lowclip::library::FailureKind::Truncated, failureKindName(kinds["truncated.jpg"]));
    CHECK_MSG(kinds["bomb.png"] == lowclip::library::FailureKind::TooLarge, failureKindName(kinds["bomb.png"]));
    CHECK(errored.count("truncated.jpg") + errored.count("bomb.png") == 2);
    CHECK_MSG(!bombMessage.empty(), "bomb.png must be refused");
    // Failed photos are not retried unless asked, and a second run has nothing to do.
    auto again = lib->index(emb, o);
    CHECK(again.embedded == 0);
    CHECK(again.failed == 0);

    // Removed from the library: gone from the errors and the catalog, passed by by later scans,
    // the files untouched; a good photo removed leaves the search results too.
    const auto zero = lib->photoByPath(photos + "/zero.jpg");
    const auto goodPhoto = lib->photoByPath(photos + "/good.jpg");
    REQUIRE(zero);
    REQUIRE(goodPhoto);
    CHECK(lib->removePhotos({zero->id, goodPhoto->id, 999999}) == 2);
    CHECK(lib->removedCount() == 2);
    CHECK(!lib->photoByPath(photos + "/zero.jpg"));
    CHECK(std::filesystem::exists(photos + "/zero.jpg"));
    CHECK(std::filesystem::exists(photos + "/good.jpg"));
    CHECK(lib->errors().size() == 3);
    auto rescan = lib->scan();
    CHECK_MSG(rescan.added == 0, "added=" << rescan.added);
    CHECK(rescan.excluded == 2);
    CHECK(!lib->photoByPath(photos + "/good.jpg"));
    CHECK(lib->index(emb, o).embedded == 0);
    for (const auto& hit : lib->search(emb, "qırmızı", SearchOptions{})) CHECK(hit.photo.id != goodPhoto->id);
    // Let back: the next scan finds them again.
    CHECK(lib->restoreRemoved() == 2);
    rescan = lib->scan();
    CHECK(rescan.added == 2);
    CHECK(rescan.excluded == 0);
    CHECK(lib->photoByPath(photos + "/good.jpg"));
}

TEST_CASE("scan: unreadable files are recorded (skipped as root)") {
    if (::geteuid() == 0) SKIP("running as root: root can read a chmod 000 file, nothing to test");
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = tmp + "/photos";
    makeDirs(photos);
    writeImage(photos + "/locked.jpg", 1, 2, 3);
    ::chmod((photos + "/locked.jpg").c_str(), 0);
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    auto rep = lib->scan();
    CHECK(rep.errors == 1);
    auto errs = lib->errors();
    REQUIRE(errs.size() == 1);
    CHECK(errs[0].stage == "read");
    ::chmod((photos + "/locked.jpg").c_str(), 0644);
    lib->scan();
    CHECK(lib->errors().empty());
}

TEST_CASE("scan: files vanishing during the scan are fine") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makePhotoTree(tmp + "/photos");
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    ScanOptions o;
    std::string victim;
    o.beforeFile = [&](const std::string& path) {
        if (victim.empty() && path.find("green2") != std::string::npos) {
            victim = path;
            ::unlink(path.c_str());
        }
    };
    auto rep = lib->scan(o);
    CHECK(!victim.empty());
    CHECK(rep.vanished == 1);
    CHECK(rep.added == 9);
    CHECK(rep.errors == 0);
    CHECK(!lib->photoByPath(victim));
    // A known photo vanishing between the walk and the read is removed.
    writeImage(photos + "/red1_changed.jpg", 1, 1, 1);
    lib->scan();
    std::string second;
    writeImage(photos + "/yay/red1.jpg", 200, 0, 0, 50, 50);  // changed: will be read
    o.beforeFile = [&](const std::string& path) {
        if (second.empty() && path.find("yay/red1.jpg") != std::string::npos) {
            second = path;
            ::unlink(path.c_str());
        }
    };
    auto rep2 = lib->scan(o);
    CHECK(rep2.vanished == 1);
    CHECK(rep2.removed == 1);
    CHECK(!lib->photoByPath(second));
}

TEST_CASE("index, search with filters and paging, similar, status") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makePhotoTree(tmp + "/photos");
    std::string other = tmp + "/other";
    makeDirs(other);
    writeBytes(other + "/canon_red.jpg", jpegWithExif(kRed.r, kRed.g, kRed.b, "Canon", "EOS 5D", "2021:07:15 10:30:00"));
    writeBytes(other + "/nikon_red.jpg", jpegWithExif(kRed.r, kRed.g, kRed.b, "NIKON", "D750", "2023:01:02 08:00:00"));
    auto lib = Library::open(tmp + "/lib");
    std::int64_t root1 = lib->addRoot(photos);
    std::int64_t root2 = lib->addRoot(other);
    lib->scan();
    CHECK(lib->photoCount() == 12);
    auto canon = lib->photoByPath(other + "/canon_red.jpg");
    REQUIRE(canon);
    CHECK(canon->cameraMake == "Canon");
    CHECK(canon->dateTaken == "2021-07-15T10:30:00");

    ColourEmbedder emb;
    std::vector<lowclip::Progress> prog;
    IndexOptions o = fastIndex();
    o.bundlePath = "/models/colour";
    auto ir = lib->index(emb, o, [&](const lowclip::Progress& p) { prog.push_back(p); });
    CHECK(ir.embedded == 12);
    CHECK(ir.complete);
    CHECK(ir.activated);
    REQUIRE(!prog.empty());
    CHECK(prog.back().done == 12);
    CHECK(prog.back().total == 12);
    CHECK(prog.back().itemsPerSecond > 0);
    auto am = lib->activeModel();
    REQUIRE(am);
    CHECK(am->modelId == "colour-v1");
    CHECK(am->bundlePath == "/models/colour");
    CHECK(am->embedded == 12);
    CHECK(am->pending == 0);

    // Text search: the six red photos come first.
    SearchOptions so;
    so.k = 6;
    auto red = lib->search(emb, "qırmızı maşın", so);
    REQUIRE(red.size() == 6);
    std::size_t reds = 0;
    for (auto& r : red)
        if (baseName(r.photo.path).find("red") != std::string::npos) ++reds;
    CHECK_MSG(reds == 6, "reds=" << reds);
    for (std::size_t i = 1; i < red.size(); ++i) CHECK(red[i - 1].score >= red[i].score);
    auto blue = lib->search(emb, "mavi göl", so);
    REQUIRE(!blue.empty());
    CHECK(countByPathPart(blue, "blue", 3) + countByPathPart(blue, "mavi", 3) == 3);

    // Paging: pages concatenate to the full ranking.
    SearchOptions all;
    all.k = 12;
    auto full = lib->search(emb, "yaşıl", all);
    REQUIRE(full.size() == 12);
    SearchOptions page;
    page.k = 5;
    page.offset = 5;
    auto p2 = lib->search(emb, "yaşıl", page);
    REQUIRE(p2.size() == 5);
    for (int i = 0; i < 5; ++i) CHECK(p2[i].photo.id == full[5 + i].photo.id);
    page.offset = 10;
    CHECK(lib->search(emb, "yaşıl", page).size() == 2);

    // Filters still return k results when enough photos match.
    SearchOptions f;
    f.k = 3;
    f.filter.rootId = root1;
    auto inRoot = lib->search(emb, "qırmızı", f);
    CHECK(inRoot.size() == 3);
    for (auto& r : inRoot) CHECK(r.photo.rootId == root1);
    f.filter = {};
    f.filter.pathPrefix = photos + "/yay/";
    auto inYay = lib->search(emb, "qırmızı", f);
    CHECK(inYay.size() == 3);
    for (auto& r : inYay) CHECK(r.photo.path.rfind(photos + "/yay/", 0) == 0);
    f.filter = {};
    f.filter.camera = "nikon";
    auto nikon = lib->search(emb, "qırmızı", f);
    REQUIRE(nikon.size() == 1);
    CHECK(nikon[0].photo.cameraModel == "D750");
    f.filter = {};
    f.filter.dateFrom = "2021";
    f.filter.dateTo = "2021";
    auto in2021 = lib->search(emb, "mavi", f);
    REQUIRE(in2021.size() == 1);
    CHECK(in2021[0].photo.id == canon->id);
    f.filter = {};
    f.filter.rootId = root2;
    f.filter.minScore = 0.99f;
    auto strict = lib->search(emb, "mavi", f);  // red photos score far below 0.99 against blue
    CHECK(strict.empty());

    // Similar: the nearest photos of a red photo are red, and it is not among them.
    auto red1 = lib->photoByPath(photos + "/yay/red1.jpg");
    REQUIRE(red1);
    SearchOptions sk;
    sk.k = 4;
    auto sim = lib->similar(red1->id, sk);
    REQUIRE(sim.size() == 4);
    for (auto& r : sim) {
        CHECK(r.photo.id != red1->id);
        CHECK_MSG(r.score > 0.9f, r.photo.displayPath << " " << r.score);
    }
    CHECK_THROWS_WITH(lib->similar(999999, sk), lowclip::Error, "no photo");

    // An embedder the library has never seen.
    ColourEmbedder unknown("other-model");
    CHECK_THROWS_WITH(lib->search(unknown, "mavi", so), lowclip::Error, "index the library");
    CHECK_THROWS_WITH(lib->search(emb, "   ", so), lowclip::Error, "empty");

    auto st = lib->status();
    CHECK(st.photos == 12);
    CHECK(st.roots == 2);
    REQUIRE(st.activeModel);
    CHECK(st.activeModel->embedded == 12);
    CHECK(st.indexBytes > 0);
    CHECK(st.catalogBytes > 0);

    // Read-only view from the same process's files.
    lib.reset();
    auto ro = Library::open(tmp + "/lib", OpenMode::ReadOnly);
    auto roRed = ro->search(emb, "qırmızı", so);
    REQUIRE(roRed.size() == 6);
    CHECK(roRed[0].photo.id == red[0].photo.id);
}

namespace {
// A new library with makePhotoTree's ten photos scanned (not indexed).
std::unique_ptr<Library> scannedPhotoTree() {
    const std::string tmp = lowclip::testing::makeTempDir();
    const std::string photos = makePhotoTree(tmp + "/photos");
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    lib->scan();
    REQUIRE(lib->photoCount() == 10);
    return lib;
}
}  // namespace

TEST_CASE("index: the model gets its own batch size ahead of the catalog's commits; a CPU model shares the cores") {
    auto lib = scannedPhotoTree();
    ColourEmbedder emb;
    emb.preferred = 3;
    emb.onCpu = true;
    IndexOptions o;
    o.batchSize = 8;  // commits of 8, model calls of 3: 3 + 3 + 2 (commit), then 2 (end)
    o.snapshotSeconds = 0;
    o.bundlePath = "/models/colour";
    auto ir = lib->index(emb, o);
    CHECK(ir.embedded == 10);
    CHECK(ir.complete);
    CHECK(emb.largestBatch == 3);
    CHECK(emb.batches == 4);
    // Decoders left at "auto" with a CPU model: the model is given threads for the run, then all again.
    const unsigned cores = std::thread::hardware_concurrency();
    REQUIRE(!emb.imageThreads.empty());
    CHECK(emb.imageThreads.back() == 0);
    if (cores >= 2) {
        CHECK(std::find(emb.imageThreads.begin(), emb.imageThreads.end(), static_cast<int>(cores - cores / 2)) !=
              emb.imageThreads.end());
    }
    auto hits = lib->search(emb, "qırmızı");
    REQUIRE(!hits.empty());
    CHECK(baseName(hits[0].photo.path).find("red") != std::string::npos);
}

TEST_CASE("index: the report says where the model's thread spent the run") {
    auto lib = scannedPhotoTree();
    ColourEmbedder emb("colour-v1", /*delayMsPerBatch=*/40);
    emb.preferred = 3;
    IndexOptions o;
    o.batchSize = 8;
    o.snapshotSeconds = 0;
    auto ir = lib->index(emb, o);
    REQUIRE(ir.embedded == 10);
    REQUIRE(emb.batches == 4);
    // Four model calls of at least 40 ms each are the model's time, not the decoders' or the commits'.
    CHECK(ir.encodeSeconds >= 4 * 0.040);
    CHECK(ir.commitSeconds > 0.0);
    for (double part : {ir.setupSeconds, ir.encodeSeconds, ir.decodeSeconds, ir.waitSeconds, ir.commitSeconds}) CHECK(part >= 0.0);
    const double parts = ir.setupSeconds + ir.encodeSeconds + ir.decodeSeconds + ir.waitSeconds + ir.commitSeconds;
    CHECK(parts <= ir.seconds);
    CHECK(ir.encodeSeconds < ir.seconds);
}

TEST_CASE("moves keep vectors and captions; deletions and changes are noticed") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makePhotoTree(tmp + "/photos");
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    lib->scan();
    ColourEmbedder emb;
    lib->index(emb, fastIndex());
    auto red1 = lib->photoByPath(photos + "/yay/red1.jpg");
    REQUIRE(red1);
    lib->addCaption(red1->id, "qırmızı alma");

    // Move (rename into another folder).
    REQUIRE(std::rename((photos + "/yay/red1.jpg").c_str(), (photos + "/qış/köçdü.jpg").c_str()) == 0);
    // Delete one, change one.
    REQUIRE(::unlink((photos + "/blue3.jpg").c_str()) == 0);
    writeImage(photos + "/red3.jpg", kGreen.r, kGreen.g, kGreen.b, 60, 60);
    auto rep = lib->scan();
    CHECK(rep.moved == 1);
    CHECK(rep.removed == 1);
    CHECK(rep.changed == 1);
    CHECK(rep.added == 0);
    auto moved = lib->photoByPath(photos + "/qış/köçdü.jpg");
    REQUIRE(moved);
    CHECK(moved->id == red1->id);
    CHECK(lib->captions(moved->id).size() == 1);
    CHECK(!lib->photoByPath(photos + "/yay/red1.jpg"));

    int before = emb.batches;
    auto ir = lib->index(emb, fastIndex());
    CHECK_MSG(ir.embedded == 1, "embedded=" << ir.embedded);  // only the changed photo
    CHECK(emb.batches == before + 1);
    SearchOptions so;
    so.k = 20;
    auto all = lib->search(emb, "yaşıl", so);
    CHECK(all.size() == 9);
    std::set<PhotoId> ids;
    for (auto& r : all) {
        CHECK(r.photo.path.find("blue3") == std::string::npos);
        ids.insert(r.photo.id);
    }
    CHECK(ids.size() == all.size());
    CHECK(ids.count(red1->id) == 1);
    // The changed photo is now green: it ranks with the green ones.
    auto green = lib->search(emb, "yaşıl", SearchOptions{4, 0, {}, 0});
    CHECK(countByPathPart(green, "red3", 4) == 1);
    // Reopening: catalog and index agree.
    lib.reset();
    lib = Library::open(tmp + "/lib");
    lib->search(emb, "yaşıl", so);
    auto checks = lib->indexChecks();
    REQUIRE(checks.size() == 1);
    CHECK(checks[0].reembed == 0);
    CHECK(checks[0].orphansDeleted == 0);  // the scan already dropped the deleted photo's vector
    CHECK(checks[0].vectors == 9);
    auto rb = lib->rebuildIndex("colour-v1");
    CHECK(rb.vectors == 9);
}

TEST_CASE("captions, TSV import/export, feedback, thumbnails") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makePhotoTree(tmp + "/photos");
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    lib->scan();
    auto p = lib->photoByPath(photos + "/yay/dəniz/mavi_göl.jpg");
    REQUIRE(p);
    auto c1 = lib->addCaption(p->id, "  Göy göl, sakit su  ");
    auto c2 = lib->addCaption(p->id, "dağ\tgölü");
    auto cs = lib->captions(p->id);
    REQUIRE(cs.size() == 2);
    CHECK(cs[0].text == "Göy göl, sakit su");
    CHECK(cs[0].source == "user");
    lib->editCaption(c1, "Göygöl");
    CHECK(lib->captions(p->id)[0].text == "Göygöl");
    CHECK_THROWS_WITH(lib->addCaption(p->id, "  "), lowclip::Error, "empty");
    CHECK_THROWS_WITH(lib->addCaption(424242, "x"), lowclip::Error, "no photo");
    CHECK_THROWS_WITH(lib->editCaption(999, "x"), lowclip::Error, "no caption");

    std::string tsv = tmp + "/captions.tsv";
    CHECK(lib->exportCaptionsTsv(tsv) == 2);
    lib->deleteCaption(c1);
    lib->deleteCaption(c2);
    CHECK(lib->allCaptions().empty());
    // Add relative paths, an unknown path and a malformed line.
    std::string extra = "qış/green1.jpg\tyaşıl çəmən\n/nowhere/x.jpg\tboş\nno tab here\n";
    writeBytes(tsv, readBytes(tsv) + extra);
    auto rep = lib->importCaptionsTsv(tsv);
    CHECK(rep.imported == 3);
    CHECK(rep.unmatched.size() == 2);
    auto rep2 = lib->importCaptionsTsv(tsv);
    CHECK(rep2.imported == 0);
    CHECK(rep2.duplicates == 3);
    auto pairs = lib->allCaptions();
    REQUIRE(pairs.size() == 3);
    std::set<std::string> texts;
    for (auto& tp : pairs) texts.insert(tp.text);
    CHECK(texts.count("Göygöl") == 1);
    CHECK(texts.count("dağ\tgölü") == 1);  // the TAB survived the escape round trip
    CHECK(texts.count("yaşıl çəmən") == 1);
    CHECK(lib->captions(p->id)[0].source == "import");

    auto f = lib->addFeedback("göl", p->id, true, "m1");
    lib->addFeedback("göl", lib->photoByPath(photos + "/red3.jpg")->id, false);
    auto fb = lib->feedback();
    REQUIRE(fb.size() == 2);
    CHECK(fb[0].id == f);
    CHECK(fb[0].relevant);
    CHECK(!fb[1].relevant);
    CHECK(fb[0].modelId == "m1");

    auto th = lib->thumbnail(p->id, 32);
    REQUIRE(th.size() > 100);
    CHECK(th[0] == 0xFF);
    CHECK(th[1] == 0xD8);
    cv::Mat m = cv::imdecode(std::vector<uchar>(th.begin(), th.end()), cv::IMREAD_COLOR);
    REQUIRE(!m.empty());
    CHECK(std::max(m.cols, m.rows) == 32);
    CHECK(lib->thumbnail(p->id, 32) == th);
    CHECK(lib->status().thumbnails == 1);
    CHECK_THROWS_WITH(lib->thumbnail(p->id, 5), lowclip::Error, "size");

    // Deleting the photo's file and rescanning drops its captions, feedback and thumbnails.
    ::unlink((photos + "/yay/dəniz/mavi_göl.jpg").c_str());
    lib->scan();
    auto st = lib->status();
    CHECK(st.captions == 1);
    CHECK(st.feedback == 1);
    CHECK(st.thumbnails == 0);
}

TEST_CASE("two processes: the second writer gets a clear error, readers read") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makePhotoTree(tmp + "/photos");
    std::string dir = tmp + "/lib";
    {
        auto lib = Library::open(dir);
        lib->addRoot(photos);
        lib->scan();
        ColourEmbedder emb;
        lib->index(emb, fastIndex());
    }
    int up[2], down[2];
    REQUIRE(::pipe(up) == 0);
    REQUIRE(::pipe(down) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        int rc = 0;
        try {
            auto lib = Library::open(dir);
            char c = 'r';
            if (::write(up[1], &c, 1) != 1) rc = 3;
            if (::read(down[0], &c, 1) != 1) rc = 4;
            lib->addCaption(lib->photos(0, 1)[0].id, "from the child");
        } catch (...) {
            rc = 2;
        }
        ::_exit(rc);
    }
    char c;
    REQUIRE(::read(up[0], &c, 1) == 1);
    std::string message;
    try {
        Library::open(dir);
    } catch (const lowclip::Error& e) {
        message = e.what();
    }
    CHECK_MSG(message.find("is in use by process " + std::to_string(child)) != std::string::npos, "message: " << message);
    {
        auto ro = Library::open(dir, OpenMode::ReadOnly);
        ColourEmbedder emb;
        CHECK(ro->search(emb, "mavi", SearchOptions{3, 0, {}, 0}).size() == 3);
        CHECK(ro->photoCount() == 10);
    }
    c = 'q';
    REQUIRE(::write(down[1], &c, 1) == 1);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    auto lib = Library::open(dir);  // the lock died with the child
    CHECK(lib->allCaptions().size() == 1);
}

TEST_CASE("kill -9 during indexing, then resume: nothing lost, nothing duplicated, catalog and index agree") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = tmp + "/photos";
    makeDirs(photos);
    const int n = 120;
    for (int i = 0; i < n; ++i)
        writeImage(photos + "/p" + std::to_string(i) + ".jpg", (i * 37) % 256, (i * 91) % 256, (i * 53) % 256, 24, 24);
    std::string dir = tmp + "/lib";
    {
        auto lib = Library::open(dir);
        lib->addRoot(photos);
        lib->scan();
    }
    int up[2];
    REQUIRE(::pipe(up) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        try {
            auto lib = Library::open(dir);
            ColourEmbedder slow("colour-v1", 15);
            IndexOptions o = fastIndex();
            o.snapshotSeconds = 0.05;  // snapshots and journal appends both happen before the kill
            lib->index(slow, o, [&](const lowclip::Progress& p) {
                unsigned char d = static_cast<unsigned char>(std::min<std::size_t>(p.done, 255));
                if (::write(up[1], &d, 1) != 1) ::_exit(3);
            });
        } catch (...) {
            ::_exit(2);
        }
        ::_exit(0);
    }
    unsigned char done = 0;
    while (done < 40 && ::read(up[0], &done, 1) == 1) {
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK_MSG(done >= 40 && done < n, "killed at done=" << int(done));

    auto lib = Library::open(dir);
    auto before = lib->models();
    REQUIRE(before.size() == 1);
    std::size_t committed = before[0].embedded;
    CHECK_MSG(committed >= 40 && committed < std::size_t(n), "committed=" << committed);
    ColourEmbedder emb;
    auto ir = lib->index(emb, fastIndex());
    auto checks = lib->indexChecks();
    REQUIRE(checks.size() == 1);
    CHECK_MSG(checks[0].reembed == 0, "reembed=" << checks[0].reembed);  // committed rows all had vectors
    std::cout << "  killed at progress " << int(done) << ", committed " << committed << ", resumed " << ir.embedded
              << ", orphans " << checks[0].orphansDeleted << "\n";
    CHECK(ir.embedded + committed - checks[0].reembed == std::size_t(n));
    CHECK(ir.complete);
    auto m = lib->models()[0];
    CHECK(m.embedded == std::size_t(n));
    SearchOptions all;
    all.k = 1000;
    auto res = lib->search(emb, "qırmızı", all);
    CHECK(res.size() == std::size_t(n));
    std::set<PhotoId> ids;
    for (auto& r : res) ids.insert(r.photo.id);
    CHECK(ids.size() == std::size_t(n));  // no duplicates
    lib.reset();

    // Labels in the index without a catalog row are marked deleted on open; rows whose vector is
    // missing from the index are embedded again.
    {
        auto l2 = Library::open(dir);
        auto idx = VectorIndex::open(dir + "/index/model-" + std::to_string(m.id), 8, true);
        std::vector<float> v(8, 0.3f);
        idx->add({777777}, v.data());  // an orphan
        auto some = l2->photos(0, 3);
        idx->remove({some[0].id, some[1].id, some[2].id});  // vectors lost
        l2.reset();
    }
    lib = Library::open(dir);
    auto ir2 = lib->index(emb, fastIndex());
    auto c2 = lib->indexChecks();
    REQUIRE(c2.size() == 1);
    CHECK(c2[0].orphansDeleted == 1);
    CHECK(c2[0].reembed == 3);
    CHECK(ir2.embedded == 3);
    CHECK(lib->search(emb, "qırmızı", all).size() == std::size_t(n));

    // A destroyed index file: the library starts the index afresh and re-embeds everything.
    lib.reset();
    {
        std::string snap = dir + "/index/model-" + std::to_string(m.id) + ".hnsw";
        REQUIRE(pathExists(snap));
        writeBytes(snap, std::string("garbage"));
    }
    lib = Library::open(dir);
    auto ir3 = lib->index(emb, fastIndex());
    auto c3 = lib->indexChecks();
    REQUIRE(c3.size() == 1);
    CHECK(c3[0].rebuiltFromScratch);
    CHECK(ir3.embedded == std::size_t(n));
    CHECK(lib->search(emb, "qırmızı", all).size() == std::size_t(n));
}

TEST_CASE("cancel keeps finished batches; a new model takes over only when complete") {
    std::string tmp = lowclip::testing::makeTempDir();
    std::string photos = makePhotoTree(tmp + "/photos");
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    lib->scan();
    ColourEmbedder a("model-a");
    lib->index(a, fastIndex());
    REQUIRE(lib->activeModel());
    CHECK(lib->activeModel()->modelId == "model-a");

    ColourEmbedder b("model-b");
    lowclip::CancelFlag cancel{false};
    IndexOptions o = fastIndex();
    o.decodeThreads = 1;
    bool threw = false;
    try {
        lib->index(b, o, [&](const lowclip::Progress& p) {
            if (p.done >= 4) cancel = true;
        }, &cancel);
    } catch (const lowclip::Cancelled&) {
        threw = true;
    }
    CHECK(threw);
    auto ms = lib->models();
    REQUIRE(ms.size() == 2);
    CHECK(ms[1].modelId == "model-b");
    CHECK(ms[1].embedded >= 4);
    CHECK(ms[1].embedded < 10);
    CHECK(lib->activeModel()->modelId == "model-a");  // the old index stays in use
    CHECK(lib->search(a, "mavi", SearchOptions{10, 0, {}, 0}).size() == 10);
    CHECK(lib->search(b, "mavi", SearchOptions{10, 0, {}, 0}).size() == ms[1].embedded);
    auto ir = lib->index(b, o);
    CHECK(ir.complete);
    CHECK(ir.activated);
    CHECK(ir.embedded == 10 - ms[1].embedded);
    CHECK(lib->activeModel()->modelId == "model-b");
    lib->setActiveModel("model-a");
    CHECK(lib->activeModel()->modelId == "model-a");
    lib->removeModel("model-b");
    CHECK(lib->models().size() == 1);
    CHECK_THROWS_WITH(lib->setActiveModel("nope"), lowclip::Error, "no model");
}

LOWCLIP_TEST_MAIN()
