#include "core/text/vocab_builder.h"

#include <algorithm>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/text/basic_tokenizer.h"
#include "core/text/unicode.h"

namespace lowclip::text {

const std::vector<std::string>& specialTokens() {
    static const std::vector<std::string> s{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    return s;
}

namespace {

constexpr std::size_t kMaxWordChars = 100;  // longer words are always [UNK]

struct Symbol {
    std::string text;     // as in the vocabulary, "##" included
    std::size_t length;   // code points without "##"
};

struct Word {
    std::vector<int32_t> symbols;
    int64_t count;
};

uint64_t pairKey(int32_t a, int32_t b) { return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b); }

struct HeapEntry {
    int64_t count;
    uint64_t key;
    // Highest count first; ties: smaller key (pieces created earlier).
    bool operator<(const HeapEntry& o) const { return count != o.count ? count < o.count : key > o.key; }
};

// The letters of the alphabets a corpus uses, in both cases, as `basic` normalizes them: added with
// count 0 (after every character the corpus has) when the corpus lacks them.
void addAlphabets(const BasicTokenizer& basic, std::unordered_map<char32_t, int64_t>& charCounts) {
    bool latin = false, cyrillic = false;
    for (const auto& [c, count] : charCounts) {
        if (!unicode::isLetter(c)) continue;
        latin = latin || (c >= 0x41 && c <= 0x24F);
        cyrillic = cyrillic || (c >= 0x400 && c <= 0x4FF);
    }
    if (!latin && !cyrillic) return;
    std::u32string letters = U"0123456789";
    if (latin) letters += U"abcdefghijklmnopqrstuvwxyz\u00E7\u0259\u011F\u0131\u00F6\u015F\u00FC\u0130";
    if (cyrillic)
        letters += U"\u0430\u0431\u0432\u0433\u0434\u0435\u0451\u0436\u0437\u0438\u0439\u043A\u043B\u043C"
                   U"\u043D\u043E\u043F\u0440\u0441\u0442\u0443\u0444\u0445\u0446\u0447\u0448\u0449\u044A"
                   U"\u044B\u044C\u044D\u044E\u044F\u04D9\u0493\u0458\u049D\u04BB\u04E9\u04AF\u04B9";
    std::u32string forms;
    for (char32_t c : letters) {
        forms.push_back(c);
        forms.push_back(unicode::simpleUpper(c));
        forms.push_back(unicode::simpleLower(c));
    }
    for (char32_t c : forms) {
        std::string s;
        unicode::appendUtf8(s, c);
        basic.forEachWord(s, [&](const char32_t* w, std::size_t n) {
            for (std::size_t i = 0; i < n; ++i) charCounts.emplace(w[i], 0);
            return true;
        });
    }
}

}  // namespace

std::vector<std::string> buildWordPieceVocab(const std::vector<std::string>& corpus, const VocabBuilderOptions& options) {
    if (options.vocabSize < specialTokens().size())
        throw Error("vocabulary size must be at least " + std::to_string(specialTokens().size()) +
                    " (the special tokens), got " + std::to_string(options.vocabSize));
    if (options.minFrequency < 1)
        throw Error("minimum frequency must be at least 1, got " + std::to_string(options.minFrequency));
    if (options.maxWordPieceLength < 1) throw Error("maximum word-piece length must be at least 1");

    // 1. Word counts, split exactly as the tokenizer will.
    const TextNormalization normalization =
        options.normalization == TextNormalization::None && options.lowercase ? TextNormalization::BertLower
                                                                              : options.normalization;
    const BasicTokenizer basic(normalization);
    std::unordered_map<std::u32string, int64_t> wordCounts;
    std::unordered_map<char32_t, int64_t> charCounts;
    for (const std::string& line : corpus) {
        basic.forEachWord(line, [&](const char32_t* w, std::size_t n) {
            if (isNeverSplitToken(w, n)) return true;
            for (std::size_t i = 0; i < n; ++i) ++charCounts[w[i]];
            if (n <= kMaxWordChars) ++wordCounts[std::u32string(w, n)];
            return true;
        });
    }

    if (options.completeAlphabets) addAlphabets(basic, charCounts);

    // 2. Specials, then the alphabet in both forms.
    std::vector<std::string> vocab = specialTokens();
    std::unordered_set<std::string> inVocab(vocab.begin(), vocab.end());
    std::vector<std::pair<char32_t, int64_t>> alphabet(charCounts.begin(), charCounts.end());
    std::sort(alphabet.begin(), alphabet.end(), [](const auto& x, const auto& y) {
        return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    std::vector<Symbol> symbols;
    std::unordered_map<std::string, int32_t> symbolIds;
    auto symbolId = [&](const std::string& text, std::size_t length) {
        auto [it, inserted] = symbolIds.emplace(text, static_cast<int32_t>(symbols.size()));
        if (inserted) symbols.push_back(Symbol{text, length});
        return it->second;
    };
    auto addToVocab = [&](const std::string& t) {
        if (inVocab.insert(t).second) vocab.push_back(t);
    };
    std::unordered_map<char32_t, std::pair<int32_t, int32_t>> charSymbols;  // start form, "##" form
    for (const auto& [c, count] : alphabet) {
        std::string s;
        unicode::appendUtf8(s, c);
        charSymbols[c].first = symbolId(s, 1);
        addToVocab(s);
    }
    for (const auto& [c, count] : alphabet) {
        std::string s = "##";
        unicode::appendUtf8(s, c);
        charSymbols[c].second = symbolId(s, 1);
        addToVocab(s);
    }

    // 3. Merges. Words in a deterministic order (most frequent first, then by code points).
    std::vector<std::pair<std::u32string, int64_t>> sortedWords(wordCounts.begin(), wordCounts.end());
    wordCounts.clear();
    std::sort(sortedWords.begin(), sortedWords.end(), [](const auto& x, const auto& y) {
        return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    std::vector<Word> words;
    words.reserve(sortedWords.size());
    for (const auto& [w, count] : sortedWords) {
        Word word{{}, count};
        word.symbols.reserve(w.size());
        for (std::size_t i = 0; i < w.size(); ++i) {
            const auto& cs = charSymbols.at(w[i]);
            word.symbols.push_back(i == 0 ? cs.first : cs.second);
        }
        words.push_back(std::move(word));
    }
    sortedWords.clear();

    std::unordered_map<uint64_t, int64_t> pairCounts;
    std::unordered_map<uint64_t, std::vector<uint32_t>> pairWords;
    for (uint32_t wi = 0; wi < words.size(); ++wi) {
        const Word& w = words[wi];
        for (std::size_t i = 0; i + 1 < w.symbols.size(); ++i) {
            const uint64_t k = pairKey(w.symbols[i], w.symbols[i + 1]);
            pairCounts[k] += w.count;
            pairWords[k].push_back(wi);
        }
    }
    std::priority_queue<HeapEntry> heap;
    for (const auto& [k, c] : pairCounts) heap.push({c, k});

    std::vector<uint32_t> stamp(words.size(), 0);
    uint32_t mergeNo = 0;
    std::unordered_set<uint64_t> changed;
    std::vector<int32_t> merged;
    while (vocab.size() < options.vocabSize && !heap.empty()) {
        const HeapEntry top = heap.top();
        heap.pop();
        auto pc = pairCounts.find(top.key);
        if (pc == pairCounts.end() || pc->second != top.count) continue;  // stale entry
        if (top.count < options.minFrequency) break;
        const auto a = static_cast<int32_t>(top.key >> 32), b = static_cast<int32_t>(top.key & 0xFFFFFFFFu);
        const std::size_t length = symbols[static_cast<std::size_t>(a)].length + symbols[static_cast<std::size_t>(b)].length;
        if (length > options.maxWordPieceLength) continue;  // counts only ever decrease: skipped for good
        const std::string text = symbols[static_cast<std::size_t>(a)].text + symbols[static_cast<std::size_t>(b)].text.substr(2);
        const int32_t ab = symbolId(text, length);
        addToVocab(text);

        ++mergeNo;
        changed.clear();
        std::vector<uint32_t> affected = std::move(pairWords[top.key]);
        pairWords.erase(top.key);
        for (uint32_t wi : affected) {
            if (stamp[wi] == mergeNo) continue;
            stamp[wi] = mergeNo;
            Word& w = words[wi];
            bool has = false;
            for (std::size_t i = 0; i + 1 < w.symbols.size() && !has; ++i) has = w.symbols[i] == a && w.symbols[i + 1] == b;
            if (!has) continue;
            for (std::size_t i = 0; i + 1 < w.symbols.size(); ++i) {
                const uint64_t k = pairKey(w.symbols[i], w.symbols[i + 1]);
                pairCounts[k] -= w.count;
                changed.insert(k);
            }
            merged.clear();
            for (std::size_t i = 0; i < w.symbols.size(); ++i) {
                if (i + 1 < w.symbols.size() && w.symbols[i] == a && w.symbols[i + 1] == b) {
                    merged.push_back(ab);
                    ++i;
                } else {
                    merged.push_back(w.symbols[i]);
                }
            }
            w.symbols.assign(merged.begin(), merged.end());
            for (std::size_t i = 0; i + 1 < w.symbols.size(); ++i) {
                const uint64_t k = pairKey(w.symbols[i], w.symbols[i + 1]);
                pairCounts[k] += w.count;
                changed.insert(k);
                if (w.symbols[i] == ab || w.symbols[i + 1] == ab) pairWords[k].push_back(wi);
            }
        }
        for (uint64_t k : changed) {
            auto it = pairCounts.find(k);
            if (it->second <= 0)
                pairCounts.erase(it);
            else
                heap.push({it->second, k});
        }
        pairCounts.erase(top.key);  // merged everywhere
    }
    return vocab;
}

}  // namespace lowclip::text
