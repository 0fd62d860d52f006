// loadEmbedder: a model bundle behind the plain-C++ Embedder interface (core/train/embedder.h).
#include "core/train/embedder.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include <torch/torch.h>

#include "core/error.h"
#include "core/io/bundle.h"
#include "core/nn/runtime.h"
#include "core/text/tokenizer.h"
#include "core/vision/preprocess.h"

namespace lowclip::train {

namespace {

// Images per forward pass: on the CPU small batches keep EfficientNet's activations in cache (bench_vision:
// B0 forward at 224 px on 2 AVX2 cores, 76 photos/s at 32, 120 at 8, 135 at 4); the GPU wants big ones.
constexpr std::size_t kImageBatchGpu = 32;
constexpr std::size_t kImageBatchCpu = 8;
constexpr std::size_t kTextBatch = 64;

// 64-bit FNV-1a over the weight file's bytes and then over `config` (what else decides the
// vectors), as 16 hex digits.
std::string modelHash(const std::string& path, const std::string& config) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, "cannot read '" + path + "' to identify the model", {{"path", path}});
    std::uint64_t h = 1469598103934665603ULL;
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        std::streamsize n = in.gcount();
        const auto* p = reinterpret_cast<const unsigned char*>(buf.data());
        for (std::streamsize i = 0; i < n; ++i) {
            h ^= p[i];
            h *= 1099511628211ULL;
        }
    }
    for (unsigned char c : config) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char out[17];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
    return out;
}

std::vector<float> toRows(const torch::Tensor& normalized) {
    torch::Tensor cpu = normalized.to(torch::kCPU, torch::kFloat32).contiguous();
    const float* p = cpu.data_ptr<float>();
    return std::vector<float>(p, p + cpu.numel());
}

// LibTorch's intra-op threads set to `threads` (0: unchanged) for a scope, then put back.
class ScopedThreads {
public:
    explicit ScopedThreads(int threads) : previous_(at::get_num_threads()) {
        if (threads > 0 && threads != previous_) {
            at::set_num_threads(threads);
            changed_ = true;
        }
    }
    ~ScopedThreads() {
        if (changed_) at::set_num_threads(previous_);
    }
    ScopedThreads(const ScopedThreads&) = delete;
    ScopedThreads& operator=(const ScopedThreads&) = delete;

private:
    int previous_;
    bool changed_ = false;
};

class BundleEmbedder : public Embedder {
public:
    BundleEmbedder(const std::string& dir, const std::string& device, TextPrecision textPrecision) {
        // Batch after batch of the same activations: without this, whoever uses the library without a
        // Workspace (bench_library, tools) indexed 7-13 % slower (page faults on fresh pages).
        nn::keepFreedMemory();
        loaded_ = io::loadBundle(dir, device);
        device_ = nn::pickDevice(device);
        switch (textPrecision) {
            case TextPrecision::Float32: break;
            case TextPrecision::BFloat16:
                loaded_.model->textEncoder->setInferencePrecision(nn::BertPrecision::BFloat16);
                break;
            case TextPrecision::Int8:
                loaded_.model->textEncoder->setInferencePrecision(nn::BertPrecision::Int8);
                break;
            case TextPrecision::Fastest:
                loaded_.model->textEncoder->setInferencePrecision(nn::fastestBertPrecision());
                break;
        }
        const nn::ClipConfig& c = loaded_.config;
        spec_.imageSize = c.imageSize;
        spec_.resizeSize = c.resizeSize;
        spec_.mean = c.mean;
        spec_.std = c.std;
        spec_.interpolation = c.interpolation;
        // Two bundles with the same weights but another architecture, preprocessing or tokenizer
        // normalization make other vectors: their ids differ. (Loss and provenance do not count.)
        nlohmann::json j = c.toJson();
        nlohmann::json identity = {{"text_encoder", j["text_encoder"]}, {"image_encoder", j["image_encoder"]},
                                   {"projection", j["projection"]["dim"]}, {"image", j["image"]},
                                   {"tokenizer", {{"normalization", j["tokenizer"]["normalization"]},
                                                  {"max_length", j["tokenizer"]["max_length"]}}}};
        modelId_ = modelHash(dir + "/" + io::kBundleWeightsFile, identity.dump());
        unsigned hw = std::thread::hardware_concurrency();
        threads_ = std::max(1u, std::min(hw == 0 ? 2u : hw, 16u));
    }

