// lowclip-cli's workspace commands (index, status, errors, caption, search, similar, model, import)
// run as a user runs them, on a temporary data folder: every documented option is accepted, JSON
// stays valid with file names and captions that are not UTF-8, bad arguments are usage errors, the
// model chosen with `model use` is the one the other commands use, and errors come with a hint.
#include <sys/wait.h>

#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/io/bundle.h"
#include "core/train/demo.h"
#include "tests/library/library_test_support.h"
#include "tests/support/testing.h"

namespace fs = std::filesystem;
using namespace lowclip;
using lowclip::library::testsupport::writeImage;

namespace {

const std::string& tempDir() {
    static const std::string dir = testing::makeTempDir("lowclip-cli-ws-");
    return dir;
}

std::string readFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

struct Run {
    int status;
    std::string out, err;
};

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

Run cli(const std::vector<std::string>& args, const std::string& env = "") {
    const std::string out = tempDir() + "/stdout", err = tempDir() + "/stderr";
    std::string cmd = env + quote(LOWCLIP_CLI_PATH);
    for (const auto& a : args) cmd += " " + quote(a);
    cmd += " < /dev/null > " + quote(out) + " 2> " + quote(err);
    const int raw = std::system(cmd.c_str());
    return Run{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, readFile(out), readFile(err)};
}

nlohmann::json json(const Run& r) {
    try {
        return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
        throw testing::Failure{std::string("not JSON: ") + e.what() + "\n" + r.out + r.err};
    }
}

void writeTinyBundle(const std::string& dir, std::uint64_t seed) {
    std::vector<std::string> vocab{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "mavi", "qırmızı", "dairə"};
    for (char c = 'a'; c <= 'z'; ++c) vocab.push_back(std::string(1, c));
    nn::ClipConfig config = train::demoClipConfig(train::tinyDemoOptions(), vocab.size());
    torch::manual_seed(seed);
    nn::DualEncoder model(config);
    io::saveBundle(dir, *model, config, vocab);
}

struct Folders {
    std::string data, library, photos;
    explicit Folders(const std::string& name)
        : data(tempDir() + "/" + name + "/data"), library(tempDir() + "/" + name + "/elsewhere/lib"),
          photos(tempDir() + "/" + name + "/photos") {
        fs::create_directories(photos);
        writeImage(photos + "/red.png", 220, 20, 20);
        writeImage(photos + "/blue.png", 20, 20, 220);
        writeImage(photos + "/bad\xff" "name.png", 20, 220, 20);  // not UTF-8
    }
    std::vector<std::string> with(std::vector<std::string> args) const {
        args.insert(args.end(), {"--data", data, "--library", library});
        return args;
    }
};

}  // namespace

TEST_CASE("every library command takes --data and --library, and JSON survives names that are not UTF-8") {
    Folders f("options");
    Run r = cli(f.with({"index", "--add-root", f.photos, "--json"}));
    REQUIRE(r.status == 0);
    auto j = json(r);
    CHECK(j["scan"]["added"] == 3);
    CHECK(!j.contains("index"));  // no model yet: catalogued, nothing embedded
    CHECK(fs::exists(f.library + "/catalog.sqlite"));
    CHECK(!fs::exists(f.data + "/library"));  // --library was used, not the data folder's

    r = cli(f.with({"status", "--json"}));
    REQUIRE(r.status == 0);
    j = json(r);
    CHECK(j["photos"] == 3);
    CHECK(j["active_model"].is_null());
    REQUIRE(j["roots"].size() == 1);

    r = cli(f.with({"errors", "--json"}));
    REQUIRE(r.status == 0);
    CHECK(json(r).is_array());

    r = cli(f.with({"caption", "add", f.photos + "/red.png", "qırmızı", "dairə"}));
    REQUIRE(r.status == 0);
    r = cli(f.with({"caption", "add", f.photos + "/bad\xff" "name.png", "yaşıl\xfe"}));
    REQUIRE(r.status == 0);
    r = cli(f.with({"caption", "list", "--json"}));
    REQUIRE(r.status == 0);
    j = json(r);
    REQUIRE(j.size() == 2);
    CHECK(r.out.find("\xff") == std::string::npos);
    CHECK(r.out.find("\xef\xbf\xbd") != std::string::npos);  // U+FFFD in the raw output

    // Non-numeric ids are usage errors, never "stoll".
    r = cli(f.with({"caption", "delete", "abc"}));
    CHECK(r.status == 2);
    CHECK(r.err.find("must be a number") != std::string::npos);
    CHECK(r.err.find("stoll") == std::string::npos);
    r = cli(f.with({"caption", "delete", "99999999999999999999"}));
    CHECK(r.status == 2);

    // Search without any model: a typed error with advice.
    r = cli(f.with({"search", "mavi"}));
    CHECK(r.status == 1);
    CHECK(r.err.find("lowclip-cli demo") != std::string::npos);
    r = cli(f.with({"similar", "--root", "nowhere", "1"}));
    CHECK(r.status == 1);
    CHECK(r.err.find("lowclip-cli status") != std::string::npos);
}

