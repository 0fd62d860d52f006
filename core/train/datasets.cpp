#include "core/train/datasets.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace fs = std::filesystem;

namespace lowclip::train {

std::size_t Dataset::captionCount() const {
    std::size_t n = 0;
    for (const auto& it : items) n += it.captions.size();
    return n;
}

namespace {

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open dataset file '" + path + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    if (s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xEF && static_cast<unsigned char>(s[1]) == 0xBB &&
        static_cast<unsigned char>(s[2]) == 0xBF)
        s.erase(0, 3);  // UTF-8 BOM
    return s;
}

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    return s.substr(b, e - b);
}

std::string folderOf(const std::string& path) {
    fs::path p(path);
    return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

std::string resolve(const std::string& root, const std::string& image) {
    if (image.empty()) return image;
    fs::path p(image);
    if (p.is_absolute() || root.empty()) return p.lexically_normal().string();
    return (fs::path(root) / p).lexically_normal().string();
}

// Groups (image, caption) in first-seen image order.
class Grouper {
public:
    void add(const std::string& image, std::string caption) {
        caption = trim(caption);
        if (image.empty() || caption.empty()) return;
        auto it = index_.find(image);
        if (it == index_.end()) {
            index_.emplace(image, items_.size());
            items_.push_back({image, {std::move(caption)}});
        } else {
            items_[it->second].captions.push_back(std::move(caption));
        }
    }
    Dataset take(const std::string& name) {
        Dataset d;
        d.name = name;
        d.items = std::move(items_);
        return d;
    }

private:
    std::unordered_map<std::string, std::size_t> index_;
    std::vector<CaptionedImage> items_;
};

bool isNumber(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lowerAscii(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

}  // namespace

std::vector<std::vector<std::string>> parseDelimited(const std::string& text, char delim, const std::string& what) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool inQuotes = false, fieldStarted = false, wasQuoted = false;
    std::size_t line = 1, quoteLine = 0;
    auto endField = [&]() {
        row.push_back(wasQuoted ? field : trim(field));
        field.clear();
        fieldStarted = wasQuoted = false;
    };
    auto endRow = [&]() {
        endField();
        bool blank = row.size() == 1 && row[0].empty();
        if (!blank) rows.push_back(std::move(row));
        row.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (inQuotes) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    inQuotes = false;
                }
            } else {
                if (c == '\n') ++line;
                field += c;
            }
            continue;
        }
        if (c == '"' && !fieldStarted && trim(field).empty()) {
            field.clear();
            inQuotes = wasQuoted = fieldStarted = true;
            quoteLine = line;
        } else if (c == delim) {
            endField();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            endRow();
            ++line;
        } else {
            if (wasQuoted) {
                if (c == ' ' || c == '\t') continue;  // spaces after a closing quote
                throw Error(what + ", line " + std::to_string(line) + ": text after a closing quote");
            }
            field += c;
            fieldStarted = true;
        }
    }
    if (inQuotes) throw Error(what + ": quote opened on line " + std::to_string(quoteLine) + " is never closed");
    if (fieldStarted || wasQuoted || !field.empty() || !row.empty()) endRow();
    return rows;
}

Dataset loadCsvDataset(const std::string& path, const CsvOptions& options) {
    std::string text = readText(path);
    char delim = options.delimiter;
    std::string firstLine = text.substr(0, text.find('\n'));
    if (!delim) {
        std::string ext = lowerAscii(fs::path(path).extension().string());
        if (ext == ".tsv" || ext == ".txt" || (firstLine.find('\t') != std::string::npos && firstLine.find(',') == std::string::npos))
            delim = '\t';
        else if (firstLine.find('|') != std::string::npos && firstLine.find(',') == std::string::npos)
            delim = '|';
        else
            delim = ',';
    }
    auto rows = parseDelimited(text, delim, "'" + path + "'");
    if (rows.empty()) throw Error("dataset file '" + path + "' is empty");
    auto columnIndex = [&](const std::string& col, const std::vector<std::string>& head) -> std::size_t {
        if (options.header) {
            for (std::size_t i = 0; i < head.size(); ++i)
                if (trim(head[i]) == col) return i;
            if (isNumber(col)) return static_cast<std::size_t>(std::stoul(col));
            std::string names;
            for (const auto& h : head) names += (names.empty() ? "" : ", ") + trim(h);
            throw Error("dataset file '" + path + "': no column named '" + col + "' (columns: " + names + ")");
        }
        if (!isNumber(col))
            throw Error("dataset file '" + path + "' has no header: give columns as numbers, not '" + col + "'");
        return static_cast<std::size_t>(std::stoul(col));
    };
    std::size_t imageCol = columnIndex(options.imageColumn, rows[0]);
    std::size_t captionCol = columnIndex(options.captionColumn, rows[0]);
    std::string root = options.imageRoot.empty() ? folderOf(path) : options.imageRoot;
    Grouper g;
    for (std::size_t r = options.header ? 1 : 0; r < rows.size(); ++r) {
        const auto& row = rows[r];
        if (row.size() <= std::max(imageCol, captionCol))
            throw Error("dataset file '" + path + "', row " + std::to_string(r + 1) + ": has " + std::to_string(row.size()) +
                        " fields, needs column " + std::to_string(std::max(imageCol, captionCol) + 1));
        g.add(resolve(root, trim(row[imageCol])), row[captionCol]);
    }
    return g.take(path);
}

