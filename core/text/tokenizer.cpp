#include "core/text/tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/util/json_config.h"
#include "core/text/basic_tokenizer.h"
#include "core/text/unicode.h"
#include "core/text/vocab_builder.h"

namespace lowclip::text {

namespace {

constexpr std::size_t kMaxInputCharsPerWord = 100;  // the reference's max_input_chars_per_word
constexpr const char* kInMemory = "(in-memory vocabulary)";

std::size_t countCodePoints(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

bool startsWithHashes(const std::string& t) { return t.size() >= 2 && t[0] == '#' && t[1] == '#'; }

// Open-addressing hash table from token bytes to id (for id(); WordPiece uses TokenTrie).
class TokenTable {
public:
    explicit TokenTable(const std::vector<std::string>* tokens) : tokens_(tokens) {}

    void reserve(std::size_t n) {
        std::size_t cap = 16;
        while (cap < n * 2 + 1) cap <<= 1;
        slots_.assign(cap, Slot{0, -1});
        mask_ = cap - 1;
    }

    // A later id for the same key replaces the earlier one.
    void insert(std::string_view key, int32_t id) {
        const std::size_t h = hash(key);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.id < 0) {
                s = Slot{static_cast<uint32_t>(h), id};
                return;
            }
            if (s.hash == static_cast<uint32_t>(h) && keyOf(s.id) == key) {
                s.id = id;
                return;
            }
        }
    }

    int32_t find(std::string_view key) const {
        const std::size_t h = hash(key);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.id < 0) return -1;
            if (s.hash == static_cast<uint32_t>(h) && keyOf(s.id) == key) return s.id;
        }
    }

private:
    struct Slot {
        uint32_t hash;
        int32_t id;
    };
    static std::size_t hash(std::string_view key) { return std::hash<std::string_view>{}(key); }
    std::string_view keyOf(int32_t id) const { return (*tokens_)[static_cast<std::size_t>(id)]; }

    const std::vector<std::string>* tokens_;
    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
};


// A trie of tokens over code points, stored as one open-addressing hash table of edges
// (parent node, code point) -> node; each node knows the id of the token ending there (or -1).
// Longest-match-first WordPiece walks forward from a position one code point at a time and stops
// at the first string that prefixes no token: about one probe per matched character, no string
// hashing or comparison, exact (edges are compared in full).
class TokenTrie {
public:
    void build(const std::vector<std::string>& tokens, bool continuation) {
        std::size_t edges = 0;
        for (const auto& t : tokens)
            if (startsWithHashes(t) == continuation) edges += countCodePoints(t);
        std::size_t cap = 16;
        while (cap < edges + edges / 2) cap <<= 1;
        slots_.assign(cap, Slot{0, 0, kEmpty});
        mask_ = cap - 1;
        for (std::size_t id = 0; id < tokens.size(); ++id) {
            const std::string& t = tokens[id];
            if (startsWithHashes(t) != continuation) continue;
            const std::string_view key = std::string_view(t).substr(continuation ? 2 : 0);
            if (key.empty()) continue;  // "##" alone can never match a non-empty piece
            uint32_t node = kRoot;
            for (std::size_t i = 0; i < key.size();) node = insert(node, unicode::decodeUtf8(key, i));
            slots_[node].id = static_cast<int32_t>(id);  // a later duplicate wins, as in Python's dict
        }
    }

    // Longest token that prefixes word[start..n): (id, end), id -1 when none.
    std::pair<int32_t, std::size_t> longestMatch(const char32_t* word, std::size_t start, std::size_t n) const {
        int32_t best = -1;
        std::size_t bestEnd = start;
        uint32_t node = kRoot;
        for (std::size_t i = start; i < n; ++i) {
            node = find(node, word[i]);
            if (node == kNone) break;
            const int32_t id = slots_[node].id;
            if (id >= 0) {
                best = id;
                bestEnd = i + 1;
            }
        }
        return {best, bestEnd};
    }

private:
    static constexpr uint32_t kRoot = 0xFFFFFFFEu, kNone = 0xFFFFFFFFu;
    static constexpr int32_t kEmpty = -2, kInner = -1;
    struct Slot {
        uint32_t parent;
        uint32_t cp;
        int32_t id;  // kEmpty, kInner (no token ends here) or the token id
    };

