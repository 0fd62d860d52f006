#pragma once
// The seam between a model bundle and everything that uses it (library, CLI, UI): plain C++ types,
// no Torch in this header. Implemented in core/train/embedder.cpp on top of core/nn and core/io.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/vision/image.h"
#include "core/vision/preprocess.h"

namespace lowclip::train {

class Embedder {
public:
    virtual ~Embedder() = default;
    // Length of every embedding vector (the projection dimension).
    virtual int dim() const = 0;
    // Identifies the bundle's weights (stable across runs; changes when the weights change).
    virtual std::string modelId() const = 0;
    // Shorter side the image tower wants; decoders may decode large photos at reduced scale to it.
    virtual int imageSize() const = 0;
    // Preprocesses (as the bundle says) and encodes RGB images. Returns images.size() * dim() floats,
    // row-major, each row L2-normalised.
    virtual std::vector<float> encodeImages(const std::vector<vision::Image>& images) = 0;
    // The preprocessing encodeImages applies (resize, centre crop, normalisation), for callers that
    // run it on their own threads (the indexing pipeline's decoders); nullopt: use encodeImages.
    virtual std::optional<vision::PreprocessSpec> imagePreprocessing() const { return std::nullopt; }
    // Encodes `count` images already preprocessed with imagePreprocessing(): 3 x S x S floats each
    // (S its imageSize), contiguous at `chw`. The same vectors as encodeImages on the source images.
    virtual std::vector<float> encodePreprocessed(const float* chw, std::size_t count);
    // Tokenizes and encodes texts. Returns texts.size() * dim() floats, row-major, L2-normalised.
    virtual std::vector<float> encodeTexts(const std::vector<std::string>& texts) = 0;
    // Images the image tower takes best per call (0: any number); the indexing pipeline encodes as soon
    // as it has that many decoded.
    virtual int preferredImageBatch() const { return 0; }
    // Whether the image tower runs on the CPU (then decoding photos competes with it for the cores).
    virtual bool imagesOnCpu() const { return true; }
    // Threads for encodeImages on the CPU (preprocessing and the forward pass); 0: all of LibTorch's.
    // The indexing pipeline gives the image tower part of the cores and its decoders the rest.
    virtual void setImageThreads(int threads) { (void)threads; }
};

// Weights the text tower reads when encoding texts on the CPU: Float32 (exact), or BFloat16 copies of
// the BERT matrices for small batches (typed queries: half the bytes per query on CPUs with AVX-512
// BF16), or Int8 (int8 BERT matrices with per-channel scales and per-row quantized activations: less
// arithmetic on AVX2 and VNNI CPUs). Fastest picks the fastest of them this CPU runs within the bounds
// stated in nn::BertPrecision. bench_bert prints the speed and the distance from float32. Images are
// always encoded in float32.
enum class TextPrecision { Float32, BFloat16, Int8, Fastest };
// "float32" / "bfloat16" / "int8" / "auto" (also "fp32", "bf16", "fastest"); throws lowclip::Error
// (InvalidArgument) for anything else.
TextPrecision parseTextPrecision(const std::string& name);

// Opens a model bundle folder (lowclip.json, model.safetensors, vocab.txt) for inference on
// `device` ("auto", "cpu", "cuda", "cuda:N"). Throws lowclip::Error with the reason if the bundle
// is missing, broken or does not fit its config.
std::unique_ptr<Embedder> loadEmbedder(const std::string& bundleDir, const std::string& device = "auto",
                                       TextPrecision textPrecision = TextPrecision::Float32);

}  // namespace lowclip::train
