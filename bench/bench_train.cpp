// Training throughput of the paper-sized configuration (mBERT-base shape + EfficientNet-B0, random
// weights and inputs) on the CPU: pairs per second of full optimizer steps (forward, Simple-CLIP
// loss, backward, AdamW), the first step excluded as warm-up.
//
//   bench_train [--batch 32] [--steps 3] [--threads N] [--device cpu] [--image 224] [--tokens 32]
//
// Data-parallel scaling on the CPU (the trainer itself, c10d/Gloo over loopback, ranks as processes
// this program starts): pairs per second of the demo-sized model on the synthetic world for 1 rank
// with 1 thread, 1 rank with 2 threads and 2 ranks with 1 thread each, and the scaling efficiency
// (2 ranks / twice 1 rank, one thread per rank). The first optimizer step is left out as warm-up.
//
//   bench_train --parallel [--batch 64] [--steps 8] [--image 64]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <torch/torch.h>

#include "core/nn/kernels/cpu.h"
#include "core/nn/runtime.h"
#include "core/text/vocab_builder.h"
#include "core/train/batch_sources.h"
#include "core/train/demo.h"
#include "core/train/distributed.h"
#include "core/train/paper.h"
#include "core/train/trainer.h"

namespace {

using namespace lowclip;

// One rank (or the only process): trains the demo model for `steps` batches; rank 0 prints
// "parallel_pairs_per_second X" over the steps after the first.
int worker(int batch, int steps, int image, int threads, int rank, int world, const std::string& master) {
    nn::configureThreads(threads);
    train::DemoOptions d;
    d.imageSize = image;
    train::WorldConfig wc;
    wc.imageSize = image;
    wc.seed = 1;
    train::SyntheticWorld sw(wc);
    text::VocabBuilderOptions vo;
    vo.normalization = text::TextNormalization::Azerbaijani;
    vo.completeAlphabets = true;
    vo.minFrequency = 2;
    auto vocab = text::buildWordPieceVocab(sw.corpus(200, 8), vo);
    text::WordPieceTokenizer tokenizer(vocab, text::TextNormalization::Azerbaijani);
    auto config = train::demoClipConfig(d, vocab.size());
    torch::manual_seed(1);
    nn::DualEncoder model(config);
    train::WorldSourceOptions so;
    so.batchSize = static_cast<std::size_t>(batch);
    so.batchesPerEpoch = static_cast<std::size_t>(steps);
    so.seed = 3;
    so.maxTextLength = config.maxTextLength;
    so.preprocess.imageSize = image;
    so.preprocess.resizeSize = image;
    train::WorldBatchSource source(sw, tokenizer, so);
    train::TrainOptions o = train::TrainOptions::fromScratch();
    o.epochs = 1;
    o.device = "cpu";
    o.loaderThreads = 1;
    o.progressEvery = 1;
    if (world > 1) {
        train::DistributedOverrides ov;
        ov.rank = rank;
        ov.worldSize = world;
        ov.master = master;
        ov.backend = "gloo";
        o.distributed = train::DistributedGroup::connect(train::resolveDistributedConfig(train::DistributedMode::Auto, ov));
    }
    using Clock = std::chrono::steady_clock;
    Clock::time_point first;
    double seconds = 0;
    train::TrainCallbacks cb;
    cb.onStep = [&](const train::StepInfo& s) {
        if (s.step == 1) first = Clock::now();
        else seconds = std::chrono::duration<double>(Clock::now() - first).count();
    };
    train::train(model, source, o, cb);
    if (rank == 0) {
        int64_t params = 0;
        for (const auto& p : model->parameters()) params += p.numel();
        std::cout << "parameters " << params << "\n"
                  << "parallel_pairs_per_second " << (seconds > 0 ? static_cast<double>(batch) * (steps - 1) / seconds : 0.0)
                  << std::endl;
    }
    return 0;
}

int freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 29500;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
}

// Runs `world` worker processes with `threads` threads each; returns rank 0's pairs per second.
double launch(int world, int threads, int batch, int steps, int image, int64_t* params) {
    char self[4096];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) throw std::runtime_error("cannot find this program's path");
    self[n] = 0;
    const int port = freePort();
    std::ostringstream cmd;
    for (int r = 0; r < world; ++r)
        cmd << "'" << self << "' --worker --batch " << batch << " --steps " << steps << " --image " << image
            << " --threads " << threads << " --rank " << r << " --world-size " << world << " --master 127.0.0.1:" << port
            << (r + 1 < world ? " & " : "; wait");
    FILE* pipe = ::popen(cmd.str().c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot start the workers");
    double pps = 0;
    char line[512];
    while (std::fgets(line, sizeof line, pipe)) {
        std::string l(line);
        if (l.rfind("parallel_pairs_per_second ", 0) == 0) pps = std::atof(l.c_str() + 26);
        if (l.rfind("parameters ", 0) == 0 && params) *params = std::atoll(l.c_str() + 11);
    }
    if (::pclose(pipe) != 0 || pps <= 0) throw std::runtime_error("a worker failed");
    return pps;
}

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    std::string l;
    while (std::getline(in, l))
        if (l.rfind("model name", 0) == 0) return l.substr(l.find(':') + 2);
    return "unknown CPU";
}

}  // namespace

