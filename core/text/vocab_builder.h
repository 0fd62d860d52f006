#pragma once
// A WordPiece vocabulary for a text tower trained from scratch, and vocab.txt reading/writing.
//
// buildWordPieceVocab (a frequency-based WordPiece vocabulary, trained like Hugging Face
// `tokenizers`' WordPieceTrainer, i.e. by byte-pair-style merges):
//   1. Split every corpus line into words exactly as the tokenizer will (BasicTokenizer with
//      options.lowercase: cleaning, CJK, whitespace, lower-casing/accent stripping, punctuation),
//      and count the words. The five special strings are not counted.
//   2. Vocabulary = [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then every character seen (most
//      frequent first, ties by code point), then, with completeAlphabets, every letter of the
//      alphabets the corpus uses that it did not happen to contain (Latin: a-z and the Azerbaijani
//      letters ç ə ğ ı ö ş ü; Cyrillic: Russian and Azerbaijani Cyrillic letters; and the digits), in
//      both cases, as the tokenizer normalizes them, then the "##" form of each of those characters.
//      So a word of letters of those alphabets is never [UNK] (except words over 100 code points,
//      which BERT always maps to [UNK]). This alphabet is always complete: when it alone exceeds
//      vocabSize, the vocabulary is larger than vocabSize.
//   3. Each word starts as its characters (first one plain, the others "##c"). Repeatedly, the
//      adjacent pair of pieces with the highest count (summed over word frequencies; ties: the pair
//      whose pieces were created first) is merged into one piece ("ab", "##ab"), which is appended
//      to the vocabulary unless it is already there, until the vocabulary has vocabSize tokens or
//      no pair occurs at least minFrequency times. Merges that would make a piece longer than
//      maxWordPieceLength code points (without "##") are skipped. Frequent whole words thus become
//      single tokens, frequent stems and suffixes "##" pieces.
// The result is deterministic for a given corpus and options.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/text/normalization.h"

namespace lowclip::text {

struct VocabBuilderOptions {
    std::size_t vocabSize = 30000;         // target size including the specials (see above)
    bool lowercase = false;                // BERT lower-casing (TextNormalization::BertLower) ...
    TextNormalization normalization = TextNormalization::None;  // ... or this; must match the tokenizer's
    bool completeAlphabets = true;         // add the letters of the alphabets seen (see above)
    int64_t minFrequency = 2;              // a merge needs a pair seen at least this often
    std::size_t maxWordPieceLength = 24;   // longest piece, in code points without "##"
};

// The special tokens, in id order: [PAD] [UNK] [CLS] [SEP] [MASK].
const std::vector<std::string>& specialTokens();

// lowclip::Error on impossible options (vocabSize < 5, minFrequency < 1, maxWordPieceLength < 1).
std::vector<std::string> buildWordPieceVocab(const std::vector<std::string>& corpus, const VocabBuilderOptions& options);

// vocab.txt: one token per line, "\n" line ends, written atomically (temporary file + rename).
// lowclip::Error when a token cannot be read back as itself (empty, invalid UTF-8, containing a
// line break, or with leading/trailing whitespace), or when the file cannot be written.
void writeVocab(const std::string& path, const std::vector<std::string>& tokens);

// Reads a BERT vocab.txt like the reference loader: UTF-8, lines end at \n, \r\n or \r (Python's
// universal newlines), each line stripped of leading/trailing whitespace as by Python's
// str.strip(); token id = 0-based line number. lowclip::Error naming the file and line for
// unreadable files or invalid UTF-8.
std::vector<std::string> readVocab(const std::string& path);

}  // namespace lowclip::text
