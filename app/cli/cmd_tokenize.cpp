// lowclip-cli tokenize: BERT WordPiece tokenization of stdin, one JSON object per line.
//
// Input: bytes on stdin; a line ends at '\n' (a '\r' before it is kept: the tokenizer's cleaning
// maps it to a space). Invalid UTF-8 is not an error: each bad sequence becomes U+FFFD, which the
// tokenizer's cleaning deletes, exactly like a literal U+FFFD in the text.
// Output: {"tokens": [...], "ids": [...]} per input line, UTF-8, in input order.
#include <filesystem>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "core/text/tokenizer.h"

namespace {

int runTokenize(lowclip::cli::Args& args) {
    using lowclip::cli::UsageError;
    using lowclip::text::WordPieceTokenizer;
    const auto vocab = args.option("vocab");
    const bool lowercase = args.flag("lowercase");
    const bool cased = args.flag("cased");
    const auto normalization = args.option("normalization");
    const int maxLen = args.intOption("max-len", 0);
    const bool hasMaxLen = args.option("max-len").has_value();
    args.finish();
    if (!vocab) throw UsageError("--vocab is required");
    if (lowercase && cased) throw UsageError("--lowercase and --cased exclude each other");
    if (hasMaxLen && maxLen < 2) throw UsageError("--max-len must be at least 2 (room for [CLS] and [SEP])");

    std::error_code ec;
    const bool folder = std::filesystem::is_directory(*vocab, ec);
    WordPieceTokenizer tok =
        folder ? WordPieceTokenizer::fromFolder(*vocab) : WordPieceTokenizer::fromVocabFile(*vocab, lowercase);
    if (folder && (lowercase || cased) && tok.lowercase() != lowercase)
        tok = WordPieceTokenizer::fromVocabFile((std::filesystem::path(*vocab) / "vocab.txt").string(), lowercase);
    if (normalization) {
        if (lowercase || cased) throw UsageError("--normalization excludes --lowercase and --cased");
        tok = WordPieceTokenizer::fromVocabFile(folder ? (std::filesystem::path(*vocab) / "vocab.txt").string() : *vocab,
                                                lowclip::text::parseNormalization(*normalization));
    }

    std::ios::sync_with_stdio(false);
    std::string line;
    while (std::getline(std::cin, line)) {
        nlohmann::ordered_json out;
        std::vector<int64_t> ids;
        if (hasMaxLen) {
            ids = tok.encode(line, maxLen).ids;
        } else {
            ids = tok.tokenIds(line);
        }
        auto tokens = nlohmann::ordered_json::array();
        for (int64_t id : ids) tokens.push_back(tok.token(id));
        out["tokens"] = std::move(tokens);
        out["ids"] = ids;
        std::cout << out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    }
    std::cout.flush();
    if (!std::cout) throw lowclip::Error("cannot write to standard output");
    return 0;
}

lowclip::cli::Command reg{
    "tokenize", "Tokenize lines from stdin with a BERT WordPiece vocabulary (JSON lines out)",
    "--vocab FILE|FOLDER [--lowercase|--cased|--normalization none|lower|azerbaijani] [--max-len N]\n\n"
    "  --vocab FILE     vocab.txt (cased unless --lowercase)\n"
    "  --vocab FOLDER   a Hugging Face folder or model bundle; its settings decide lower-casing\n"
    "                   unless --lowercase or --cased is given\n"
    "  --lowercase      lower-case and strip accents (uncased BERT)\n"
    "  --normalization azerbaijani  Azerbaijani lower-casing (I -> ı, İ -> i), marks kept\n"
    "  --max-len N      print the model input: [CLS] pieces [SEP], at most N ids\n\n"
    "Each stdin line (ending at \\n; invalid UTF-8 is replaced by U+FFFD, which the tokenizer\n"
    "deletes) gives one line {\"tokens\": [...], \"ids\": [...]}.",
    runTokenize,
    {"lowercase", "cased"}};

}  // namespace
