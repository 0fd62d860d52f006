// The search planner on its own: an in-memory vector index and a catalog stand-in, so that every
// path (exact scoring, over-fetching, growth, minScore, exclusion, paging) can be driven with
// small numbers.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "core/error.h"
#include "core/library/search_planner.h"
#include "core/library/vector_index.h"
#include "tests/support/testing.h"

using namespace lowclip::library;

namespace {

constexpr int kDim = 16;

// Photos 1..n; photo i is in root 1 when i % every == 0, else in root 2. `gone` photos have a
// vector but no longer resolve (deleted or failed since).
class FakeCatalog : public SearchCatalog {
public:
    FakeCatalog(std::int64_t n, std::int64_t every) : n_(n), every_(every) {}
    std::set<std::int64_t> gone;
    std::size_t resolved = 0;  // labels looked up

    bool passes(std::int64_t label, const SearchFilter& f) const {
        if (label < 1 || label > n_ || gone.count(label)) return false;
        return !f.rootId || *f.rootId == root(label);
    }
    std::int64_t root(std::int64_t label) const { return label % every_ == 0 ? 1 : 2; }

    std::vector<std::int64_t> matchingLabels(const SearchFilter& f, std::size_t limit) override {
        std::vector<std::int64_t> out;
        for (std::int64_t l = 1; l <= n_ && out.size() < limit; ++l)
            if (passes(l, f)) out.push_back(l);
        return out;
    }
    std::vector<std::pair<std::size_t, PhotoInfo>> resolve(const std::vector<std::int64_t>& labels, const SearchFilter& f,
                                                           std::size_t enough) override {
        std::vector<std::pair<std::size_t, PhotoInfo>> out;
        for (std::size_t i = 0; i < labels.size() && out.size() < enough; ++i) {
            ++resolved;
            if (!passes(labels[i], f)) continue;
            PhotoInfo p;
            p.id = labels[i];
            p.rootId = root(labels[i]);
            out.emplace_back(i, p);
        }
        return out;
    }

private:
    std::int64_t n_, every_;
};

struct Fixture {
    VectorIndex index{kDim};
    std::vector<float> vectors;  // row i-1 is photo i, normalised
    std::int64_t n;
    explicit Fixture(std::int64_t count, unsigned seed = 7) : n(count) {
        std::mt19937 rng(seed);
        std::normal_distribution<float> g;
        vectors.resize(static_cast<std::size_t>(n) * kDim);
        for (auto& x : vectors) x = g(rng);
        normaliseRows(vectors.data(), static_cast<std::size_t>(n), kDim);
        std::vector<std::int64_t> labels;
        for (std::int64_t i = 1; i <= n; ++i) labels.push_back(i);
        index.add(labels, vectors.data());
    }
    std::vector<float> query(unsigned seed) const {
        std::mt19937 rng(seed);
        std::normal_distribution<float> g;
        std::vector<float> q(kDim);
        for (auto& x : q) x = g(rng);
        normaliseRows(q.data(), 1, kDim);
        return q;
    }
    // Exact ranking of the photos `keep` admits, best first.
    template <class Keep>
    std::vector<std::int64_t> bruteForce(const std::vector<float>& q, Keep keep) const {
        std::vector<std::pair<float, std::int64_t>> s;
        for (std::int64_t i = 1; i <= n; ++i) {
            if (!keep(i)) continue;
            float dot = 0;
            for (int j = 0; j < kDim; ++j) dot += q[j] * vectors[static_cast<std::size_t>((i - 1) * kDim + j)];
            s.emplace_back(-dot, i);
        }
        std::sort(s.begin(), s.end());
        std::vector<std::int64_t> out;
        for (auto& p : s) out.push_back(p.second);
        return out;
    }
};

std::vector<std::int64_t> ids(const std::vector<SearchResult>& rs) {
    std::vector<std::int64_t> out;
    for (const auto& r : rs) out.push_back(r.photo.id);
    return out;
}

bool bestFirst(const std::vector<SearchResult>& rs) {
    for (std::size_t i = 1; i < rs.size(); ++i)
        if (rs[i - 1].score < rs[i].score) return false;
    return true;
}

}  // namespace

