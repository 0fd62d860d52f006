// Training throughput of the paper-sized configuration (mBERT-base shape + EfficientNet-B0, random
// weights and inputs) on the CPU: pairs per second of full optimizer steps (forward, Simple-CLIP
// loss, backward, AdamW), the first step excluded as warm-up.
//
//   bench_train [--batch 32] [--steps 3] [--threads N] [--device cpu] [--image 224] [--tokens 32]
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <string>

#include "core/nn/runtime.h"
#include "core/train/paper.h"

int main(int argc, char** argv) {
    int batch = 32, steps = 3, threads = 0, image = 224, tokens = 32;
    std::string device = "cpu";
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k == "--batch") batch = std::atoi(argv[i + 1]);
        else if (k == "--steps") steps = std::atoi(argv[i + 1]);
        else if (k == "--threads") threads = std::atoi(argv[i + 1]);
        else if (k == "--device") device = argv[i + 1];
        else if (k == "--image") image = std::atoi(argv[i + 1]);
        else if (k == "--tokens") tokens = std::atoi(argv[i + 1]);
        else {
            std::cerr << "unknown option " << k << "\n";
            return 2;
        }
    }
    int used = lowclip::nn::configureThreads(threads);
    auto r = lowclip::train::runPaperSmoke(steps, batch, device, image, tokens);
    std::cout << std::fixed << std::setprecision(3);
    std::cout << "bench_train: mBERT-base + EfficientNet-B0, " << r.parameters << " parameters, batch " << batch << ", "
              << image << "x" << image << ", " << tokens << " tokens, " << device << ", " << used << " threads\n";
    for (std::size_t i = 0; i < r.stepSeconds.size(); ++i)
        std::cout << "  step " << i + 1 << ": " << r.stepSeconds[i] << " s" << (i == 0 && r.stepSeconds.size() > 1 ? " (warm-up)" : "") << "\n";
    std::cout << "  loss " << r.firstLoss << " -> " << r.lastLoss << "\n";
    std::cout << "train_pairs_per_second " << r.pairsPerSecond << "\n";
    return 0;
}
