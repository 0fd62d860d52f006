#include "core/nn/runtime.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "core/error.h"

namespace lowclip::nn {

bool cudaAvailable() { return torch::cuda::is_available(); }

c10::Device pickDevice(const std::string& preference) {
    if (preference.empty() || preference == "auto") {
        return cudaAvailable() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    }
    if (preference == "cpu") return c10::Device(c10::kCPU);
    if (preference.rfind("cuda", 0) == 0) {
        if (!cudaAvailable())
            throw Error("device '" + preference +
                        "' asked for, but this LibTorch build or this machine has no CUDA; use 'cpu' or 'auto'");
        try {
            c10::Device d(preference);
            if (d.has_index() && d.index() >= static_cast<int>(torch::cuda::device_count()))
                throw Error("device '" + preference + "' does not exist: this machine has " +
                            std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
            return d;
        } catch (const c10::Error&) {
            throw Error("cannot understand device '" + preference + "'; use auto, cpu, cuda or cuda:N");
        }
    }
    throw Error("cannot understand device '" + preference + "'; use auto, cpu, cuda or cuda:N");
}

void keepFreedMemory() {
#if defined(__GLIBC__)
    static const bool done = [] {
        const char* env = std::getenv("LOWCLIP_MALLOC_DEFAULTS");
        if (env && std::string(env) == "1") return false;
        // Environment settings (MALLOC_MMAP_THRESHOLD_ ...) win, as glibc documents.
        if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
        if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
        if (!std::getenv("MALLOC_TOP_PAD_")) mallopt(M_TOP_PAD, 64 * 1024 * 1024);
        return true;
    }();
    (void)done;
#endif
}

int configureThreads(int threads) {
    keepFreedMemory();
    if (threads <= 0) {
        if (const char* env = std::getenv("LOWCLIP_THREADS"); env && *env) threads = std::atoi(env);
    }
    if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads <= 0) threads = 1;
    if (at::get_num_threads() != threads) at::set_num_threads(threads);
    return at::get_num_threads();
}

int parallelLoopThreads() {
#ifdef _OPENMP
    std::mutex mu;
    std::set<int> seen;
    at::parallel_for(0, 4096, 1, [&](int64_t, int64_t) {
        std::lock_guard<std::mutex> lock(mu);
        seen.insert(at::get_thread_num());
    });
    return static_cast<int>(seen.size());
#else
    return 0;
#endif
}

std::string describeDevice(const c10::Device& device) {
    if (device.is_cpu()) return "cpu (" + std::to_string(at::get_num_threads()) + " threads)";
    return device.str();
}

}  // namespace lowclip::nn