TEST_CASE("a filter few photos match is scored exactly: the true top k of the matches") {
    Fixture f(600);
    FakeCatalog cat(f.n, 7);
    SearchPlanner planner(f.index, cat);  // default tuning: 86 matches are far below the exact-scan cap
    for (unsigned seed = 1; seed <= 20; ++seed) {
        auto q = f.query(seed);
        SearchOptions o;
        o.k = 10;
        o.filter.rootId = 1;
        auto got = planner.run(q.data(), o);
        auto want = f.bruteForce(q, [&](std::int64_t i) { return cat.root(i) == 1; });
        want.resize(10);
        CHECK_MSG(ids(got) == want, "seed " << seed);
        CHECK(bestFirst(got));
    }
}

TEST_CASE("over-fetching with a broad filter never returns a photo twice, and fills the page") {
    // Exact scan switched off and the HNSW breadth tied to the request size (ef 1), so each growth
    // step searches more broadly than the last and may rank the first hits differently.
    SearchTuning t;
    t.exactScanMin = 0;
    t.exactScanPerResult = 0;
    Fixture f(4000, 11);
    FakeCatalog cat(f.n, 10);  // 10% of the photos pass
    SearchPlanner planner(f.index, cat, t);
    for (unsigned seed = 1; seed <= 100; ++seed) {
        auto q = f.query(100 + seed);
        SearchOptions o;
        o.k = 60;
        o.ef = 1;
        o.filter.rootId = 1;
        auto got = planner.run(q.data(), o);
        auto got_ids = ids(got);
        std::set<std::int64_t> unique(got_ids.begin(), got_ids.end());
        CHECK_MSG(unique.size() == got_ids.size(), "seed " << seed << ": " << got_ids.size() - unique.size() << " repeated");
        CHECK_MSG(got.size() == 60, "seed " << seed << ": " << got.size());
        for (auto id : got_ids) CHECK(cat.root(id) == 1);
        CHECK(bestFirst(got));
    }
}

TEST_CASE("without a filter, hits whose photo is gone are replaced by growing the request") {
    Fixture f(500, 3);
    FakeCatalog cat(f.n, 1);
    auto q = f.query(5);
    auto exact = f.bruteForce(q, [](std::int64_t) { return true; });
    // The 30 best photos have gone since they were indexed: the first request (k + slack) cannot fill the page.
    for (int i = 0; i < 30; ++i) cat.gone.insert(exact[static_cast<std::size_t>(i)]);
    SearchPlanner planner(f.index, cat);
    SearchOptions o;
    o.k = 10;
    auto got = planner.run(q.data(), o);
    REQUIRE(got.size() == 10);
    for (auto id : ids(got)) CHECK(!cat.gone.count(id));
    std::vector<std::int64_t> want(exact.begin() + 30, exact.begin() + 40);
    CHECK(ids(got) == want);
}

TEST_CASE("minScore, exclusion and paging") {
    Fixture f(300, 5);
    FakeCatalog cat(f.n, 1);
    SearchPlanner planner(f.index, cat);
    auto q = f.query(9);
    SearchOptions all;
    all.k = 300;
    auto full = planner.run(q.data(), all);
    REQUIRE(full.size() == 300);
    CHECK(bestFirst(full));

    // minScore: exactly the photos at or above it.
    SearchOptions strict = all;
    strict.filter.minScore = full[20].score;
    auto above = planner.run(q.data(), strict);
    std::size_t want = 0;
    for (const auto& r : full) want += r.score >= full[20].score;
    CHECK(above.size() == want);
    for (const auto& r : above) CHECK(r.score >= full[20].score);

    // Exclusion: the photo itself is never a result, and the page is still full.
    SearchOptions k5;
    k5.k = 5;
    auto without = planner.run(q.data(), k5, full[0].photo.id);
    REQUIRE(without.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) CHECK(without[i].photo.id == full[i + 1].photo.id);

    // Pages concatenate to the ranking.
    SearchOptions page;
    page.k = 7;
    page.offset = 14;
    auto p3 = planner.run(q.data(), page);
    REQUIRE(p3.size() == 7);
    for (std::size_t i = 0; i < 7; ++i) CHECK(p3[i].photo.id == full[14 + i].photo.id);

    SearchOptions none;
    none.k = 0;
    CHECK(planner.run(q.data(), none).empty());
    SearchOptions negative;
    negative.offset = -1;
    CHECK_THROWS_WITH(planner.run(q.data(), negative), lowclip::Error, "offset");
}

LOWCLIP_TEST_MAIN()
