// lowclip-cli world: write scenes of the synthetic Azerbaijani world to a folder (PNG images and a
// captions.tsv that `train` and `eval` read), e.g. to look at the data or to train on it.
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/command.h"
#include "core/train/synthetic_world.h"
#include "core/vision/encode.h"

namespace fs = std::filesystem;
using namespace lowclip;

namespace {

int runWorld(cli::Args& args) {
    auto out = args.option("out");
    int count = args.intOption("count", 100);
    std::string kindName = args.option("kind", "mixed");
    std::string splitName = args.option("split", "train");
    int seed = args.intOption("seed", 1);
    int size = args.intOption("size", 64);
    int captions = args.intOption("captions", 3);
    int heldOut = args.intOption("held-out-combos", 12);
    args.finish();
    if (!out) throw cli::UsageError("--out is required");
    if (count < 1) throw cli::UsageError("--count must be at least 1");
    train::WorldSplit split;
    if (splitName == "train") split = train::WorldSplit::Train;
    else if (splitName == "held-out" || splitName == "heldout") split = train::WorldSplit::HeldOut;
    else throw cli::UsageError("--split takes train or held-out");
    std::vector<train::SceneKind> kinds;
    if (kindName == "single") kinds = {train::SceneKind::Single};
    else if (kindName == "pair" || kindName == "multi") kinds = {train::SceneKind::Pair};
    else if (kindName == "count") kinds = {train::SceneKind::Count};
    else if (kindName == "mixed") kinds = {train::SceneKind::Single, train::SceneKind::Pair, train::SceneKind::Count};
    else throw cli::UsageError("--kind takes single, pair, count or mixed");

    train::WorldConfig wc;
    wc.imageSize = size;
    wc.heldOutCombos = heldOut;
    wc.seed = static_cast<std::uint64_t>(seed);
    train::SyntheticWorld world(wc);
    fs::create_directories(fs::path(*out) / "images");
    std::ofstream tsv(fs::path(*out) / "captions.tsv", std::ios::binary);
    std::ofstream scenes(fs::path(*out) / "scenes.jsonl", std::ios::binary);
    tsv << "image\tcaption\n";
    for (int i = 0; i < count; ++i) {
        train::SceneKind kind = kinds[static_cast<std::size_t>(i) % kinds.size()];
        std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 1000003ULL + static_cast<std::uint64_t>(i));
        auto s = world.sample(kind, split, rng, captions);
        std::ostringstream name;
        name << "images/scene_" << std::setw(5) << std::setfill('0') << i << ".png";
        if (!vision::saveImage(s.image, (fs::path(*out) / name.str()).string()))
            throw Error("cannot write " + (fs::path(*out) / name.str()).string());
        nlohmann::json caps = nlohmann::json::array();
        for (const auto& c : s.captions) {
            tsv << name.str() << "\t" << c.text << "\n";
            caps.push_back({{"text", c.text}, {"kind", c.kind}});
        }
        scenes << nlohmann::json{{"image", name.str()}, {"scene", train::describeScene(s.scene)}, {"captions", caps}}.dump()
               << "\n";
    }
    std::string held;
    for (const auto& h : world.heldOut()) held += (held.empty() ? "" : ", ") + train::colourWord(h.colour) + " " + train::shapeWord(h.shape);
    std::cout << "wrote " << count << " scenes to " << *out << " (captions.tsv, scenes.jsonl, images/)\n"
              << "held-out combinations: " << held << "\n";
    return 0;
}

cli::Command reg{"world", "Write scenes of the synthetic Azerbaijani world (PNG + captions.tsv)",
                 "--out DIR [--count N] [--kind single|pair|count|mixed] [--split train|held-out] [--seed N]\n"
                 "       [--size PIXELS] [--captions N] [--held-out-combos N]",
                 runWorld};

}  // namespace