TEST_CASE("models: import into the data folder, `model use`, and the other commands follow the choice") {
    Folders f("models");
    const std::string a = tempDir() + "/bundle-a", b = tempDir() + "/bundle-b";
    writeTinyBundle(a, 1);
    writeTinyBundle(b, 2);
    Run r = cli(f.with({"import", "bundle", a, "--name", "alfa modeli"}));
    REQUIRE(r.status == 0);
    r = cli(f.with({"import", "bundle", b, "--name", "beta"}));
    REQUIRE(r.status == 0);
    r = cli(f.with({"import", "bundle", b, "--name", "beta"}));
    CHECK(r.status == 1);  // the name is taken
    r = cli(f.with({"model", "list", "--json"}));
    REQUIRE(r.status == 0);
    CHECK(json(r).size() == 2);

    r = cli(f.with({"model", "use", "beta"}));
    REQUIRE(r.status == 0);
    CHECK(readFile(f.data + "/models/active") == "beta\n");
    r = cli(f.with({"index", "--add-root", f.photos, "--json"}));
    REQUIRE(r.status == 0);
    auto j = json(r);
    CHECK(j["index"]["model"]["name"] == "beta");
    CHECK(j["index"]["embedded"] == 3);
    // Where the run's time went, in seconds, each part within the whole.
    for (const char* part : {"setup", "model", "decoding", "waiting", "commits"}) {
        REQUIRE(j["index"]["time"].contains(part));
        CHECK(j["index"]["time"][part].get<double>() >= 0.0);
        CHECK(j["index"]["time"][part].get<double>() <= j["index"]["seconds"].get<double>());
    }
    CHECK(j["index"]["time"]["model"].get<double>() > 0.0);
    r = cli(f.with({"search", "--json", "--k", "2", "mavi"}));
    REQUIRE(r.status == 0);
    j = json(r);
    CHECK(j["model"]["name"] == "beta");
    CHECK(j["results"].size() == 2);
    r = cli(f.with({"status", "--json"}));
    CHECK(json(r)["active_model"]["name"] == "beta");

    r = cli(f.with({"model", "use", "alfa modeli"}));
    REQUIRE(r.status == 0);
    r = cli(f.with({"status", "--json"}));
    j = json(r);
    CHECK(j["active_model"]["name"] == "alfa modeli");
    CHECK(j["search_model"]["name"] == "beta");  // until alfa has embedded the photos
    r = cli(f.with({"model", "delete", "beta"}));
    CHECK(r.status == 1);  // still answering searches
    CHECK(r.err.find("model use") != std::string::npos);
    r = cli(f.with({"index", "--no-scan"}));
    REQUIRE(r.status == 0);
    r = cli(f.with({"search", "--json", "mavi"}));
    CHECK(json(r)["model"]["name"] == "alfa modeli");
    r = cli(f.with({"model", "delete", "beta"}));
    CHECK(r.status == 0);
    r = cli(f.with({"model", "use", "nope"}));
    CHECK(r.status == 1);
    CHECK(r.err.find("model list") != std::string::npos);
}

