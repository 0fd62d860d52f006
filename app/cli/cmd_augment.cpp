// lowclip-cli augment IMAGE --out grid.png [--seed N] [--count 16] [--size 224] [--with-crop] [--with-jitter]
// Writes a grid of `count` tiles: the photo as the model sees it (resize + centre crop) first, then
// count - 1 augmented samples drawn one after another from one generator seeded with `seed`.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <iostream>
#include <random>

#include "app/cli/command.h"
#include "core/vision/augment.h"
#include "core/vision/decode.h"
#include "core/vision/encode.h"
#include "core/vision/preprocess.h"

namespace {

using namespace lowclip;

int runAugment(cli::Args& args) {
    const std::string input = args.positional(0, "IMAGE");
    const auto out = args.option("out");
    const std::string seedText = args.option("seed", "0");
    long long seed = 0;
    const auto parsed = std::from_chars(seedText.data(), seedText.data() + seedText.size(), seed);
    if (seedText.empty() || parsed.ec != std::errc() || parsed.ptr != seedText.data() + seedText.size())
        throw cli::UsageError("--seed needs an integer, got '" + seedText + "'");
    const int count = args.intOption("count", 16);
    const int size = args.intOption("size", 224);
    const bool withCrop = args.flag("with-crop");
    const bool withJitter = args.flag("with-jitter");
    args.finish();
    if (!out) throw cli::UsageError("--out FILE.png is required");
    if (count < 1 || count > 400) throw cli::UsageError("--count must be between 1 and 400");
    if (size < 16 || size > 1024) throw cli::UsageError("--size must be between 16 and 1024");

    vision::DecodeOptions decodeOptions;
    decodeOptions.targetShortSide = size;
    const vision::Image photo = vision::decodeImageFile(input, decodeOptions);

    vision::AugmentConfig config;
    config.outputSize = size;
    if (withCrop) config.randomResizedCrop = 0.5f;
    if (withJitter) config.colorJitter = 0.5f;
    const vision::Augmenter augmenter(config);

    vision::PreprocessSpec spec;
    spec.imageSize = size;
    std::vector<vision::Image> tiles;
    tiles.push_back(vision::resizeAndCenterCrop(photo, spec));
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed));
    for (int i = 1; i < count; ++i) tiles.push_back(augmenter.apply(photo, rng));

    const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
    const int rows = (count + cols - 1) / cols;
    const int gap = 4;
    vision::Image grid;
    grid.width = cols * size + (cols + 1) * gap;
    grid.height = rows * size + (rows + 1) * gap;
    grid.rgb.assign(static_cast<std::size_t>(grid.width) * grid.height * 3, 255);
    for (int t = 0; t < count; ++t) {
        const int x0 = gap + (t % cols) * (size + gap), y0 = gap + (t / cols) * (size + gap);
        for (int y = 0; y < size; ++y)
            std::copy_n(&tiles[t].rgb[static_cast<std::size_t>(y) * size * 3], static_cast<std::size_t>(size) * 3,
                        &grid.rgb[(static_cast<std::size_t>(y0 + y) * grid.width + x0) * 3]);
    }
    if (!vision::saveImage(grid, *out))
        throw Error("could not write " + *out + " (use a .png or .jpg name in a folder that exists)");
    std::cout << "wrote " << *out << ": " << cols << "x" << rows << " grid, original + " << (count - 1)
              << " augmented samples of " << size << "x" << size << " (seed " << seed << ")\n";
    return 0;
}

cli::Command reg{"augment", "Write a grid of augmented training samples of one photo",
                 "IMAGE --out grid.png [--seed N] [--count 16] [--size 224] [--with-crop] [--with-jitter]\n"
                 "  count tiles: the photo as the model sees it first, then count-1 augmented samples\n"
                 "  (the paper's set: flips, rotate90, shift-scale-rotate, perspective, blur, noise;\n"
                 "  --with-crop adds random resized crops, --with-jitter colour jitter)",
                 runAugment, {"with-crop", "with-jitter"}};

}  // namespace