    static std::size_t hash(uint32_t parent, char32_t cp) {
        uint64_t x = (static_cast<uint64_t>(parent) << 21) ^ static_cast<uint64_t>(cp);
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdull;
        x ^= x >> 33;
        return static_cast<std::size_t>(x);
    }

    uint32_t find(uint32_t parent, char32_t cp) const {
        for (std::size_t i = hash(parent, cp) & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.id == kEmpty) return kNone;
            if (s.parent == parent && s.cp == cp) return static_cast<uint32_t>(i);
        }
    }

    uint32_t insert(uint32_t parent, char32_t cp) {
        for (std::size_t i = hash(parent, cp) & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.id == kEmpty) {
                s = Slot{parent, static_cast<uint32_t>(cp), kInner};
                return static_cast<uint32_t>(i);
            }
            if (s.parent == parent && s.cp == cp) return static_cast<uint32_t>(i);
        }
    }

    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
};

}  // namespace

struct WordPieceTokenizer::Impl {
    std::vector<std::string> tokens;
    std::string source;
    BasicTokenizer basic;
    TokenTable whole{&tokens};     // every token, as written (for id())
    TokenTrie starts;              // tokens without "##": the first piece of a word
    TokenTrie continuations;       // "##xyz" tokens, under "xyz": the following pieces
    int64_t cls = -1, sep = -1, pad = -1, unk = -1, mask = -1;

    Impl(const Impl&) = delete;  // the tables point at `tokens`
    Impl& operator=(const Impl&) = delete;

    std::string describe() const { return source.empty() ? kInMemory : "file '" + source + "'"; }

    Impl(std::vector<std::string> t, TextNormalization normalization, std::string src)
        : tokens(std::move(t)), source(std::move(src)), basic(normalization) {
        if (tokens.size() > static_cast<std::size_t>(INT32_MAX))
            throw Error("vocabulary " + describe() + " has too many tokens (" + std::to_string(tokens.size()) + ")");
        whole.reserve(tokens.size());
        for (std::size_t i = 0; i < tokens.size(); ++i) whole.insert(tokens[i], static_cast<int32_t>(i));
        starts.build(tokens, false);
        continuations.build(tokens, true);
        auto need = [&](const char* name) -> int64_t {
            int32_t id = whole.find(name);
            if (id < 0)
                throw Error("vocabulary " + describe() + " has no " + name +
                            " token; a BERT WordPiece vocabulary needs [PAD], [UNK], [CLS] and [SEP]");
            return id;
        };
        pad = need("[PAD]");
        unk = need("[UNK]");
        cls = need("[CLS]");
        sep = need("[SEP]");
        mask = whole.find("[MASK]");
    }

    // WordPiece of the whole text: calls emit(id) per piece, stops after `limit` pieces.
    template <class Emit>
    void run(std::string_view text, std::size_t limit, Emit&& emit) const {
        if (limit == 0) return;
        std::size_t count = 0;
        std::vector<int32_t> pieces;
        pieces.reserve(32);
        basic.forEachWord(text, [&](const char32_t* w, std::size_t n) -> bool {
            if (n > kMaxInputCharsPerWord) {
                emit(unk);
                return ++count < limit;
            }
            pieces.clear();
            bool bad = false;
            for (std::size_t start = 0; start < n;) {
                const auto [found, end] = (start == 0 ? starts : continuations).longestMatch(w, start, n);
                if (found < 0) {
                    bad = true;
                    break;
                }
                pieces.push_back(found);
                start = end;
            }
            if (bad) {
                emit(unk);
                return ++count < limit;
            }
            for (int32_t id : pieces) {
                emit(static_cast<int64_t>(id));
                if (++count >= limit) return false;
            }
            return true;
        });
    }
};

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocabTokens, bool lowercase)
    : WordPieceTokenizer(std::move(vocabTokens), lowercase ? TextNormalization::BertLower : TextNormalization::None,
                         std::string()) {}

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocabTokens, TextNormalization normalization)
    : WordPieceTokenizer(std::move(vocabTokens), normalization, std::string()) {}

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocabTokens, TextNormalization normalization,
                                       std::string source)
    : impl_(std::make_shared<const Impl>(std::move(vocabTokens), normalization, std::move(source))) {}

WordPieceTokenizer WordPieceTokenizer::fromVocabFile(const std::string& vocabPath, bool lowercase) {
    return fromVocabFile(vocabPath, lowercase ? TextNormalization::BertLower : TextNormalization::None);
}

