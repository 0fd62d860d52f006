#include "core/text/normalization.h"

#include "core/error.h"

namespace lowclip::text {

const char* normalizationName(TextNormalization n) {
    switch (n) {
    case TextNormalization::None: return "none";
    case TextNormalization::BertLower: return "lower";
    case TextNormalization::Azerbaijani: return "azerbaijani";
    }
    return "none";
}

TextNormalization parseNormalization(const std::string& name) {
    if (name == "none" || name == "cased") return TextNormalization::None;
    if (name == "lower" || name == "uncased") return TextNormalization::BertLower;
    if (name == "azerbaijani" || name == "az") return TextNormalization::Azerbaijani;
    throw Error(ErrorCode::InvalidArgument,
                "unknown text normalization '" + name + "' (none, lower or azerbaijani)",
                {{"what", "normalization"}, {"value", name}});
}

}  // namespace lowclip::text
