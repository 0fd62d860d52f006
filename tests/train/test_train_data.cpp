// Datasets (every format, quoting, several captions, split by image), metrics against hand-computed
// cases, and the synthetic world (grammar, determinism, the satisfies predicate, held-out combos).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "core/error.h"
#include "core/train/datasets.h"
#include "core/train/metrics.h"
#include "core/train/synthetic_world.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace lowclip;
using namespace lowclip::train;

namespace {

std::string writeFile(const std::string& dir, const std::string& name, const std::string& content) {
    std::string p = (fs::path(dir) / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
}

const CaptionedImage* find(const Dataset& d, const std::string& suffix) {
    for (const auto& it : d.items)
        if (it.imagePath.size() >= suffix.size() &&
            it.imagePath.compare(it.imagePath.size() - suffix.size(), suffix.size(), suffix) == 0)
            return &it;
    return nullptr;
}

bool near(double a, double b, double tol = 1e-9) { return std::abs(a - b) <= tol; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Datasets

TEST_CASE("csv: quoted fields, escaped quotes, commas and newlines inside quotes") {
    auto rows = parseDelimited("image,caption\n"
                               "a.jpg,\"bir, iki\"\n"
                               "b.jpg,\"o \"\"qırmızı\"\" dedi\"\n"
                               "c.jpg,\"iki\nsətir\"\r\n"
                               "\n"
                               "d.jpg,  boşluq  \n",
                               ',');
    REQUIRE(rows.size() == 5);
    CHECK(rows[1][1] == "bir, iki");
    CHECK(rows[2][1] == "o \"qırmızı\" dedi");
    CHECK(rows[3][1] == "iki\nsətir");
    CHECK(rows[4][1] == "boşluq");
    CHECK_THROWS_WITH(parseDelimited("a,\"never closed\n", ',', "x.csv"), Error, "never closed");
    CHECK_THROWS_WITH(parseDelimited("a,\"q\"x\n", ',', "x.csv"), Error, "after a closing quote");
}

TEST_CASE("csv dataset: chosen columns, several captions per image, image root") {
    std::string dir = testing::makeTempDir();
    std::string p = writeFile(dir, "caps.csv",
                              "id,file,text\n"
                              "1,img/a.jpg,\"qırmızı dairə, ağ fonda\"\n"
                              "2,img/b.jpg,mavi kvadrat\n"
                              "3,img/a.jpg,böyük qırmızı dairə\n"
                              "4,img/c.jpg,\"\"\n");
    CsvOptions o;
    o.imageColumn = "file";
    o.captionColumn = "text";
    Dataset d = loadCsvDataset(p, o);
    CHECK(d.items.size() == 2);  // c.jpg has only an empty caption
    const auto* a = find(d, "img/a.jpg");
    REQUIRE(a != nullptr);
    CHECK(a->captions.size() == 2);
    CHECK(a->captions[0] == "qırmızı dairə, ağ fonda");
    CHECK(fs::path(a->imagePath).is_absolute() == fs::path(dir).is_absolute());
    CHECK(a->imagePath.find(dir) == 0);
    CHECK(d.captionCount() == 3);
    o.imageColumn = "nope";
    CHECK_THROWS_WITH(loadCsvDataset(p, o), Error, "no column named 'nope'");
    CsvOptions numeric;
    numeric.header = false;
    numeric.imageColumn = "1";
    numeric.captionColumn = "2";
    numeric.imageRoot = "/photos";
    Dataset n = loadCsvDataset(p, numeric);
    CHECK(n.items.size() == 3);  // the header row is data now ("file"); c.jpg has no caption
    CHECK(find(n, "/photos/img/b.jpg") != nullptr);
}

TEST_CASE("tsv dataset by extension") {
    std::string dir = testing::makeTempDir();
    std::string p = writeFile(dir, "caps.tsv", "image\tcaption\nx.png\tsarı ulduz\nx.png\tulduz, sarı\ny.png\tdairə\n");
    Dataset d = loadDataset(p);
    REQUIRE(d.items.size() == 2);
    CHECK(d.items[0].captions.size() == 2);
    CHECK(d.items[0].captions[1] == "ulduz, sarı");
}

TEST_CASE("flickr8k token file") {
    std::string dir = testing::makeTempDir();
    std::string p = writeFile(dir, "Flickr8k.token.txt",
                              "1000268201_693b08cb0e.jpg#0\tA child in a pink dress .\n"
                              "1000268201_693b08cb0e.jpg#1\tA girl going into a wooden building .\n"
                              "1001773457_577c3a7d70.jpg#0\tA black dog and a spotted dog are fighting\n");
    Dataset d = loadDataset(p, {});
    REQUIRE(d.items.size() == 2);
    CHECK(d.items[0].captions.size() == 2);
    CHECK(d.items[0].captions[1] == "A girl going into a wooden building .");
    CHECK(fs::path(d.items[1].imagePath).filename() == "1001773457_577c3a7d70.jpg");
    Dataset rooted = loadFlickr8k(p, "/data/Flicker8k_Dataset");
    CHECK(rooted.items[0].imagePath == "/data/Flicker8k_Dataset/1000268201_693b08cb0e.jpg");
}

TEST_CASE("flickr30k results.csv with '|' inside a caption") {
    std::string dir = testing::makeTempDir();
    std::string p = writeFile(dir, "results.csv",
                              "image_name| comment_number| comment\n"
                              "1000092795.jpg| 0| Two young guys with shaggy hair .\n"
                              "1000092795.jpg| 1| Two friends | enjoy time .\n"
                              "10002456.jpg| 0| Several men in hard hats .\n");
    Dataset d = loadDataset(p);
    REQUIRE(d.items.size() == 2);
    CHECK(d.items[0].captions.size() == 2);
    CHECK(d.items[0].captions[1] == "Two friends | enjoy time .");
    CHECK(fs::path(d.items[1].imagePath).filename() == "10002456.jpg");
}

TEST_CASE("coco captions json") {
    std::string dir = testing::makeTempDir();
    std::string p = writeFile(dir, "captions_train2017.json", R"({
      "images": [{"id": 7, "file_name": "000007.jpg"}, {"id": 3, "file_name": "000003.jpg"}],
      "annotations": [{"image_id": 3, "id": 1, "caption": "pişik"}, {"image_id": 7, "id": 2, "caption": "it"},
                      {"image_id": 3, "id": 3, "caption": "divanda pişik"}]})");
    Dataset d = loadDataset(p);
    REQUIRE(d.items.size() == 2);
    CHECK(fs::path(d.items[0].imagePath).filename() == "000007.jpg");  // the images' order
    CHECK(d.items[1].captions == std::vector<std::string>({"pişik", "divanda pişik"}));
    std::string bad = writeFile(dir, "bad.json", R"({"images": [], "annotations": [{"image_id": 1, "caption": "x"}]})");
    CHECK_THROWS_WITH(loadCoco(bad), Error, "unknown image id 1");
    std::string broken = writeFile(dir, "broken.json", "{\"images\": [");
    CHECK_THROWS_WITH(loadCoco(broken), Error, "not valid JSON");
}

TEST_CASE("pairs from the caption store are grouped by image") {
    Dataset d = fromPairs({{"/p/a.jpg", "dəniz"}, {"/p/b.jpg", "dağ"}, {"/p/a.jpg", "gün batımı"}, {"/p/c.jpg", "  "}});
    REQUIRE(d.items.size() == 2);
    CHECK(d.items[0].captions.size() == 2);
}

TEST_CASE("split by image never puts one image in two splits, and is seeded") {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (int i = 0; i < 200; ++i)
        for (int c = 0; c < 5; ++c) pairs.push_back({"img" + std::to_string(i) + ".jpg", "caption " + std::to_string(c)});
    Dataset d = fromPairs(pairs);
    auto s = splitByImage(d, 0.1, 0.2, 42);
    CHECK(s.validation.items.size() == 20);
    CHECK(s.test.items.size() == 40);
    CHECK(s.train.items.size() == 140);
    std::set<std::string> seen;
    std::size_t total = 0;
    for (const Dataset* part : {&s.train, &s.validation, &s.test})
        for (const auto& it : part->items) {
            CHECK_MSG(seen.insert(it.imagePath).second, it.imagePath << " is in two splits");
            CHECK(it.captions.size() == 5);  // all captions travel with their image
            ++total;
        }
    CHECK(total == 200);
    auto again = splitByImage(d, 0.1, 0.2, 42);
    auto other = splitByImage(d, 0.1, 0.2, 43);
    CHECK(again.test.items[0].imagePath == s.test.items[0].imagePath);
    bool differs = false;
    for (std::size_t i = 0; i < s.test.items.size(); ++i) differs |= other.test.items[i].imagePath != s.test.items[i].imagePath;
    CHECK(differs);
    CHECK_THROWS_WITH(splitByImage(d, 0.7, 0.5, 1), Error, "fractions");
}

TEST_CASE("missing, empty and corrupt images are reported and skipped") {
    std::string dir = testing::makeTempDir();
    writeFile(dir, "good.jpg", "pretend jpeg");
    writeFile(dir, "empty.jpg", "");
    writeFile(dir, "corrupt.jpg", "garbage");
    Dataset d = fromPairs({{dir + "/good.jpg", "a"}, {dir + "/missing.jpg", "b"}, {dir + "/empty.jpg", "c"},
                           {dir + "/corrupt.jpg", "d"}});
    std::vector<DatasetProblem> problems;
    Dataset ok = dropUnusableImages(d, &problems, [](const std::string& path) {
        if (path.find("corrupt") != std::string::npos) throw Error("not an image");
    });
    REQUIRE(ok.items.size() == 1);
    CHECK(ok.items[0].imagePath == dir + "/good.jpg");
    REQUIRE(problems.size() == 3);
    CHECK(problems[0].reason.find("not found") != std::string::npos);
    CHECK(problems[1].reason.find("empty") != std::string::npos);
    CHECK(problems[2].reason == "not an image");
}

// ---------------------------------------------------------------------------------------------
// Metrics

TEST_CASE("metrics: hand-computed ranks, recall and average precision") {
    // 2 texts x 4 images.
    // text 0 scores: img0 .9, img1 .1, img2 .5, img3 .3 -> order 0,2,3,1; relevant {2, 1}
    //   ranks of relevant: 2 and 4 -> AP = (1/2 + 2/4) / 2 = 0.5; first relevant at rank 2
    // text 1 scores: img0 .2, img1 .8, img2 .4, img3 .6 -> order 1,3,2,0; relevant {1}
    //   AP = 1; first at rank 1
    std::vector<float> s = {0.9f, 0.1f, 0.5f, 0.3f, 0.2f, 0.8f, 0.4f, 0.6f};
    auto m = rankingMetrics(s, 2, 4, {{2, 1}, {1}});
    CHECK(near(m.map, 0.75));
    CHECK(near(m.r1, 0.5));
    CHECK(near(m.r5, 1.0));
    CHECK(near(m.medianRank, 1.5));
    CHECK(near(m.meanRank, 1.5));
    CHECK(m.queries == 2);
    CHECK(near(averagePrecision({false, true, false, true}), 0.5));
    CHECK(near(averagePrecision({true, false, true}), (1.0 + 2.0 / 3.0) / 2));

    // Image->text is the transpose: image 1 is relevant to texts 0 and 1 with scores .1, .8 -> AP 1.
    auto r = evaluateRetrieval(s, 2, 4, {{2, 1}, {1}});
    CHECK(r.imageToText.queries == 2);  // images 0 and 3 have no relevant text
    CHECK(r.imageToText.skipped == 2);
    // image 1: texts ranked 1 (.8), 0 (.1): both relevant -> AP 1, first rank 1.
    // image 2: texts 1 (.4), 0 (.5) -> order 0, 1; relevant {0} -> AP 1.
    CHECK(near(r.imageToText.map, 1.0));
    auto j = r.toFlatJson();
    CHECK(j.contains("t2i_r1") && j.contains("i2t_map") && j.contains("t2i_r10"));
    CHECK(near(j["t2i_map"].get<double>(), 0.75));
}

TEST_CASE("metrics: ties are ranked pessimistically, errors name the problem") {
    std::vector<float> flat(10, 0.5f);
    auto m = rankingMetrics(flat, 1, 10, {{0}});
    CHECK(near(m.medianRank, 10));  // the one relevant item is ranked after every tie
    CHECK(near(m.map, 0.1));
    CHECK_THROWS_WITH(rankingMetrics(flat, 2, 10, {{0}, {1}}), Error, "expected 2 x 10");
    CHECK_THROWS_WITH(rankingMetrics(flat, 1, 10, {{10}}), Error, "outside");
    auto d = dotProducts({1, 0, 0, 1}, {0.6f, 0.8f}, 2);
    REQUIRE(d.size() == 2);
    CHECK(near(d[0], 0.6, 1e-6) && near(d[1], 0.8, 1e-6));
}

// ---------------------------------------------------------------------------------------------
// Synthetic world

TEST_CASE("grammar: vowel harmony, buffer n, consonant softening, copula, capitals") {
    const std::vector<std::array<std::string, 4>> table = {
        {"dairə", "dairənin", "dairədə", "dairələr"},         {"kvadrat", "kvadratın", "kvadratda", "kvadratlar"},
        {"üçbucaq", "üçbucağın", "üçbucaqda", "üçbucaqlar"},  {"ulduz", "ulduzun", "ulduzda", "ulduzlar"},
        {"düzbucaqlı", "düzbucaqlının", "düzbucaqlıda", "düzbucaqlılar"},
        {"ürək", "ürəyin", "ürəkdə", "ürəklər"},              {"romb", "rombun", "rombda", "romblar"},
        {"xaç", "xaçın", "xaçda", "xaçlar"}};
    for (int s = 0; s < kShapeCount; ++s) {
        const auto& row = table[static_cast<std::size_t>(s)];
        CHECK(shapeWord(static_cast<Shape>(s)) == row[0]);
        CHECK_MSG(genitive(row[0]) == row[1], row[0] << " -> " << genitive(row[0]));
        CHECK_MSG(locative(row[0]) == row[2], row[0] << " -> " << locative(row[0]));
        CHECK_MSG(plural(row[0]) == row[3], row[0] << " -> " << plural(row[0]));
    }
    CHECK(copula("solunda") == "solundadır");
    CHECK(copula("üstündə") == "üstündədir");
    CHECK(copula("yanında") == "yanındadır");
    CHECK(capitalizeFirst("ışıq") == "Işıq");
    CHECK(capitalizeFirst("ilk") == "İlk");
    CHECK(capitalizeFirst("əla") == "Əla");
    CHECK(capitalizeFirst("şəkil") == "Şəkil");
    CHECK(numberWord(3) == "üç");
}

TEST_CASE("captions: every caption is true of its scene; numbers keep the noun singular") {
    SyntheticWorld w;
    std::mt19937_64 rng(5);
    int checked = 0;
    for (SceneKind kind : {SceneKind::Single, SceneKind::Pair, SceneKind::Count})
        for (int i = 0; i < 60; ++i) {
            Scene s = w.sampleScene(kind, WorldSplit::Train, rng);
            for (const auto& c : w.allCaptions(s, true)) {
                CHECK_MSG(satisfies(s, c.spec), c.text << " / " << describeScene(s));
                CHECK(!c.kind.empty());
                // "iki dairələr" is wrong: after a number the noun is singular.
                for (const char* num : {"iki ", "üç ", "dörd ", "beş "})
                    if (c.text.find(num) != std::string::npos) CHECK_MSG(c.text.find("lər") == std::string::npos && c.text.find("lar") == std::string::npos, c.text);
                ++checked;
            }
        }
    CHECK(checked > 500);
}

TEST_CASE("captions: partial ones name the colour or the shape; partialColour false keeps shape-only") {
    WorldConfig both, shapeOnly;
    shapeOnly.partialColour = false;
    SyntheticWorld a(both), b(shapeOnly);
    std::mt19937_64 rng(8);
    int colourOnly = 0, shapes = 0;
    for (int i = 0; i < 20; ++i) {
        Scene s = a.sampleScene(SceneKind::Single, WorldSplit::Train, rng);
        for (const auto& c : a.allCaptions(s, true))
            if (c.kind == "partial") c.spec.objects.at(0).colour ? ++colourOnly : ++shapes;
        int partialB = 0;
        for (const auto& c : b.allCaptions(s, true)) {
            if (c.kind != "partial") continue;
            ++partialB;
            CHECK_MSG(!c.spec.objects.at(0).colour && c.spec.objects.at(0).shape, c.text);
            CHECK(satisfies(s, c.spec));
        }
        CHECK(partialB == 2);
        CHECK(a.allCaptions(s, false).size() + 4 == a.allCaptions(s, true).size());
    }
    CHECK(colourOnly == 40);
    CHECK(shapes == 40);
}

TEST_CASE("captions: relations in both grammatical forms") {
    SyntheticWorld w;
    Scene s;
    s.background = Background::White;
    SceneObject square{Shape::Square, Colour::Red, SizeClass::Medium, 0.25, 0.5, 0};
    SceneObject circle{Shape::Circle, Colour::Blue, SizeClass::Small, 0.75, 0.5, 0};
    s.objects = {square, circle};
    std::set<std::string> texts;
    for (const auto& c : w.allCaptions(s)) texts.insert(c.text);
    CHECK(texts.count("mavi dairənin solunda qırmızı kvadrat"));
    CHECK(texts.count("Qırmızı kvadrat mavi dairənin solundadır."));
    CHECK(texts.count("qırmızı kvadratın sağında mavi dairə"));
    CHECK(texts.count("Şəkildə bir qırmızı kvadrat və bir mavi dairə var."));
    CHECK(!texts.count("mavi dairənin sağında qırmızı kvadrat"));  // false, never written
    CHECK(!texts.count("qırmızı kvadratın üstündə mavi dairə"));
}

TEST_CASE("satisfies: attributes, counts, regions, relations and background") {
    Scene s;
    s.background = Background::Striped;
    s.objects = {{Shape::Square, Colour::Red, SizeClass::Big, 0.25, 0.5, 0},
                 {Shape::Circle, Colour::Blue, SizeClass::Small, 0.75, 0.5, 0}};
    auto phrase = [](std::optional<Shape> sh, std::optional<Colour> c) {
        ObjectPhrase p;
        p.shape = sh;
        p.colour = c;
        return p;
    };
    CaptionSpec redSquare{{phrase(Shape::Square, Colour::Red)}, {}, {}};
    CHECK(satisfies(s, redSquare));
    CaptionSpec redCircle{{phrase(Shape::Circle, Colour::Red)}, {}, {}};
    CHECK(!satisfies(s, redCircle));
    CaptionSpec big = redSquare;
    big.objects[0].size = SizeClass::Small;
    CHECK(!satisfies(s, big));
    CaptionSpec left = redSquare;
    left.objects[0].region = Region::Left;
    CHECK(satisfies(s, left));
    left.objects[0].region = Region::Right;
    CHECK(!satisfies(s, left));
    CaptionSpec rel{{phrase(Shape::Square, Colour::Red), phrase(Shape::Circle, Colour::Blue)}, Relation::LeftOf, {}};
    CHECK(satisfies(s, rel));
    rel.relation = Relation::RightOf;
    CHECK(!satisfies(s, rel));
    rel.relation = Relation::Above;
    CHECK(!satisfies(s, rel));
    CaptionSpec bg = redSquare;
    bg.background = Background::White;
    CHECK(!satisfies(s, bg));
    bg.background = Background::Striped;
    CHECK(satisfies(s, bg));
    // Two phrases need two distinct objects.
    CaptionSpec twoSquares{{phrase(Shape::Square, {}), phrase(Shape::Square, {})}, {}, {}};
    CHECK(!satisfies(s, twoSquares));
    CaptionSpec count{{phrase(Shape::Square, Colour::Red)}, {}, {}};
    count.objects[0].exactCount = 2;
    CHECK(!satisfies(s, count));
    s.objects.push_back({Shape::Square, Colour::Red, SizeClass::Small, 0.5, 0.2, 0});
    CHECK(satisfies(s, count));
    CHECK(satisfies(s, twoSquares));
    count.objects[0].exactCount = 0;
    count.objects[0].minCount = 3;
    CHECK(!satisfies(s, count));
}

TEST_CASE("world: deterministic, held-out combinations only where they belong") {
    WorldConfig cfg;
    cfg.heldOutCombos = 12;
    cfg.seed = 3;
    SyntheticWorld w(cfg), w2(cfg);
    CHECK(w.heldOut().size() == 12);
    CHECK(w.heldOut() == w2.heldOut());
    std::vector<int> perColour(kColourCount), perShape(kShapeCount);
    for (const auto& h : w.heldOut()) {
        ++perColour[static_cast<int>(h.colour)];
        ++perShape[static_cast<int>(h.shape)];
    }
    // Every colour and shape keeps most of its combinations in training.
    CHECK(*std::max_element(perColour.begin(), perColour.end()) <= 2);
    CHECK(*std::max_element(perShape.begin(), perShape.end()) <= 2);

    auto a = w.generate(SceneKind::Pair, WorldSplit::Train, 20, 9, 3);
    auto b = w2.generate(SceneKind::Pair, WorldSplit::Train, 20, 9, 3);
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].image.rgb == b[i].image.rgb);
        REQUIRE(a[i].captions.size() == b[i].captions.size());
        for (std::size_t k = 0; k < a[i].captions.size(); ++k) CHECK(a[i].captions[k].text == b[i].captions[k].text);
    }
    auto c = w.generate(SceneKind::Pair, WorldSplit::Train, 20, 10, 3);
    CHECK(c[0].image.rgb != a[0].image.rgb);

    for (SceneKind kind : {SceneKind::Single, SceneKind::Pair, SceneKind::Count}) {
        for (const auto& s : w.generate(kind, WorldSplit::Train, 150, 1, 1))
            for (const auto& o : s.scene.objects) CHECK(!w.isHeldOut(o.colour, o.shape));
        for (const auto& s : w.generate(kind, WorldSplit::HeldOut, 50, 1, 1))
            CHECK(w.isHeldOut(s.scene.objects[0].colour, s.scene.objects[0].shape));
    }
    // Training captions never name a held-out pair of words.
    for (const auto& line : w.corpus(100, 4))
        for (const auto& h : w.heldOut())
            CHECK_MSG(line.find(colourWord(h.colour) + " " + shapeWord(h.shape)) == std::string::npos, line);
}

TEST_CASE("rendering: the image has the configured size and objects differ from the background") {
    WorldConfig cfg;
    cfg.imageSize = 48;
    cfg.noiseSigma = 0;
    SyntheticWorld w(cfg);
    Scene s;
    s.background = Background::White;
    s.objects = {{Shape::Square, Colour::Red, SizeClass::Big, 0.5, 0.5, 0}};
    std::mt19937_64 rng(1);
    auto img = w.render(s, rng);
    REQUIRE(img.width == 48 && img.height == 48 && img.rgb.size() == 48u * 48u * 3u);
    const auto* centre = &img.rgb[(24 * 48 + 24) * 3];
    const auto* corner = &img.rgb[(2 * 48 + 2) * 3];
    CHECK(centre[0] > 150 && centre[1] < 100 && centre[2] < 100);  // red
    CHECK(corner[0] > 200 && corner[1] > 200 && corner[2] > 200);  // white
}

LOWCLIP_TEST_MAIN()
