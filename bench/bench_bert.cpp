// bench_bert: the text tower's speed on the CPU with the bert-base-multilingual-cased shape
// (random weights) and the real mBERT vocabulary.
//
//   query latency   tokenize + encode one query of 16 tokens (batch 1), p50 / p95
//                   (our inference path with its small-batch kernel, and with at::linear instead)
//   throughput      64 sequences x 32 tokens per forward, sequences per second
//   peak RSS        getrusage, threads in use
//   Python          scripts/bench_bert_python.py runs the same query in Python PyTorch (plain torch
//                   BertModel, same shape) when `python3 -c 'import torch'` works; the ratio is printed.
//
// Usage: bench_bert [--vocab FILE] [--runs N] [--warmup N] [--threads N] [--query TEXT]
//                   [--batch-runs N] [--no-python] [--no-batch]
#include <sys/resource.h>

#include <algorithm>
#include <functional>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "core/error.h"
#include "core/nn/bert.h"
#include "core/nn/runtime.h"
#include "core/text/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const double k = (v.size() - 1) * q;
    const std::size_t lo = static_cast<std::size_t>(k), hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (k - lo);
}

at::Tensor row(const std::vector<int64_t>& v) {
    return torch::tensor(v, torch::kLong).unsqueeze(0);
}

struct Options {
    std::string vocab = std::string(LOWCLIP_SOURCE_DIR) + "/../shared/fixtures/tokenizer/vocab-mbert-cased.txt";
    std::string query = "Ağ bir çitlə əhatə olunmuş otlu bir bağda qara və ağ bir it qaçır.";
    int runs = 30, warmup = 3, threads = 0, batchRuns = 3, queryLength = 16, batch = 64, batchLength = 32;
    bool python = true, batchBench = true;
};

Options parse(int argc, char** argv) {
    Options o;
    if (const char* env = std::getenv("LOWCLIP_FIXTURES"); env && *env)
        o.vocab = std::string(env) + "/tokenizer/vocab-mbert-cased.txt";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw lowclip::Error("option " + a + " needs a value");
            return argv[++i];
        };
        if (a == "--vocab") o.vocab = value();
        else if (a == "--query") o.query = value();
        else if (a == "--runs") o.runs = std::stoi(value());
        else if (a == "--warmup") o.warmup = std::stoi(value());
        else if (a == "--threads") o.threads = std::stoi(value());
        else if (a == "--batch-runs") o.batchRuns = std::stoi(value());
        else if (a == "--no-python") o.python = false;
        else if (a == "--no-batch") o.batchBench = false;
        else if (a == "--help" || a == "-h") {
            std::cout << "bench_bert [--vocab FILE] [--runs N] [--warmup N] [--threads N] [--query TEXT] "
                         "[--batch-runs N] [--no-python] [--no-batch]\n";
            std::exit(0);
        } else
            throw lowclip::Error("unknown option " + a);
    }
    if (o.runs < 1) throw lowclip::Error("--runs must be at least 1");
    return o;
}

struct Latency {
    double p50 = 0, p95 = 0, tokenizeP50 = 0;
};

