// bench_library: figures for the photo library.
//   HNSW   --count N (default 1,000,000) synthetic 256-d normalised vectors: build time, memory,
//          query p50/p95 and recall@10 against exact brute force on --queries (200) queries, for several ef.
//   rescan --files N (default 100,000) small files: first scan, then the unchanged rescan (stat only); catalog size.
//   index  --bundle DIR [--photos DIR]: end-to-end indexing photos/s (JPEGs generated when no folder is given),
//          then text-query latency p50/p95 (tokenize + encode + HNSW + catalog) on that library.
//          --paper-model [--vocab FILE]: instead of --bundle, a bundle of the paper-sized model with random
//          weights (mBERT-base shape + EfficientNet-B0, 224 px), written to a temporary folder first;
//          the vocabulary defaults to the fixtures' mBERT vocab. --text-precision (default auto, as the
//          app): the text encoder's precision.
// Parts: --only hnsw|rescan|index. Example: bench_library --count 100000 --files 20000
#include <sys/resource.h>
#include <unistd.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/io/bundle.h"
#include "core/library/fs_util.h"
#include "core/library/library.h"
#include "core/library/vector_index.h"
#include "core/text/tokenizer.h"
#include "core/nn/clip.h"
#include "core/nn/kernels/cpu.h"
#include "core/nn/runtime.h"
#include "core/train/embedder.h"
#include "core/train/paper.h"

using namespace lowclip::library;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

long rssKiB() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

std::string tempDir(const std::string& tag) {
    std::string t = "/tmp/lowclip-bench-" + tag + "-XXXXXX";
    std::vector<char> buf(t.begin(), t.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    return buf.data();
}

// Clustered data, like real embeddings: 2,000 centres, each point = centre + noise, normalised.
std::vector<float> syntheticVectors(std::size_t n, int dim, unsigned seed, const std::vector<float>& centres, int nCentres) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd;
    std::uniform_int_distribution<int> pick(0, nCentres - 1);
    std::vector<float> v(n * dim);
    for (std::size_t i = 0; i < n; ++i) {
        const float* c = centres.data() + static_cast<std::size_t>(pick(rng)) * dim;
        for (int j = 0; j < dim; ++j) v[i * dim + j] = c[j] + 0.6f * nd(rng) / std::sqrt(float(dim));
    }
    normaliseRows(v.data(), n, dim);
    return v;
}

