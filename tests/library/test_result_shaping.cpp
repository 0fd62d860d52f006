// Result shaping: the relevance cut-off, stacks of near-identical hits, and near-identical photo
// groups of a whole library from its stored vectors.
#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.h"
#include "core/library/library.h"
#include "core/library/result_shaping.h"
#include "tests/library/library_test_support.h"
#include "tests/support/testing.h"

using namespace lowclip::library;
using namespace lowclip::library::testsupport;

namespace {
// A slowly falling list of `n` scores from `top`, with small uneven steps (as real lists have).
std::vector<float> falling(std::size_t n, float top, float step) {
    std::vector<float> s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(top - step * float(i) - (i % 3 == 1 ? step * 0.4f : 0.0f));
    return s;
}

std::vector<float> unit(std::vector<float> v) {
    double s = 0;
    for (float x : v) s += double(x) * x;
    for (float& x : v) x = float(x / std::sqrt(s));
    return v;
}
}  // namespace

TEST_CASE("a flat list of scores has no cut: every hit is relevant") {
    CHECK(relevantCount(falling(60, 0.58f, 0.0015f)) == 60);
    CHECK(relevantCount({}) == 0);
    CHECK(relevantCount({0.9f, 0.1f, 0.05f}) == 3);  // too short to tell
}

TEST_CASE("a clear drop cuts the list where it is") {
    std::vector<float> s = falling(4, 0.61f, 0.005f);
    for (float x : falling(56, 0.46f, 0.001f)) s.push_back(x);
    CHECK(relevantCount(s) == 4);
    // One photo far ahead of the rest (the one really asked for).
    std::vector<float> one = {0.91f};
    for (float x : falling(59, 0.52f, 0.001f)) one.push_back(x);
    CHECK(relevantCount(one) == 1);
    // The same shape scaled down below the smallest gap that counts: no cut.
    std::vector<float> tiny;
    for (float x : s) tiny.push_back(0.5f + (x - 0.5f) * 0.1f);
    CHECK(relevantCount(tiny) == tiny.size());
}

TEST_CASE("of two drops the larger one cuts; a drop no larger than the usual spacing does not") {
    std::vector<float> s = falling(5, 0.70f, 0.004f);
    for (float x : falling(5, 0.62f, 0.004f)) s.push_back(x);   // drop of ~0.06
    for (float x : falling(30, 0.45f, 0.002f)) s.push_back(x);  // drop of ~0.15
    CHECK(relevantCount(s) == 10);
    // Evenly spaced wide steps: the largest "gap" is the spacing itself.
    std::vector<float> even;
    for (int i = 0; i < 20; ++i) even.push_back(0.9f - 0.03f * float(i));
    CHECK(relevantCount(even) == 20);
}

TEST_CASE("scores that are not finite or not sorted do not break the cut") {
    std::vector<float> s = falling(20, 0.6f, 0.001f);
    s[7] = std::nanf("");
    CHECK(relevantCount(s) == 20);
    std::vector<float> rising = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
    const std::size_t r = relevantCount(rising);
    CHECK(r >= 1 && r <= rising.size());
}

TEST_CASE("stacks: near-identical hits join the best-ranked one; others stand alone") {
    const std::vector<float> a = unit({1, 0, 0, 0}), a2 = unit({1, 0.02f, 0, 0}), b = unit({0, 1, 0, 0}),
                             b2 = unit({0.01f, 1, 0, 0}), c = unit({0.7f, 0.7f, 0, 0});
    const auto leaders = stackLeaders({a, b, a2, c, {}, b2}, 0.99);
    REQUIRE(leaders.size() == 6);
    CHECK(leaders[0] == 0);
    CHECK(leaders[1] == 1);
    CHECK(leaders[2] == 0);  // near a
    CHECK(leaders[3] == 3);  // between a and b, near neither
    CHECK(leaders[4] == 4);  // no vector
    CHECK(leaders[5] == 1);  // near b
    // A list where most items would be stacked is left unstacked when asked to bound that.
    const auto most = stackLeaders({a, a2, a2, a2, b}, 0.99, 0.5);  // 3 of 5 would be stacked
    CHECK(most[1] == 1);
    CHECK(most[2] == 2);
    const auto half = stackLeaders({a, a2, b, b2}, 0.99, 0.5);  // 2 of 4 stacked: allowed
    CHECK(half[1] == 0);
    CHECK(half[3] == 2);
    const auto none = stackLeaders({a, a2}, 0.0);
    CHECK(none[1] == 1);
    const auto wrongLength = stackLeaders({a, {1.0f, 0.0f}}, 0.9);
    CHECK(wrongLength[1] == 1);
    CHECK(std::abs(cosine(a, a) - 1.0) < 1e-6);
    CHECK(cosine(a, {1.0f}) == 0.0);
}

