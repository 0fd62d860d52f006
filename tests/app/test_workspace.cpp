// The application service (core/app): one active model for every front end, root and photo
// lookup, the teaching plan counted as teaching uses it, the fixed held-out split, the model that
// answers searches while another is being indexed, typed errors, the demo and teaching end to end
// on tiny models.
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/app/model_registry.h"
#include "core/app/workspace.h"
#include "core/io/bundle.h"
#include "core/train/demo.h"
#include "tests/library/library_test_support.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace lowclip;
using lowclip::library::testsupport::writeImage;

namespace {

std::vector<std::string> tinyVocab(bool continuationLetters = false) {
    std::vector<std::string> v{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    for (const char* w : {"qırmızı", "mavi", "yaşıl", "dairə", "kvadrat", "ulduz", "sarı", "qara", "böyük", "kiçik"})
        v.push_back(w);
    for (char c = 'a'; c <= 'z'; ++c) v.push_back(std::string(1, c));
    if (continuationLetters) {
        for (char c = 'a'; c <= 'z'; ++c) v.push_back("##" + std::string(1, c));
        for (const char* p : {"ə", "##ə", "##ı", "##ö", "##l", "##ar"}) v.push_back(p);
    }
    return v;
}

// A tiny randomly initialised bundle (different seeds give different weights and model ids).
void writeTinyBundle(const std::string& dir, std::uint64_t seed, bool continuationLetters = false) {
    const auto vocab = tinyVocab(continuationLetters);
    nn::ClipConfig config = train::demoClipConfig(train::tinyDemoOptions(), vocab.size());
    torch::manual_seed(seed);
    nn::DualEncoder model(config);
    io::BundleProvenance prov;
    prov.source = "test";
    io::saveBundle(dir, *model, config, vocab, prov);
}

struct Fixture {
    std::string root = testing::makeTempDir("lowclip-ws-");
    std::string data = root + "/data";
    std::string photos = root + "/photos";

    explicit Fixture(int photoCount = 6) {
        fs::create_directories(photos);
        for (int i = 0; i < photoCount; ++i)
            writeImage(photos + "/p" + std::to_string(i) + ".png", 40 * i % 256, 255 - 30 * i % 256, 90);
    }
    std::unique_ptr<app::Workspace> open(library::OpenMode mode = library::OpenMode::ReadWrite) {
        app::WorkspaceOptions o;
        o.dataDir = data;
        o.mode = mode;
        o.runtime.device = "cpu";
        return app::Workspace::open(o);
    }
    std::string modelDir(const std::string& name) const { return data + "/models/" + name; }
};

template <class F>
ErrorCode codeOf(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.code();
    }
    return ErrorCode::Failed;  // nothing thrown: never what a test below expects
}

}  // namespace

TEST_CASE("model names: any script and spaces, never a path") {
    CHECK(app::ModelRegistry::validName("mənim modelim"));
    CHECK(app::ModelRegistry::validName("şəkil-2024_v2"));
    CHECK(app::ModelRegistry::validName("Çiçək"));
    const std::vector<std::string> bad{"", ".", "..", ".hidden", "a/b", "a\\b", " lead", "trail ", "tab\tname", "active",
                                       std::string("\xff\xfe"), std::string(101, 'x')};
    for (const std::string& name : bad)
        CHECK_MSG(!app::ModelRegistry::validName(name), name);
    CHECK(codeOf([] { app::ModelRegistry::requireValidName("../x"); }) == ErrorCode::InvalidModelName);
}

TEST_CASE("one active model: chosen in one workspace, seen by another opened on the same folder") {
    Fixture f;
    {
        auto w = f.open();
        CHECK(w->activeModel().empty());
        CHECK(codeOf([&] { w->search("qırmızı dairə", {}); }) == ErrorCode::NoModel);
        writeTinyBundle(f.modelDir("alpha"), 1);
        writeTinyBundle(f.modelDir("mənim modelim"), 2);
        // Two models and no choice: none of them is picked behind the user's back.
        CHECK(w->activeModel().empty());
        w->activateModel("mənim modelim");
        CHECK(w->activeModel().name == "mənim modelim");
        CHECK(codeOf([&] { w->activateModel("nope"); }) == ErrorCode::ModelNotFound);
    }
    {
        // A second front end (read-only, as the CLI's search) sees the same choice.
        auto reader = f.open(library::OpenMode::ReadOnly);
        CHECK(reader->activeModel().name == "mənim modelim");
        const auto models = reader->models();
        REQUIRE(models.size() == 2);
        CHECK(!models[0].active);
        CHECK(models[1].active);
        // Switching from the read-only side is seen by the next writer.
        reader->activateModel("alpha");
    }
    auto w = f.open();
    CHECK(w->activeModel().name == "alpha");
    CHECK(codeOf([&] { w->deleteModel("alpha"); }) == ErrorCode::ModelInUse);
    w->deleteModel("mənim modelim");
    CHECK(!fs::exists(f.modelDir("mənim modelim")));
    CHECK(w->models().size() == 1);
}

