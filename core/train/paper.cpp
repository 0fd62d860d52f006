#include "core/train/paper.h"

#include <chrono>

#include <torch/torch.h>

#include "core/error.h"
#include "core/train/trainer.h"

namespace lowclip::train {

nn::ClipConfig paperClipConfig() {
    nn::ClipConfig c;
    c.text = nn::BertConfig::mbertBase();
    c.imageArch = "efficientnet_b0";
    c.imageConfig = {{"num_classes", 0}};
    c.projectionDim = 256;
    c.dropout = 0.1;
    c.loss = "simpleclip";
    c.temperature = 1.0;
    c.maxTextLength = 32;
    c.imageSize = 224;
    c.resizeSize = 224;
    c.normalization = text::TextNormalization::None;
    c.validate();
    return c;
}

namespace {

// Random images and token ids, fixed per (epoch, index).
class RandomSource : public BatchSource {
public:
    RandomSource(std::size_t batches, int batch, int imageSize, int textLength, int64_t vocab)
        : batches_(batches), batch_(batch), imageSize_(imageSize), textLength_(textLength), vocab_(vocab) {}
    std::size_t batchesPerEpoch() const override { return batches_; }
    TrainBatch makeBatch(std::size_t epoch, std::size_t index) const override {
        auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(epoch * 100003 + index + 1));
        TrainBatch b;
        b.images = torch::randn({batch_, 3, imageSize_, imageSize_}, gen, torch::TensorOptions().dtype(torch::kFloat32));
        b.inputIds = torch::randint(1000, vocab_, {batch_, textLength_}, gen, torch::TensorOptions().dtype(torch::kInt64));
        b.inputIds.select(1, 0).fill_(101);
        b.inputIds.select(1, textLength_ - 1).fill_(102);
        b.attentionMask = torch::ones({batch_, textLength_}, torch::kInt64);
        return b;
    }

private:
    std::size_t batches_;
    int64_t batch_, imageSize_, textLength_, vocab_;
};

}  // namespace

PaperSmokeResult runPaperSmoke(int steps, int batch, const std::string& device, int imageSize, int textLength) {
    if (steps < 1 || batch < 2) throw Error("the paper smoke run needs at least 1 step of at least 2 pairs");
    using Clock = std::chrono::steady_clock;
    nn::ClipConfig config = paperClipConfig();
    torch::manual_seed(0);
    nn::DualEncoder model(config);
    PaperSmokeResult r;
    for (const auto& p : model->parameters()) r.parameters += static_cast<std::size_t>(p.numel());
    auto textBefore = model->textEncoder->named_parameters()["encoder.layer.0.attention.self.query.weight"].detach().clone();
    auto headBefore = model->imageProjection->projection->weight.detach().clone();

    RandomSource source(static_cast<std::size_t>(steps), batch, imageSize, textLength, config.text.vocabSize);
    TrainOptions o = TrainOptions::fineTune();
    o.epochs = 1;
    o.device = device;
    o.loaderThreads = 1;
    o.progressEvery = 1;
    o.schedule = Schedule::Constant;
    auto last = Clock::now();
    TrainCallbacks cb;
    cb.onStep = [&](const StepInfo& s) {
        auto now = Clock::now();
        r.stepSeconds.push_back(std::chrono::duration<double>(now - last).count());
        last = now;
        if (s.step == 1) r.firstLoss = s.loss;
        r.lastLoss = s.loss;
    };
    last = Clock::now();
    auto tr = train(model, source, o, cb);
    r.steps = tr.steps;
    auto textAfter = model->textEncoder->named_parameters()["encoder.layer.0.attention.self.query.weight"].detach().cpu();
    auto headAfter = model->imageProjection->projection->weight.detach().cpu();
    r.weightsChanged = !torch::equal(textBefore, textAfter) && !torch::equal(headBefore, headAfter);
    double sum = 0;
    std::size_t n = 0;
    for (std::size_t i = r.stepSeconds.size() > 1 ? 1 : 0; i < r.stepSeconds.size(); ++i, ++n) sum += r.stepSeconds[i];
    r.pairsPerSecond = n && sum > 0 ? batch / (sum / static_cast<double>(n)) : 0;
    return r;
}

}  // namespace lowclip::train