TEST_CASE("a chain of small steps does not join photos that do not look alike") {
    // Ten photos whose colour moves a little at a time from red to orange: each is near-identical
    // to the next, none to the one after that. Joining pairs transitively would make one group of
    // ten; every group must instead lie around one photo near-identical to all its members.
    const std::string tmp = lowclip::testing::makeTempDir();
    const std::string photos = tmp + "/photos";
    makeDirs(photos);
    const int n = 10;
    for (int i = 0; i < n; ++i) writeImage(photos + "/step" + std::to_string(i) + ".png", 230, 20 + 20 * i, 20);
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    lib->scan();
    ColourEmbedder emb;
    lib->index(emb);
    std::vector<PhotoId> ids;
    for (int i = 0; i < n; ++i) ids.push_back(lib->photoByPath(photos + "/step" + std::to_string(i) + ".png")->id);
    const std::vector<std::vector<float>> v = lib->vectorsOf(ids, emb.modelId());
    double nextMin = 1, skipMax = -1;
    for (int i = 0; i + 1 < n; ++i) nextMin = std::min(nextMin, cosine(v[std::size_t(i)], v[std::size_t(i + 1)]));
    for (int i = 0; i + 2 < n; ++i) skipMax = std::max(skipMax, cosine(v[std::size_t(i)], v[std::size_t(i + 2)]));
    CHECK_MSG(nextMin > skipMax, nextMin << " " << skipMax);
    REQUIRE(nextMin > skipMax);
    DuplicateOptions o;
    o.similarity = (nextMin + skipMax) / 2;
    const DuplicateReport r = lib->nearDuplicates(emb.modelId(), o);
    REQUIRE(!r.groups.empty());
    for (const auto& g : r.groups) {
        std::vector<std::vector<float>> gv;
        for (const auto& m : g.members) gv.push_back(v[std::size_t(std::find(ids.begin(), ids.end(), m.photo.id) - ids.begin())]);
        bool aroundOne = false;  // some member is near-identical to every other member
        for (std::size_t c = 0; c < gv.size() && !aroundOne; ++c) {
            aroundOne = true;
            for (std::size_t j = 0; j < gv.size(); ++j)
                if (j != c && cosine(gv[c], gv[j]) < o.similarity) aroundOne = false;
        }
        CHECK_MSG(aroundOne, "a group of " << g.members.size() << " photos is a chain");
        CHECK(g.members.size() <= 3);  // a photo and its two neighbours at most
    }
}

