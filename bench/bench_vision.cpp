// bench_vision: photos/s of the indexing path's image side, decode + preprocess + EfficientNet-B0
// forward (random weights), over a folder of full-size photos; batch 8 (the library's on the CPU).
//
//   bench_vision [FOLDER] [--batch 8] [--size 224] [--repeat 8] [--threads N] [--decoders N]
//                [--python] [--python-exe /usr/bin/python3] [--no-forward]
//
// FOLDER defaults to /usr/share/backgrounds/mate/nature (Debian's mate-backgrounds: 12 JPEGs up to
// 2560x1920). Every photo is processed `repeat` times (the file is re-read and re-decoded each time).
//
// Three phases, each printed:
//   A. decode + preprocess only: decoder threads (reduced-scale JPEG decode to the short side
//      `size`, EXIF orientation, resize + centre crop + normalise into the batch tensor);
//   B. forward only: EfficientNet-B0 features on ready batches;
//   C. end to end: decoder threads fill batch buffers while the main thread runs the forward and,
//      instead of waiting for a batch, decodes photos itself (as the library's indexing does); the
//      time split into decode / preprocess (thread-seconds, all threads) and forward / waiting
//      (wall, decoding by the main thread included in waiting).
// Peak RSS at the end. With --python, scripts/bench_vision_python.py runs the same pipeline with
// PIL + torchvision on the same photos right after, and the ratio of the end-to-end figures is printed.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

#include "core/nn/backbone.h"
#include "core/nn/kernels/cpu.h"
#include "core/nn/runtime.h"
#include "core/vision/decode.h"
#include "core/vision/preprocess.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace lowclip;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Options {
    std::string folder = "/usr/share/backgrounds/mate/nature";
    int batch = 8;  // the library's forward batch on the CPU (core/train/embedder.cpp)
    int size = 224;
    int repeat = 8;
    int threads = 0;
    int decoders = 0;
    bool python = false;
    bool forward = true;
    std::string pythonExe = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "bench_vision: " << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--batch") o.batch = std::stoi(next());
        else if (a == "--size") o.size = std::stoi(next());
        else if (a == "--repeat") o.repeat = std::stoi(next());
        else if (a == "--threads") o.threads = std::stoi(next());
        else if (a == "--decoders") o.decoders = std::stoi(next());
        else if (a == "--python") o.python = true;
        else if (a == "--python-exe") o.pythonExe = next();
        else if (a == "--no-forward") o.forward = false;
        else if (a == "-h" || a == "--help") {
            std::cout << "usage: bench_vision [FOLDER] [--batch 8] [--size 224] [--repeat 8] [--threads N]\n"
                         "                    [--decoders N] [--python] [--python-exe PATH] [--no-forward]\n";
            std::exit(0);
        } else if (!a.empty() && a[0] != '-') o.folder = a;
        else {
            std::cerr << "bench_vision: unknown option " << a << "\n";
            std::exit(2);
        }
    }
    return o;
}

long peakRssMiB() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024;
}

// Decoder threads: item i of the work list is decoded and preprocessed into slot i % batch of
// batch buffer (i / batch) % ring. A buffer is reused only after the consumer released it.
class Pipeline {
public:
    Pipeline(const std::vector<std::string>& work, int batch, int size, int ring, int decoders)
        : work_(work), batch_(batch), size_(size), ring_(ring) {
        const std::size_t per = 3u * size * size;
        buffers_.assign(ring, std::vector<float>(per * batch));
        done_.assign(ring, 0);
        batches_ = (static_cast<int>(work.size()) + batch - 1) / batch;
        for (int t = 0; t < decoders; ++t) threads_.emplace_back([this] { run(); });
    }
    ~Pipeline() {
        for (auto& t : threads_) t.join();
    }
    int batches() const { return batches_; }
    int batchSize(int b) const { return std::min(batch_, static_cast<int>(work_.size()) - b * batch_); }
    // Blocks until batch b is complete; returns its buffer. With `help` the calling thread decodes and
    // preprocesses items whose buffer is free meanwhile, as the library's model thread does.
    float* waitBatch(int b, bool help) {
        while (help) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if (done_[b % ring_] == batchSize(b)) return buffers_[b % ring_].data();
            }
            if (!processOne(true)) break;
        }
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return done_[b % ring_] == batchSize(b); });
        return buffers_[b % ring_].data();
    }
    void releaseBatch(int b) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            done_[b % ring_] = 0;
            released_ = b + 1;
        }
        cv_.notify_all();
    }
    double decodeSeconds() const { return decodeNs_.load() * 1e-9; }
    double preprocessSeconds() const { return preprocessNs_.load() * 1e-9; }
    int failures() const { return failures_.load(); }

