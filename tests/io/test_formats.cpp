// safetensors and torch.save archives: round trips, fixture parity, and hand-broken files.
#include <ATen/ATen.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <caffe2/serialize/inline_container.h>
#include <sys/resource.h>
#include <zlib.h>

#include <vector>

#include "core/error.h"
#include "core/io/formats/safetensors.h"
#include "core/io/formats/torch_archive.h"
#include "tests/support/testing.h"

using namespace lowclip;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

std::string tempDir() {
    static std::string dir = testing::makeTempDir("lowclip-formats-");
    return dir;
}

std::string writeBytes(const std::string& name, const std::string& bytes) {
    std::string path = tempDir() + "/" + name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
}

// A file made of a header length, a header and a data section, each as given.
std::string rawFile(std::uint64_t headerLen, const std::string& header, const std::string& data) {
    std::string s(8, '\0');
    std::memcpy(s.data(), &headerLen, 8);
    return s + header + data;
}

std::string rawFile(const std::string& header, const std::string& data) { return rawFile(header.size(), header, data); }

bool sameTensor(const at::Tensor& a, const at::Tensor& b) {
    return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() && at::equal(a, b);
}

}  // namespace

TEST_CASE("round trip of every dtype, shapes including scalars and empty tensors, metadata kept") {
    at::manual_seed(7);
    io::TensorMap m;
    m["f64"] = at::randn({3, 4}, at::kDouble);
    m["f32"] = at::randn({2, 3, 5});
    m["f16"] = at::randn({7}).to(at::kHalf);
    m["bf16"] = at::randn({4, 2}).to(at::kBFloat16);
    m["i64"] = at::randint(-1000000, 1000000, {6}, at::kLong);
    m["i32"] = at::randint(-100000, 100000, {2, 2}, at::kInt);
    m["i16"] = at::randint(-30000, 30000, {3}, at::kShort);
    m["i8"] = at::randint(-128, 127, {9}, at::kChar);
    m["u8"] = at::randint(0, 255, {1, 9}, at::kByte);
    m["bool"] = at::randint(0, 2, {5}, at::kLong).to(at::kBool);
    m["scalar"] = at::scalar_tensor(3.5);
    m["empty"] = at::empty({0, 4});
    m["transposed"] = at::randn({3, 5}).t();  // non-contiguous input
    io::Metadata meta{{"format", "pt"}, {"note", "Azərbaycan dili"}};
    std::string path = tempDir() + "/all.safetensors";
    io::writeSafetensors(path, m, meta);
    auto back = io::readSafetensors(path);
    CHECK(back.metadata == meta);
    CHECK(back.tensors.size() == m.size());
    for (const auto& [name, t] : m) {
        REQUIRE(back.tensors.count(name));
        CHECK_MSG(sameTensor(t.contiguous(), back.tensors.at(name)), name);
    }
    // Tensors read back are writable without touching the file.
    back.tensors.at("f32").add_(1.0);
    auto again = io::readSafetensors(path);
    CHECK(sameTensor(m.at("f32"), again.tensors.at("f32")));
    // loadWeights recognises the format by content.
    CHECK(io::loadWeights(path).size() == m.size());
}

TEST_CASE("tensors outlive the contents object (they keep the mapping alive)") {
    std::string path = tempDir() + "/keep.safetensors";
    io::TensorMap m{{"a", at::arange(1000, at::kFloat)}};
    io::writeSafetensors(path, m);
    at::Tensor a;
    { a = io::readSafetensors(path).tensors.at("a"); }
    CHECK(a.sum().item<float>() == 499500.0f);
}

TEST_CASE("fixture bert/model.safetensors and bert/pytorch_model.bin give identical tensors") {
    std::string dir = testing::fixturesDir() + "/bert";
    if (!fs::exists(dir + "/model.safetensors")) SKIP("no fixtures at " + dir);
    auto st = io::readSafetensors(dir + "/model.safetensors").tensors;
    auto pt = io::loadTorchStateDict(dir + "/pytorch_model.bin");
    CHECK(!st.empty());
    CHECK(st.size() == pt.size());
    for (const auto& [name, t] : st) {
        auto it = pt.find(name);
        CHECK_MSG(it != pt.end(), "missing in .bin: " << name);
        if (it != pt.end()) CHECK_MSG(sameTensor(t, it->second), name);
    }
    CHECK(io::loadWeights(dir + "/pytorch_model.bin").size() == pt.size());
}