TEST_CASE("near-identical photos of a library: groups, the photo to keep, limits, cancel, bad options") {
    const std::string tmp = lowclip::testing::makeTempDir();
    const std::string photos = tmp + "/photos";
    makeDirs(photos);
    writeImage(photos + "/red1.jpg", 230, 20, 20);
    writeImage(photos + "/red2.jpg", 228, 22, 18, 96, 80);  // the largest of the reds
    writeImage(photos + "/red3.png", 232, 18, 22);
    writeImage(photos + "/green1.jpg", 20, 200, 20);
    writeImage(photos + "/green2.jpg", 22, 198, 24);
    writeImage(photos + "/blue.jpg", 20, 20, 220);
    writeImage(photos + "/orange.jpg", 230, 120, 20);
    auto lib = Library::open(tmp + "/lib");
    lib->addRoot(photos);
    lib->scan();
    ColourEmbedder emb;
    lib->index(emb);

    std::size_t progressCalls = 0;
    DuplicateOptions o;
    o.similarity = 0.995;
    const DuplicateReport r = lib->nearDuplicates(emb.modelId(), o, [&](const lowclip::Progress&) { ++progressCalls; });
    CHECK(progressCalls >= 1);
    CHECK(r.photosChecked == 7);
    CHECK_MSG(r.groups.size() == 2, "groups=" << r.groups.size());
    REQUIRE(r.groups.size() == 2);
    CHECK(r.groupsFound == 2);
    CHECK(r.photosInGroups == 5);
    REQUIRE(r.groups[0].members.size() == 3);  // largest first
    CHECK(r.groups[0].members[0].photo.path == photos + "/red2.jpg");
    CHECK(r.groups[0].members[0].similarity == 1.0f);
    std::set<std::string> reds;
    for (const auto& m : r.groups[0].members) {
        reds.insert(m.photo.path);
        CHECK_MSG(m.similarity >= 0.995f, m.photo.path << " " << m.similarity);
    }
    CHECK((reds == std::set<std::string>{photos + "/red1.jpg", photos + "/red2.jpg", photos + "/red3.png"}));
    CHECK(r.groups[0].members[1].similarity >= r.groups[0].members[2].similarity);
    REQUIRE(r.groups[1].members.size() == 2);
    CHECK(r.groups[1].members[0].photo.path.find("green") != std::string::npos);

    // The empty model id means the active model; a limit keeps the largest groups and counts the rest.
    o.maxGroups = 1;
    const DuplicateReport limited = lib->nearDuplicates({}, o);
    CHECK(limited.groups.size() == 1);
    CHECK(limited.groupsFound == 2);
    CHECK(limited.photosInGroups == 5);
    // A looser similarity joins orange to the reds (cosine about 0.9 in this embedding).
    o.maxGroups = 100;
    o.similarity = 0.85;
    const DuplicateReport loose = lib->nearDuplicates(emb.modelId(), o);
    REQUIRE(!loose.groups.empty());
    CHECK(loose.groups[0].members.size() == 4);

    lowclip::CancelFlag cancel{true};
    CHECK_THROWS_WITH(lib->nearDuplicates(emb.modelId(), {}, {}, &cancel), lowclip::Cancelled, "");
    DuplicateOptions bad;
    bad.similarity = 1.5;
    CHECK_THROWS_WITH(lib->nearDuplicates(emb.modelId(), bad), lowclip::Error, "similarity");
    bad.similarity = std::nan("");
    CHECK_THROWS_WITH(lib->nearDuplicates(emb.modelId(), bad), lowclip::Error, "similarity");
    bad = {};
    bad.neighbours = 0;
    CHECK_THROWS_WITH(lib->nearDuplicates(emb.modelId(), bad), lowclip::Error, "neighbours");
    CHECK_THROWS_WITH(lib->nearDuplicates("no-such-model", {}), lowclip::Error, "no-such-model");

    // Stored vectors: unit length for embedded photos, empty for an unknown id.
    const auto red1 = lib->photoByPath(photos + "/red1.jpg");
    REQUIRE(red1);
    const auto vs = lib->vectorsOf({red1->id, 987654321}, emb.modelId());
    REQUIRE(vs.size() == 2);
    REQUIRE(vs[0].size() == 8);
    CHECK(std::abs(cosine(vs[0], vs[0]) - 1.0) < 1e-4);
    CHECK(vs[1].empty());
    // Reading never changes the library: the read-only view gives the same groups.
    lib.reset();
    auto ro = Library::open(tmp + "/lib", OpenMode::ReadOnly);
    o.similarity = 0.995;
    CHECK(ro->nearDuplicates(emb.modelId(), o).groups.size() == 2);
}

LOWCLIP_TEST_MAIN()
