#pragma once
// BERT tokenizer: BasicTokenizer (basic_tokenizer.h) + greedy longest-match-first WordPiece, with
// the reference semantics of pytorch_pretrained_bert 0.4.0 `BertTokenizer` (see
// ../shared/fixtures/README.md, tokenizer/):
//   - a word longer than 100 code points is [UNK];
//   - otherwise the longest vocabulary entry matching at the current position is taken, "##"
//     marking every piece after the first; if some position matches nothing the whole word is [UNK].
// Input is UTF-8; invalid byte sequences decode to U+FFFD, which cleaning deletes (so "a\xFFb" is
// the word "ab"). Objects are immutable after construction: copies are cheap (shared state) and
// every method may be called from many threads at once.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/text/normalization.h"

namespace lowclip::text {

struct Encoding {  // one sequence
    std::vector<int64_t> ids, attentionMask, tokenTypeIds;
};

struct BatchEncoding {  // row-major batch x length
    int64_t batch = 0, length = 0;
    std::vector<int64_t> ids, attentionMask, tokenTypeIds;
};

// encodeBatch: None = no padding (every row must then have the same length, else Error);
// Longest = pad to the longest row of the batch; MaxLength = pad every row to maxLength.
enum class Padding { None, Longest, MaxLength };

class WordPieceTokenizer {
public:
    // id = index in vocabTokens. [PAD], [UNK], [CLS] and [SEP] must be present (lowclip::Error
    // otherwise). If a token occurs twice, lookups give the later id (as Python's dict did).
    WordPieceTokenizer(std::vector<std::string> vocabTokens, bool lowercase);  // lowercase: BertLower
    WordPieceTokenizer(std::vector<std::string> vocabTokens, TextNormalization normalization);

    // A BERT vocab.txt: UTF-8, one token per line (line ends \n, \r\n or \r), id = 0-based line
    // number, each line stripped of leading/trailing whitespace like Python's str.strip().
    static WordPieceTokenizer fromVocabFile(const std::string& vocabPath, bool lowercase);
    static WordPieceTokenizer fromVocabFile(const std::string& vocabPath, TextNormalization normalization);

    // A Hugging Face folder or a model bundle holding vocab.txt. Lower-casing is taken from, in
    // order: lowclip.json {"tokenizer": {"normalization": name}} or {"tokenizer": {"lowercase": bool}}
    // (a bundle); tokenizer_config.json
    // "do_lower_case"; config.json "do_lower_case"; the name (folder name, "_name_or_path" /
    // "name_or_path" in those JSON files) containing "uncased" (-> lowercase) or "cased" (-> cased);
    // finally the vocabulary itself: lowercase when no token (other than the [XXX] specials)
    // contains an upper-case letter A-Z, since a cased vocabulary always has some.
    static WordPieceTokenizer fromFolder(const std::string& folder);

    std::vector<std::string> tokenize(const std::string& utf8) const;  // word pieces, no specials
    std::vector<int64_t> tokenIds(const std::string& utf8) const;      // ids of tokenize()

    // [CLS] pieces[:maxLength-2] [SEP]; attention mask 1, token types 0; padToMax pads with [PAD]
    // (mask 0) up to maxLength. maxLength < 2 -> lowclip::Error.
    Encoding encode(const std::string& utf8, int maxLength, bool padToMax = false) const;
    BatchEncoding encodeBatch(const std::vector<std::string>& texts, int maxLength,
                              Padding padding = Padding::Longest) const;

    int64_t clsId() const;
    int64_t sepId() const;
    int64_t padId() const;
    int64_t unkId() const;
    int64_t maskId() const;  // lowclip::Error when the vocabulary has no [MASK]
    std::size_t vocabSize() const;
    bool lowercase() const;  // any normalization other than None
    TextNormalization normalization() const;
    const std::string& token(int64_t id) const;  // lowclip::Error when out of range
    std::optional<int64_t> id(const std::string& token) const;
    const std::string& source() const;  // the vocabulary file; empty when built from a vector

    struct Impl;

private:
    WordPieceTokenizer(std::vector<std::string> vocabTokens, TextNormalization normalization, std::string source);
    std::shared_ptr<const Impl> impl_;
};

}  // namespace lowclip::text
