#include "core/train/distributed.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <map>

#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(LOWCLIP_WITH_NCCL)
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL 1
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/torch.h>

#include "core/error.h"

namespace lowclip::train {

class DistributedStore {
public:
    c10::intrusive_ptr<c10d::Store> store;
};

std::shared_ptr<DistributedStore> makeInProcessStore() {
    auto s = std::make_shared<DistributedStore>();
    s->store = c10::make_intrusive<c10d::HashStore>();
    return s;
}

DistributedMode parseDistributedMode(const std::string& name) {
    if (name == "auto") return DistributedMode::Auto;
    if (name == "off") return DistributedMode::Off;
    throw Error(ErrorCode::InvalidArgument, "unknown distributed mode '" + name + "' (use auto or off)",
                {{"what", "distributed"}, {"value", name}});
}

namespace {

Error bad(const std::string& what, const std::string& value, const std::string& why) {
    return Error(ErrorCode::InvalidArgument, what + " '" + value + "' " + why, {{"what", what}, {"value", value}});
}

int64_t parseInt(const std::string& what, const std::string& s, int64_t lo, int64_t hi) {
    if (s.empty() || s.size() > 20) throw bad(what, s.substr(0, 40), "is not a whole number");
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || end != s.c_str() + s.size()) throw bad(what, s, "is not a whole number");
    if (v < lo || v > hi)
        throw bad(what, s, "is out of range (" + std::to_string(lo) + " to " + std::to_string(hi) + ")");
    return v;
}

std::optional<std::string> lookup(const EnvLookup& env, const char* name) {
    const char* v = env ? env(name) : std::getenv(name);
    if (!v) return std::nullopt;
    std::string s(v);
    if (s.size() > 1024) throw bad(name, s.substr(0, 40) + "...", "is too long");
    return s;
}

bool isLoopback(const std::string& host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// c10d and Gloo report a lost peer as an exception with internal text; the user gets a clear
// message (the reason stays in the details for logs).
[[noreturn]] void lost(const DistributedGroup& g, const char* what, std::chrono::milliseconds timeout,
                       const std::exception& e) {
    throw Error(ErrorCode::Failed,
                "distributed training stopped: rank " + std::to_string(g.rank()) + " of " +
                    std::to_string(g.worldSize()) + " lost its group during " + what +
                    " (another rank stopped or could not be reached within " +
                    std::to_string(timeout.count() / 1000) + " s)",
                {{"reason", e.what()}});
}

}  // namespace

DistributedConfig resolveDistributedConfig(DistributedMode mode, const DistributedOverrides& o, const EnvLookup& env) {
    DistributedConfig c;
    c.backend = o.backend;
    if (c.backend != "auto" && c.backend != "gloo" && c.backend != "nccl")
        throw bad("backend", c.backend, "is not one of auto, gloo, nccl");
    if (o.timeoutSeconds) {
        double t = *o.timeoutSeconds;
        if (!(t > 0 && t <= 3600)) throw bad("timeout", std::to_string(t), "must be more than 0 and at most 3600 seconds");
        c.timeout = std::chrono::milliseconds(static_cast<int64_t>(std::llround(t * 1000)));
        if (c.timeout.count() < 1) c.timeout = std::chrono::milliseconds(1);
    }
    if (mode == DistributedMode::Off) return c;

    auto envWorld = lookup(env, "WORLD_SIZE");
    auto envRank = lookup(env, "RANK");
    constexpr int64_t kMaxWorld = 1 << 20;
    int64_t world = 1;
    if (o.worldSize) world = *o.worldSize;
    else if (envWorld) world = parseInt("WORLD_SIZE", *envWorld, 1, kMaxWorld);
    if (world < 1 || world > kMaxWorld) throw bad("world size", std::to_string(world), "is out of range (1 to 1048576)");
    bool explicitJoin = o.rank.has_value() || o.master.has_value() || o.worldSize.has_value();
    if (world == 1 && !explicitJoin) return c;  // nothing to join: one process as always

    int64_t rank = 0;
    if (o.rank) rank = *o.rank;
    else if (envRank) rank = parseInt("RANK", *envRank, 0, kMaxWorld - 1);
    else if (world > 1) throw Error(ErrorCode::InvalidArgument, "distributed training needs a rank: set RANK or give --rank",
                                    {{"what", "rank"}});
    if (rank < 0 || rank >= world)
        throw bad("rank", std::to_string(rank), "is outside the world of " + std::to_string(world) + " ranks");
    c.enabled = true;
    c.rank = static_cast<int>(rank);
    c.worldSize = static_cast<int>(world);
    c.localRank = c.rank;
    c.localWorldSize = c.worldSize;
    if (auto v = lookup(env, "LOCAL_RANK")) c.localRank = static_cast<int>(parseInt("LOCAL_RANK", *v, 0, kMaxWorld - 1));
    if (auto v = lookup(env, "LOCAL_WORLD_SIZE"))
        c.localWorldSize = static_cast<int>(parseInt("LOCAL_WORLD_SIZE", *v, 1, kMaxWorld));

    if (o.master) {
        const std::string& m = *o.master;
        auto colon = m.rfind(':');
        if (colon == std::string::npos || colon == 0) throw bad("master", m, "is not HOST:PORT");
        c.masterAddr = m.substr(0, colon);
        if (c.masterAddr.size() > 2 && c.masterAddr.front() == '[' && c.masterAddr.back() == ']')
            c.masterAddr = c.masterAddr.substr(1, c.masterAddr.size() - 2);
        c.masterPort = static_cast<int>(parseInt("master port", m.substr(colon + 1), 1, 65535));
    } else {
        if (auto v = lookup(env, "MASTER_ADDR")) {
            if (v->empty()) throw bad("MASTER_ADDR", *v, "is empty");
            c.masterAddr = *v;
        }
        if (auto v = lookup(env, "MASTER_PORT")) c.masterPort = static_cast<int>(parseInt("MASTER_PORT", *v, 1, 65535));
    }
    if (auto v = lookup(env, "TORCHELASTIC_USE_AGENT_STORE"); v && (*v == "True" || *v == "true" || *v == "1")) {
        c.useAgentStore = true;
        int64_t attempt = 0;
        if (auto r = lookup(env, "TORCHELASTIC_RESTART_COUNT")) attempt = parseInt("TORCHELASTIC_RESTART_COUNT", *r, 0, INT_MAX);
        c.storePrefix = "/worker/attempt_" + std::to_string(attempt);
    }
    return c;
}

std::pair<int64_t, int64_t> shareOf(int64_t n, int rank, int worldSize) {
    int64_t w = worldSize, r = rank;
    int64_t base = n / w, extra = n % w;
    int64_t begin = r * base + std::min(r, extra);
    return {begin, begin + base + (r < extra ? 1 : 0)};
}

// ---------------------------------------------------------------------------------------------

struct DistributedGroup::Impl {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroup> pg;
    std::string backend;
    std::chrono::milliseconds timeout{60000};
};

DistributedGroup::DistributedGroup(std::unique_ptr<Impl> impl, int rank, int worldSize)
    : impl_(std::move(impl)), rank_(rank), worldSize_(worldSize) {}

DistributedGroup::~DistributedGroup() = default;

std::string DistributedGroup::backendName() const { return impl_->backend; }

namespace {

c10::intrusive_ptr<c10d::ProcessGroup> makeGloo(const c10::intrusive_ptr<c10d::Store>& store, int rank, int world,
                                                std::chrono::milliseconds timeout, const std::string& host) {
    auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (isLoopback(host))
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world, opts);
}

}  // namespace

