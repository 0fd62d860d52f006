// libFuzzer target for model bundles (core/io/bundle): lowclip.json, vocab.txt and model.safetensors
// built from the input are read (readBundleInfo), checked and loaded (loadBundle); either step refuses
// with lowclip::Error, or the loaded model encodes a caption and an image without any other error.
// Input: a 4-byte little-endian length and lowclip.json, a 4-byte length and vocab.txt, then
// model.safetensors (fuzz/make_seeds.cpp writes real small bundles in this form).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <torch/torch.h>

#include "core/error.h"
#include "core/io/bundle.h"
#include "core/io/importers.h"
#include "core/text/tokenizer.h"
#include "fuzz/fuzz_support.h"

namespace {

const std::string& bundleDir() {
    static const std::string& dir = [] () -> const std::string& {
        torch::set_num_threads(1);
        return lowclip::fuzz::scratchDir("bundle");
    }();
    return dir;
}

// The next length-prefixed part of the input (the rest when the length runs past the end).
std::string take(const std::uint8_t*& data, std::size_t& size) {
    std::uint32_t n = 0;
    if (size >= 4) {
        std::memcpy(&n, data, 4);
        data += 4;
        size -= 4;
    } else {
        size = 0;
    }
    if (n > size) n = static_cast<std::uint32_t>(size);
    std::string part(reinterpret_cast<const char*>(data), n);
    data += n;
    size -= n;
    return part;
}

void writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace io = lowclip::io;
    const std::string& dir = bundleDir();
    writeFile(dir + "/" + io::kBundleConfigFile, take(data, size));
    writeFile(dir + "/" + io::kBundleVocabFile, take(data, size));
    writeFile(dir + "/" + io::kBundleWeightsFile, std::string(reinterpret_cast<const char*>(data), size));
    try {
        io::readBundleInfo(dir);
    } catch (const lowclip::Error&) {
        return 0;
    }
    io::LoadedBundle bundle;
    try {
        bundle = io::loadBundle(dir, "cpu");
    } catch (const lowclip::Error&) {
        return 0;
    }
    // A bundle that loads must work: one caption and one image through the towers.
    c10::InferenceMode guard;
    auto enc = bundle.tokenizer->encode("qırmızı maşın dənizin kənarında", bundle.config.maxTextLength);
    auto ids = torch::tensor(enc.ids, torch::kLong).unsqueeze(0);
    auto mask = torch::tensor(enc.attentionMask, torch::kLong).unsqueeze(0);
    auto text = bundle.model->encodeTexts(ids, mask);
    const int64_t side = bundle.config.imageSize;
    if (text.dim() != 2 || text.size(0) != 1) __builtin_trap();
    if (side > 512) return 0;  // keeps each run fast
    auto image = bundle.model->encodeImages(torch::zeros({1, 3, side, side}));
    if (image.dim() != 2 || image.size(0) != 1 || text.size(-1) != image.size(-1)) __builtin_trap();
    return 0;
}