Latency queryLatency(lowclip::nn::BertModel& model, const lowclip::text::WordPieceTokenizer& tok, const Options& o) {
    std::vector<double> total, tokenize;
    for (int i = 0; i < o.warmup + o.runs; ++i) {
        const auto t0 = Clock::now();
        const lowclip::text::Encoding e = tok.encode(o.query, o.queryLength);
        const auto t1 = Clock::now();
        const lowclip::nn::BertOutput out = model->infer(row(e.ids), row(e.attentionMask), row(e.tokenTypeIds));
        const float first = out.pooled.data_ptr<float>()[0];  // the result is read, as a caller would
        const auto t2 = Clock::now();
        if (!std::isfinite(first)) throw lowclip::Error("non-finite output");
        if (i < o.warmup) continue;
        total.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
        tokenize.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    return {percentile(total, 0.5), percentile(total, 0.95), percentile(tokenize, 0.5)};
}

std::string findPython() {
    for (const char* candidate : {"python3", "/usr/bin/python3"}) {
        const std::string cmd = std::string(candidate) + " -c 'import torch' >/dev/null 2>&1";
        if (std::system(cmd.c_str()) == 0) return candidate;
    }
    return {};
}

std::map<std::string, std::string> runPython(const std::string& python, const Options& o, int threads) {
    std::string cmd = python + " '" + std::string(LOWCLIP_SOURCE_DIR) + "/scripts/bench_bert_python.py' --vocab '" +
                      o.vocab + "' --runs " + std::to_string(o.runs) + " --warmup " + std::to_string(o.warmup) +
                      " --max-length " + std::to_string(o.queryLength) + " --threads " + std::to_string(threads) +
                      " 2>&1";
    std::map<std::string, std::string> out;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) return out;
    char line[4096];
    while (fgets(line, sizeof line, pipe)) {
        std::string s(line);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        const auto eq = s.find('=');
        if (eq != std::string::npos && s.rfind("python_", 0) == 0) out[s.substr(0, eq)] = s.substr(eq + 1);
        else if (!s.empty()) std::cerr << "  python: " << s << "\n";
    }
    pclose(pipe);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        const int threads = lowclip::nn::configureThreads(o.threads);
        std::printf("bench_bert: mBERT-base shape (random weights), CPU, %d threads (hardware %u)\n", threads,
                    std::thread::hardware_concurrency());
        std::printf("%s\n", lowclip::nn::kernels::dispatchSummary().c_str());

        auto t0 = Clock::now();
        const auto tok = lowclip::text::WordPieceTokenizer::fromVocabFile(o.vocab, /*lowercase=*/false);
        std::printf("vocabulary: %zu tokens loaded in %.0f ms (%s)\n", tok.vocabSize(),
                    std::chrono::duration<double, std::milli>(Clock::now() - t0).count(), o.vocab.c_str());
        t0 = Clock::now();
        torch::manual_seed(0);
        lowclip::nn::BertModel model(lowclip::nn::BertConfig::mbertBase());
        model->eval();
        std::printf("model: built in %.0f ms\n", std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        const lowclip::text::Encoding e = tok.encode(o.query, o.queryLength);
        std::printf("query: %zu tokens, \"%s\"\n", e.ids.size(), o.query.c_str());

        lowclip::nn::detail::setFastLinearEnabled(true);
        const bool kernel = lowclip::nn::detail::fastLinearKernelUsed(static_cast<int64_t>(e.ids.size()));
        const Latency fast = queryLatency(model, tok, o);
        std::printf("query latency (tokenize + encode, %d runs): p50 %.2f ms, p95 %.2f ms  [small-batch kernel: %s; "
                    "tokenize p50 %.3f ms]\n",
                    o.runs, fast.p50, fast.p95, kernel ? "on" : "unavailable, at::linear", fast.tokenizeP50);
        lowclip::nn::detail::setFastLinearEnabled(false);
        const Latency blas = queryLatency(model, tok, o);
        lowclip::nn::detail::setFastLinearEnabled(true);
        std::printf("query latency with at::linear (BLAS) instead of the kernel: p50 %.2f ms, p95 %.2f ms\n", blas.p50,
                    blas.p95);

        // The linear kernels alone on the intermediate layer's shape (16 rows, 768 -> 3072): the rate at
        // which they read weights tells memory-bound from compute-bound.
        {
            c10::InferenceMode guard;
            const at::Tensor x = torch::randn({16, 768}), w = torch::randn({3072, 768}) * 0.02, b = torch::zeros({3072});
            lowclip::nn::detail::Bf16Weight cache;
            auto rate = [&](const char* name, double bytesPerWeight, const std::function<void()>& f) {
                for (int i = 0; i < 3; ++i) f();
                std::vector<double> ms;
                for (int i = 0; i < 50; ++i) {
                    const auto s = Clock::now();
                    f();
                    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
                }
                const double p50 = percentile(ms, 0.5);
                std::printf("kernel %s, 16 x 768 -> 3072: p50 %.3f ms, %.1f GB/s of weights, %.1f GFLOP/s\n", name, p50,
                            3072.0 * 768.0 * bytesPerWeight / (p50 * 1e6), 2.0 * 16 * 768 * 3072 / (p50 * 1e6));
            };
            rate("float32", 4, [&] { lowclip::nn::detail::fastLinear(x, w, b); });
            if (lowclip::nn::detail::bf16KernelUsed(16, 768))
                rate("bfloat16", 2, [&] { lowclip::nn::detail::fastLinearBf16(x, w, b, cache); });
            lowclip::nn::detail::Int8Weight cache8;
            const auto& k = lowclip::nn::detail::activeKernels();
            const std::string name = std::string("int8 (") + k.s8Name + ")";
            rate(name.c_str(), 1, [&] { lowclip::nn::detail::fastLinearInt8(x, w, b, cache8, {}, k); });
        }

        Latency q8;
        // int8 (BertPrecision::Int8): latency, query-vector cosine to float32, and the top-10 overlap
        // of a generated library: 300 random 16-token texts encoded in float32 (pooled vectors), 20
        // random queries ranked against it with float32 and with int8 query vectors.
        {
            torch::manual_seed(1);
            auto cosine = [](const at::Tensor& a, const at::Tensor& b) {
                return (a * b).sum().item<double>() / (a.norm().item<double>() * b.norm().item<double>());
            };
            const int64_t seq = static_cast<int64_t>(e.ids.size());
            const at::Tensor libIds = torch::randint(1000, 100000, {300, seq}, torch::kLong);
            at::Tensor lib;
            {
                std::vector<at::Tensor> parts;
                for (int64_t i = 0; i < 300; i += 50) parts.push_back(model->infer(libIds.narrow(0, i, 50)).pooled);
                lib = torch::nn::functional::normalize(at::cat(parts, 0),
                                                       torch::nn::functional::NormalizeFuncOptions().dim(1));
            }
            const at::Tensor qIds = torch::randint(1000, 100000, {20, seq}, torch::kLong);
            std::vector<at::Tensor> ref, low;
            for (int64_t i = 0; i < 20; ++i) ref.push_back(model->infer(qIds.narrow(0, i, 1)).pooled);
            const at::Tensor cls = model->infer(row(e.ids), row(e.attentionMask), row(e.tokenTypeIds)).pooled;
            model->setInferencePrecision(lowclip::nn::BertPrecision::Int8);
            q8 = queryLatency(model, tok, o);
            for (int64_t i = 0; i < 20; ++i) low.push_back(model->infer(qIds.narrow(0, i, 1)).pooled);
            const at::Tensor cls8 = model->infer(row(e.ids), row(e.attentionMask), row(e.tokenTypeIds)).pooled;
            model->setInferencePrecision(lowclip::nn::BertPrecision::Float32);
            double worst = 1.0, overlap = 0.0;
            for (int64_t i = 0; i < 20; ++i) {
                worst = std::min(worst, cosine(ref[i], low[i]));
                const at::Tensor a = std::get<1>(at::topk(at::mv(lib, ref[i].flatten()), 10));
                const at::Tensor b = std::get<1>(at::topk(at::mv(lib, low[i].flatten()), 10));
                overlap += at::isin(a, b).sum().item<double>() / 10.0;
            }
            overlap /= 20.0;
            std::printf("query latency with int8 weights (BertPrecision::Int8, %s kernel): p50 %.2f ms, p95 %.2f ms; "
                        "query-vector (pooled) cosine to float32 %.6f (min of 21 queries %.6f, bound 0.99); generated "
                        "library top-10 overlap %.3f (bound 0.9) -> %s\n",
                        lowclip::nn::detail::activeKernels().s8Name, q8.p50, q8.p95, cosine(cls, cls8),
                        std::min(worst, cosine(cls, cls8)), overlap,
                        std::min(worst, cosine(cls, cls8)) >= 0.99 && overlap >= 0.9 ? "within bounds" : "OUT OF BOUNDS");
            std::printf("default text precision on this CPU (fastestBertPrecision): %s\n",
                        lowclip::nn::bertPrecisionName(lowclip::nn::fastestBertPrecision()));
        }

        // bfloat16 weights: latency, and how far the query's outputs move from float32.
        Latency bf16;
        const bool bf16Kernel = lowclip::nn::detail::bf16KernelUsed(static_cast<int64_t>(e.ids.size()), 768);
        if (bf16Kernel) {
            const lowclip::nn::BertOutput ref = model->infer(row(e.ids), row(e.attentionMask), row(e.tokenTypeIds));
            model->setInferencePrecision(lowclip::nn::BertPrecision::BFloat16);
            bf16 = queryLatency(model, tok, o);
            const lowclip::nn::BertOutput low = model->infer(row(e.ids), row(e.attentionMask), row(e.tokenTypeIds));
            model->setInferencePrecision(lowclip::nn::BertPrecision::Float32);
            auto cosine = [](const at::Tensor& a, const at::Tensor& b) {
                return (a * b).sum().item<double>() / (a.norm().item<double>() * b.norm().item<double>());
            };
            const at::Tensor cls = ref.lastHiddenState.select(1, 0), clsLow = low.lastHiddenState.select(1, 0);
            std::printf("query latency with bfloat16 weights (BertPrecision::BFloat16): p50 %.2f ms, p95 %.2f ms; vs "
                        "float32: [CLS] cosine %.6f, max |diff| %.2e (values up to %.2f), pooled cosine %.6f\n",
                        bf16.p50, bf16.p95, cosine(cls, clsLow), (cls - clsLow).abs().max().item<double>(),
                        cls.abs().max().item<double>(), cosine(ref.pooled, low.pooled));
        } else {
            std::printf("query latency with bfloat16 weights: not measured (no AVX-512 BF16 on this CPU)\n");
        }

        if (o.batchBench) {
            std::vector<std::string> texts;
            for (int i = 0; i < o.batch; ++i) texts.push_back(o.query + " " + std::to_string(i) + " " + o.query);
            const auto enc = tok.encodeBatch(texts, o.batchLength, lowclip::text::Padding::MaxLength);
            const at::Tensor ids = torch::tensor(enc.ids, torch::kLong).view({enc.batch, enc.length});
            const at::Tensor mask = torch::tensor(enc.attentionMask, torch::kLong).view({enc.batch, enc.length});
            model->infer(ids, mask);  // warm-up
            std::vector<double> secs;
            for (int i = 0; i < o.batchRuns; ++i) {
                const auto s = Clock::now();
                model->infer(ids, mask);
                secs.push_back(std::chrono::duration<double>(Clock::now() - s).count());
            }
            const double best = *std::min_element(secs.begin(), secs.end());
            const double median = percentile(secs, 0.5);
            std::printf("batch throughput (%lld x %lld tokens, %d runs): %.1f sequences/s median (%.0f ms per batch), "
                        "best %.1f sequences/s\n",
                        static_cast<long long>(enc.batch), static_cast<long long>(enc.length), o.batchRuns,
                        enc.batch / median, median * 1000.0, enc.batch / best);
        }

        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        std::printf("peak RSS: %.0f MiB; threads used: %d\n", ru.ru_maxrss / 1024.0, at::get_num_threads());

        if (o.python) {
            const std::string python = findPython();
            if (python.empty()) {
                std::printf("python: no interpreter with torch found (python3, /usr/bin/python3); no ratio\n");
            } else {
                for (int pyThreads : {threads, -1}) {
                    auto r = runPython(python, o, pyThreads);
                    if (!r.count("python_query_p50_ms")) {
                        std::printf("python: the script printed no figures\n");
                        continue;
                    }
                    const double p50 = std::stod(r["python_query_p50_ms"]);
                    std::printf("python PyTorch %s (%s threads%s): query p50 %.2f ms, p95 %s ms -> C++ is %.2fx faster "
                                "(p50)",
                                r["python_torch"].c_str(), r["python_threads"].c_str(),
                                pyThreads < 0 ? ", torch's default" : "", p50, r["python_query_p95_ms"].c_str(),
                                p50 / fast.p50);
                    if (bf16Kernel) std::printf(", %.2fx with bfloat16 weights", p50 / bf16.p50);
                    const double p95 = std::stod(r["python_query_p95_ms"]);
                    std::printf("; with int8 weights (the default where it meets the bounds) %.2fx at p50, %.2fx at p95\n",
                                p50 / q8.p50, p95 / q8.p95);
                }
            }
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_bert: error: %s\n", e.what());
        return 1;
    }
}