std::shared_ptr<DistributedGroup> DistributedGroup::connect(const DistributedConfig& c) {
    if (!c.enabled) throw Error(ErrorCode::InvalidArgument, "distributed training is not configured");
    auto impl = std::make_unique<Impl>();
    impl->timeout = c.timeout;
    try {
        c10d::TCPStoreOptions so;
        so.port = static_cast<std::uint16_t>(c.masterPort);
        so.isServer = !c.useAgentStore && c.rank == 0;
        if (!c.useAgentStore) so.numWorkers = static_cast<std::size_t>(c.worldSize);
        so.waitWorkers = !c.useAgentStore;
        so.timeout = c.timeout;
        c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(c.masterAddr, so);
        if (!c.storePrefix.empty()) store = c10::make_intrusive<c10d::PrefixStore>(c.storePrefix, store);
        impl->store = store;
    } catch (const std::exception& e) {
        throw Error(ErrorCode::Failed,
                    "distributed training: rank " + std::to_string(c.rank) + " could not reach the store at " +
                        c.masterAddr + ":" + std::to_string(c.masterPort) + " within " +
                        std::to_string(c.timeout.count() / 1000) + " s",
                    {{"reason", e.what()}});
    }
    std::string backend = c.backend;
    if (backend == "auto") backend = "gloo";  // the trainer asks for NCCL explicitly on CUDA devices
    try {
        if (backend == "nccl") {
#if defined(LOWCLIP_WITH_NCCL)
            auto opts = c10d::ProcessGroupNCCL::Options::create();
            opts->timeout = c.timeout;
            impl->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl->store, c.rank, c.worldSize, opts);
#else
            throw Error(ErrorCode::Unsupported, "this build has no NCCL (its LibTorch has no CUDA): use --dist-backend gloo",
                        {{"what", "nccl"}});
#endif
        } else {
            impl->pg = makeGloo(impl->store, c.rank, c.worldSize, c.timeout, c.masterAddr);
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(ErrorCode::Failed,
                    "distributed training: rank " + std::to_string(c.rank) + " could not join the group of " +
                        std::to_string(c.worldSize) + " within " + std::to_string(c.timeout.count() / 1000) + " s",
                    {{"reason", e.what()}});
    }
    impl->backend = backend;
    return std::shared_ptr<DistributedGroup>(new DistributedGroup(std::move(impl), c.rank, c.worldSize));
}

