#include "core/train/metrics.h"

#include <algorithm>
#include <iomanip>
#include <numeric>
#include <sstream>

#include "core/error.h"

namespace lowclip::train {

nlohmann::json RetrievalMetrics::toJson() const {
    return {{"r1", r1},       {"r5", r5},           {"r10", r10},         {"median_rank", medianRank},
            {"mean_rank", meanRank}, {"map", map}, {"queries", queries}, {"skipped", skipped}};
}

nlohmann::json RetrievalReport::toJson() const {
    return {{"t2i", textToImage.toJson()}, {"i2t", imageToText.toJson()}, {"texts", numTexts}, {"images", numImages}};
}

nlohmann::json RetrievalReport::toFlatJson() const {
    nlohmann::json j;
    for (const auto& [prefix, m] : {std::pair<std::string, const RetrievalMetrics*>{"t2i", &textToImage},
                                    std::pair<std::string, const RetrievalMetrics*>{"i2t", &imageToText}}) {
        j[prefix + "_r1"] = m->r1;
        j[prefix + "_r5"] = m->r5;
        j[prefix + "_r10"] = m->r10;
        j[prefix + "_map"] = m->map;
        j[prefix + "_median_rank"] = m->medianRank;
    }
    j["texts"] = numTexts;
    j["images"] = numImages;
    return j;
}

std::string RetrievalReport::toText() const {
    std::ostringstream os;
    os << std::fixed << std::setprecision(3);
    auto line = [&](const char* name, const RetrievalMetrics& m) {
        os << name << ": R@1 " << m.r1 << "  R@5 " << m.r5 << "  R@10 " << m.r10 << "  MAP " << m.map
           << "  median rank " << std::setprecision(1) << m.medianRank << std::setprecision(3) << "  (" << m.queries
           << " queries";
        if (m.skipped) os << ", " << m.skipped << " without relevant items skipped";
        os << ")\n";
    };
    line("text->image", textToImage);
    line("image->text", imageToText);
    return os.str();
}

double averagePrecision(const std::vector<bool>& rel) {
    double hits = 0, sum = 0;
    for (std::size_t k = 0; k < rel.size(); ++k)
        if (rel[k]) {
            hits += 1;
            sum += hits / static_cast<double>(k + 1);
        }
    return hits > 0 ? sum / hits : 0.0;
}

RetrievalMetrics rankingMetrics(const std::vector<float>& scores, std::size_t numQueries, std::size_t numItems,
                                const std::vector<std::vector<int>>& relevant) {
    if (scores.size() != numQueries * numItems)
        throw Error("metrics: score matrix has " + std::to_string(scores.size()) + " values, expected " +
                    std::to_string(numQueries) + " x " + std::to_string(numItems));
    if (relevant.size() != numQueries)
        throw Error("metrics: relevance given for " + std::to_string(relevant.size()) + " queries, expected " +
                    std::to_string(numQueries));
    RetrievalMetrics m;
    std::vector<double> firstRanks, aps;
    std::vector<std::size_t> order(numItems);
    std::vector<char> isRel(numItems, 0);
    for (std::size_t q = 0; q < numQueries; ++q) {
        std::fill(isRel.begin(), isRel.end(), 0);
        std::size_t nrel = 0;
        for (int i : relevant[q]) {
            if (i < 0 || static_cast<std::size_t>(i) >= numItems)
                throw Error("metrics: relevant index " + std::to_string(i) + " of query " + std::to_string(q) +
                            " is outside 0.." + std::to_string(numItems));
            if (!isRel[static_cast<std::size_t>(i)]) ++nrel;
            isRel[static_cast<std::size_t>(i)] = 1;
        }
        if (nrel == 0) {
            ++m.skipped;
            continue;
        }
        const float* row = scores.data() + q * numItems;
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            if (row[a] != row[b]) return row[a] > row[b];
            if (isRel[a] != isRel[b]) return isRel[a] < isRel[b];  // pessimistic ties
            return a < b;
        });
        std::vector<bool> flags(numItems);
        std::size_t first = numItems;
        for (std::size_t k = 0; k < numItems; ++k) {
            flags[k] = isRel[order[k]] != 0;
            if (flags[k] && first == numItems) first = k;
        }
        firstRanks.push_back(static_cast<double>(first + 1));
        aps.push_back(averagePrecision(flags));
        m.r1 += first < 1;
        m.r5 += first < 5;
        m.r10 += first < 10;
    }
    m.queries = firstRanks.size();
    if (m.queries == 0) return m;
    double n = static_cast<double>(m.queries);
    m.r1 /= n;
    m.r5 /= n;
    m.r10 /= n;
    m.map = std::accumulate(aps.begin(), aps.end(), 0.0) / n;
    m.meanRank = std::accumulate(firstRanks.begin(), firstRanks.end(), 0.0) / n;
    std::sort(firstRanks.begin(), firstRanks.end());
    std::size_t mid = firstRanks.size() / 2;
    m.medianRank = firstRanks.size() % 2 ? firstRanks[mid] : 0.5 * (firstRanks[mid - 1] + firstRanks[mid]);
    return m;
}

RetrievalReport evaluateRetrieval(const std::vector<float>& scores, std::size_t numTexts, std::size_t numImages,
                                  const std::vector<std::vector<int>>& relevantImagesPerText) {
    RetrievalReport r;
    r.numTexts = numTexts;
    r.numImages = numImages;
    r.textToImage = rankingMetrics(scores, numTexts, numImages, relevantImagesPerText);
    std::vector<float> transposed(scores.size());
    for (std::size_t t = 0; t < numTexts; ++t)
        for (std::size_t i = 0; i < numImages; ++i) transposed[i * numTexts + t] = scores[t * numImages + i];
    std::vector<std::vector<int>> relevantTexts(numImages);
    for (std::size_t t = 0; t < numTexts; ++t)
        for (int i : relevantImagesPerText[t]) {
            auto& v = relevantTexts[static_cast<std::size_t>(i)];
            if (std::find(v.begin(), v.end(), static_cast<int>(t)) == v.end()) v.push_back(static_cast<int>(t));
        }
    r.imageToText = rankingMetrics(transposed, numImages, numTexts, relevantTexts);
    return r;
}

std::vector<float> dotProducts(const std::vector<float>& a, const std::vector<float>& b, int dim) {
    if (dim <= 0 || a.size() % static_cast<std::size_t>(dim) || b.size() % static_cast<std::size_t>(dim))
        throw Error("metrics: embedding sizes do not fit dimension " + std::to_string(dim));
    std::size_t n = a.size() / static_cast<std::size_t>(dim), m = b.size() / static_cast<std::size_t>(dim);
    std::vector<float> out(n * m);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < m; ++j) {
            const float* x = a.data() + i * static_cast<std::size_t>(dim);
            const float* y = b.data() + j * static_cast<std::size_t>(dim);
            float s = 0;
            for (int k = 0; k < dim; ++k) s += x[k] * y[k];
            out[i * m + j] = s;
        }
    return out;
}

}  // namespace lowclip::train