TEST_CASE("search, caption list and errors under --json: bytes that are not UTF-8 become U+FFFD") {
    Folders f("utf8");
    std::ofstream(f.photos + "/exif.jpg", std::ios::binary) << [] {
        auto b = library::testsupport::jpegWithExif(30, 30, 220, "Kamera\xff", "Model\xfe\xc3", "2020:01:02 03:04:05");
        return std::string(b.begin(), b.end());
    }();
    std::ofstream(f.photos + "/broken\xfe.jpg", std::ios::binary) << "not a photo";
    const std::string bundle = tempDir() + "/bundle-utf8";
    writeTinyBundle(bundle, 3);
    Run r = cli(f.with({"import", "bundle", bundle, "--name", "utf"}));
    REQUIRE(r.status == 0);
    r = cli(f.with({"index", "--add-root", f.photos, "--json"}));
    REQUIRE(r.status == 0);
    CHECK(json(r)["index"]["embedded"] == 4);
    auto clean = [](const Run& run) {
        for (char c : {'\xff', '\xfe'}) CHECK_MSG(run.out.find(c) == std::string::npos, run.out);
        CHECK(run.out.find("\xef\xbf\xbd") != std::string::npos);
    };

    r = cli(f.with({"search", "--json", "--k", "10", "mavi\xff", "g\xc3\xb6l\xfe"}));
    CHECK_MSG(r.status == 0, r.err);
    REQUIRE(r.status == 0);
    auto j = json(r);
    clean(r);
    CHECK(j["query"] == "mavi\xef\xbf\xbd g\xc3\xb6l\xef\xbf\xbd");
    REQUIRE(j["results"].size() == 4);
    bool sawExif = false;
    for (const auto& hit : j["results"]) {
        if (hit["camera_make"] != "Kamera\xef\xbf\xbd") continue;
        sawExif = true;
        CHECK(hit["camera_model"] == "Model\xef\xbf\xbd\xef\xbf\xbd");
        CHECK(hit["date_taken"] == "2020-01-02T03:04:05");
    }
    CHECK(sawExif);

    r = cli(f.with({"caption", "add", f.photos + "/exif.jpg", "mavi\xff\xfe", "göl"}));
    REQUIRE(r.status == 0);
    r = cli(f.with({"caption", "list", "--json", f.photos + "/exif.jpg"}));
    REQUIRE(r.status == 0);
    j = json(r);
    clean(r);
    REQUIRE(j.size() == 1);
    CHECK(j[0]["text"] == "mavi\xef\xbf\xbd\xef\xbf\xbd göl");

    r = cli(f.with({"errors", "--json"}));
    REQUIRE(r.status == 0);
    j = json(r);
    clean(r);
    REQUIRE(j.size() == 1);
    CHECK(j[0]["path"] == f.photos + "/broken\xef\xbf\xbd.jpg");
}

LOWCLIP_TEST_MAIN()

TEST_CASE("numbers typed as arguments: a usage error naming the argument, never the parser's text") {
    Folders f("numbers");
    REQUIRE(cli(f.with({"index", "--add-root", f.photos})).status == 0);
    const std::vector<std::vector<std::string>> bad = {
        f.with({"caption", "delete", "abc"}),
        {"augment", f.photos + "/nothing.png", "--out", tempDir() + "/grid.png", "--seed", "abc"},
        {"augment", f.photos + "/nothing.png", "--out", tempDir() + "/grid.png", "--seed", "99999999999999999999"},
        f.with({"search", "x", "--k", "ten"}),
    };
    for (const auto& args : bad) {
        Run r = cli(args);
        CHECK(r.status == 2);
        CHECK(r.err.find("sto") == std::string::npos);  // no std::stoll / stoi text
        CHECK(r.err.find("what()") == std::string::npos);
        CHECK(!r.err.empty());
    }
}

namespace {
// A 4x4 PNG with an ancillary chunk whose CRC is wrong and an iCCP chunk that is no profile: it
// decodes, and libpng warns about both on stderr.
std::string pngWithLibpngWarnings() {
    auto be32 = [](std::uint32_t v) {
        return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    };
    auto crc32 = [](const std::string& data) {
        std::uint32_t c = 0xFFFFFFFFu;
        for (unsigned char b : data) {
            c ^= b;
            for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        }
        return c ^ 0xFFFFFFFFu;
    };
    auto chunk = [&](const std::string& type, const std::string& data, bool badCrc = false) {
        return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc32(type + data) ^ (badCrc ? 1u : 0u));
    };
    const std::string ihdr = be32(4) + be32(4) + std::string("\x08\x02\x00\x00\x00", 5);
    // IDAT: a stored (uncompressed) zlib stream of 4 rows, filter 0, RGB.
    std::string raw;
    for (int y = 0; y < 4; ++y) raw += std::string(1, '\0') + std::string(12, '\x80');
    std::uint32_t a = 1, b = 0;
    for (unsigned char c : raw) {
        a = (a + c) % 65521;
        b = (b + a) % 65521;
    }
    const auto n = static_cast<std::uint16_t>(raw.size());
    std::string zlib = std::string("\x78\x01\x01", 3) + char(n & 0xFF) + char(n >> 8) + char(~n & 0xFF) + char((~n >> 8) & 0xFF) +
                       raw + be32((b << 16) | a);
    return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("tEXt", std::string("Comment\0hello", 13), true) +
           chunk("iCCP", std::string("bad\0\0", 5) + "not a profile") + chunk("IDAT", zlib) + chunk("IEND", "");
}
}  // namespace

