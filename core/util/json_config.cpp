#include "core/util/json_config.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.h"

namespace lowclip::util {

namespace {

Error invalid(const std::string& file, const std::string& key, const std::string& reason) {
    std::string m;
    if (!file.empty()) m = "'" + file + "': ";
    m += key.empty() ? reason : "'" + key + "' " + reason;
    Error::Details d{{"reason", reason}};
    if (!file.empty()) d["path"] = file;
    if (!key.empty()) d["key"] = key;
    return Error(ErrorCode::InvalidFile, m, std::move(d));
}

std::string rangeText(int64_t min, int64_t max) {
    return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

std::string numberText(double v) {
    std::ostringstream os;
    os.precision(17);
    os << v;
    return os.str();
}

// A short rendering of a value for messages (long strings and containers are cut).
std::string shortDump(const nlohmann::json& v) {
    std::string s = v.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

}  // namespace

nlohmann::json parseJsonText(const std::string& text, const std::string& source) {
    // No callbacks, no exceptions: the parser's own text never reaches a message.
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        std::string reason = "is not valid JSON";
        throw Error(ErrorCode::InvalidFile, "'" + source + "' " + reason, {{"path", source}, {"reason", reason}});
    }
    return j;
}

nlohmann::json readJsonFile(const std::string& path, std::uint64_t maxBytes) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        int err = errno;
        if (err == ENOENT)
            throw Error(ErrorCode::NotFound, "'" + path + "' does not exist", {{"path", path}});
        throw Error(ErrorCode::Io, "cannot read '" + path + "': " + std::strerror(err),
                    {{"path", path}, {"reason", std::strerror(err)}});
    }
    if (!S_ISREG(st.st_mode))
        throw Error(ErrorCode::InvalidFile, "'" + path + "' is not a regular file", {{"path", path}, {"reason", "not a file"}});
    if (static_cast<std::uint64_t>(st.st_size) > maxBytes) {
        std::string reason = "is " + std::to_string(st.st_size) + " bytes, more than a configuration file may be (" +
                             std::to_string(maxBytes) + ")";
        throw Error(ErrorCode::InvalidFile, "'" + path + "' " + reason, {{"path", path}, {"reason", reason}});
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, "cannot read '" + path + "'", {{"path", path}, {"reason", "cannot open"}});
    std::string text;
    text.resize(static_cast<std::size_t>(st.st_size));
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    // A file that grew after stat() is cut at the size checked above; the parser then refuses it.
    return parseJsonText(text, path);
}

std::optional<int64_t> exactInteger(const nlohmann::json& v, int64_t min, int64_t max) {
    if (v.is_number_unsigned()) {
        std::uint64_t u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
        int64_t i = static_cast<int64_t>(u);
        if (i < min || i > max) return std::nullopt;
        return i;
    }
    if (v.is_number_integer()) {
        int64_t i = v.get<int64_t>();
        if (i < min || i > max) return std::nullopt;
        return i;
    }
    if (v.is_number_float()) {
        double d = v.get<double>();
        // Only whole numbers within ±2^53, where a double holds every integer exactly.
        constexpr double kExact = 9007199254740992.0;
        if (!std::isfinite(d) || d != std::floor(d) || d < -kExact || d > kExact) return std::nullopt;
        int64_t i = static_cast<int64_t>(d);
        if (i < min || i > max) return std::nullopt;
        return i;
    }
    return std::nullopt;
}

JsonObject::JsonObject(const nlohmann::json& value, std::string file, std::string where)
    : value_(&value), file_(std::move(file)), where_(std::move(where)) {
    if (!value.is_object())
        throw invalid(file_, where_, where_.empty() ? "must hold a JSON object" : "must be a JSON object");
}

std::string JsonObject::path(const char* key) const { return where_.empty() ? std::string(key) : where_ + "." + key; }

void JsonObject::fail(const char* key, const std::string& reason) const { throw invalid(file_, path(key), reason); }

const nlohmann::json* JsonObject::find(const char* key) const {
    auto it = value_->find(key);
    if (it == value_->end() || it->is_null()) return nullptr;
    return &*it;
}

