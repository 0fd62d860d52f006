// core/util/json_config: the one reader of configuration files (exact integers, ranges, key paths).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "core/util/json_config.h"
#include "tests/support/testing.h"

using namespace lowclip;
namespace fs = std::filesystem;

TEST_CASE("integers are exact: out of range is refused, never truncated") {
    nlohmann::json j = nlohmann::json::parse(
        R"({"v": 4294967297, "big": 18446744073709551615, "neg": -5, "whole": 3.0, "half": 3.5, "s": "7", "n": null})");
    util::JsonObject o(j, "c.json");
    CHECK(o.integer("v", 0, 0, int64_t{1} << 40) == 4294967297LL);
    CHECK_THROWS_WITH(o.integer("v", 0, 1, 1), Error, "'c.json': 'v' must be an integer from 1 to 1, not 4294967297");
    CHECK_THROWS_WITH(o.integer("big", 0, 0, INT64_MAX), Error, "'big' must be an integer");
    CHECK(o.integer("neg", 0, -10, 10) == -5);
    CHECK_THROWS_WITH(o.integer("neg", 0, 0, 10), Error, "not -5");
    CHECK(o.integer("whole", 0, 0, 10) == 3);
    CHECK_THROWS_WITH(o.integer("half", 0, 0, 10), Error, "'half' must be an integer");
    CHECK_THROWS_WITH(o.integer("s", 0, 0, 10), Error, "'s' must be an integer");
    CHECK(o.integer("n", 9, 0, 10) == 9);  // null is absent
    CHECK(o.integer("absent", 8, 0, 10) == 8);
    CHECK(!o.optionalInteger("absent", 0, 1));
    CHECK(util::exactInteger(nlohmann::json(1e300), INT64_MIN, INT64_MAX) == std::nullopt);
    CHECK(util::exactInteger(nlohmann::json(1e17), INT64_MIN, INT64_MAX) == std::nullopt);
}

TEST_CASE("typed getters name the key path; errors are InvalidFile with details") {
    nlohmann::json j = nlohmann::json::parse(
        R"({"image": {"mean": [0.5, "x", 0.5], "std": [1, 2], "kind": "bicubic", "flag": 1}, "list": [1]})");
    util::JsonObject top(j, "m/lowclip.json");
    util::JsonObject image = top.object("image");
    CHECK(image.where() == "image");
    try {
        image.numbers("mean", 3, {}, 0, 1);
        CHECK_MSG(false, "a string in a number list was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::InvalidFile);
        CHECK(e.detail("key") == "image.mean[1]");
        CHECK(e.detail("path") == "m/lowclip.json");
    }
    CHECK_THROWS_WITH(image.numbers("std", 3, {}, 0, 9), Error, "'image.std' must be a list of 3 numbers");
    CHECK(image.choice("kind", "bilinear", {"bilinear", "bicubic"}) == "bicubic");
    CHECK_THROWS_WITH(image.choice("kind", "", {"bilinear"}), Error, "it must be one of 'bilinear'");
    CHECK_THROWS_WITH(image.boolean("flag", false), Error, "'image.flag' must be true or false");
    CHECK_THROWS_WITH(top.object("list"), Error, "'list' must be a JSON object");
    CHECK_THROWS_WITH(image.rejectUnknown({"mean", "std", "kind"}), Error, "'image.flag' is not a known setting");
    CHECK_THROWS_WITH(image.require("size"), Error, "'image.size' is missing");
    CHECK(top.object("absent").json().empty());
    CHECK_THROWS_WITH(util::JsonObject(nlohmann::json::array(), "a.json"), Error, "must hold a JSON object");
    CHECK_THROWS_WITH(top.number("image", 0, 0, 1), Error, "must be a number");
}

TEST_CASE("files: bounded size, no parser text, missing files named") {
    fs::path dir = testing::makeTempDir("lowclip-json-");
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream((dir / name).string(), std::ios::binary) << text;
        return (dir / name).string();
    };
    CHECK(util::readJsonFile(write("ok.json", "{\"a\": 1}"))["a"] == 1);
    try {
        util::readJsonFile(write("bad.json", "{\"a\": "));
        CHECK_MSG(false, "broken JSON was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::InvalidFile);
        CHECK(std::string(e.what()).find("is not valid JSON") != std::string::npos);
        CHECK(std::string(e.what()).find("parse_error") == std::string::npos);
    }
    CHECK_THROWS_WITH(util::readJsonFile(write("big.json", std::string(2000, ' ') + "{}"), 1000), Error, "more than");
    try {
        util::readJsonFile((dir / "none.json").string());
        CHECK_MSG(false, "a missing file was read");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::NotFound);
    }
    CHECK_THROWS_WITH(util::readJsonFile(dir.string()), Error, "not a regular file");
    fs::remove_all(dir);
}

LOWCLIP_TEST_MAIN()