std::shared_ptr<DistributedGroup> DistributedGroup::join(const std::shared_ptr<DistributedStore>& store, int rank,
                                                         int worldSize, std::chrono::milliseconds timeout) {
    if (!store || worldSize < 1 || rank < 0 || rank >= worldSize)
        throw Error(ErrorCode::InvalidArgument, "bad in-process group (rank " + std::to_string(rank) + " of " +
                                                    std::to_string(worldSize) + ")");
    auto impl = std::make_unique<Impl>();
    impl->timeout = timeout;
    impl->store = store->store;
    try {
        impl->pg = makeGloo(impl->store, rank, worldSize, timeout, "127.0.0.1");
    } catch (const std::exception& e) {
        throw Error(ErrorCode::Failed, "distributed training: rank " + std::to_string(rank) + " could not join its group",
                    {{"reason", e.what()}});
    }
    impl->backend = "gloo";
    return std::shared_ptr<DistributedGroup>(new DistributedGroup(std::move(impl), rank, worldSize));
}

void DistributedGroup::broadcast(std::vector<at::Tensor>& tensors, int root) {
    if (worldSize_ == 1 || tensors.empty()) return;
    // One flat buffer per (dtype, device), in the order given.
    std::map<std::pair<int, std::string>, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < tensors.size(); ++i)
        groups[{static_cast<int>(tensors[i].scalar_type()), tensors[i].device().str()}].push_back(i);
    try {
        for (auto& [key, idx] : groups) {
            std::vector<at::Tensor> parts;
            for (auto i : idx) parts.push_back(tensors[i].detach().reshape({-1}));
            std::vector<at::Tensor> flat{torch::cat(parts)};
            c10d::BroadcastOptions bo;
            bo.rootRank = root;
            impl_->pg->broadcast(flat, bo)->wait(impl_->timeout);
            int64_t off = 0;
            torch::NoGradGuard ng;
            for (auto i : idx) {
                int64_t n = tensors[i].numel();
                tensors[i].copy_(flat[0].narrow(0, off, n).view(tensors[i].sizes()));
                off += n;
            }
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        lost(*this, "a broadcast", impl_->timeout, e);
    }
}