    int dim() const override { return static_cast<int>(loaded_.config.projectionDim); }
    std::string modelId() const override { return modelId_; }
    int imageSize() const override { return loaded_.config.imageSize; }

    std::vector<float> encodeImages(const std::vector<vision::Image>& images) override {
        std::vector<float> out;
        out.reserve(images.size() * static_cast<std::size_t>(dim()));
        const int64_t side = spec_.imageSize;
        const std::size_t plane = static_cast<std::size_t>(3 * side * side);
        const std::size_t perBatch = device_.is_cpu() ? kImageBatchCpu : kImageBatchGpu;
        ScopedThreads threads(device_.is_cpu() ? imageThreads_ : 0);
        for (std::size_t start = 0; start < images.size(); start += perBatch) {
            std::size_t n = std::min(perBatch, images.size() - start);
            torch::Tensor batch = torch::empty({static_cast<int64_t>(n), 3, side, side}, torch::kFloat32);
            float* base = batch.data_ptr<float>();
            preprocessParallel(images, start, n, base, plane);
            appendEncoded(batch, out);
        }
        return out;
    }

    std::optional<vision::PreprocessSpec> imagePreprocessing() const override { return spec_; }

    std::vector<float> encodePreprocessed(const float* chw, std::size_t count) override {
        std::vector<float> out;
        out.reserve(count * static_cast<std::size_t>(dim()));
        const int64_t side = spec_.imageSize;
        const std::size_t plane = static_cast<std::size_t>(3 * side * side);
        const std::size_t perBatch = device_.is_cpu() ? kImageBatchCpu : kImageBatchGpu;
        ScopedThreads threads(device_.is_cpu() ? imageThreads_ : 0);
        for (std::size_t start = 0; start < count; start += perBatch) {
            const std::size_t n = std::min(perBatch, count - start);
            // Read only: the stem's convolution copies its input into its own layout.
            appendEncoded(torch::from_blob(const_cast<float*>(chw + start * plane),
                                           {static_cast<int64_t>(n), 3, side, side}, torch::kFloat32),
                          out);
        }
        return out;
    }

    bool imagesOnCpu() const override { return device_.is_cpu(); }
    int preferredImageBatch() const override {
        return static_cast<int>(device_.is_cpu() ? kImageBatchCpu : kImageBatchGpu);
    }
    // LibTorch's set_num_threads empties oneDNN's cache of convolution primitives (and resizes its
    // thread pool): switching the count around every call made each batch build its convolutions
    // again (paper-sized bundle, 8 images on one AVX2 core: 148-176 ms a batch against 123-135 ms). The
    // count is therefore set here, once for the caller's run (on the caller's thread, the one that
    // encodes), and put back by setImageThreads(0); the calls' own scopes then change nothing.
    void setImageThreads(int threads) override {
        imageThreads_ = std::max(0, threads);
        if (!device_.is_cpu()) return;
        if (imageThreads_ > 0) {
            if (!threadsBefore_) threadsBefore_ = at::get_num_threads();
            if (at::get_num_threads() != imageThreads_) at::set_num_threads(imageThreads_);
        } else if (threadsBefore_) {
            if (at::get_num_threads() != *threadsBefore_) at::set_num_threads(*threadsBefore_);
            threadsBefore_.reset();
        }
    }