TEST_CASE("fixture lowclip-tiny.pt equals lowclip-tiny.safetensors") {
    std::string dir = testing::fixturesDir() + "/lowclip";
    if (!fs::exists(dir + "/lowclip-tiny.pt")) SKIP("no fixtures at " + dir);
    auto st = io::readSafetensors(dir + "/lowclip-tiny.safetensors").tensors;
    auto pt = io::loadWeights(dir + "/lowclip-tiny.pt");
    CHECK(st.size() == pt.size());
    for (const auto& [name, t] : st) {
        auto it = pt.find(name);
        CHECK_MSG(it != pt.end() && sameTensor(t, it->second), name);
    }
}

TEST_CASE("hand-broken safetensors files each give their own error") {
    const std::string good = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    const std::string data8(8, '\1');
    struct Broken {
        const char* name;
        std::string bytes;
        const char* expect;
    };
    std::string truncated = rawFile(good, data8);
    truncated.resize(truncated.size() - 3);
    std::string badUtf8 = std::string(R"({"a)") + "\xC3\x28" + R"(":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    const Broken cases[] = {
        {"empty", "", "too short"},
        {"short", "abc", "too short"},
        {"truncated", truncated, "outside"},
        {"huge-header", rawFile(1ull << 40, good, data8), "above the limit"},
        {"header-past-end", rawFile(1000, good, data8), "runs past the end"},
        {"not-json", rawFile("{\"a\": [1, 2", data8), "not well-formed JSON"},
        {"not-object", rawFile("[1, 2, 3]", data8), "not a JSON object"},
        {"number-beyond-double", rawFile(R"({"a":{"dtype":"F32","shape":[88E888888],"data_offsets":[0,8]}})", data8),
         "not well-formed JSON"},
        {"bad-utf8", rawFile(badUtf8, data8), "invalid UTF-8"},
        {"unknown-dtype", rawFile(R"({"a":{"dtype":"F8","shape":[2],"data_offsets":[0,8]}})", data8), "unknown dtype"},
        {"lying-shape", rawFile(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8), "span 8 bytes"},
        {"negative-shape", rawFile(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data8), "shape entry"},
        {"overflow-shape",
         rawFile(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}})", data8),
         "overflows"},
        {"begin-after-end", rawFile(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}})", data8), "begin after end"},
        {"overlap",
         rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                 data8),
         "overlapping"},
        {"hole", rawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data8), "unindexed bytes"},
        {"trailing", rawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", data8), "after the last tensor"},
        {"duplicate",
         rawFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                 data8),
         "appears twice"},
        {"no-offsets", rawFile(R"({"a":{"dtype":"F32","shape":[2]}})", data8), "data_offsets"},
        {"bad-metadata", rawFile(R"({"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data8),
         "not a string"},
    };
    for (const auto& c : cases) {
        std::string path = writeBytes(std::string(c.name) + ".safetensors", c.bytes);
        bool threw = false;
        try {
            io::readSafetensors(path);
        } catch (const Error& e) {
            threw = true;
            std::string what = e.what();
            CHECK_MSG(what.find(c.expect) != std::string::npos, c.name << ": got '" << what << "'");
            CHECK_MSG(what.find(path) != std::string::npos, c.name << ": error does not name the file: " << what);
            CHECK_MSG(e.code() == ErrorCode::InvalidFile && e.detail("path") == path, c.name << ": untyped error");
        }
        CHECK_MSG(threw, c.name << " did not throw");
    }
    // The good header itself reads.
    CHECK(io::readSafetensors(writeBytes("good.safetensors", rawFile(good, data8))).tensors.size() == 1);
}

TEST_CASE("a missing file and a folder give clear errors") {
    CHECK_THROWS_WITH(io::readSafetensors(tempDir() + "/nope.safetensors"), Error, "No such file");
    CHECK_THROWS_WITH(io::readSafetensors(tempDir()), Error, "not a regular file");
}