TEST_CASE("searches use the last complete model until the chosen one has embedded every photo") {
    Fixture f(5);
    auto w = f.open();
    writeTinyBundle(f.modelDir("first"), 1);
    writeTinyBundle(f.modelDir("second"), 2);
    w->addRoot(f.photos);
    w->activateModel("first");
    app::IndexRequest all;
    auto out = w->index(all);
    REQUIRE(out.index.has_value());
    CHECK(out.index->embedded == 5);
    CHECK(out.model.name == "first");
    CHECK(w->searchModel().name == "first");

    // The choice moves to "second"; it has embedded nothing yet, so searches stay with "first".
    w->activateModel("second");
    CHECK(w->activeModel().name == "second");
    CHECK(w->searchModel().name == "first");
    const auto during = w->search("qırmızı dairə", {});
    CHECK(during.model.name == "first");
    CHECK(during.hits.size() == 5);
    // "first" answers searches, so it cannot be deleted either.
    CHECK(codeOf([&] { w->deleteModel("first"); }) == ErrorCode::ModelInUse);

    // An interrupted run keeps what it finished and the old model keeps answering.
    app::IndexRequest some;
    some.scan = false;
    some.indexOptions.batchSize = 1;
    std::atomic<bool> cancel{false};
    int batches = 0;
    bool cancelled = false;
    try {
        w->index(some, [&](const Progress& p) {
            if (p.stage != "scan" && p.done > 0 && ++batches >= 1) cancel = true;
        }, &cancel);
    } catch (const Cancelled&) {
        cancelled = true;
    }
    CHECK(cancelled);
    CHECK(w->searchModel().name == "first");

    out = w->index(all);
    REQUIRE(out.index.has_value());
    CHECK(out.index->complete);
    CHECK(w->searchModel().name == "second");
    CHECK(w->search("mavi kvadrat", {}).model.name == "second");
    w->deleteModel("first");  // no longer in use
    CHECK(w->models().size() == 1);
}

TEST_CASE("library folders and photos by id, stored path or resolved path; typed errors otherwise") {
    Fixture f(2);
    auto w = f.open();
    const std::string link = f.root + "/link-to-photos";
    fs::create_directory_symlink(f.photos, link);
    const auto id = w->addRoot(link);  // stored resolved
    CHECK(w->findRoot(std::to_string(id)).id == id);
    CHECK(w->findRoot(f.photos).id == id);
    CHECK(w->findRoot(link).id == id);
    CHECK(w->findRoot(f.photos + "/").id == id);
    CHECK(codeOf([&] { w->findRoot("99"); }) == ErrorCode::RootNotFound);
    CHECK(codeOf([&] { w->findRoot(f.root); }) == ErrorCode::RootNotFound);
    CHECK(codeOf([&] { w->addRoot(f.photos + "/p0.png"); }) == ErrorCode::NotAFolder);

    app::IndexRequest scanOnly;
    scanOnly.embed = false;
    w->index(scanOnly);
    const auto p = w->findPhoto(f.photos + "/p1.png");
    CHECK(w->findPhoto(std::to_string(p.id)).id == p.id);
    CHECK(w->findPhoto(link + "/p1.png").id == p.id);
    CHECK(codeOf([&] { w->findPhoto("123456"); }) == ErrorCode::PhotoNotFound);
    CHECK(codeOf([&] { w->findPhoto(f.root + "/nothing.png"); }) == ErrorCode::PhotoNotFound);
    CHECK(codeOf([&] { w->addCaption({p.id}, "  \t"); }) == ErrorCode::EmptyCaption);
    CHECK(codeOf([&] { w->addCaption({p.id + 1000}, "mavi"); }) == ErrorCode::PhotoNotFound);
    w->removeRoot(f.photos);
    CHECK(w->roots().empty());
}

