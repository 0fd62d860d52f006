#pragma once
// BERT's BasicTokenizer with the reference semantics of pytorch_pretrained_bert 0.4.0
// (see ../shared/fixtures/README.md, tokenizer/):
//   1. clean: drop U+0000, U+FFFD and category C* except \t \n \r; \t \n \r and Zs -> space;
//   2. a CJK ideograph is a word of its own;
//   3. split on whitespace (Python str.split(), so also U+2028/U+2029);
//   4. lowercase mode, words other than [UNK] [SEP] [PAD] [CLS] [MASK]: Python str.lower(), NFD,
//      drop Mn (Azerbaijani normalization instead: NFC and Azerbaijani lower-casing, marks kept);
//   5. split off every punctuation character, except in those five special words.
// Input is UTF-8; invalid sequences decode to U+FFFD (maximal subpart) and are then dropped by
// cleaning, so arbitrary bytes are accepted and never split a word.
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/text/normalization.h"

namespace lowclip::text {

// The words BERT never lower-cases or splits on punctuation (exact, upper case).
bool isNeverSplitToken(const char32_t* word, std::size_t n);
bool isNeverSplitToken(std::string_view word);

class BasicTokenizer {
public:
    // lowercase: BERT's lower-casing (TextNormalization::BertLower); see normalization.h.
    explicit BasicTokenizer(bool lowercase = false)
        : normalization_(lowercase ? TextNormalization::BertLower : TextNormalization::None) {}
    explicit BasicTokenizer(TextNormalization normalization) : normalization_(normalization) {}
    bool lowercase() const { return normalization_ != TextNormalization::None; }
    TextNormalization normalization() const { return normalization_; }

    // The words (after punctuation splitting) as UTF-8 strings.
    std::vector<std::string> tokenize(std::string_view utf8) const;

    // Calls fn(codePoints, count) for each word in order; stops early when fn returns false.
    // The pointer is valid only during the call. No allocation per character.
    using WordFn = bool (*)(void* context, const char32_t* word, std::size_t n);
    void forEachWord(std::string_view utf8, WordFn fn, void* context) const;
    template <class F>
    void forEachWord(std::string_view utf8, F&& f) const {
        using Fn = std::remove_reference_t<F>;
        forEachWord(
            utf8, [](void* c, const char32_t* w, std::size_t n) -> bool { return (*static_cast<Fn*>(c))(w, n); },
            const_cast<void*>(static_cast<const void*>(&f)));
    }

private:
    TextNormalization normalization_;
};

}  // namespace lowclip::text
