// VectorIndex: exactness on small sets, deletions, growth, persistence (snapshot + journal replay),
// torn journals, corrupt snapshots, compaction.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "core/error.h"
#include "core/library/fs_util.h"
#include "core/library/vector_index.h"
#include "tests/support/testing.h"

using namespace lowclip::library;

namespace {
std::vector<float> randomVectors(std::size_t n, int dim, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd;
    std::vector<float> v(n * dim);
    for (auto& x : v) x = nd(rng);
    normaliseRows(v.data(), n, dim);
    return v;
}
std::vector<std::int64_t> iota(std::size_t n, std::int64_t from = 1) {
    std::vector<std::int64_t> l(n);
    for (std::size_t i = 0; i < n; ++i) l[i] = from + std::int64_t(i);
    return l;
}
std::vector<std::int64_t> bruteTop(const std::vector<float>& data, const std::vector<std::int64_t>& labels,
                                   const float* q, int dim, std::size_t k) {
    std::vector<std::pair<float, std::int64_t>> s;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        float ip = 0;
        for (int j = 0; j < dim; ++j) ip += data[i * dim + j] * q[j];
        s.emplace_back(-ip, labels[i]);
    }
    std::sort(s.begin(), s.end());
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < k && i < s.size(); ++i) out.push_back(s[i].second);
    return out;
}
}  // namespace

TEST_CASE("search matches brute force on a small index and grows past its capacity") {
    const int dim = 24;
    const std::size_t n = 3000;
    auto data = randomVectors(n, dim, 1);
    auto labels = iota(n, 100);
    HnswParams p;
    p.initialCapacity = 100;  // forces resizeIndex several times
    VectorIndex idx(dim, p);
    idx.add(labels, data.data(), 2);
    CHECK(idx.size() == n);
    CHECK(idx.capacity() >= n);
    auto queries = randomVectors(50, dim, 2);
    std::size_t agree = 0, total = 0;
    for (int qi = 0; qi < 50; ++qi) {
        const float* q = queries.data() + qi * dim;
        auto truth = bruteTop(data, labels, q, dim, 10);
        auto got = idx.search(q, 10, 200);
        REQUIRE(got.size() == 10);
        for (std::size_t i = 1; i < got.size(); ++i) CHECK(got[i - 1].second >= got[i].second);
        for (auto& g : got) agree += std::count(truth.begin(), truth.end(), g.first);
        total += 10;
        // Scores are inner products of normalised vectors.
        auto v = idx.vector(got[0].first);
        float ip = 0;
        for (int j = 0; j < dim; ++j) ip += v[j] * q[j];
        CHECK_MSG(std::abs(ip - got[0].second) < 1e-4, "ip=" << ip << " score=" << got[0].second);
    }
    double recall = double(agree) / double(total);
    CHECK_MSG(recall >= 0.98, "recall@10 = " << recall);
}

TEST_CASE("removed labels are never returned and re-adding revives them") {
    const int dim = 8;
    auto data = randomVectors(200, dim, 3);
    auto labels = iota(200);
    VectorIndex idx(dim);
    idx.add(labels, data.data());
    auto top = idx.search(data.data(), 1);
    REQUIRE(top.size() == 1);
    CHECK(top[0].first == 1);
    idx.remove({1, 2, 3, 999});  // 999 unknown: ignored
    CHECK(idx.size() == 197);
    CHECK(!idx.contains(1));
    CHECK(idx.vector(1).empty());
    for (auto& h : idx.search(data.data(), 50)) CHECK(h.first != 1 && h.first != 2 && h.first != 3);
    idx.add({1}, data.data());
    CHECK(idx.contains(1));
    CHECK(idx.search(data.data(), 1)[0].first == 1);
    // Exact scoring of a label subset.
    auto exact = idx.scoreLabels(data.data(), {5, 1, 7, 2}, 10);
    REQUIRE(exact.size() == 3);  // 2 is deleted
    CHECK(exact[0].first == 1);
}

TEST_CASE("zero and non-finite vectors are refused") {
    VectorIndex idx(4);
    std::vector<float> zero(4, 0.0f);
    CHECK_THROWS_WITH(idx.add({1}, zero.data()), lowclip::Error, "zero or not finite");
    std::vector<float> nan = {1, 0, std::nanf(""), 0};
    CHECK_THROWS_WITH(idx.add({1}, nan.data()), lowclip::Error, "zero or not finite");
    CHECK_THROWS_WITH(idx.search(zero.data(), 3), lowclip::Error, "zero or not finite");
    CHECK(idx.size() == 0);
}