TEST_CASE("index: libpng's, libjpeg's and OpenCV's own warnings stay off the terminal") {
    Folders f("noise");
    std::ofstream(f.photos + "/warns.png", std::ios::binary) << pngWithLibpngWarnings();
    {
        cv::Mat m(64, 64, CV_8UC3, cv::Scalar(30, 60, 200));
        std::vector<uchar> buf;
        cv::imencode(".jpg", m, buf);
        buf.resize(buf.size() * 2 / 3);  // cut: "Premature end of JPEG file"
        std::ofstream(f.photos + "/cut.jpg", std::ios::binary).write(reinterpret_cast<const char*>(buf.data()), buf.size());
    }
    const std::string bundle = tempDir() + "/bundle-noise";
    writeTinyBundle(bundle, 4);
    REQUIRE(cli(f.with({"import", "bundle", bundle, "--name", "noise"})).status == 0);
    // With the libraries' diagnostics let through, they are there (so the check below means something).
    Run loud = cli(f.with({"index", "--add-root", f.photos}), "LOWCLIP_LIBRARY_DIAGNOSTICS=1 ");
    REQUIRE(loud.status == 0);
    CHECK_MSG(loud.err.find("libpng warning") != std::string::npos, loud.err);
    Folders g("noise2");
    std::ofstream(g.photos + "/warns.png", std::ios::binary) << pngWithLibpngWarnings();
    fs::copy_file(f.photos + "/cut.jpg", g.photos + "/cut.jpg");
    REQUIRE(cli(g.with({"import", "bundle", bundle, "--name", "noise"})).status == 0);
    Run quiet = cli(g.with({"index", "--add-root", g.photos}));
    CHECK_MSG(quiet.status == 0, quiet.err);
    for (const char* noise : {"libpng", "Corrupt JPEG", "Premature end", "[ WARN", "[ERROR", "TIFF"})
        CHECK_MSG(quiet.err.find(noise) == std::string::npos, "stderr: " << quiet.err);
}

TEST_CASE("demo: OpenMP threads wait briefly, then passively, unless the person chose how they wait") {
#if defined(__linux__)
    const std::string data = tempDir() + "/omp-demo";
    const std::vector<std::string> args{"demo", "--json", "--steps", "2", "--batch", "8", "--eval-images", "8",
                                        "--no-library", "--data", data};
    Run r = cli(args, "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u LOWCLIP_NO_REEXEC ");
    CHECK_MSG(r.status == 0, r.err);
    REQUIRE(r.status == 0);
    std::string cpu = json(r).value("cpu", "");
    CHECK_MSG(cpu.find("OMP_WAIT_POLICY=PASSIVE") != std::string::npos, cpu);
    CHECK_MSG(cpu.find("GOMP_SPINCOUNT=1000") != std::string::npos, cpu);
    r = cli(args, "env -u OMP_WAIT_POLICY -u LOWCLIP_NO_REEXEC GOMP_SPINCOUNT=77 ");
    CHECK_MSG(r.status == 0, r.err);
    REQUIRE(r.status == 0);
    cpu = json(r).value("cpu", "");
    CHECK_MSG(cpu.find("GOMP_SPINCOUNT=77") != std::string::npos, cpu);
    CHECK_MSG(cpu.find("OMP_WAIT_POLICY") == std::string::npos, cpu);
#else
    SKIP("the demo re-executes itself with its OpenMP settings on Linux only");
#endif
}
