// lowclip-cli vocab: build a WordPiece vocabulary (vocab.txt) from text files.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli/command.h"
#include "core/text/vocab_builder.h"

namespace {

void readLines(std::istream& in, std::vector<std::string>& lines) {
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
}

int runVocab(lowclip::cli::Args& args) {
    using lowclip::cli::UsageError;
    const auto out = args.option("out");
    lowclip::text::VocabBuilderOptions options;
    const int size = args.intOption("size", static_cast<int>(options.vocabSize));
    options.lowercase = args.flag("lowercase");
    if (auto n = args.option("normalization")) options.normalization = lowclip::text::parseNormalization(*n);
    if (options.lowercase && options.normalization != lowclip::text::TextNormalization::None)
        throw UsageError("--lowercase and --normalization exclude each other");
    options.completeAlphabets = !args.flag("seen-only");
    const int minFrequency = args.intOption("min-frequency", static_cast<int>(options.minFrequency));
    const int maxPiece = args.intOption("max-piece-length", static_cast<int>(options.maxWordPieceLength));
    args.finish();
    if (!out) throw UsageError("--out is required");
    if (args.positionals().empty()) throw UsageError("give at least one text file (or - for stdin)");
    if (size < 5) throw UsageError("--size must be at least 5 (the special tokens)");
    if (minFrequency < 1) throw UsageError("--min-frequency must be at least 1");
    if (maxPiece < 1) throw UsageError("--max-piece-length must be at least 1");
    options.vocabSize = static_cast<std::size_t>(size);
    options.minFrequency = minFrequency;
    options.maxWordPieceLength = static_cast<std::size_t>(maxPiece);

    std::vector<std::string> corpus;
    for (const std::string& file : args.positionals()) {
        if (file == "-") {
            readLines(std::cin, corpus);
            continue;
        }
        std::ifstream in(file, std::ios::binary);
        if (!in) throw lowclip::Error("cannot open '" + file + "'");
        readLines(in, corpus);
        if (in.bad()) throw lowclip::Error("cannot read '" + file + "'");
    }
    const auto vocab = lowclip::text::buildWordPieceVocab(corpus, options);
    lowclip::text::writeVocab(*out, vocab);
    std::cout << "wrote " << vocab.size() << " tokens to " << *out << " (" << corpus.size() << " lines, "
              << lowclip::text::normalizationName(options.lowercase ? lowclip::text::TextNormalization::BertLower
                                                                    : options.normalization)
              << ")\n";
    return 0;
}

lowclip::cli::Command reg{
    "vocab", "Build a WordPiece vocabulary (vocab.txt) from text files",
    "--out vocab.txt [--size N] [--lowercase | --normalization none|lower|azerbaijani] [--seen-only]\n"
    "       [--min-frequency N] [--max-piece-length N] FILE...\n\n"
    "  FILE               text, one sentence per line; - reads stdin\n"
    "  --size N           vocabulary size including [PAD] [UNK] [CLS] [SEP] [MASK] (default 30000);\n"
    "                     every character seen is always included, with its ## form, and every letter of\n"
    "                     the alphabets seen in both cases (unless --seen-only)\n"
    "  --lowercase        lower-case and strip accents, as the uncased tokenizer will (= --normalization lower)\n"
    "  --normalization azerbaijani  Azerbaijani lower-casing (I -> ı, İ -> i), letters keep their marks\n"
    "  --min-frequency N  a merge needs a pair seen at least N times (default 2)\n"
    "  --max-piece-length N  longest piece in characters (default 24)",
    runVocab,
    {"lowercase", "seen-only"}};

}  // namespace