TEST_CASE("legacy, TorchScript and foreign archives are refused with what to do") {
    // The start of a legacy torch.save file: pickle protocol 2 and the magic number.
    std::string legacy = "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";
    CHECK_THROWS_WITH(io::loadWeights(writeBytes("legacy.pt", legacy)), Error, "legacy (pre-1.6)");
    CHECK_THROWS_WITH(io::loadTorchStateDict(writeBytes("text.pt", "hello, this is text")), Error, "neither");
    CHECK_THROWS_WITH(io::loadTorchStateDict(writeBytes("zip.pt", std::string("PK\x03\x04garbage", 11))), Error, "damaged");
    CHECK_THROWS_WITH(io::loadTorchStateDict(writeBytes("empty.pt", "")), Error, "empty");
}
namespace {
// Writes a torch.save-style zip with the given records (names without the archive folder).
std::string writeZip(const std::string& name, const std::vector<std::pair<std::string, std::string>>& records) {
    std::string path = tempDir() + "/" + name;
    caffe2::serialize::PyTorchStreamWriter writer(path);
    for (const auto& [record, bytes] : records) writer.writeRecord(record, bytes.data(), bytes.size());
    writer.writeEndOfFile();
    return path;
}
}  // namespace

TEST_CASE("a pickle that calls anything but tensor rebuilding is refused, never run") {
    // GLOBAL 'os system', ('echo hi',), REDUCE, STOP
    std::string evil = "\x80\x02" "cos\nsystem\n" "X\x07\x00\x00\x00" "echo hi" "\x85" "R."s;
    CHECK_THROWS_WITH(io::loadTorchStateDict(writeZip("evil.pt", {{"data.pkl", evil}})), Error, "calls os.system");
    CHECK_THROWS_WITH(io::loadTorchStateDict(writeZip("script.pt", {{"data.pkl", "\x80\x02}."s}, {"constants.pkl", "x"}})),
                      Error, "TorchScript");
    CHECK_THROWS_WITH(io::loadTorchStateDict(writeZip("nodata.pt", {{"other.txt", "x"}})), Error, "without data.pkl");
    CHECK_THROWS_WITH(io::loadTorchStateDict(writeZip("notensors.pt", {{"data.pkl", "\x80\x02}."s}})), Error, "no tensors");
    CHECK_THROWS_WITH(io::loadTorchStateDict(writeZip("cut.pt", {{"data.pkl", "\x80\x02}(X\x05\x00"s}})), Error,
                      "unexpected end");
}

TEST_CASE("a storage record shorter than its tensor is refused") {
    // {'w': _rebuild_tensor_v2(('storage', torch.FloatStorage, '0', 'cpu', 4), 0, (4,), (1,), False, OrderedDict())}
    std::string pkl = "\x80\x02}(X\x01\x00\x00\x00" "w" "ctorch._utils\n_rebuild_tensor_v2\n"
                      "((X\x07\x00\x00\x00" "storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK\x04tQ"
                      "K\x00K\x04\x85K\x01\x85\x89" "ccollections\nOrderedDict\n)RtRu."s;
    std::string good(16, '\0'), shortData(12, '\0');
    auto ok = io::loadTorchStateDict(writeZip("ok.pt", {{"data.pkl", pkl}, {"data/0", good}}));
    REQUIRE(ok.count("w"));
    CHECK(ok.at("w").sizes() == at::IntArrayRef({4}));
    CHECK_THROWS_WITH(io::loadTorchStateDict(writeZip("short.pt", {{"data.pkl", pkl}, {"data/0", shortData}})), Error,
                      "has 12 bytes");
    CHECK_THROWS_WITH(io::loadTorchStateDict(writeZip("missing.pt", {{"data.pkl", pkl}})), Error, "is missing");
}

// ---------------------------------------------------------------------------------------------
// Crafted torch.save files: each is refused with a clear message, without a crash or a big allocation.
namespace {

// Pickle pieces.
std::string pInt(int64_t v) {  // LONG1 with 8 bytes
    std::string s = "\x8a\x08"s;
    for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff));
    return s;
}
std::string pStr(const std::string& v) {
    std::string s = "X";
    std::uint32_t n = static_cast<std::uint32_t>(v.size());
    s.append(reinterpret_cast<const char*>(&n), 4);
    return s + v;
}
std::string pTuple(const std::vector<int64_t>& v) {
    std::string s = "(";
    for (auto x : v) s += pInt(x);
    return s + "t";
}
// {'w': _rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())}
std::string statePickle(int64_t numel, int64_t offset, const std::vector<int64_t>& size, const std::vector<int64_t>& stride,
                        const std::string& key = "0", const std::string& type = "FloatStorage") {
    return "\x80\x02}("s + pStr("w") + "ctorch._utils\n_rebuild_tensor_v2\n(" + "(" + pStr("storage") + "ctorch\n" + type +
           "\n" + pStr(key) + pStr("cpu") + pInt(numel) + "tQ" + pInt(offset) + pTuple(size) + pTuple(stride) +
           "\x89" "ccollections\nOrderedDict\n)RtRu.";
}