TEST_CASE("preparing searches: nothing without a model; the model alone without vectors; then the same answers") {
    Fixture f(4);
    auto w = f.open();
    CHECK(!w->prepareSearch());  // no model yet
    writeTinyBundle(f.modelDir("first"), 1);
    w->addRoot(f.photos);
    w->activateModel("first");
    CHECK(w->prepareSearch());  // nothing embedded yet: the model only
    const auto before = w->embedder(w->searchModel());
    app::IndexRequest all;
    REQUIRE(w->index(all).index.has_value());
    CHECK(w->prepareSearch());
    CHECK(w->embedder(w->searchModel()) == before);  // kept, not loaded again
    const auto a = w->search("qırmızı dairə", {});
    CHECK(a.hits.size() == 4);
    CHECK(a.model.name == "first");

    // Read-only, without a library: the model is prepared and nothing is written.
    Fixture g;
    fs::create_directories(g.data + "/models");
    writeTinyBundle(g.modelDir("solo"), 3);
    auto r = g.open(library::OpenMode::ReadOnly);
    CHECK(r->prepareSearch());
    CHECK(!fs::exists(g.data + "/library"));
}

TEST_CASE("a read-only workspace without a library lists models and says NoLibrary for the rest") {
    Fixture f;
    fs::create_directories(f.data + "/models");
    writeTinyBundle(f.modelDir("solo"), 3);
    auto r = f.open(library::OpenMode::ReadOnly);
    CHECK(!r->hasLibrary());
    CHECK(r->models().size() == 1);
    CHECK(r->activeModel().name == "solo");  // the only model there is
    CHECK(codeOf([&] { r->library(); }) == ErrorCode::NoLibrary);
    CHECK(codeOf([&] { r->search("mavi", {}); }) == ErrorCode::NoLibrary);
    CHECK(!fs::exists(f.data + "/library"));  // nothing was written
}

