// lowclip-cli encode: embeddings of texts and images with a model bundle, as JSON (for checks and scripts).
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "core/train/embedder.h"
#include "core/vision/decode.h"

namespace {

using lowclip::cli::Args;
using lowclip::cli::UsageError;

nlohmann::json rows(const std::vector<float>& v, std::size_t count, int dim) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < count; ++i)
        out.push_back(std::vector<float>(v.begin() + static_cast<std::ptrdiff_t>(i * dim),
                                         v.begin() + static_cast<std::ptrdiff_t>((i + 1) * dim)));
    return out;
}

int runEncode(Args& args) {
    auto bundle = args.option("bundle");
    if (!bundle) throw UsageError("--bundle BUNDLE is required");
    std::string device = args.option("device", "cpu");
    std::vector<std::string> texts = args.options("text");
    if (auto file = args.option("texts-file")) {
        std::ifstream in(*file);
        if (!in) throw lowclip::Error("cannot read '" + *file + "'");
        std::string line;
        while (std::getline(in, line)) texts.push_back(line);
    }
    std::vector<std::string> imagePaths = args.options("image");
    args.finish();
    for (const auto& p : args.positionals()) imagePaths.push_back(p);
    if (texts.empty() && imagePaths.empty()) throw UsageError("nothing to encode: give --text, --texts-file or --image");

    auto embedder = lowclip::train::loadEmbedder(*bundle, device);
    const int dim = embedder->dim();
    nlohmann::json out = {{"model_id", embedder->modelId()}, {"dim", dim}};
    if (!texts.empty()) {
        auto v = embedder->encodeTexts(texts);
        auto r = rows(v, texts.size(), dim);
        nlohmann::json list = nlohmann::json::array();
        for (std::size_t i = 0; i < texts.size(); ++i) list.push_back({{"text", texts[i]}, {"embedding", r[i]}});
        out["texts"] = list;
    }
    if (!imagePaths.empty()) {
        lowclip::vision::DecodeOptions opts;
        opts.targetShortSide = embedder->imageSize();
        std::vector<lowclip::vision::Image> images;
        for (const auto& p : imagePaths) images.push_back(lowclip::vision::decodeImageFile(p, opts));
        auto v = embedder->encodeImages(images);
        auto r = rows(v, images.size(), dim);
        nlohmann::json list = nlohmann::json::array();
        for (std::size_t i = 0; i < images.size(); ++i) list.push_back({{"path", imagePaths[i]}, {"embedding", r[i]}});
        out["images"] = list;
    }
    std::cout << out.dump() << "\n";
    return 0;
}

lowclip::cli::Command reg{"encode", "Print L2-normalised embeddings of texts and images as JSON",
                          "--bundle BUNDLE [--device cpu|cuda|auto] [--text TEXT]... [--texts-file FILE] [--image PATH]... [PATH...]",
                          runEncode};

}  // namespace