void DistributedGroup::allReduceSum(std::vector<at::Tensor>& tensors, std::size_t bucketBytes) {
    if (worldSize_ == 1 || tensors.empty()) return;
    try {
        std::size_t i = 0;
        while (i < tensors.size()) {
            // A bucket: consecutive tensors of one dtype and device up to about bucketBytes.
            std::size_t j = i, bytes = 0;
            while (j < tensors.size() && tensors[j].scalar_type() == tensors[i].scalar_type() &&
                   tensors[j].device() == tensors[i].device() && (j == i || bytes < bucketBytes)) {
                bytes += static_cast<std::size_t>(tensors[j].numel()) * tensors[j].element_size();
                ++j;
            }
            std::vector<at::Tensor> parts;
            for (std::size_t k = i; k < j; ++k) parts.push_back(tensors[k].detach().reshape({-1}));
            std::vector<at::Tensor> flat{torch::cat(parts)};
            c10d::AllreduceOptions ao;
            ao.reduceOp = c10d::ReduceOp::SUM;
            impl_->pg->allreduce(flat, ao)->wait(impl_->timeout);
            int64_t off = 0;
            torch::NoGradGuard ng;
            for (std::size_t k = i; k < j; ++k) {
                int64_t n = tensors[k].numel();
                tensors[k].copy_(flat[0].narrow(0, off, n).view(tensors[k].sizes()));
                off += n;
            }
            i = j;
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        lost(*this, "the gradient all-reduce", impl_->timeout, e);
    }
}

at::Tensor DistributedGroup::allGather(const at::Tensor& local) {
    auto in = local.detach().contiguous();
    if (worldSize_ == 1) return in.clone();
    try {
        std::vector<std::vector<at::Tensor>> out(1);
        for (int r = 0; r < worldSize_; ++r) out[0].push_back(torch::empty_like(in));
        std::vector<at::Tensor> inputs{in};
        impl_->pg->allgather(out, inputs)->wait(impl_->timeout);
        return torch::cat(out[0], 0);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        lost(*this, "an all-gather", impl_->timeout, e);
    }
}

double DistributedGroup::broadcastValue(double value, int root) {
    std::vector<at::Tensor> t{torch::full({1}, value, torch::kFloat64)};
    broadcast(t, root);
    return t[0].item<double>();
}

int64_t DistributedGroup::allReduceMax(int64_t value) {
    if (worldSize_ == 1) return value;
    try {
        std::vector<at::Tensor> t{torch::full({1}, value, torch::kInt64)};
        c10d::AllreduceOptions ao;
        ao.reduceOp = c10d::ReduceOp::MAX;
        impl_->pg->allreduce(t, ao)->wait(impl_->timeout);
        return t[0].item<int64_t>();
    } catch (const std::exception& e) {
        lost(*this, "an all-reduce", impl_->timeout, e);
    }
}

void DistributedGroup::barrier() {
    if (worldSize_ == 1) return;
    try {
        impl_->pg->barrier()->wait(impl_->timeout);
    } catch (const std::exception& e) {
        lost(*this, "a barrier", impl_->timeout, e);
    }
}

at::Tensor gatherWithLocalGradient(DistributedGroup& group, const at::Tensor& local, const std::vector<int64_t>& sizes) {
    const int world = group.worldSize();
    if (static_cast<int>(sizes.size()) != world) throw Error("gather: one part size per rank is needed");
    if (world == 1) return local;
    int64_t maxRows = 0;
    for (auto s : sizes) maxRows = std::max(maxRows, s);
    if (local.size(0) != sizes[static_cast<std::size_t>(group.rank())]) throw Error("gather: the local part has the wrong size");
    // Equal shapes for the collective: pad to the largest part, then drop the padding.
    auto padded = local.detach();
    if (padded.size(0) < maxRows) {
        auto shape = padded.sizes().vec();
        shape[0] = maxRows - padded.size(0);
        padded = torch::cat({padded, torch::zeros(shape, padded.options())}, 0);
    }
    auto all = group.allGather(padded);
    std::vector<at::Tensor> parts;
    for (int r = 0; r < world; ++r) {
        if (r == group.rank()) parts.push_back(local);
        else parts.push_back(all.narrow(0, static_cast<int64_t>(r) * maxRows, sizes[static_cast<std::size_t>(r)]));
    }
    return torch::cat(parts, 0);
}

namespace {

struct SumOverRanksFunction : public torch::autograd::Function<SumOverRanksFunction> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, int64_t group) {
        ctx->saved_data["group"] = group;
        std::vector<at::Tensor> t{x.detach().clone()};
        reinterpret_cast<DistributedGroup*>(group)->allReduceSum(t);
        return t[0];
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        auto* group = reinterpret_cast<DistributedGroup*>(ctx->saved_data["group"].toInt());
        std::vector<at::Tensor> t{grads[0].contiguous().clone()};
        group->allReduceSum(t);
        return {t[0], torch::Tensor()};
    }
};

}  // namespace

at::Tensor sumOverRanks(DistributedGroup& group, const at::Tensor& x) {
    if (group.worldSize() == 1) return x;
    return SumOverRanksFunction::apply(x, reinterpret_cast<int64_t>(&group));
}

}  // namespace lowclip::train