void benchHnsw(std::size_t count, int queries) {
    const int dim = 256;
    const int nCentres = 2000;
    std::mt19937 rng(7);
    std::normal_distribution<float> nd;
    std::vector<float> centres(static_cast<std::size_t>(nCentres) * dim);
    for (auto& x : centres) x = nd(rng);
    normaliseRows(centres.data(), nCentres, dim);
    std::cout << "== HNSW: " << count << " x " << dim << "-d normalised vectors (" << nCentres
              << " clusters + noise), inner product\n";
    auto data = syntheticVectors(count, dim, 11, centres, nCentres);
    auto qs = syntheticVectors(static_cast<std::size_t>(queries), dim, 12, centres, nCentres);
    std::vector<std::int64_t> labels(count);
    for (std::size_t i = 0; i < count; ++i) labels[i] = std::int64_t(i);

    // Exact top-10 by brute force.
    auto t0 = Clock::now();
    std::vector<std::vector<std::int64_t>> truth(queries);
    {
        std::vector<std::thread> pool;
        int threads = int(std::max(1u, std::thread::hardware_concurrency()));
        for (int t = 0; t < threads; ++t)
            pool.emplace_back([&, t] {
                std::vector<std::pair<float, std::int64_t>> s(count);
                for (int q = t; q < queries; q += threads) {
                    const float* qv = qs.data() + std::size_t(q) * dim;
                    for (std::size_t i = 0; i < count; ++i) {
                        const float* x = data.data() + i * dim;
                        float ip = 0;
                        for (int j = 0; j < dim; ++j) ip += x[j] * qv[j];
                        s[i] = {-ip, std::int64_t(i)};
                    }
                    std::partial_sort(s.begin(), s.begin() + 10, s.end());
                    for (int k = 0; k < 10; ++k) truth[q].push_back(s[k].second);
                }
            });
        for (auto& th : pool) th.join();
    }
    std::cout << "brute force ground truth: " << since(t0) << " s for " << queries << " queries ("
              << 1000.0 * since(t0) / queries << " ms/query with all cores)\n";

    HnswParams p;
    p.M = 16;
    p.efConstruction = 100;
    p.initialCapacity = count;
    long rss0 = rssKiB();
    auto t1 = Clock::now();
    VectorIndex idx(dim, p);
    int threads = int(std::max(1u, std::thread::hardware_concurrency()));
    const std::size_t chunk = 50000;
    for (std::size_t off = 0; off < count; off += chunk) {
        std::size_t n = std::min(chunk, count - off);
        std::vector<std::int64_t> l(labels.begin() + long(off), labels.begin() + long(off + n));
        idx.add(l, data.data() + off * dim, threads);
        std::cerr << "\rbuilt " << off + n << "/" << count << " (" << int(since(t1)) << " s)" << std::flush;
    }
    std::cerr << "\n";
    double build = since(t1);
    std::cout << "build: M=" << p.M << " efConstruction=" << p.efConstruction << " threads=" << threads << ": " << build
              << " s (" << double(count) / build << " vectors/s)\n";
    std::cout << "memory: index estimate " << idx.memoryBytes() / (1024 * 1024) << " MiB, RSS growth "
              << (rssKiB() - rss0) / 1024 << " MiB (raw vectors alone " << count * dim * 4 / (1024 * 1024) << " MiB)\n";
    std::string dir = tempDir("hnsw");
    auto ts = Clock::now();
    idx.saveTo(dir + "/bench.hnsw");
    std::cout << "snapshot (write + fsync + rename): " << since(ts) << " s, " << fileSize(dir + "/bench.hnsw") / (1024 * 1024)
              << " MiB\n";
    ::unlink((dir + "/bench.hnsw").c_str());
    ::rmdir(dir.c_str());

    for (std::size_t ef : {16, 32, 64, 128, 256}) {
        std::vector<double> ms;
        std::size_t hit = 0;
        for (int q = 0; q < queries; ++q) {
            auto t = Clock::now();
            auto r = idx.search(qs.data() + std::size_t(q) * dim, 10, ef);
            ms.push_back(1000.0 * since(t));
            for (auto& h : r) hit += std::count(truth[q].begin(), truth[q].end(), h.first);
        }
        std::sort(ms.begin(), ms.end());
        std::printf("ef=%-4zu recall@10=%.4f  p50=%.3f ms  p95=%.3f ms  (single thread)\n", ef,
                    double(hit) / (10.0 * queries), ms[ms.size() / 2], ms[ms.size() * 95 / 100]);
    }
}

void benchRescan(std::size_t files) {
    std::cout << "== catalog: scan of " << files << " small JPEG files\n";
    std::string dir = tempDir("rescan");
    std::string photos = dir + "/photos";
    makeDirs(photos);
    cv::Mat m(8, 8, CV_8UC3, cv::Scalar(10, 120, 200));
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", m, jpeg);
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < files; ++i) {
        std::string sub = photos + "/d" + std::to_string(i / 1000);
        if (i % 1000 == 0) makeDirs(sub);
        jpeg[jpeg.size() - 3] = static_cast<uchar>(i);  // vary content a little (inside the entropy data)
        std::ofstream(sub + "/p" + std::to_string(i) + ".jpg", std::ios::binary)
            .write(reinterpret_cast<const char*>(jpeg.data()), std::streamsize(jpeg.size()));
    }
    std::cout << "created files: " << since(t0) << " s\n";
    long rss0 = rssKiB();
    {
        auto lib = Library::open(dir + "/lib");
        lib->addRoot(photos);
        auto r1 = lib->scan();
        std::cout << "first scan (read + hash + metadata + insert): " << r1.seconds << " s, " << r1.added << " added, "
                  << double(r1.added) / r1.seconds << " files/s\n";
        auto r2 = lib->scan();
        std::cout << "rescan, nothing changed (stat only): " << r2.seconds << " s, " << r2.unchanged << " unchanged, "
                  << r2.filesRead << " read, " << double(r2.unchanged) / r2.seconds << " files/s\n";
        auto st = lib->status();
        std::cout << "catalog on disk: " << st.catalogBytes / 1024 << " KiB (" << double(st.catalogBytes) / double(files)
                  << " bytes/photo); process RSS growth " << (rssKiB() - rss0) / 1024 << " MiB\n";
    }
    std::string cmd = "rm -rf '" + dir + "'";
    if (std::system(cmd.c_str()) != 0) std::cerr << "could not remove " << dir << "\n";
}

