// Writes the seed corpora of fuzz_bundle and fuzz_vector_index into FOLDER/bundle and
// FOLDER/vector_index (usage: fuzz_make_seeds FOLDER, e.g. fuzz/corpus): small real bundles (one per
// image-tower family, each with a tiny BERT) and small real vector indexes (a snapshot with and without
// a journal, a torn journal tail), in the input layouts those targets read.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/io/bundle.h"
#include "core/library/vector_index.h"
#include "core/nn/clip.h"
#include "core/text/vocab_builder.h"
#include "core/train/demo.h"

namespace fs = std::filesystem;

namespace {

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeAll(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string lengthPrefixed(const std::string& bytes) {
    const auto n = static_cast<std::uint32_t>(bytes.size());
    return std::string(reinterpret_cast<const char*>(&n), 4) + bytes;
}

std::vector<std::string> tinyVocab() {
    std::vector<std::string> corpus = {"qırmızı maşın dənizin kənarında", "yaşıl ağac və mavi göy", "Göygöl dağ gölü",
                                       "iki it çəmənlikdə qaçır", "QIRMIZI DAİRƏ"};
    lowclip::text::VocabBuilderOptions o;
    o.vocabSize = 200;
    o.lowercase = true;
    return lowclip::text::buildWordPieceVocab(corpus, o);
}

lowclip::nn::ClipConfig tinyConfig(std::size_t vocabSize, const std::string& arch, const nlohmann::json& image, int side) {
    lowclip::train::DemoOptions o;
    o.imageSize = side;
    o.hidden = 16;
    o.layers = 1;
    o.heads = 2;
    o.intermediate = 32;
    o.stagePlanes = {8, 16};
    o.stageLayers = {1, 1};
    o.projectionDim = 8;
    o.maxTextLength = 16;
    lowclip::nn::ClipConfig c = lowclip::train::demoClipConfig(o, vocabSize);
    if (!arch.empty()) {
        c.imageArch = arch;
        c.imageConfig = image;
    }
    c.normalization = lowclip::text::TextNormalization::Azerbaijani;
    return c;
}

void writeBundleSeed(const fs::path& out, const std::string& name, const lowclip::nn::ClipConfig& config,
                     const std::vector<std::string>& vocab) {
    const fs::path dir = fs::temp_directory_path() / ("lowclip-seed-" + name);
    torch::manual_seed(1);
    lowclip::nn::DualEncoder model(config);
    lowclip::io::saveBundle(dir.string(), *model, config, vocab);
    writeAll(out / (name + ".bin"), lengthPrefixed(readAll(dir / lowclip::io::kBundleConfigFile)) +
                                        lengthPrefixed(readAll(dir / lowclip::io::kBundleVocabFile)) +
                                        readAll(dir / lowclip::io::kBundleWeightsFile));
    fs::remove_all(dir);
    std::printf("bundle seed %s\n", name.c_str());
}

void writeIndexSeed(const fs::path& out, const std::string& name, int vectors, int journalOnly, bool tear) {
    using lowclip::library::VectorIndex;
    const fs::path dir = fs::temp_directory_path() / ("lowclip-seed-index-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string base = (dir / "index").string();
    {
        lowclip::library::HnswParams p;
        p.M = 4;
        p.efConstruction = 8;
        p.initialCapacity = 16;
        auto index = VectorIndex::open(base, 8, true, p);
        std::vector<float> v(8);
        for (int i = 0; i < vectors + journalOnly; ++i) {
            for (int j = 0; j < 8; ++j) v[j] = static_cast<float>(((i * 7 + j * 3) % 11) - 5);
            index->add({100 + i}, v.data());
            if (i + 1 == vectors) index->snapshot();
        }
        if (journalOnly > 0) index->remove({100});
    }
    std::string snapshot = readAll(base + ".hnsw"), journal = readAll(base + ".journal");
    if (tear && journal.size() > 5) journal.resize(journal.size() - 5);
    writeAll(out / (name + ".bin"), lengthPrefixed(snapshot) + journal);
    fs::remove_all(dir);
    std::printf("index seed %s (%zu + %zu bytes)\n", name.c_str(), snapshot.size(), journal.size());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_make_seeds FOLDER\n");
        return 2;
    }
    const fs::path root(argv[1]);
    fs::create_directories(root / "bundle");
    fs::create_directories(root / "vector_index");
    const auto vocab = tinyVocab();
    writeBundleSeed(root / "bundle", "demo_resnet", tinyConfig(vocab.size(), "", {}, 16), vocab);
    writeBundleSeed(root / "bundle", "tiny_vit",
                    tinyConfig(vocab.size(), "vit",
                               {{"image_size", 16}, {"patch_size", 8}, {"num_layers", 1}, {"num_heads", 2},
                                {"hidden_dim", 8}, {"mlp_dim", 16}},
                               16),
                    vocab);
    writeBundleSeed(root / "bundle", "tiny_swin",
                    tinyConfig(vocab.size(), "swin",
                               {{"patch_size", 4}, {"embed_dim", 8}, {"depths", {1, 1}}, {"num_heads", {1, 2}},
                                {"window_size", 2}, {"image_size", 16}},
                               16),
                    vocab);
    writeBundleSeed(root / "bundle", "tiny_efficientnet",
                    tinyConfig(vocab.size(), "efficientnet",
                               {{"stages", {{1, 3, 1, 8, 8, 1}, {4, 3, 2, 8, 16, 1}}}, {"last_channels", 32},
                                {"image_size", 16}},
                               16),
                    vocab);
    writeIndexSeed(root / "vector_index", "snapshot_only", 12, 0, false);
    writeIndexSeed(root / "vector_index", "snapshot_and_journal", 8, 4, false);
    writeIndexSeed(root / "vector_index", "torn_journal", 5, 3, true);
    writeIndexSeed(root / "vector_index", "journal_only", 0, 6, false);
    return 0;
}
