#include "core/text/basic_tokenizer.h"

#include "core/text/unicode.h"

namespace lowclip::text {

namespace {
constexpr const char* kNeverSplit[] = {"[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"};
}

bool isNeverSplitToken(const char32_t* word, std::size_t n) {
    if (n < 5 || n > 6 || word[0] != U'[' || word[n - 1] != U']') return false;
    for (const char* special : kNeverSplit) {
        std::size_t len = std::char_traits<char>::length(special);
        if (len != n) continue;
        bool same = true;
        for (std::size_t i = 0; i < n && same; ++i) same = word[i] == static_cast<char32_t>(special[i]);
        if (same) return true;
    }
    return false;
}

bool isNeverSplitToken(std::string_view word) {
    for (const char* special : kNeverSplit)
        if (word == special) return true;
    return false;
}

void BasicTokenizer::forEachWord(std::string_view utf8, WordFn fn, void* context) const {
    std::u32string word, lowered;
    word.reserve(64);
    bool go = true;

    auto emitWord = [&]() {
        if (word.empty()) return;
        const char32_t* w = word.data();
        std::size_t n = word.size();
        if (isNeverSplitToken(w, n)) {
            go = fn(context, w, n);
            word.clear();
            return;
        }
        if (normalization_ != TextNormalization::None) {
            lowered.clear();
            if (normalization_ == TextNormalization::BertLower) unicode::lowerStripAccents(w, n, lowered);
            else unicode::lowerAzerbaijani(w, n, lowered);
            w = lowered.data();
            n = lowered.size();
        }
        std::size_t start = 0;
        for (std::size_t i = 0; i < n && go; ++i) {
            if (!unicode::isPunctuation(w[i])) continue;
            if (i > start) go = fn(context, w + start, i - start);
            if (go) go = fn(context, w + i, 1);
            start = i + 1;
        }
        if (go && start < n) go = fn(context, w + start, n - start);
        word.clear();
    };

    for (std::size_t i = 0; i < utf8.size() && go;) {
        const auto b = static_cast<unsigned char>(utf8[i]);
        char32_t c;
        if (b < 0x80) {
            c = b;
            ++i;
        } else {
            c = unicode::decodeUtf8(utf8, i);
        }
        switch (unicode::classify(c)) {
            case unicode::CharClass::Keep:
                word.push_back(c);
                break;
            case unicode::CharClass::Drop:
                break;
            case unicode::CharClass::Space:
                emitWord();
                break;
            case unicode::CharClass::Cjk:
                // A word of its own, still lower-cased/normalized (NFD maps U+F900.. to unified ideographs).
                emitWord();
                if (go) {
                    word.push_back(c);
                    emitWord();
                }
                break;
        }
    }
    if (go) emitWord();
}

std::vector<std::string> BasicTokenizer::tokenize(std::string_view utf8) const {
    std::vector<std::string> words;
    forEachWord(utf8, [&](const char32_t* w, std::size_t n) {
        words.push_back(unicode::encodeUtf8(w, n));
        return true;
    });
    return words;
}

}  // namespace lowclip::text