int main(int argc, char** argv) {
    bool parallel = false, isWorker = false;
    int rank = 0, world = 1;
    std::string master;
    {
        int pb = 64, ps = 8, pi = 64, pt = 1;
        std::vector<std::string> rest;
        for (int i = 1; i < argc; ++i) {
            std::string k = argv[i];
            if (k == "--parallel") parallel = true;
            else if (k == "--worker") isWorker = true;
            else if (i + 1 < argc && (parallel || isWorker) && k == "--batch") pb = std::atoi(argv[++i]);
            else if (i + 1 < argc && (parallel || isWorker) && k == "--steps") ps = std::atoi(argv[++i]);
            else if (i + 1 < argc && (parallel || isWorker) && k == "--image") pi = std::atoi(argv[++i]);
            else if (i + 1 < argc && isWorker && k == "--threads") pt = std::atoi(argv[++i]);
            else if (i + 1 < argc && isWorker && k == "--rank") rank = std::atoi(argv[++i]);
            else if (i + 1 < argc && isWorker && k == "--world-size") world = std::atoi(argv[++i]);
            else if (i + 1 < argc && isWorker && k == "--master") master = argv[++i];
            else rest.push_back(k);
        }
        if (isWorker) return worker(pb, ps, pi, pt, rank, world, master);
        if (parallel) {
            if (!rest.empty() || ps < 2 || pb < 2) {
                std::cerr << "usage: bench_train --parallel [--batch 64] [--steps 8 (at least 2)] [--image 64]\n";
                return 2;
            }
            // The workers wait passively, as lowclip-cli train does (app/cli/openmp_env.h): spinning
            // OpenMP threads make 2 threads slower than 1 on cores that other work shares.
            if (!std::getenv("OMP_WAIT_POLICY")) ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
            try {
                int64_t params = 0;
                std::cout << "bench_train --parallel: demo model on the synthetic world, global batch " << pb << ", " << pi
                          << "x" << pi << ", " << ps << " steps (first left out), CPU " << cpuModel() << ", "
                          << std::thread::hardware_concurrency() << " hardware threads, OMP_WAIT_POLICY="
                          << std::getenv("OMP_WAIT_POLICY") << "\n"
                          << lowclip::nn::kernels::dispatchSummary() << "\n";
                double one = launch(1, 1, pb, ps, pi, &params);
                double oneTwo = launch(1, 2, pb, ps, pi, nullptr);
                double two = launch(2, 1, pb, ps, pi, nullptr);
                std::cout << std::fixed << std::setprecision(1) << "  " << params << " parameters\n"
                          << "  1 rank  x 1 thread : " << one << " pairs/s\n"
                          << "  1 rank  x 2 threads: " << oneTwo << " pairs/s\n"
                          << "  2 ranks x 1 thread : " << two << " pairs/s (Gloo over loopback)\n"
                          << std::setprecision(3) << "scaling_efficiency " << two / (2 * one)
                          << "   (2 ranks / twice 1 rank, one thread per rank)\n"
                          << "same_cores_speedup " << two / oneTwo << "   (2 ranks x 1 thread / 1 rank x 2 threads)\n";
            } catch (const std::exception& e) {
                std::cerr << "bench_train: " << e.what() << "\n";
                return 1;
            }
            return 0;
        }
    }
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
              << image << "x" << image << ", " << tokens << " tokens, " << device << ", " << used << " threads\n"
              << lowclip::nn::kernels::dispatchSummary() << "\n";
    for (std::size_t i = 0; i < r.stepSeconds.size(); ++i)
        std::cout << "  step " << i + 1 << ": " << r.stepSeconds[i] << " s" << (i == 0 && r.stepSeconds.size() > 1 ? " (warm-up)" : "") << "\n";
    std::cout << "  loss " << r.firstLoss << " -> " << r.lastLoss << "\n";
    std::cout << "train_pairs_per_second " << r.pairsPerSecond << "\n";
    return 0;
}
