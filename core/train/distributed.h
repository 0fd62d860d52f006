#pragma once
// Data-parallel training on LibTorch's c10d: a process group (Gloo on the CPU, NCCL on CUDA when the
// LibTorch build has it) joined through a TCPStore, as torchrun sets it up, or through explicit
// options; and the few collectives the trainer needs (flattened, bucketed).
//
// How the trainer uses it (see train() in trainer.h): every rank builds the same deterministic global
// batch and trains on its disjoint share; the image and text embeddings of all ranks are gathered
// (the local part keeps its gradient) so the contrastive loss sees the whole global batch; gradients
// are summed over the ranks (the loss's own parameters, computed on every rank, are averaged); rank 0
// decides validation, early stopping and writes checkpoints and bundles.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace lowclip::train {

enum class DistributedMode { Auto, Off };
DistributedMode parseDistributedMode(const std::string& name);  // "auto", "off"

// Where a rank finds its group. Read from the launcher's environment (torchrun) and explicit options.
struct DistributedConfig {
    bool enabled = false;              // false: one process, exactly as without distribution
    int rank = 0, worldSize = 1;
    int localRank = 0, localWorldSize = 1;
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    bool useAgentStore = false;        // the launcher's agent hosts the store: every rank is a client ...
    std::string storePrefix;           // ... under "/worker/attempt_<TORCHELASTIC_RESTART_COUNT>"
    std::chrono::milliseconds timeout{60000};  // store connection and every collective
    std::string backend = "auto";      // "auto" (NCCL for CUDA devices when built with it, else Gloo), "gloo", "nccl"
};

// Explicit options (machines without Python): they win over the environment.
struct DistributedOverrides {
    std::optional<int> rank, worldSize;
    std::optional<std::string> master;   // "HOST:PORT"
    std::optional<double> timeoutSeconds;
    std::string backend = "auto";
};

// Environment lookup (getenv by default); returns nullptr for an unset variable.
using EnvLookup = std::function<const char*(const char*)>;

// Auto: distributed when WORLD_SIZE (or --world-size) is set and greater than 1, or --rank/--master
// are given. Off: one process. Throws lowclip::Error (InvalidArgument) on malformed or contradictory
// values (rank outside the world, a port outside 1..65535, a timeout not in (0, 3600] s).
DistributedConfig resolveDistributedConfig(DistributedMode mode, const DistributedOverrides& overrides,
                                           const EnvLookup& env = {});

// A store that ranks in one process share (tests: ranks as threads).
class DistributedStore;
std::shared_ptr<DistributedStore> makeInProcessStore();

class DistributedGroup {
public:
    // Joins the group described by `config` through its TCPStore (rank 0 hosts it unless the
    // launcher's agent does). Blocks until every rank has joined or the timeout passes.
    static std::shared_ptr<DistributedGroup> connect(const DistributedConfig& config);
    // Joins a Gloo group of `worldSize` ranks through a shared in-process store (over loopback).
    static std::shared_ptr<DistributedGroup> join(const std::shared_ptr<DistributedStore>& store, int rank,
                                                  int worldSize, std::chrono::milliseconds timeout);
    ~DistributedGroup();
    DistributedGroup(const DistributedGroup&) = delete;
    DistributedGroup& operator=(const DistributedGroup&) = delete;

    int rank() const { return rank_; }
    int worldSize() const { return worldSize_; }
    std::string backendName() const;

    // In place: every tensor takes rank `root`'s values (flattened per dtype and device).
    void broadcast(std::vector<at::Tensor>& tensors, int root = 0);
    // In place: every tensor becomes the sum over ranks, in flattened buckets of about `bucketBytes`.
    void allReduceSum(std::vector<at::Tensor>& tensors, std::size_t bucketBytes = 25u << 20);
    // Concatenation along dim 0 of every rank's `local` (equal shapes on every rank).
    at::Tensor allGather(const at::Tensor& local);
    // Rank `root`'s value on every rank.
    double broadcastValue(double value, int root = 0);
    // The maximum over ranks.
    int64_t allReduceMax(int64_t value);
    void barrier();

private:
    struct Impl;
    DistributedGroup(std::unique_ptr<Impl> impl, int rank, int worldSize);
    std::unique_ptr<Impl> impl_;
    int rank_, worldSize_;
};

// Rows [begin, end) of rank `rank`'s share of `n` pairs split over `worldSize` ranks (the first n %
// worldSize ranks take one more).
std::pair<int64_t, int64_t> shareOf(int64_t n, int rank, int worldSize);

// The embeddings of the whole global batch: every rank's part in rank order, `local` (this rank's,
// with its gradient) in its place, the others as values. `sizes` are the part sizes of all ranks.
at::Tensor gatherWithLocalGradient(DistributedGroup& group, const at::Tensor& local, const std::vector<int64_t>& sizes);

// The sum of `x` over every rank; the backward pass sums the gradients over every rank the same way
// (the statistics of synchronised BatchNorm). A collective: every rank must call it in the same order.
at::Tensor sumOverRanks(DistributedGroup& group, const at::Tensor& x);

}  // namespace lowclip::train