std::string le16(std::uint32_t v) { return {static_cast<char>(v & 0xff), static_cast<char>((v >> 8) & 0xff)}; }
std::string le32(std::uint32_t v) { return le16(v & 0xffff) + le16(v >> 16); }

// A classic zip written by hand, so that every field can lie.
struct ZipEntry {
    std::string name;
    std::string data;            // bytes as stored
    std::uint32_t method = 0;
    std::uint32_t usize = 0;     // claimed original size (central and local)
    std::string localName;       // when not empty, the local header says this name
    bool usizeGiven = false;
    int sameDataAs = -1;         // central entry points at the local header of this earlier entry
};
// A "version" record is added as torch.save writes one (LibTorch's own reader insists on it).
std::string buildZip(std::vector<ZipEntry> entries) {
    entries.push_back({"archive/version", "3\n"});
    std::string out, cd;
    std::vector<std::uint32_t> offsets;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        auto& e = entries[i];
        if (!e.usizeGiven) e.usize = static_cast<std::uint32_t>(e.data.size());
        std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(e.data.data()),
                                                             static_cast<uInt>(e.data.size())));
        std::uint32_t offset = static_cast<std::uint32_t>(out.size());
        if (e.sameDataAs >= 0) {
            offset = offsets[static_cast<std::size_t>(e.sameDataAs)];
        } else {
            const std::string& lname = e.localName.empty() ? e.name : e.localName;
            out += le32(0x04034b50) + le16(20) + le16(0) + le16(e.method) + le16(0) + le16(0) + le32(crc) +
                   le32(static_cast<std::uint32_t>(e.data.size())) + le32(e.usize) + le16(static_cast<std::uint32_t>(lname.size())) +
                   le16(0) + lname + e.data;
        }
        offsets.push_back(offset);
        cd += le32(0x02014b50) + le16(20) + le16(20) + le16(0) + le16(e.method) + le16(0) + le16(0) + le32(crc) +
              le32(static_cast<std::uint32_t>(e.data.size())) + le32(e.usize) + le16(static_cast<std::uint32_t>(e.name.size())) +
              le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + e.name;
    }
    std::uint32_t cdOffset = static_cast<std::uint32_t>(out.size());
    out += cd;
    out += le32(0x06054b50) + le16(0) + le16(0) + le16(static_cast<std::uint32_t>(entries.size())) +
           le16(static_cast<std::uint32_t>(entries.size())) + le32(static_cast<std::uint32_t>(cd.size())) + le32(cdOffset) +
           le16(0);
    return out;
}

// Raw deflate of `n` zero bytes, made in 1 MiB pieces.
std::string deflatedZeros(std::size_t n) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) == Z_OK);
    std::vector<Bytef> zeros(1 << 20, 0), chunk(1 << 16);
    std::string out;
    std::size_t left = n;
    int rc = Z_OK;
    do {
        std::size_t piece = std::min(left, zeros.size());
        z.next_in = zeros.data();
        z.avail_in = static_cast<uInt>(piece);
        left -= piece;
        int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = chunk.data();
            z.avail_out = static_cast<uInt>(chunk.size());
            rc = deflate(&z, flush);
            out.append(reinterpret_cast<const char*>(chunk.data()), chunk.size() - z.avail_out);
        } while (z.avail_out == 0);
    } while (left > 0);
    REQUIRE(rc == Z_STREAM_END);
    deflateEnd(&z);
    return out;
}

long peakRssKb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

// What a user may read: no library internals.
void checkPlainText(const std::string& what, const std::string& name) {
    for (const char* internal : {"c10", "alloc_cpu", "enforce fail", "bad_alloc", "Exception", "miniz", "PytorchStreamReader",
                                 "inline_container"})
        CHECK_MSG(what.find(internal) == std::string::npos, name << ": internal text in '" << what << "'");
}

// Loads `bytes` as a .pt file and checks that it is refused as an InvalidFile naming `expect`.
void checkRefused(const std::string& name, const std::string& bytes, const std::string& expect) {
    std::string path = writeBytes(name + ".pt", bytes);
    bool threw = false;
    try {
        io::loadTorchStateDict(path);
    } catch (const Error& e) {
        threw = true;
        std::string what = e.what();
        CHECK_MSG(what.find(expect) != std::string::npos, name << ": got '" << what << "'");
        CHECK_MSG(e.code() == ErrorCode::InvalidFile, name << ": code " << errorCodeName(e.code()));
        CHECK_MSG(e.detail("path") == path, name << ": no path detail");
        checkPlainText(what, name);
    }
    CHECK_MSG(threw, name << " was accepted");
    fs::remove(path);
}

