// libFuzzer target for caption files (core/library/caption_tsv): any input parses without a crash,
// every line is either refused with a reason or yields a path and a non-empty trimmed caption, and
// every accepted line survives a round trip through formatCaptionTsv unchanged.
#include <cstdint>
#include <sstream>
#include <string>

#include "core/library/caption_tsv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace lowclip::library;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    std::size_t previous = 0;
    for (const TsvLine& line : parseCaptionTsv(in)) {
        if (line.line <= previous) __builtin_trap();  // file order, one entry per line
        previous = line.line;
        if (!line.problem.empty()) continue;
        if (line.path.empty() || line.text.empty() || trimCaption(line.text) != line.text) __builtin_trap();
        std::istringstream again(formatCaptionTsv({{line.path, line.text}}));
        auto back = parseCaptionTsv(again);
        if (back.size() != 1 || !back[0].problem.empty() || back[0].path != line.path || back[0].text != line.text)
            __builtin_trap();
    }
    return 0;
}