TEST_CASE("journal replays over the snapshot; a torn tail is dropped") {
    std::string dir = lowclip::testing::makeTempDir();
    std::string base = dir + "/idx";
    const int dim = 16;
    auto data = randomVectors(300, dim, 4);
    auto labels = iota(300);
    {
        auto idx = VectorIndex::open(base, dim, true);
        idx->add(std::vector<std::int64_t>(labels.begin(), labels.begin() + 100), data.data());
        idx->snapshot();
        CHECK(idx->journalBytes() == 12);
        idx->add(std::vector<std::int64_t>(labels.begin() + 100, labels.end()), data.data() + 100 * dim);
        idx->remove({5, 150});
        // no snapshot: the last 200 additions and the deletions live only in the journal
    }
    std::size_t replayed = 0;
    {
        auto idx = VectorIndex::open(base, dim, true, {}, &replayed);
        CHECK_MSG(replayed == 202, "replayed=" << replayed);  // 200 additions + 2 deletions
        CHECK(idx->size() == 298);
        CHECK(!idx->contains(5));
        CHECK(!idx->contains(150));
        CHECK(idx->contains(299));
        auto v = idx->vector(299);
        REQUIRE(v.size() == std::size_t(dim));
        for (int j = 0; j < dim; ++j) CHECK(std::abs(v[j] - data[298 * dim + j]) < 1e-6);
    }
    // A crash in the middle of an append leaves half a record: it is ignored and cut off.
    std::string journal = base + ".journal";
    std::int64_t before = fileSize(journal);
    {
        FILE* f = std::fopen(journal.c_str(), "ab");
        REQUIRE(f);
        std::fputs("\x01garbage-half-record", f);
        std::fclose(f);
    }
    {
        auto idx = VectorIndex::open(base, dim, true, {}, &replayed);
        CHECK(idx->size() == 298);
        CHECK(fileSize(journal) == before);
        idx->add({1000}, data.data());
    }
    {
        auto idx = VectorIndex::open(base, dim, false);
        CHECK(idx->contains(1000));
        CHECK(idx->size() == 299);
    }
}

TEST_CASE("snapshot with another dimension or a corrupt file is refused with a reason") {
    std::string dir = lowclip::testing::makeTempDir();
    std::string base = dir + "/idx";
    auto data = randomVectors(50, 8, 5);
    {
        auto idx = VectorIndex::open(base, 8, true);
        idx->add(iota(50), data.data());
        idx->snapshot();
    }
    CHECK_THROWS_WITH(VectorIndex::open(base, 16, false), lowclip::Error, "8-dimensional");
    std::int64_t size = fileSize(base + ".hnsw");
    REQUIRE(size > 100);
    REQUIRE(::truncate((base + ".hnsw").c_str(), size / 2) == 0);
    CHECK_THROWS_WITH(VectorIndex::open(base, 8, false), lowclip::Error, "vector index");
    REQUIRE(::truncate((base + ".hnsw").c_str(), 40) == 0);
    CHECK_THROWS_WITH(VectorIndex::open(base, 8, false), lowclip::Error, "truncated");
}

TEST_CASE("compaction drops deleted entries and keeps search results") {
    std::string dir = lowclip::testing::makeTempDir();
    const int dim = 12;
    auto data = randomVectors(500, dim, 6);
    auto labels = iota(500);
    auto idx = VectorIndex::open(dir + "/c", dim, true);
    idx->add(labels, data.data());
    std::vector<std::int64_t> gone(labels.begin(), labels.begin() + 250);
    idx->remove(gone);
    CHECK(idx->deletedCount() == 250);
    auto before = idx->search(data.data() + 300 * dim, 5, 100);
    idx->compact();
    CHECK(idx->deletedCount() == 0);
    CHECK(idx->size() == 250);
    auto after = idx->search(data.data() + 300 * dim, 5, 100);
    REQUIRE(after.size() == before.size());
    CHECK(after[0].first == 301);
    auto reopened = VectorIndex::open(dir + "/c", dim, false);
    CHECK(reopened->size() == 250);
    CHECK(reopened->deletedCount() == 0);
}

LOWCLIP_TEST_MAIN()