private:
    void run() {
        while (processOne(false)) {
        }
    }

    // Claims the next item and decodes and preprocesses it into its slot; false when none is left. A
    // decoder thread waits for the item's buffer to be released; the consumer claims only items whose
    // buffer is free (it is the one releasing them).
    bool processOne(bool consumer) {
        const int total = static_cast<int>(work_.size());
        int i = 0;
        if (consumer) {
            int limit;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                limit = std::min(total, (released_ + ring_) * batch_);
            }
            i = next_.load();
            do {
                if (i >= limit) return false;
            } while (!next_.compare_exchange_weak(i, i + 1));
        } else {
            i = next_.fetch_add(1);
            if (i >= total) return false;
            std::unique_lock<std::mutex> lock(mutex_);
            cv_.wait(lock, [&] { return i / batch_ < released_ + ring_; });
        }
        const int b = i / batch_;
        vision::DecodeOptions decodeOptions;
        decodeOptions.targetShortSide = size_;
        vision::PreprocessSpec spec;
        spec.imageSize = size_;
        const std::size_t per = 3u * size_ * size_;
        float* slot = buffers_[b % ring_].data() + static_cast<std::size_t>(i % batch_) * per;
        auto t0 = Clock::now();
        vision::Image image;
        try {
            image = vision::decodeImageFile(work_[i], decodeOptions);
        } catch (const std::exception& e) {
            ++failures_;
            std::cerr << "bench_vision: " << e.what() << "\n";
        }
        auto t1 = Clock::now();
        if (!image.empty())
            vision::preprocessInto(image, spec, slot);
        else
            std::fill(slot, slot + per, 0.0f);
        auto t2 = Clock::now();
        decodeNs_ += std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
        preprocessNs_ += std::chrono::duration_cast<std::chrono::nanoseconds>(t2 - t1).count();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++done_[b % ring_];
        }
        cv_.notify_all();
        return true;
    }

    const std::vector<std::string>& work_;
    const int batch_, size_, ring_;
    int batches_ = 0;
    std::vector<std::vector<float>> buffers_;
    std::vector<int> done_;
    int released_ = 0;
    std::atomic<int> next_{0};
    std::atomic<long long> decodeNs_{0}, preprocessNs_{0};
    std::atomic<int> failures_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::thread> threads_;
};