bool JsonObject::has(const char* key) const { return find(key) != nullptr; }

void JsonObject::require(const char* key) const {
    if (!has(key)) fail(key, "is missing");
}

std::optional<int64_t> JsonObject::optionalInteger(const char* key, int64_t min, int64_t max) const {
    const nlohmann::json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_number()) fail(key, "must be " + rangeText(min, max) + ", not " + shortDump(*v));
    std::optional<int64_t> i = exactInteger(*v, min, max);
    if (!i) fail(key, "must be " + rangeText(min, max) + ", not " + shortDump(*v));
    return i;
}

int64_t JsonObject::integer(const char* key, int64_t fallback, int64_t min, int64_t max) const {
    std::optional<int64_t> v = optionalInteger(key, min, max);
    return v ? *v : fallback;
}

double JsonObject::number(const char* key, double fallback, double min, double max) const {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    auto range = [&] { return "must be a number from " + numberText(min) + " to " + numberText(max); };
    if (!v->is_number()) fail(key, range() + ", not " + shortDump(*v));
    double d = v->get<double>();
    if (!std::isfinite(d) || d < min || d > max) fail(key, range() + ", not " + shortDump(*v));
    return d;
}

std::optional<bool> JsonObject::optionalBoolean(const char* key) const {
    const nlohmann::json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) fail(key, "must be true or false, not " + shortDump(*v));
    return v->get<bool>();
}

bool JsonObject::boolean(const char* key, bool fallback) const { return optionalBoolean(key).value_or(fallback); }

std::string JsonObject::string(const char* key, const std::string& fallback, std::size_t maxLength) const {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    if (!v->is_string()) fail(key, "must be a string, not " + shortDump(*v));
    const std::string& s = v->get_ref<const std::string&>();
    if (s.size() > maxLength) fail(key, "is longer than " + std::to_string(maxLength) + " bytes");
    return s;
}

std::string JsonObject::choice(const char* key, const std::string& fallback, std::initializer_list<const char*> allowed) const {
    std::string s = string(key, fallback, 256);
    std::string list;
    for (const char* a : allowed) {
        if (s == a) return s;
        list += (list.empty() ? "'" : ", '") + std::string(a) + "'";
    }
    fail(key, "is " + shortDump(nlohmann::json(s)) + "; it must be one of " + list);
}

std::vector<double> JsonObject::numbers(const char* key, std::size_t count, const std::vector<double>& fallback, double min,
                                        double max) const {
    const nlohmann::json* v = find(key);
    if (!v) return fallback;
    auto what = [&] {
        return "must be a list of " + std::to_string(count) + " numbers from " + numberText(min) + " to " + numberText(max);
    };
    if (!v->is_array() || v->size() != count) fail(key, what() + ", not " + shortDump(*v));
    std::vector<double> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const nlohmann::json& e = (*v)[i];
        std::string at = std::string(key) + "[" + std::to_string(i) + "]";
        if (!e.is_number()) fail(at.c_str(), "must be a number, not " + shortDump(e));
        double d = e.get<double>();
        if (!std::isfinite(d) || d < min || d > max)
            fail(at.c_str(), "must be a number from " + numberText(min) + " to " + numberText(max) + ", not " + shortDump(e));
        out.push_back(d);
    }
    return out;
}

JsonObject JsonObject::object(const char* key) const {
    static const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json* v = find(key);
    if (!v) return JsonObject(empty, file_, path(key));
    if (!v->is_object()) fail(key, "must be a JSON object, not " + shortDump(*v));
    return JsonObject(*v, file_, path(key));
}

void JsonObject::rejectUnknown(std::initializer_list<const char*> known) const {
    for (auto it = value_->begin(); it != value_->end(); ++it) {
        bool ok = false;
        for (const char* k : known)
            if (it.key() == k) ok = true;
        if (!ok) {
            std::string key = it.key();
            if (key.size() > 60) key = key.substr(0, 57) + "...";
            fail(key.c_str(), "is not a known setting (a typo?)");
        }
    }
}

}  // namespace lowclip::util