    std::vector<float> encodeTexts(const std::vector<std::string>& texts) override {
        std::vector<float> out;
        out.reserve(texts.size() * static_cast<std::size_t>(dim()));
        for (std::size_t start = 0; start < texts.size(); start += kTextBatch) {
            std::size_t n = std::min(kTextBatch, texts.size() - start);
            std::vector<std::string> chunk(texts.begin() + static_cast<std::ptrdiff_t>(start),
                                           texts.begin() + static_cast<std::ptrdiff_t>(start + n));
            text::BatchEncoding enc =
                loaded_.tokenizer->encodeBatch(chunk, loaded_.config.maxTextLength, text::Padding::Longest);
            auto opts = torch::TensorOptions().dtype(torch::kInt64);
            torch::Tensor ids = torch::from_blob(enc.ids.data(), {enc.batch, enc.length}, opts).clone();
            torch::Tensor mask = torch::from_blob(enc.attentionMask.data(), {enc.batch, enc.length}, opts).clone();
            c10::InferenceMode guard;
            torch::Tensor emb = loaded_.model->encodeTexts(ids.to(device_), mask.to(device_));
            auto rows = toRows(torch::nn::functional::normalize(emb, torch::nn::functional::NormalizeFuncOptions().dim(1)));
            out.insert(out.end(), rows.begin(), rows.end());
        }
        return out;
    }

private:
    // One batch of model inputs [n, 3, S, S] through the image tower; its L2-normalised rows onto `out`.
    void appendEncoded(const torch::Tensor& batch, std::vector<float>& out) {
        c10::InferenceMode guard;
        torch::Tensor emb = loaded_.model->encodeImages(batch.to(device_));
        auto rows = toRows(torch::nn::functional::normalize(emb, torch::nn::functional::NormalizeFuncOptions().dim(1)));
        out.insert(out.end(), rows.begin(), rows.end());
    }

    void preprocessParallel(const std::vector<vision::Image>& images, std::size_t start, std::size_t n, float* base,
                            std::size_t plane) {
        for (std::size_t i = 0; i < n; ++i)
            if (images[start + i].empty() || images[start + i].rgb.size() < static_cast<std::size_t>(images[start + i].width) *
                                                                              static_cast<std::size_t>(images[start + i].height) * 3)
                throw Error("image " + std::to_string(start + i) + " is empty or has too few pixels to encode");
        std::size_t workers = std::min<std::size_t>(imageThreads_ > 0 ? static_cast<std::size_t>(imageThreads_) : threads_, n);
        std::exception_ptr failure;
        std::mutex failureMutex;
        auto work = [&](std::size_t w) {
            try {
                for (std::size_t i = w; i < n; i += workers) vision::preprocessInto(images[start + i], spec_, base + i * plane);
            } catch (...) {
                std::lock_guard<std::mutex> lock(failureMutex);
                if (!failure) failure = std::current_exception();
            }
        };
        if (workers <= 1) {
            work(0);
        } else {
            std::vector<std::thread> pool;
            pool.reserve(workers - 1);
            for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
            work(0);
            for (auto& t : pool) t.join();
        }
        if (failure) std::rethrow_exception(failure);
    }

    io::LoadedBundle loaded_;
    c10::Device device_{c10::kCPU};
    vision::PreprocessSpec spec_;
    std::string modelId_;
    std::size_t threads_ = 1;
    int imageThreads_ = 0;
    std::optional<int> threadsBefore_;  // LibTorch's count before setImageThreads changed it
};

}  // namespace

std::vector<float> Embedder::encodePreprocessed(const float*, std::size_t) {
    throw Error("this model takes images only through encodeImages (it states no preprocessing)");
}

TextPrecision parseTextPrecision(const std::string& name) {
    if (name == "float32" || name == "fp32") return TextPrecision::Float32;
    if (name == "bfloat16" || name == "bf16") return TextPrecision::BFloat16;
    if (name == "int8") return TextPrecision::Int8;
    if (name == "auto" || name == "fastest") return TextPrecision::Fastest;
    throw Error(ErrorCode::InvalidArgument, "text precision must be float32, bfloat16, int8 or auto, got \"" + name + "\"");
}

std::unique_ptr<Embedder> loadEmbedder(const std::string& bundleDir, const std::string& device,
                                       TextPrecision textPrecision) {
    return std::make_unique<BundleEmbedder>(bundleDir, device, textPrecision);
}

}  // namespace lowclip::train
