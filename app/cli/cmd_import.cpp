// lowclip-cli import: build a model bundle from a Simple-CLIP/LowCLIP state dict, from a Hugging Face
// BERT folder plus backbone weights, or from another bundle; or check a bundle.
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/workspace_cli.h"
#include "core/io/importers.h"

namespace {

using lowclip::cli::Args;
using lowclip::cli::UsageError;

std::optional<bool> lowercaseOption(Args& args) {
    bool lower = args.flag("lowercase"), cased = args.flag("cased");
    if (lower && cased) throw UsageError("--lowercase and --cased exclude each other");
    if (lower) return true;
    if (cased) return false;
    return std::nullopt;
}

nlohmann::json imageConfigOption(Args& args) {
    auto v = args.option("image-config");
    if (!v) return nlohmann::json::object();
    try {
        nlohmann::json j = nlohmann::json::parse(*v);
        if (!j.is_object()) throw UsageError("--image-config needs a JSON object, e.g. '{\"num_heads\": 2}'");
        return j;
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(std::string("--image-config is not valid JSON: ") + e.what());
    }
}

// Where the new bundle goes: --out FOLDER anywhere, else the data folder's models under --name.
struct Destination {
    std::string out;
    std::string name;
    lowclip::app::WorkspaceOptions workspace;
    bool intoRegistry() const { return out.empty(); }
};

Destination destination(Args& args) {
    Destination d;
    d.out = args.option("out", "");
    d.name = args.option("name", "");
    d.workspace = lowclip::cli::ws::workspaceOptions(args, lowclip::library::OpenMode::ReadOnly);
    if (d.out.empty() && d.name.empty()) throw UsageError("give --out BUNDLE_FOLDER, or --name NAME to add it to your models");
    return d;
}

// Adds the model to the data folder's models, or writes the bundle to --out.
template <class Write>
lowclip::io::BundleInfo importTo(const Destination& d, lowclip::app::ModelImport source, Write write) {
    if (!d.intoRegistry()) return write(d.out);
    auto w = lowclip::app::Workspace::open(d.workspace);
    auto entry = w->importModel(d.name, source);
    return lowclip::io::readBundleInfo(entry.dir);
}

void print(const lowclip::io::BundleInfo& info, bool json) {
    if (json) {
        nlohmann::json j = {{"dir", info.dir},
                            {"name", info.name},
                            {"format_version", info.formatVersion},
                            {"text_encoder", info.textEncoder},
                            {"image_arch", info.imageArch},
                            {"dim", info.projectionDim},
                            {"loss", info.loss},
                            {"image_size", info.imageSize},
                            {"vocab_size", info.vocabSize},
                            {"lowercase", info.lowercase},
                            {"normalization", info.normalization},
                            {"max_text_length", info.maxTextLength},
                            {"created", info.created},
                            {"source", info.source},
                            {"weights_bytes", info.weightsBytes},
                            {"metrics", info.metrics}};
        std::cout << j.dump() << "\n";
        return;
    }
    std::cout << "bundle:       " << info.dir << "\n"
              << "name:         " << info.name << "\n"
              << "text encoder: " << info.textEncoder << "\n"
              << "image:        " << info.imageArch << " at " << info.imageSize << " px\n"
              << "embedding:    " << info.projectionDim << " dimensions, loss " << info.loss << "\n"
              << "tokenizer:    " << info.vocabSize << " tokens, normalization " << info.normalization
              << (info.lowercase ? " (lower-cased)" : " (cased)")
              << ", at most " << info.maxTextLength << " tokens\n"
              << "weights:      " << info.weightsBytes << " bytes\n"
              << "source:       " << info.source << "\n";
}

int runImport(Args& args) {
    std::string kind = args.positional(0, "what to import (simpleclip, base, bundle or check)");
    bool json = args.flag("json");
    lowclip::io::BundleInfo info;
    if (kind == "simpleclip") {
        lowclip::io::SimpleClipImportOptions o;
        o.stateDict = args.positional(1, "STATE_DICT (.pt/.bin/.safetensors)");
        auto vocab = args.option("vocab");
        if (!vocab) throw UsageError("--vocab VOCAB is required for a Simple-CLIP state dict");
        o.vocab = *vocab;
        o.bertConfig = args.option("bert-config", "");
        o.numHeads = args.intOption("heads", 0);
        o.imageArch = args.option("arch", "");
        o.imageConfig = imageConfigOption(args);
        o.lowercase = lowercaseOption(args);
        o.imageSize = args.intOption("image-size", 224);
        o.maxTextLength = args.intOption("max-len", 64);
        o.loss = args.option("loss", "simpleclip");
        o.temperature = args.doubleOption("temperature", 1.0);
        const Destination d = destination(args);
        o.name = d.name;
        args.finish();
        if (args.positionals().size() > 2) throw UsageError("unexpected argument '" + args.positionals()[2] + "'");
        lowclip::app::ModelImport source;
        source.kind = lowclip::app::ModelImport::Kind::SimpleClip;
        source.simpleClip = o;
        info = importTo(d, source, [&](const std::string& out) {
            o.out = out;
            return lowclip::io::importSimpleClip(o);
        });
    } else if (kind == "base") {
        lowclip::io::BaseImportOptions o;
        auto bert = args.option("bert");
        auto image = args.option("image");
        if (!bert) throw UsageError("--bert HF_FOLDER is required");
        if (!image) throw UsageError("--image WEIGHTS is required");
        o.bertFolder = *bert;
        o.imageWeights = *image;
        o.imageArch = args.option("arch", "");
        o.imageConfig = imageConfigOption(args);
        o.projectionDim = args.intOption("projection-dim", 256);
        o.dropout = args.doubleOption("dropout", 0.1);
        o.loss = args.option("loss", "simpleclip");
        o.temperature = args.doubleOption("temperature", 1.0);
        int seed = args.intOption("seed", 0);
        if (seed < 0) throw UsageError("--seed must not be negative");
        o.seed = static_cast<uint64_t>(seed);
        o.imageSize = args.intOption("image-size", 0);
        o.maxTextLength = args.intOption("max-len", 64);
        o.lowercase = lowercaseOption(args);
        const Destination d = destination(args);
        o.name = d.name;
        args.finish();
        if (args.positionals().size() > 1) throw UsageError("unexpected argument '" + args.positionals()[1] + "'");
        lowclip::app::ModelImport source;
        source.kind = lowclip::app::ModelImport::Kind::Base;
        source.base = o;
        info = importTo(d, source, [&](const std::string& out) {
            o.out = out;
            return lowclip::io::importBase(o);
        });
    } else if (kind == "bundle") {
        std::string src = args.positional(1, "BUNDLE folder to import");
        const Destination d = destination(args);
        args.finish();
        lowclip::app::ModelImport source;
        source.kind = lowclip::app::ModelImport::Kind::Bundle;
        source.bundle = src;
        info = importTo(d, source, [&](const std::string& out) { return lowclip::io::importBundle(src, out); });
    } else if (kind == "check") {
        std::string dir = args.positional(1, "BUNDLE folder to check");
        args.finish();
        lowclip::io::validateBundle(dir);
        info = lowclip::io::readBundleInfo(dir);
    } else {
        throw UsageError("unknown import kind '" + kind + "' (use simpleclip, base, bundle or check)");
    }
    print(info, json);
    return 0;
}

const std::string gUsage =
    std::string("simpleclip STATE_DICT --vocab VOCAB [--bert-config config.json] [--heads N] [--arch ARCH] [--image-config JSON]\n"
    "                  [--lowercase|--cased] [--image-size 224] [--max-len 64] [--loss simpleclip|infonce]\n"
    "                  [--temperature 1.0] (--out BUNDLE | --name NAME) [--json]\n"
    "       lowclip-cli import base --bert HF_FOLDER --image WEIGHTS [--arch efficientnet_b0|resnet50|vit_b_16|swin_t|...]\n"
    "                  [--image-config '{\"num_heads\": 2}']\n"
    "                  [--projection-dim 256] [--seed N] [--loss simpleclip|infonce] [--image-size N] [--max-len 64]\n"
    "                  [--lowercase|--cased] (--out BUNDLE | --name NAME) [--json]\n"
    "       lowclip-cli import bundle SOURCE_BUNDLE (--out BUNDLE | --name NAME) [--json]\n"
    "       lowclip-cli import check BUNDLE [--json]\n\n"
    "  --out writes the bundle to a folder; --name NAME alone adds it to the models of the data folder\n  (") +
    lowclip::cli::ws::kWorkspaceUsage + "), where the desktop app finds it too.";

lowclip::cli::Command reg{
    "import", "Build a model bundle from a Simple-CLIP state dict, BERT + backbone weights, or a bundle", gUsage.c_str(),
    runImport,
    {"lowercase", "cased", "json"}};

}  // namespace