std::string floats(std::size_t n) { return std::string(4 * n, '\0'); }

}  // namespace

TEST_CASE("the hand-written zip of a valid state dict loads (the crafted cases below differ from it in one thing)") {
    std::string zip = buildZip({{"archive/data.pkl", statePickle(4, 0, {2, 2}, {2, 1})}, {"archive/data/0", floats(4)}});
    auto m = io::loadTorchStateDict(writeBytes("handmade.pt", zip));
    REQUIRE(m.count("w"));
    CHECK(m.at("w").sizes() == at::IntArrayRef({2, 2}));
    CHECK(io::loadWeights(writeBytes("handmade2.pt", zip)).size() == 1);
}

TEST_CASE("tensor views whose offset, size or stride overflow int64 are refused") {
    const std::int64_t big = std::numeric_limits<std::int64_t>::max();
    struct View {
        const char* name;
        std::int64_t offset;
        std::vector<std::int64_t> size, stride;
    };
    const View views[] = {
        {"offset-near-2^63", big - 2, {4}, {1}},
        {"stride-2^55", 0, {512}, {std::int64_t(1) << 55}},
        {"two-dims-wrap", 0, {2, 2}, {big / 2 + 1, big / 2 + 1}},
        {"size-2^62", 0, {std::int64_t(1) << 62, 4}, {1, 1}},
        {"negative-offset", -1, {4}, {1}},
        {"one-past-the-end", 1, {512}, {1}},
    };
    for (const auto& v : views) {
        std::string zip = buildZip({{"archive/data.pkl", statePickle(512, v.offset, v.size, v.stride)},
                                    {"archive/data/0", floats(512)}});
        checkRefused(v.name, zip, v.offset < 0 ? "negative" : "storage");
    }
    // A view with many overflowing dimensions mixed with an empty one still has to have sizes that multiply.
    checkRefused("empty-but-overflowing",
                 buildZip({{"archive/data.pkl", statePickle(512, 0, {0, big, big}, {1, 1, 1})}, {"archive/data/0", floats(512)}}),
                 "overflows");
}

TEST_CASE("storages are compared with their record before anything is allocated") {
    // 2^40 floats (4 TiB) claimed by a 16-byte record, and a negative element count.
    checkRefused("numel-2^40",
                 buildZip({{"archive/data.pkl", statePickle(std::int64_t(1) << 40, 0, {4}, {1})}, {"archive/data/0", floats(4)}}),
                 "has 16 bytes, expected 4398046511104");
    checkRefused("numel-negative",
                 buildZip({{"archive/data.pkl", statePickle(-1, 0, {1}, {1})}, {"archive/data/0", floats(4)}}),
                 "invalid element count");
    checkRefused("numel-overflows-bytes",
                 buildZip({{"archive/data.pkl", statePickle(std::int64_t(1) << 62, 0, {4}, {1}, "0", "DoubleStorage")},
                           {"archive/data/0", floats(4)}}),
                 "invalid element count");
}

