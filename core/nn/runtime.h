#pragma once
// Device choice and CPU threads for LibTorch, decided at run time.
#include <string>

#include <c10/core/Device.h>

namespace lowclip::nn {

// "auto" (CUDA when this LibTorch build and the machine have it, else CPU), "cpu", "cuda", "cuda:N".
// Throws lowclip::Error when CUDA is asked for and unavailable.
c10::Device pickDevice(const std::string& preference = "auto");

bool cudaAvailable();

// Sets LibTorch's intra-op threads: `threads` > 0 as given, else $LOWCLIP_THREADS, else all hardware
// threads. Returns the number in force. Safe to call more than once. Also calls keepFreedMemory().
int configureThreads(int threads = 0);

// How many threads one of the project's own at::parallel_for loops runs on with LibTorch's current
// thread count (0: compiled without OpenMP, so every such loop runs on the calling thread). The
// loops are header templates: they are parallel only in translation units built with OpenMP.
int parallelLoopThreads();

// glibc hands every block over 128 KiB..32 MiB straight back to the kernel when it is freed, so each
// training step or batch of inference pays page faults on fresh pages for its activations (measured:
// 17% of a demo training step). This keeps blocks up to 32 MiB in the heap and freed memory up to
// 512 MiB for reuse. Once per process; nothing on other C libraries or with LOWCLIP_MALLOC_DEFAULTS=1.
void keepFreedMemory();

// A line for logs: "cpu (2 threads)" or "cuda:0 (NVIDIA H200)".
std::string describeDevice(const c10::Device& device);

}  // namespace lowclip::nn
