// safetensors and torch.save archives: round trips, fixture parity, and hand-broken files.
#include <ATen/ATen.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <caffe2/serialize/inline_container.h>

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
LOWCLIP_TEST_MAIN()