WordPieceTokenizer WordPieceTokenizer::fromVocabFile(const std::string& vocabPath, TextNormalization normalization) {
    return WordPieceTokenizer(readVocab(vocabPath), normalization, vocabPath);
}

namespace {

std::optional<nlohmann::json> readJsonIfPresent(const std::filesystem::path& p) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) return std::nullopt;
    return util::readJsonFile(p.string());  // bounded, typed errors without the parser's text
}

std::optional<bool> boolField(const std::optional<nlohmann::json>& j, const std::filesystem::path& file,
                              std::initializer_list<const char*> path) {
    if (!j || !j->is_object()) return std::nullopt;
    const nlohmann::json* cur = &*j;
    std::string dotted;
    for (const char* key : path) {
        if (!cur->is_object()) return std::nullopt;
        auto it = cur->find(key);
        if (it == cur->end()) return std::nullopt;
        cur = &*it;
        dotted += dotted.empty() ? key : std::string(".") + key;
    }
    if (cur->is_null()) return std::nullopt;
    if (!cur->is_boolean())
        throw Error("'" + file.string() + "': field " + dotted + " must be true or false, got " + cur->dump());
    return cur->get<bool>();
}

std::string lowerAscii(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// "uncased" -> true, "cased" -> false, else nothing.
std::optional<bool> lowercaseFromName(const std::string& name) {
    std::string n = lowerAscii(name);
    if (n.find("uncased") != std::string::npos) return true;
    if (n.find("cased") != std::string::npos) return false;
    return std::nullopt;
}

std::string stringField(const std::optional<nlohmann::json>& j, const char* key) {
    if (!j || !j->is_object()) return {};
    auto it = j->find(key);
    return it != j->end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

WordPieceTokenizer WordPieceTokenizer::fromFolder(const std::string& folder) {
    namespace fs = std::filesystem;
    const fs::path dir(folder);
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw Error("'" + folder + "' is not a folder (expected a Hugging Face model folder or a model bundle)");
    const fs::path vocabPath = dir / "vocab.txt";
    if (!fs::is_regular_file(vocabPath, ec))
        throw Error("no vocab.txt in '" + folder + "' (a BERT tokenizer needs its WordPiece vocabulary)");
    std::vector<std::string> tokens = readVocab(vocabPath.string());

    const fs::path bundleJson = dir / "lowclip.json", tokJson = dir / "tokenizer_config.json",
                   configJson = dir / "config.json";
    const auto bundle = readJsonIfPresent(bundleJson);
    const auto tokConfig = readJsonIfPresent(tokJson);
    const auto config = readJsonIfPresent(configJson);

    if (bundle && bundle->contains("tokenizer") && (*bundle)["tokenizer"].is_object() &&
        (*bundle)["tokenizer"].contains("normalization") && (*bundle)["tokenizer"]["normalization"].is_string())
        return WordPieceTokenizer(std::move(tokens), parseNormalization((*bundle)["tokenizer"]["normalization"]),
                                  vocabPath.string());
    std::optional<bool> lowercase = boolField(bundle, bundleJson, {"tokenizer", "lowercase"});
    if (!lowercase) lowercase = boolField(tokConfig, tokJson, {"do_lower_case"});
    if (!lowercase) lowercase = boolField(config, configJson, {"do_lower_case"});
    if (!lowercase) {
        for (const std::string& name :
             {stringField(tokConfig, "name_or_path"), stringField(tokConfig, "_name_or_path"),
              stringField(config, "_name_or_path"), stringField(config, "name_or_path"),
              fs::absolute(dir, ec).lexically_normal().filename().string(), dir.filename().string()}) {
            if (name.empty()) continue;
            if ((lowercase = lowercaseFromName(name))) break;
        }
    }
    if (!lowercase) {
        bool anyUpper = false;
        for (const auto& t : tokens) {
            if (t.size() >= 2 && t.front() == '[' && t.back() == ']') continue;  // [CLS], [unused0], ...
            if (std::any_of(t.begin(), t.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
                anyUpper = true;
                break;
            }
        }
        lowercase = !anyUpper;
    }
    return WordPieceTokenizer(std::move(tokens), *lowercase ? TextNormalization::BertLower : TextNormalization::None,
                              vocabPath.string());
}

std::vector<std::string> WordPieceTokenizer::tokenize(const std::string& utf8) const {
    std::vector<std::string> out;
    impl_->run(utf8, SIZE_MAX, [&](int64_t id) { out.push_back(impl_->tokens[static_cast<std::size_t>(id)]); });
    return out;
}

std::vector<int64_t> WordPieceTokenizer::tokenIds(const std::string& utf8) const {
    std::vector<int64_t> out;
    impl_->run(utf8, SIZE_MAX, [&](int64_t id) { out.push_back(id); });
    return out;
}

namespace {
void checkMaxLength(int maxLength) {
    if (maxLength < 2)
        throw Error("maxLength must be at least 2 (room for [CLS] and [SEP]), got " + std::to_string(maxLength));
}
}  // namespace

Encoding WordPieceTokenizer::encode(const std::string& utf8, int maxLength, bool padToMax) const {
    checkMaxLength(maxLength);
    Encoding e;
    e.ids.reserve(padToMax ? static_cast<std::size_t>(maxLength) : 16);
    e.ids.push_back(impl_->cls);
    impl_->run(utf8, static_cast<std::size_t>(maxLength - 2), [&](int64_t id) { e.ids.push_back(id); });
    e.ids.push_back(impl_->sep);
    e.attentionMask.assign(e.ids.size(), 1);
    if (padToMax && e.ids.size() < static_cast<std::size_t>(maxLength)) {
        e.ids.resize(static_cast<std::size_t>(maxLength), impl_->pad);
        e.attentionMask.resize(static_cast<std::size_t>(maxLength), 0);
    }
    e.tokenTypeIds.assign(e.ids.size(), 0);
    return e;
}

BatchEncoding WordPieceTokenizer::encodeBatch(const std::vector<std::string>& texts, int maxLength,
                                              Padding padding) const {
    checkMaxLength(maxLength);
    std::vector<Encoding> rows;
    rows.reserve(texts.size());
    std::size_t longest = 0;
    for (const auto& t : texts) {
        rows.push_back(encode(t, maxLength, false));
        longest = std::max(longest, rows.back().ids.size());
    }
    std::size_t length = longest;
    if (padding == Padding::MaxLength) {
        length = static_cast<std::size_t>(maxLength);
    } else if (padding == Padding::None) {
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (rows[i].ids.size() != longest)
                throw Error("encodeBatch without padding needs sequences of equal length, but text " +
                            std::to_string(i) + " has " + std::to_string(rows[i].ids.size()) + " tokens and another " +
                            std::to_string(longest) + "; use Padding::Longest or Padding::MaxLength");
    }
    BatchEncoding b;
    b.batch = static_cast<int64_t>(rows.size());
    b.length = static_cast<int64_t>(length);
    b.ids.assign(rows.size() * length, impl_->pad);
    b.attentionMask.assign(rows.size() * length, 0);
    b.tokenTypeIds.assign(rows.size() * length, 0);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        std::copy(rows[r].ids.begin(), rows[r].ids.end(), b.ids.begin() + static_cast<std::ptrdiff_t>(r * length));
        std::fill_n(b.attentionMask.begin() + static_cast<std::ptrdiff_t>(r * length), rows[r].ids.size(), 1);
    }
    return b;
}

int64_t WordPieceTokenizer::clsId() const { return impl_->cls; }
int64_t WordPieceTokenizer::sepId() const { return impl_->sep; }
int64_t WordPieceTokenizer::padId() const { return impl_->pad; }
int64_t WordPieceTokenizer::unkId() const { return impl_->unk; }
int64_t WordPieceTokenizer::maskId() const {
    if (impl_->mask < 0) throw Error("vocabulary " + impl_->describe() + " has no [MASK] token");
    return impl_->mask;
}
std::size_t WordPieceTokenizer::vocabSize() const { return impl_->tokens.size(); }
bool WordPieceTokenizer::lowercase() const { return impl_->basic.lowercase(); }
TextNormalization WordPieceTokenizer::normalization() const { return impl_->basic.normalization(); }
const std::string& WordPieceTokenizer::source() const { return impl_->source; }

const std::string& WordPieceTokenizer::token(int64_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= impl_->tokens.size())
        throw Error("token id " + std::to_string(id) + " is outside the vocabulary (size " +
                    std::to_string(impl_->tokens.size()) + ")");
    return impl_->tokens[static_cast<std::size_t>(id)];
}

std::optional<int64_t> WordPieceTokenizer::id(const std::string& token) const {
    int32_t i = impl_->whole.find(token);
    if (i < 0) return std::nullopt;
    return i;
}

}  // namespace lowclip::text
