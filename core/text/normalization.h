#pragma once
// How the tokenizer normalizes words before WordPiece, recorded in a model bundle (lowclip.json
// "tokenizer": {"normalization": ...}) and applied alike when the vocabulary is built, in training and
// in search, so a query is normalized the way the model's training text was:
//   None         cased: text as written (mBERT cased);
//   BertLower    BERT uncased: Unicode lower-casing (root locale), NFD, combining marks dropped
//                ("Göl" -> "gol"; "QIRMIZI" -> "qirmizi");
//   Azerbaijani  NFC, Azerbaijani lower-casing (I -> ı, İ -> i, also I + U+0307 -> i), letters kept
//                with their marks ("QIRMIZI DAİRƏ" -> "qırmızı dairə", "Göl" -> "göl").
#include <string>

namespace lowclip::text {

enum class TextNormalization { None, BertLower, Azerbaijani };

// "none", "lower", "azerbaijani".
const char* normalizationName(TextNormalization n);
// The names above (also "cased", "uncased", "az"); lowclip::Error (InvalidArgument) for anything else.
TextNormalization parseNormalization(const std::string& name);

}  // namespace lowclip::text