Dataset loadFlickr8k(const std::string& tokenFile, const std::string& imageRoot) {
    std::istringstream in(readText(tokenFile));
    std::string root = imageRoot.empty() ? folderOf(tokenFile) : imageRoot;
    Grouper g;
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (trim(line).empty()) continue;
        auto tab = line.find('\t');
        if (tab == std::string::npos)
            throw Error("Flickr8k file '" + tokenFile + "', line " + std::to_string(n) + ": no tab between image and caption");
        std::string key = line.substr(0, tab);
        auto hash = key.rfind('#');
        std::string image = hash == std::string::npos ? key : key.substr(0, hash);
        g.add(resolve(root, trim(image)), line.substr(tab + 1));
    }
    return g.take(tokenFile);
}

Dataset loadFlickr30k(const std::string& resultsCsv, const std::string& imageRoot) {
    std::string text = readText(resultsCsv);
    std::istringstream in(text);
    std::string root = imageRoot.empty() ? folderOf(resultsCsv) : imageRoot;
    Grouper g;
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (n == 1 && lowerAscii(line).find("image_name") != std::string::npos) continue;
        if (trim(line).empty()) continue;
        // The caption itself may contain '|': split on the first two only.
        auto a = line.find('|');
        auto b = a == std::string::npos ? a : line.find('|', a + 1);
        if (b == std::string::npos)
            throw Error("Flickr30k file '" + resultsCsv + "', line " + std::to_string(n) +
                        ": expected 'image_name| comment_number| comment'");
        g.add(resolve(root, trim(line.substr(0, a))), line.substr(b + 1));
    }
    return g.take(resultsCsv);
}

Dataset loadCoco(const std::string& captionsJson, const std::string& imageRoot) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(readText(captionsJson));
    } catch (const nlohmann::json::exception& e) {
        throw Error("COCO file '" + captionsJson + "' is not valid JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains("images") || !j.contains("annotations") || !j["images"].is_array() ||
        !j["annotations"].is_array())
        throw Error("COCO file '" + captionsJson + "' needs arrays \"images\" and \"annotations\"");
    std::string root = imageRoot.empty() ? folderOf(captionsJson) : imageRoot;
    std::map<std::int64_t, std::string> files;
    std::vector<std::int64_t> order;
    try {
        for (const auto& im : j["images"]) {
            auto id = im.at("id").get<std::int64_t>();
            files[id] = resolve(root, im.at("file_name").get<std::string>());
            order.push_back(id);
        }
        std::map<std::int64_t, std::vector<std::string>> caps;
        for (const auto& a : j["annotations"]) {
            auto id = a.at("image_id").get<std::int64_t>();
            if (!files.count(id))
                throw Error("COCO file '" + captionsJson + "': annotation for unknown image id " + std::to_string(id));
            caps[id].push_back(a.at("caption").get<std::string>());
        }
        Grouper g;
        for (auto id : order)
            for (auto& c : caps[id]) g.add(files[id], c);
        return g.take(captionsJson);
    } catch (const nlohmann::json::exception& e) {
        throw Error("COCO file '" + captionsJson + "': " + e.what());
    }
}

Dataset fromPairs(const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& name) {
    Grouper g;
    for (const auto& [path, caption] : pairs) g.add(path, caption);
    return g.take(name);
}

Dataset loadDataset(const std::string& path, const CsvOptions& csv) {
    std::string ext = lowerAscii(fs::path(path).extension().string());
    if (ext == ".json") return loadCoco(path, csv.imageRoot);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open dataset file '" + path + "'");
    std::string first;
    std::getline(in, first);
    if (lowerAscii(first).rfind("image_name", 0) == 0 && first.find('|') != std::string::npos)
        return loadFlickr30k(path, csv.imageRoot);
    auto tab = first.find('\t');
    if (tab != std::string::npos) {
        auto hash = first.rfind('#', tab);
        if (hash != std::string::npos && hash + 1 < tab && isNumber(first.substr(hash + 1, tab - hash - 1)))
            return loadFlickr8k(path, csv.imageRoot);
    }
    return loadCsvDataset(path, csv);
}

DatasetSplits splitByImage(const Dataset& dataset, double validationFraction, double testFraction, std::uint64_t seed) {
    if (validationFraction < 0 || testFraction < 0 || validationFraction + testFraction > 1)
        throw Error("split fractions must be >= 0 and add up to at most 1");
    std::vector<std::size_t> order(dataset.items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::mt19937_64 rng(seed);
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
    std::size_t n = order.size();
    auto nVal = static_cast<std::size_t>(validationFraction * static_cast<double>(n) + 0.5);
    auto nTest = static_cast<std::size_t>(testFraction * static_cast<double>(n) + 0.5);
    if (nVal + nTest > n) nTest = n - nVal;
    DatasetSplits s;
    s.train.name = dataset.name + " (train)";
    s.validation.name = dataset.name + " (validation)";
    s.test.name = dataset.name + " (test)";
    for (std::size_t k = 0; k < n; ++k) {
        const auto& item = dataset.items[order[k]];
        if (k < nVal) s.validation.items.push_back(item);
        else if (k < nVal + nTest) s.test.items.push_back(item);
        else s.train.items.push_back(item);
    }
    return s;
}

Dataset dropUnusableImages(const Dataset& dataset, std::vector<DatasetProblem>* problems, const ImageCheck& check) {
    Dataset out;
    out.name = dataset.name;
    for (const auto& item : dataset.items) {
        try {
            std::error_code ec;
            if (!fs::is_regular_file(item.imagePath, ec)) throw Error("file not found");
            if (fs::file_size(item.imagePath, ec) == 0 || ec) throw Error("file is empty or unreadable");
            if (check) check(item.imagePath);
            out.items.push_back(item);
        } catch (const std::exception& e) {
            if (problems) problems->push_back({item.imagePath, e.what()});
        }
    }
    return out;
}

}  // namespace lowclip::train
