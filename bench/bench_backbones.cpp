// Image backbone figures: eval forward time per image at batch 1 and 8 for every preset, and one
// Adam training step of resnet_tiny (64x64, batch 32). Not a test: prints numbers.
//
//   bench_backbones [--device cpu|cuda|auto] [--threads N] [--presets a,b,...] [--size N] [--iters N]
//   bench_backbones --keys PRESET     (prints "name shape" of every state-dict entry, for checking)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/backbone.h"
#include "core/nn/kernels/cpu.h"
#include "core/nn/runtime.h"
#include "core/nn/state_dict.h"

using Clock = std::chrono::steady_clock;
using namespace lowclip;

namespace {
double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

void sync(const c10::Device& d) {
    if (d.is_cuda()) torch::cuda::synchronize();
}
}  // namespace

int main(int argc, char** argv) {
    try {
        std::string device = "cpu", presetsArg, keys;
        int threads = 0, iters = 3;
        int64_t size = 224;
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            auto next = [&]() -> std::string {
                if (i + 1 >= argc) throw Error(a + " needs a value");
                return argv[++i];
            };
            if (a == "--device") device = next();
            else if (a == "--threads") threads = std::stoi(next());
            else if (a == "--presets") presetsArg = next();
            else if (a == "--size") size = std::stoll(next());
            else if (a == "--iters") iters = std::stoi(next());
            else if (a == "--keys") keys = next();
            else throw Error("unknown option " + a);
        }
        if (!keys.empty()) {
            for (const auto& [name, t] : nn::stateDict(*nn::makeBackbone(keys))) {
                std::cout << name << " [";
                for (int64_t d = 0; d < t.dim(); ++d) std::cout << (d ? "," : "") << t.size(d);
                std::cout << "]\n";
            }
            return 0;
        }
        const int nThreads = nn::configureThreads(threads);
        const c10::Device dev = nn::pickDevice(device);
        std::printf("device %s, %d CPU threads\n", nn::describeDevice(dev).c_str(), nThreads);
        std::printf("%s\n", nn::kernels::dispatchSummary().c_str());
        std::vector<std::string> presets;
        if (presetsArg.empty()) presets = nn::backbonePresets();
        else {
            std::stringstream ss(presetsArg);
            for (std::string p; std::getline(ss, p, ',');) presets.push_back(p);
        }
        torch::NoGradGuard noGrad;
        std::printf("%-16s %6s %10s %12s %12s %12s\n", "preset", "input", "params(M)", "b1 ms/img", "b8 ms/img", "b8 img/s");
        for (const auto& preset : presets) {
            nn::Backbone model = nn::makeBackbone(preset, {{"num_classes", 0}});
            model->to(dev);
            model->eval();
            int64_t params = 0;
            for (const auto& p : model->parameters()) params += p.numel();
            const int64_t side = preset == "resnet_tiny" ? 64 : size;
            double perImage[2] = {0, 0};
            const int64_t batches[2] = {1, 8};
            for (int k = 0; k < 2; ++k) {
                torch::Tensor x = torch::randn({batches[k], 3, side, side}).to(dev);
                model->forwardFeatures(x);  // warm-up
                sync(dev);
                auto t0 = Clock::now();
                for (int i = 0; i < iters; ++i) model->forwardFeatures(x);
                sync(dev);
                perImage[k] = seconds(t0, Clock::now()) / (iters * batches[k]);
            }
            std::printf("%-16s %6lld %10.2f %12.2f %12.2f %12.1f\n", preset.c_str(), static_cast<long long>(side),
                        params / 1e6, perImage[0] * 1e3, perImage[1] * 1e3, 1.0 / perImage[1]);
            std::fflush(stdout);
        }
        if (std::find(presets.begin(), presets.end(), "resnet_tiny") != presets.end()) {
            torch::AutoGradMode grad(true);
            nn::Backbone model = nn::makeBackbone("resnet_tiny", {{"num_classes", 10}});
            model->to(dev);
            model->train();
            torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
            torch::Tensor x = torch::randn({32, 3, 64, 64}).to(dev);
            torch::Tensor y = torch::randint(0, 10, {32}, torch::kLong).to(dev);
            auto step = [&] {
                torch::Tensor loss = torch::cross_entropy_loss(model->forwardLogits(x), y);
                opt.zero_grad();
                loss.backward();
                opt.step();
            };
            step();
            sync(dev);
            auto t0 = Clock::now();
            for (int i = 0; i < iters; ++i) step();
            sync(dev);
            const double s = seconds(t0, Clock::now()) / iters;
            std::printf("resnet_tiny train step (batch 32, 64x64, Adam): %.1f ms (%.0f img/s)\n", s * 1e3, 32 / s);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_backbones: %s\n", e.what());
        return 1;
    }
}
