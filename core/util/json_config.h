#pragma once
// The one reader of JSON configuration files (a bundle's lowclip.json, a Hugging Face config.json,
// tokenizer_config.json): bounded file size, typed getters with ranges, exact integers (2^32 + 1 is
// out of range, never truncated to 1), and messages that name the file and the key path
// ("image.mean[2]"). Every problem is a lowclip::Error with ErrorCode::InvalidFile and the details
// "path" (the file, when known), "key" (the key path) and "reason".
//
//   util::JsonObject cfg(util::readJsonFile(path), path);
//   int64_t n = cfg.integer("num_layers", 12, 1, 256);
//   util::JsonObject image = cfg.object("image");        // absent: an empty object
//   image.rejectUnknown({"size", "mean", "std"});
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lowclip::util {

inline constexpr std::uint64_t kMaxJsonConfigBytes = 16u << 20;  // 16 MiB

// Parses the file as JSON; lowclip::Error (NotFound, Io or InvalidFile) when it is missing,
// unreadable, larger than `maxBytes` or not JSON (the parser's own text stays out of the message).
nlohmann::json readJsonFile(const std::string& path, std::uint64_t maxBytes = kMaxJsonConfigBytes);
// The same for text already in memory; `source` names it in messages.
nlohmann::json parseJsonText(const std::string& text, const std::string& source);

// A view of one JSON object within a configuration. Getters take the key, a fallback for when the
// key is absent or null, and the accepted range; a value of the wrong type or out of range throws.
class JsonObject {
public:
    // `value` must be an object (else InvalidFile naming `where`). `file` names the source in
    // messages; `where` is this object's key path ("" for the top level). The JSON must outlive
    // the view.
    JsonObject(const nlohmann::json& value, std::string file = "", std::string where = "");

    bool has(const char* key) const;            // present and not null
    const nlohmann::json* find(const char* key) const;  // present and not null, else nullptr

    // An integer in [min, max]: a JSON integer, or a float that is exactly a whole number.
    int64_t integer(const char* key, int64_t fallback, int64_t min, int64_t max) const;
    std::optional<int64_t> optionalInteger(const char* key, int64_t min, int64_t max) const;
    // A finite number in [min, max].
    double number(const char* key, double fallback, double min, double max) const;
    bool boolean(const char* key, bool fallback) const;
    std::optional<bool> optionalBoolean(const char* key) const;
    std::string string(const char* key, const std::string& fallback, std::size_t maxLength = 4096) const;
    // A string from `allowed`.
    std::string choice(const char* key, const std::string& fallback, std::initializer_list<const char*> allowed) const;
    // A list of exactly `count` finite numbers in [min, max]; `fallback` when absent.
    std::vector<double> numbers(const char* key, std::size_t count, const std::vector<double>& fallback, double min,
                                double max) const;
    // The object under `key` (an empty one when absent or null; InvalidFile when not an object).
    JsonObject object(const char* key) const;
    // The key must be present (InvalidFile "... is missing" otherwise).
    void require(const char* key) const;
    // InvalidFile naming the first key that is not in `known`.
    void rejectUnknown(std::initializer_list<const char*> known) const;

    // "where.key" (or "key" at the top level), as messages write it.
    std::string path(const char* key) const;
    const std::string& file() const { return file_; }
    const std::string& where() const { return where_; }
    const nlohmann::json& json() const { return *value_; }

    // An InvalidFile error about `key` of this object: "<file>: <where.key> <reason>".
    [[noreturn]] void fail(const char* key, const std::string& reason) const;

private:
    const nlohmann::json* value_;
    std::string file_;
    std::string where_;
};

// An exact integer from a JSON value (integer, or a float that is a whole number) in [min, max],
// or nullopt when it is neither or out of range.
std::optional<int64_t> exactInteger(const nlohmann::json& value, int64_t min, int64_t max);

}  // namespace lowclip::util