TEST_CASE("the teaching plan: duplicates counted once, a fixed held-out split, exactly what teach() trains on") {
    Fixture f(30);
    auto w = f.open();
    writeTinyBundle(f.modelDir("base"), 4);
    w->activateModel("base");
    w->addRoot(f.photos);
    app::IndexRequest scanOnly;
    scanOnly.embed = false;
    w->index(scanOnly);
    std::vector<library::PhotoId> ids;
    for (int i = 0; i < 30; ++i) ids.push_back(w->findPhoto(f.photos + "/p" + std::to_string(i) + ".png").id);
    const std::vector<std::string> words{"qırmızı dairə", "mavi kvadrat", "yaşıl ulduz"};
    for (int i = 0; i < 20; ++i) w->addCaption({ids[std::size_t(i)]}, words[std::size_t(i) % 3]);
    // The same caption again, the same text with spaces around it, and feedback repeating a caption.
    w->addCaption({ids[0]}, words[0]);
    w->addCaption({ids[1]}, "  " + words[1] + " ");
    w->library().addFeedback(words[2], ids[2], true);
    w->library().addFeedback("sarı ulduz", ids[3], true);
    w->library().addFeedback("qara", ids[4], false);  // not relevant: never a pair

    const app::TeachingPlan plan = w->teachingPlan(true, true);
    CHECK(plan.pairs.size() == 21);  // 20 captions + one new feedback text
    CHECK(plan.trainPairs + plan.heldOutPairs == plan.pairs.size());
    std::set<std::pair<library::PhotoId, std::string>> unique;
    for (const auto& p : plan.pairs) unique.insert({p.photo, p.text});
    CHECK(unique.size() == plan.pairs.size());
    CHECK(plan.heldOutPhotos > 0);
    CHECK(plan.enough);
    CHECK(!plan.measurable);  // a handful of held-out captions is not a measurement
    CHECK(w->teachingPlan(true, false).pairs.size() == 20);
    CHECK(w->teachingPlan(false, true).pairs.size() == 2);

    // Captions on other photos do not move a photo between the training and the held-out set.
    std::map<library::PhotoId, bool> before;
    for (const auto& p : plan.pairs) before[p.photo] = p.heldOut;
    for (int i = 20; i < 30; ++i) w->addCaption({ids[std::size_t(i)]}, words[std::size_t(i) % 3]);
    for (const auto& p : w->teachingPlan(true, true).pairs)
        if (before.count(p.photo)) CHECK(before[p.photo] == p.heldOut);

    // Teaching trains on exactly the plan's pairs and measures on its held-out ones.
    const app::TeachingPlan now = w->teachingPlan(true, true);
    app::TeachRequest r;
    r.epochs = 1;
    r.newModelName = "taught";
    std::vector<app::TeachStage> stages;
    std::size_t steps = 0;
    const app::TeachOutcome o = w->teach(r, [&](const app::TeachEvent& e) {
        if (e.kind == app::TeachEvent::Kind::Stage) stages.push_back(e.stage);
        if (e.kind == app::TeachEvent::Kind::Step) ++steps;
    });
    CHECK(o.trainPairs == now.trainPairs);
    CHECK(o.heldOutPairs == now.heldOutPairs);
    CHECK(o.heldOutPhotos == now.heldOutPhotos);
    CHECK(o.before.numTexts == now.heldOutPairs);
    CHECK(o.after.numTexts == now.heldOutPairs);
    CHECK(steps > 0);
    REQUIRE(stages.size() == 5);
    CHECK(stages.front() == app::TeachStage::Loading);
    CHECK(stages.back() == app::TeachStage::Saving);
    CHECK(o.model.name == "taught");
    CHECK(w->registry().contains("taught"));
    CHECK(w->activeModel().name == "base");  // a new model is offered, not switched to
    CHECK(codeOf([&] { w->teach(r); }) == ErrorCode::ModelExists);

    // Cancelled teaching keeps nothing.
    std::atomic<bool> cancel{false};
    r.newModelName = "never";
    bool cancelled = false;
    try {
        w->teach(r, [&](const app::TeachEvent& e) {
            if (e.kind == app::TeachEvent::Kind::Step) cancel = true;
        }, &cancel);
    } catch (const Cancelled&) {
        cancelled = true;
    }
    CHECK(cancelled);
    CHECK(!fs::exists(f.modelDir("never")));
    CHECK(codeOf([&] { app::teachPreset("slow"); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("every model measured on the same held-out captions of the library; too few measures nothing") {
    Fixture f(100);
    auto w = f.open();
    writeTinyBundle(f.modelDir("first"), 1);
    writeTinyBundle(f.modelDir("second"), 2);
    fs::create_directories(f.modelDir("broken"));
    { std::ofstream(f.modelDir("broken") + "/lowclip.json") << "{ not json"; }
    w->activateModel("first");
    w->addRoot(f.photos);
    app::IndexRequest scanOnly;
    scanOnly.embed = false;
    w->index(scanOnly);
    const std::vector<std::string> words{"qırmızı dairə", "mavi kvadrat", "yaşıl ulduz", "sarı dairə"};
    std::vector<library::PhotoId> ids;
    for (int i = 0; i < 100; ++i) ids.push_back(w->findPhoto(f.photos + "/p" + std::to_string(i) + ".png").id);
    for (int i = 0; i < 6; ++i) w->addCaption({ids[std::size_t(i)]}, words[std::size_t(i) % 4]);
    const app::HeldOutMeasurement few = w->measureModels();
    CHECK(!few.measurable);
    CHECK(few.models.empty());

    for (int i = 6; i < 100; ++i) {
        w->addCaption({ids[std::size_t(i)]}, words[std::size_t(i) % 4]);
        w->addCaption({ids[std::size_t(i)]}, words[std::size_t(i + 1) % 4] + " və " + words[std::size_t(i + 2) % 4]);
    }
    const app::TeachingPlan plan = w->teachingPlan(true, true);
    REQUIRE(plan.measurable);
    std::vector<Progress> seen;
    const app::HeldOutMeasurement m = w->measureModels([&](const Progress& p) { seen.push_back(p); });
    CHECK(m.measurable);
    CHECK(m.heldOutPairs == plan.heldOutPairs);
    CHECK(m.heldOutPhotos == plan.heldOutPhotos);
    REQUIRE(m.models.size() == 3);
    std::map<std::string, app::ModelMeasure> byName;
    for (const auto& one : m.models) byName[one.name] = one;
    for (const char* name : {"first", "second"}) {
        const auto& one = byName[name];
        CHECK_MSG(one.measured, name << ": " << one.problem);
        CHECK(one.report.numTexts == plan.heldOutPairs);  // the same captions for every model
        CHECK(one.report.numImages == plan.heldOutPhotos);
        CHECK(one.report.textToImage.r5 >= one.report.textToImage.r1);
        CHECK(one.report.textToImage.r5 <= 1.0);
    }
    CHECK(!byName["broken"].measured);
    CHECK(!byName["broken"].problem.empty());
    REQUIRE(seen.size() == 3);
    CHECK(seen.back().done == 3);
    CHECK(seen.back().total == 3);
}

TEST_CASE("too few captions to teach is a typed error with the counts") {
    Fixture f(3);
    auto w = f.open();
    writeTinyBundle(f.modelDir("base"), 5);
    w->addRoot(f.photos);
    app::IndexRequest scanOnly;
    scanOnly.embed = false;
    w->index(scanOnly);
    w->addCaption({w->findPhoto(f.photos + "/p0.png").id}, "mavi");
    try {
        w->teach({});
        CHECK(false);
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::TooFewPairs);
        CHECK(e.detail("needed") == std::to_string(app::kMinTeachingPhotos));
        CHECK(!e.detail("count").empty());
    }
}

TEST_CASE("importing into the registry: taken names and bad sources leave nothing behind") {
    Fixture f;
    auto w = f.open();
    const std::string outside = f.root + "/outside";
    writeTinyBundle(outside, 6);
    app::ModelImport src;
    src.kind = app::ModelImport::Kind::Bundle;
    src.bundle = outside;
    const auto e = w->importModel("mine", src);
    CHECK(e.name == "mine");
    CHECK(e.readable);
    CHECK(e.dim == train::tinyDemoOptions().projectionDim);
    CHECK(codeOf([&] { w->importModel("mine", src); }) == ErrorCode::ModelExists);
    CHECK(codeOf([&] { w->importModel("a/b", src); }) == ErrorCode::InvalidModelName);
    src.bundle = f.photos;  // not a bundle
    CHECK(codeOf([&] { w->importModel("broken", src); }) != ErrorCode::Failed);
    CHECK(!fs::exists(f.modelDir("broken")));
    std::atomic<bool> cancel{true};
    src.bundle = outside;
    CHECK(codeOf([&] { w->importModel("cancelled", src, {}, &cancel); }) == ErrorCode::Cancelled);
    CHECK(!fs::exists(f.modelDir("cancelled")));
    // Export copies the whole bundle and refuses to overwrite.
    const std::string dest = f.root + "/export";
    fs::create_directories(dest);
    w->exportModel("mine", dest);
    CHECK(fs::exists(dest + "/mine/model.safetensors"));
    CHECK(codeOf([&] { w->exportModel("mine", dest); }) == ErrorCode::AlreadyExists);
}

TEST_CASE("the demo through the workspace: saved, photos written and indexed, active, queries answered") {
    Fixture f(0);
    auto w = f.open();
    app::DemoRequest d;
    d.options = train::tinyDemoOptions();
    d.options.steps = 6;
    d.options.batchSize = 16;
    d.options.warmupSteps = 1;
    d.options.evalImages = 8;
    d.options.threads = 2;
    d.queries = {"qırmızı dairə", "mavi kvadrat"};
    std::vector<app::DemoStage> stages;
    d.resultsPerQuery = 3;
    app::DemoEvents ev;
    ev.onStage = [&](app::DemoStage s) { stages.push_back(s); };
    const app::DemoOutcome out = w->runDemo(d, ev);
    const std::vector<app::DemoStage> expected{app::DemoStage::Preparing, app::DemoStage::Training,
                                               app::DemoStage::Evaluating, app::DemoStage::Saving,
                                               app::DemoStage::WritingPhotos, app::DemoStage::Indexing,
                                               app::DemoStage::Querying};
    CHECK(stages == expected);
    CHECK(out.library);
    CHECK(out.photos == 16);  // two splits of 8
    CHECK(out.embedded == 16);
    CHECK(w->activeModel().name == "demo");
    CHECK(w->searchModel().name == "demo");
    REQUIRE(out.queries.size() == 2);
    CHECK(out.queries[0].hits.size() == 3);
    CHECK(out.eval.count("single") == 1);
    CHECK(!out.heldOut.empty());

    // A second run with another seed redraws the photos in place; nothing is duplicated.
    d.options.seed = 2;
    const app::DemoOutcome again = w->runDemo(d, {});
    CHECK(again.photos == 16);
    CHECK(w->library().status().photos == 16);
    CHECK(w->roots().size() == 1);
}

LOWCLIP_TEST_MAIN()

TEST_CASE("the words a model does not know: as typed when alone, none without a model") {
    Fixture f(0);
    auto w = f.open();
    CHECK(w->unknownWords("qırmızı göl").empty());  // no model: nothing to say
    writeTinyBundle(f.modelDir("tiny"), 1);
    REQUIRE(w->searchModel().name == "tiny");
    // The tiny vocabulary has these words whole, and the letters a-z but no "##" pieces: "əl" has
    // a letter it lacks. The demo-style model normalises the Azerbaijani way (I -> ı), so "QIRMIZI"
    // is its "qırmızı" and known; unknown words are reported as typed.
    CHECK(w->unknownWords("qırmızı dairə").empty());
    CHECK(w->unknownWords("mavi ulduz").empty());
    CHECK(w->unknownWords("QIRMIZI DAİRƏ").empty());
    CHECK((w->unknownWords("QIRMIZI dairə ƏL") == std::vector<std::string>{"ƏL"}));
    CHECK((w->unknownWords("əl əl  qara əl") == std::vector<std::string>{"əl"}));
    CHECK(w->unknownWords("   ").empty());
    CHECK(codeOf([&] { w->unknownWords(std::string(100000, 'a')); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("a word the vocabulary has only letter by letter is unknown; a word with longer pieces is known") {
    Fixture f(0);
    auto w = f.open();
    writeTinyBundle(f.modelDir("tiny"), 1, true);
    REQUIRE(w->searchModel().name == "tiny");
    // "zqx" -> z ##q ##x and "əl" -> ə ##l: letters only. "mavilar" -> mavi ##l ##ar has a word piece.
    CHECK((w->unknownWords("qırmızı zqx") == std::vector<std::string>{"zqx"}));
    CHECK((w->unknownWords("əl mavi") == std::vector<std::string>{"əl"}));
    CHECK(w->unknownWords("mavilar dairə").empty());
    CHECK(w->unknownWords("a mavi").empty());  // one piece, a word of its own
}

TEST_CASE("browsing without a model: newest first by file time when photos have no date; filters apply") {
    Fixture f(4);
    const auto now = fs::file_time_type::clock::now();
    for (int i = 0; i < 4; ++i)  // p0 oldest ... p3 newest
        fs::last_write_time(f.photos + "/p" + std::to_string(i) + ".png", now - std::chrono::hours(24 * (10 - i)));
    auto w = f.open();
    const auto root = w->addRoot(f.photos);
    app::IndexRequest scan;
    auto out = w->index(scan);
    CHECK(!out.index);  // no model: catalogued only
    library::SearchFilter all;
    auto photos = w->browse(all, 0, 100);
    REQUIRE(photos.size() == 4);
    for (int i = 0; i < 4; ++i) CHECK(fs::path(photos[std::size_t(i)].path).filename() == "p" + std::to_string(3 - i) + ".png");
    // Paging.
    auto page = w->browse(all, 1, 2);
    REQUIRE(page.size() == 2);
    CHECK(page[0].id == photos[1].id);
    CHECK(page[1].id == photos[2].id);
    CHECK(w->browse(all, 10, 2).empty());
    // None of them has a date taken: a date filter leaves them out unless asked to keep them.
    library::SearchFilter dated;
    dated.dateFrom = "2000";
    CHECK(w->browse(dated, 0, 100).empty());
    dated.keepUndated = true;
    CHECK(w->browse(dated, 0, 100).size() == 4);
    library::SearchFilter inRoot;
    inRoot.rootId = root;
    CHECK(w->browse(inRoot, 0, 100).size() == 4);
    inRoot.rootId = root + 100;
    CHECK(w->browse(inRoot, 0, 100).empty());
}

TEST_CASE("photos removed from the library stay out of later scans until an index run restores them") {
    Fixture f(3);
    auto w = f.open();
    w->addRoot(f.photos);
    app::IndexRequest scan;
    w->index(scan);
    library::SearchFilter all;
    auto photos = w->browse(all, 0, 100);
    REQUIRE(photos.size() == 3);
    CHECK(w->removePhotos({photos[0].id}) == 1);
    auto out = w->index(scan);
    REQUIRE(out.scan);
    CHECK(out.scan->excluded == 1);
    CHECK(out.scan->added == 0);
    CHECK(w->browse(all, 0, 100).size() == 2);
    CHECK(fs::exists(photos[0].path));  // the file stays
    app::IndexRequest restore;
    restore.restoreRemoved = true;
    out = w->index(restore);
    REQUIRE(out.scan);
    CHECK(out.scan->added == 1);
    CHECK(out.scan->excluded == 0);
    CHECK(w->browse(all, 0, 100).size() == 3);
}

TEST_CASE("searches keep photos without a date under a date filter only when asked") {
    Fixture f(3);
    auto w = f.open();
    writeTinyBundle(f.modelDir("tiny"), 1);
    w->addRoot(f.photos);
    app::IndexRequest all;
    REQUIRE(w->index(all).index->embedded == 3);
    library::SearchOptions o;
    o.k = 10;
    CHECK(w->search("qırmızı dairə", o).hits.size() == 3);
    o.filter.dateFrom = "2001";
    o.filter.dateTo = "2030";
    CHECK(w->search("qırmızı dairə", o).hits.empty());
    o.filter.keepUndated = true;
    CHECK(w->search("qırmızı dairə", o).hits.size() == 3);
    const auto first = w->browse({}, 0, 1);
    REQUIRE(first.size() == 1);
    CHECK(w->similar(first[0].id, o).hits.size() == 2);
}

TEST_CASE("relevance marks: a second mark of a photo for a query replaces the first; marks can be removed") {
    Fixture f(2);
    auto w = f.open();
    w->addRoot(f.photos);
    app::IndexRequest scan;
    w->index(scan);
    const auto photos = w->browse({}, 0, 10);
    REQUIRE(photos.size() == 2);
    const auto a = photos[0].id, b = photos[1].id;
    const auto m1 = w->feedback("qırmızı dairə", a, true);
    const auto m2 = w->feedback(" qırmızı dairə ", a, false);  // the same query, corrected
    const auto m3 = w->feedback("qırmızı dairə", b, true);
    const auto m4 = w->feedback("mavi", a, true);             // another query: a mark of its own
    CHECK(m1 != m2);
    auto marks = w->feedbackMarks();
    REQUIRE(marks.size() == 3);
    CHECK(marks[0].id == m2);
    CHECK(marks[0].query == "qırmızı dairə");
    CHECK(!marks[0].relevant);
    CHECK(marks[1].id == m3);
    CHECK(marks[2].id == m4);
    // Teaching sees only what is marked relevant now.
    const auto plan = w->teachingPlan(false, true);
    CHECK(plan.pairs.size() == 2);
    w->removeFeedback(m3);
    w->removeFeedback(m3);  // gone already: not an error
    CHECK(w->feedbackMarks().size() == 2);
    CHECK(w->teachingPlan(false, true).pairs.size() == 1);
    CHECK(codeOf([&] { w->feedback("  ", a, true); }) == ErrorCode::InvalidArgument);
    CHECK(codeOf([&] { w->feedback("x", b + 1000, true); }) == ErrorCode::PhotoNotFound);
    CHECK(w->feedbackMarks().size() == 2);
}

TEST_CASE("text precision: int8 and auto query vectors stay within cosine 0.99 of float32; bad names are typed") {
    Fixture f(0);
    writeTinyBundle(f.modelDir("tiny"), 3);
    CHECK(train::parseTextPrecision("int8") == train::TextPrecision::Int8);
    CHECK(train::parseTextPrecision("auto") == train::TextPrecision::Fastest);
    CHECK(codeOf([] { train::parseTextPrecision("int4"); }) == ErrorCode::InvalidArgument);
    const std::vector<std::string> queries = {"qırmızı dairə", "mavi ulduz", "QIRMIZI DAİRƏ yaşıl kvadrat"};
    auto reference = train::loadEmbedder(f.modelDir("tiny"), "cpu", train::TextPrecision::Float32)->encodeTexts(queries);
    for (auto precision : {train::TextPrecision::Int8, train::TextPrecision::Fastest}) {
        auto got = train::loadEmbedder(f.modelDir("tiny"), "cpu", precision)->encodeTexts(queries);
        REQUIRE(got.size() == reference.size());
        const size_t dim = reference.size() / queries.size();
        for (size_t q = 0; q < queries.size(); ++q) {
            double dot = 0, na = 0, nb = 0;
            for (size_t i = q * dim; i < (q + 1) * dim; ++i) {
                dot += double(got[i]) * reference[i];
                na += double(got[i]) * got[i];
                nb += double(reference[i]) * reference[i];
            }
            CHECK(dot / std::sqrt(na * nb) >= 0.99);
        }
    }
}