void benchIndex(const std::string& bundle, std::string photos, int count, const std::string& device,
                const std::string& textPrecision) {
    std::cout << "== indexing end to end with bundle " << bundle << "\n";
    std::string dir = tempDir("index");
    if (photos.empty()) {
        photos = dir + "/photos";
        makeDirs(photos);
        std::mt19937 rng(3);
        for (int i = 0; i < count; ++i) {
            cv::Mat m(480, 640, CV_8UC3);
            cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
            cv::GaussianBlur(m, m, cv::Size(0, 0), 3 + i % 5);
            cv::imwrite(photos + "/p" + std::to_string(i) + ".jpg", m);
        }
        std::cout << "generated " << count << " 640x480 JPEGs\n";
    }
    auto t0 = Clock::now();
    auto emb = lowclip::train::loadEmbedder(bundle, device, lowclip::train::parseTextPrecision(textPrecision));
    std::cout << "model " << emb->modelId() << " loaded in " << since(t0) << " s (dim " << emb->dim() << ", image "
              << emb->imageSize() << ", text precision " << textPrecision << ")\n";
    auto lib = Library::open(dir + "/lib");
    lib->addRoot(photos);
    auto s = lib->scan();
    std::cout << "scan: " << s.added << " photos in " << s.seconds << " s\n";
    IndexOptions o;
    o.bundlePath = bundle;
    auto r = lib->index(*emb, o);
    std::cout << "index: " << r.embedded << " embedded, " << r.failed << " failed in " << r.seconds << " s = "
              << r.photosPerSecond << " photos/s (IndexOptions defaults: a CPU model gets half the cores, its decoders the rest; commits of "
              << o.batchSize << ")\n";
    std::printf("index time on the model's thread: setup %.3f s, model %.3f s, decoding itself %.3f s, waiting for decoders "
                "%.3f s, index journal + catalog %.3f s\n",
                r.setupSeconds, r.encodeSeconds, r.decodeSeconds, r.waitSeconds, r.commitSeconds);
    const char* words[] = {"dənizdə", "gün", "batımı", "dağlarda", "qar", "yağır", "şəhərdə", "gecə", "işıqlar",
                           "meşədə", "payız", "yarpaqları", "sahildə", "qayalar", "və", "dalğalar"};
    // The same queries through the library (tokenize + encode + HNSW + catalog) and through the
    // embedder alone (tokenize + encode, what bench_bert times), alternately, so that both see the
    // same machine state; the difference is what the library adds.
    std::vector<double> ms, encodeMs;
    {
        // What the app does in the background once the model is loaded (Workspace::prepareSearch):
        // one query through the model, which makes the int8 / bfloat16 copies of the text weights.
        auto t = Clock::now();
        emb->encodeTexts({"şəkil"});
        std::printf("preparing the model for queries (the app does it in the background after loading): %.0f ms\n",
                    1000.0 * since(t));
        t = Clock::now();
        lib->search(*emb, "isinmə sorğusu");
        std::printf("first text search after that: %.0f ms\n", 1000.0 * since(t));
    }
    emb->encodeTexts({"isinmə sorğusu"});
    const auto tokenizer = lowclip::io::loadBundle(bundle, "cpu").tokenizer;
    size_t minTokens = SIZE_MAX, maxTokens = 0;
    for (int i = 0; i < 40; ++i) {
        std::string q;
        for (int w = 0; w < 6 + i % 5; ++w) q += (q.empty() ? "" : " ") + std::string(words[(i * 7 + w * 3) % 16]);
        const size_t tokens = tokenizer->encode(q, 512).ids.size();
        minTokens = std::min(minTokens, tokens);
        maxTokens = std::max(maxTokens, tokens);
        auto t = Clock::now();
        lib->search(*emb, q);
        ms.push_back(1000.0 * since(t));
        t = Clock::now();
        emb->encodeTexts({q});
        encodeMs.push_back(1000.0 * since(t));
    }
    std::sort(ms.begin(), ms.end());
    std::sort(encodeMs.begin(), encodeMs.end());
    const double p50 = ms[ms.size() / 2], p95 = ms[ms.size() * 95 / 100];
    const double e50 = encodeMs[encodeMs.size() / 2], e95 = encodeMs[encodeMs.size() * 95 / 100];
    std::printf("text search (tokenize + encode + HNSW + catalog), %zu queries of 6-10 words (%zu-%zu tokens): p50 %.2f ms, "
                "p95 %.2f ms\n",
                ms.size(), minTokens, maxTokens, p50, p95);
    std::printf("the same queries, tokenize + encode only: p50 %.2f ms, p95 %.2f ms -> the library adds %+.1f %% at p50, "
                "%+.1f %% at p95\n",
                e50, e95, 100.0 * (p50 / e50 - 1.0), 100.0 * (p95 / e95 - 1.0));
    lib.reset();
    std::string cmd = "rm -rf '" + dir + "'";
    if (std::system(cmd.c_str()) != 0) std::cerr << "could not remove " << dir << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> opt;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0 || i + 1 >= argc) {
            std::cerr << "usage: bench_library [--only hnsw|rescan|index] [--count N] [--queries N] [--files N]\n"
                         "                     [--bundle DIR | --paper-model 1 [--vocab FILE]] [--photos DIR] [--photo-count N]\n"
                         "                     [--device auto|cpu|cuda] [--text-precision auto|float32|bfloat16|int8]\n";
            return 2;
        }
        opt[a.substr(2)] = argv[++i];
    }
    auto get = [&](const std::string& k, const std::string& d) { return opt.count(k) ? opt[k] : d; };
    std::string only = get("only", "");
    // As the app's Workspace does: LibTorch's threads from the hardware (or LOWCLIP_THREADS), freed
    // memory kept for the next batch.
    const int threads = lowclip::nn::configureThreads();
    std::cout << lowclip::nn::kernels::dispatchSummary() << "; LibTorch threads " << threads << "\n";
    std::string paperDir;
    try {
        if (opt.count("paper-model") && opt["paper-model"] != "0") {
            std::string vocab = get("vocab", std::string(LOWCLIP_SOURCE_DIR) + "/../shared/fixtures/tokenizer/vocab-mbert-cased.txt");
            paperDir = tempDir("paper-bundle");
            auto t0 = Clock::now();
            lowclip::nn::ClipConfig config = lowclip::train::paperClipConfig();
            lowclip::nn::DualEncoder model(config);
            lowclip::io::BundleProvenance info;
            info.name = "paper-random";
            info.source = "bench_library (random weights)";
            lowclip::io::saveBundle(paperDir + "/bundle", *model, config, vocab, info);
            opt["bundle"] = paperDir + "/bundle";
            std::cout << "paper-sized bundle with random weights (mBERT-base + EfficientNet-B0) written in " << since(t0)
                      << " s\n";
        }
        if (only.empty() || only == "hnsw") benchHnsw(std::stoul(get("count", "1000000")), std::stoi(get("queries", "200")));
        if (only.empty() || only == "rescan") benchRescan(std::stoul(get("files", "100000")));
        if ((only.empty() || only == "index") && opt.count("bundle"))
            benchIndex(opt["bundle"], get("photos", ""), std::stoi(get("photo-count", "200")), get("device", "auto"),
                       get("text-precision", "auto"));
        else if (only == "index")
            std::cerr << "index part needs --bundle DIR\n";
    } catch (const std::exception& e) {
        std::cerr << "bench_library: " << e.what() << "\n";
        return 1;
    }
    if (!paperDir.empty()) {
        std::string cmd = "rm -rf '" + paperDir + "'";
        if (std::system(cmd.c_str()) != 0) std::cerr << "could not remove " << paperDir << "\n";
    }
    return 0;
}