TEST_CASE("zip records are checked: compressed bombs, lying sizes, disagreeing headers, overlaps, a huge data.pkl") {
    long before = peakRssKb();
    // 256 MiB of zeros deflate to about 260 KB: the record claims the 256 MiB.
    const std::uint32_t claimed = 256u << 20;
    std::string bomb = deflatedZeros(claimed);
    CHECK(bomb.size() < 400 * 1024);
    ZipEntry pkl{"archive/data.pkl", bomb, 8, claimed};
    pkl.usizeGiven = true;
    checkRefused("deflate-bomb", buildZip({pkl, {"archive/data/0", floats(4)}}), "compressed");
    // Stored, but claiming more than the file holds.
    ZipEntry liar{"archive/data.pkl", statePickle(4, 0, {4}, {1}), 0, claimed};
    liar.usizeGiven = true;
    checkRefused("stored-size-lie", buildZip({liar, {"archive/data/0", floats(4)}}), "sizes");
    // Making and reading the refused files took no memory to speak of.
    CHECK_MSG(peakRssKb() - before < 64 * 1024, "peak RSS grew by " << (peakRssKb() - before) << " KiB");

    ZipEntry renamed{"archive/data.pkl", statePickle(4, 0, {4}, {1})};
    renamed.localName = "archive/data.pkX";
    checkRefused("local-name-differs", buildZip({renamed, {"archive/data/0", floats(4)}}), "disagrees");

    ZipEntry shared{"archive/data/1", floats(4)};
    shared.sameDataAs = 1;
    checkRefused("overlapping-records",
                 buildZip({{"archive/data.pkl", statePickle(4, 0, {4}, {1})}, {"archive/data/0", floats(4)}, shared}),
                 "overlap");
    checkRefused("outside-the-folder",
                 buildZip({{"archive/data.pkl", statePickle(4, 0, {4}, {1})}, {"other/data/0", floats(4)}}), "outside");
    checkRefused("duplicate-record",
                 buildZip({{"archive/data.pkl", statePickle(4, 0, {4}, {1})}, {"archive/data/0", floats(4)},
                           {"archive/data/0", floats(4)}}),
                 "appears twice");
    std::string zip = buildZip({{"archive/data.pkl", statePickle(4, 0, {4}, {1})}, {"archive/data/0", floats(4)}});
    checkRefused("truncated-directory", zip.substr(0, zip.size() - 30), "end of central directory");

    // data.pkl is capped at 64 MiB (a real one is a few KiB).
    std::string hugePkl = "\x80\x02}" + std::string((64u << 20) + 16, 'N') + ".";
    checkRefused("data.pkl-65-MiB", buildZip({{"archive/data.pkl", hugePkl}}), "above the limit");
}

TEST_CASE("the unpickler caps depth, stack and memo: self-containing dicts and deep nesting are refused") {
    // d = {}; d['k'] = d
    checkRefused("self-containing-dict", buildZip({{"archive/data.pkl", "\x80\x02}q\x00"s + pStr("k") + "h\x00s."s}}),
                 "levels deep");
    // 200,000 nested dicts {'k': {'k': ...}}
    std::string dicts = "\x80\x02";
    const std::string open = "}(" + pStr("k");
    for (int i = 0; i < 200000; ++i) dicts += open;
    dicts += "}" + std::string(200000, 'u') + ".";
    checkRefused("200k-nested-dicts", buildZip({{"archive/data.pkl", dicts}}), "levels deep");
    // 1,000,000 nested 1-tuples
    checkRefused("1M-nested-tuples", buildZip({{"archive/data.pkl", "\x80\x02)" + std::string(1000000, '\x85') + "."}}),
                 "levels deep");
    // 1,100,000 values on the stack, and as many memo entries.
    checkRefused("deep-stack", buildZip({{"archive/data.pkl", "\x80\x02" + std::string(1100000, 'N') + "."}}), "stack");
    std::string memo = "\x80\x02N";
    for (int i = 0; i < 1100000; ++i) memo += "\x94";
    checkRefused("big-memo", buildZip({{"archive/data.pkl", memo + "."}}), "memoizes");
    // An empty dict that is its own key path many times over: a DAG of 2^40 paths.
    std::string dag = "\x80\x02}q\x00"s;  // memo 0: the innermost dict
    for (int i = 1; i <= 40; ++i) {
        dag += "}(" + pStr("a") + "h" + std::string(1, static_cast<char>(i - 1)) + pStr("b") + "h" +
               std::string(1, static_cast<char>(i - 1)) + "uq" + std::string(1, static_cast<char>(i));
    }
    checkRefused("2^40-paths", buildZip({{"archive/data.pkl", dag + "."}}), "values");
}

TEST_CASE("safetensors files are recognised by their structure, legacy files by their magic") {
    // A header of exactly 0x80 bytes: the file starts with byte 0x80 like a pickle.
    std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    header.resize(0x80, ' ');
    std::string path = writeBytes("x80.safetensors", rawFile(header, std::string(8, '\1')));
    auto m = io::loadWeights(path);
    REQUIRE(m.count("a"));
    CHECK(m.at("a").numel() == 2);
    // A pickle that is not torch's legacy format is not called legacy.
    try {
        io::loadWeights(writeBytes("pickle.bin", "\x80\x02}q\x00."s));
        CHECK_MSG(false, "a bare pickle was accepted");
    } catch (const Error& e) {
        CHECK_MSG(std::string(e.what()).find("legacy") == std::string::npos, e.what());
    }
}

LOWCLIP_TEST_MAIN()
