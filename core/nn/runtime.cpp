#include "core/nn/runtime.h"

#include <cstdlib>
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

int configureThreads(int threads) {
    if (threads <= 0) {
        if (const char* env = std::getenv("LOWCLIP_THREADS"); env && *env) threads = std::atoi(env);
    }
    if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads <= 0) threads = 1;
    if (at::get_num_threads() != threads) at::set_num_threads(threads);
    return at::get_num_threads();
}

std::string describeDevice(const c10::Device& device) {
    if (device.is_cpu()) return "cpu (" + std::to_string(at::get_num_threads()) + " threads)";
    return device.str();
}

}  // namespace lowclip::nn