std::map<std::string, std::string> runPython(const Options& o, const std::string& script) {
    std::ostringstream cmd;
    cmd << "'" << o.pythonExe << "' '" << script << "' '" << o.folder << "' --batch " << o.batch << " --size " << o.size
        << " --repeat " << o.repeat;
    if (o.threads > 0) cmd << " --threads " << o.threads;
    std::map<std::string, std::string> values;
    std::FILE* p = popen(cmd.str().c_str(), "r");
    if (!p) return values;
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
        std::string s(line);
        std::cout << "  [python] " << s;
        auto eq = s.find('=');
        if (eq != std::string::npos) {
            std::string v = s.substr(eq + 1);
            while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
            values[s.substr(0, eq)] = v;
        }
    }
    const int rc = pclose(p);
    if (rc != 0) std::cout << "  [python] exited with status " << rc << "\n";
    return values;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    std::vector<std::string> photos;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(o.folder, ec))
        if (entry.is_regular_file()) photos.push_back(entry.path().string());
    std::sort(photos.begin(), photos.end());
    if (photos.empty()) {
        std::cerr << "bench_vision: no files in " << o.folder
                  << " (apt-get install mate-backgrounds, or pass a folder of photos)\n";
        return 1;
    }
    std::vector<std::string> work;
    for (int r = 0; r < o.repeat; ++r) work.insert(work.end(), photos.begin(), photos.end());

    const int threads = nn::configureThreads(o.threads);
    const int decoders = o.decoders > 0 ? o.decoders : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::int64_t pixels = 0;
    for (const auto& p : photos) {
        try {
            auto bytes = vision::readFileBytes(p);
            auto h = vision::probeImageHeader(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), p);
            pixels += h.width * h.height;
        } catch (const std::exception& e) {
            std::cerr << "bench_vision: " << e.what() << "\n";
        }
    }
    std::printf("bench_vision: %zu photos in %s (mean %.1f MP), x%d = %zu images, batch %d, size %d\n", photos.size(),
                o.folder.c_str(), pixels / 1e6 / photos.size(), o.repeat, work.size(), o.batch, o.size);
    std::printf("%s\n", nn::kernels::dispatchSummary().c_str());
    std::printf("threads: torch intra-op %d, decoders %d, hardware %u\n", threads, decoders,
                std::thread::hardware_concurrency());

    // A. decode + preprocess only.
    double decodeOnlyRate = 0;
    {
        auto t0 = Clock::now();
        Pipeline pipe(work, o.batch, o.size, 4, decoders);
        for (int b = 0; b < pipe.batches(); ++b) {
            pipe.waitBatch(b, false);
            pipe.releaseBatch(b);
        }
        const double wall = seconds(t0, Clock::now());
        decodeOnlyRate = work.size() / wall;
        std::printf("A decode+preprocess: %.1f photos/s (%.2f s wall; per photo %.2f ms decode, %.2f ms preprocess, "
                    "thread time)%s\n",
                    decodeOnlyRate, wall, 1e3 * pipe.decodeSeconds() / work.size(),
                    1e3 * pipe.preprocessSeconds() / work.size(), pipe.failures() ? " FAILURES" : "");
    }
    if (!o.forward) {
        std::printf("peak_rss_mib=%ld\n", peakRssMiB());
        return 0;
    }

    torch::NoGradGuard noGrad;
    auto model = nn::makeBackbone("efficientnet_b0", {{"num_classes", 0}});
    model->eval();
    // B. forward only (after one warm-up batch).
    double forwardRate = 0;
    {
        torch::Tensor x = torch::randn({o.batch, 3, o.size, o.size});
        auto tw = Clock::now();
        model->forwardFeatures(x);
        const double warm = seconds(tw, Clock::now());
        const int runs = std::max(2, static_cast<int>(work.size()) / o.batch / 2);
        auto t0 = Clock::now();
        torch::Tensor f;
        for (int r = 0; r < runs; ++r) f = model->forwardFeatures(x);
        const double wall = seconds(t0, Clock::now());
        forwardRate = runs * o.batch / wall;
        std::printf("B forward (EfficientNet-B0, features %lld): %.1f photos/s (%.1f ms per batch of %d; warm-up %.2f s)\n",
                    static_cast<long long>(f.size(1)), forwardRate, 1e3 * wall / runs, o.batch, warm);
    }
    // C. end to end.
    double e2eRate = 0;
    {
        // As the library indexes with a CPU model: half the cores decode, the other half run the forward
        // (IndexOptions::decodeThreads); --threads or --decoders choose by hand.
        const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        int e2eDecoders = decoders, e2eThreads = threads;
        if (o.threads <= 0 && o.decoders <= 0 && cores >= 2) {
            e2eDecoders = cores / 2;
            e2eThreads = cores - e2eDecoders;
        }
        at::set_num_threads(e2eThreads);
        std::printf("C threads: forward %d, decoders %d\n", e2eThreads, e2eDecoders);
        auto t0 = Clock::now();
        double forwardWall = 0, waitWall = 0;
        Pipeline pipe(work, o.batch, o.size, 3, e2eDecoders);
        for (int b = 0; b < pipe.batches(); ++b) {
            auto w0 = Clock::now();
            float* data = pipe.waitBatch(b, true);
            auto w1 = Clock::now();
            const int n = pipe.batchSize(b);
            torch::Tensor x = torch::from_blob(data, {n, 3, o.size, o.size});
            torch::Tensor f = model->forwardFeatures(x);
            (void)f.sum().item<float>();
            auto w2 = Clock::now();
            pipe.releaseBatch(b);
            waitWall += seconds(w0, w1);
            forwardWall += seconds(w1, w2);
        }
        const double wall = seconds(t0, Clock::now());
        e2eRate = work.size() / wall;
        at::set_num_threads(threads);
        std::printf("C end to end: %.1f photos/s (%.2f s wall: forward %.2f s, waiting for a batch (decoding meanwhile) %.2f s; "
                    "thread time: decode %.2f s, preprocess %.2f s)\n",
                    e2eRate, wall, forwardWall, waitWall, pipe.decodeSeconds(), pipe.preprocessSeconds());
    }
    std::printf("cpp_decode_preprocess_photos_per_s=%.2f\ncpp_forward_photos_per_s=%.2f\ncpp_end_to_end_photos_per_s=%.2f\n",
                decodeOnlyRate, forwardRate, e2eRate);
    std::printf("peak_rss_mib=%ld\n", peakRssMiB());

    if (o.python) {
        const std::string script = std::string(LOWCLIP_SOURCE_DIR) + "/scripts/bench_vision_python.py";
        std::printf("running %s on the same photos...\n", script.c_str());
        std::fflush(stdout);
        auto py = runPython(o, script);
        auto it = py.find("python_end_to_end_photos_per_s");
        if (it != py.end()) {
            const double pyRate = std::atof(it->second.c_str());
            std::printf("end to end: C++ %.2f photos/s, Python %.2f photos/s, ratio %.2fx\n", e2eRate, pyRate,
                        pyRate > 0 ? e2eRate / pyRate : 0.0);
            auto d = py.find("python_decode_preprocess_photos_per_s");
            if (d != py.end() && std::atof(d->second.c_str()) > 0)
                std::printf("decode+preprocess: C++ %.2f photos/s, Python %.2f photos/s, ratio %.2fx\n", decodeOnlyRate,
                            std::atof(d->second.c_str()), decodeOnlyRate / std::atof(d->second.c_str()));
        } else {
            std::printf("python baseline did not report a figure (needs python3-torch, python3-torchvision, python3-pil)\n");
        }
    }
    return 0;
}
