#include "core/library/result_shaping.h"

#include <algorithm>
#include <cmath>

namespace lowclip::library {

std::size_t relevantCount(const std::vector<float>& scores, const RelevanceCutTuning& tuning) {
    const std::size_t n = scores.size();
    if (n < std::max<std::size_t>(tuning.minItems, 2)) return n;
    for (float s : scores)
        if (!std::isfinite(s)) return n;
    std::vector<double> gaps(n - 1);
    for (std::size_t i = 0; i + 1 < n; ++i) gaps[i] = std::max(0.0, double(scores[i]) - double(scores[i + 1]));
    std::size_t best = 0;
    for (std::size_t i = 1; i < gaps.size(); ++i)
        if (gaps[i] > gaps[best]) best = i;
    std::vector<double> sorted = gaps;
    std::nth_element(sorted.begin(), sorted.begin() + std::ptrdiff_t(sorted.size() / 2), sorted.end());
    const double median = sorted[sorted.size() / 2];
    double range = 0;
    for (double g : gaps) range += g;
    const double gap = gaps[best];
    if (gap < tuning.minGap) return n;
    if (gap < tuning.medianFactor * median) return n;
    if (gap < tuning.rangeFraction * range) return n;
    return best + 1;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size() || a.empty()) return 0.0;
    double dot = 0;
    for (std::size_t i = 0; i < a.size(); ++i) dot += double(a[i]) * double(b[i]);
    return dot;
}

std::vector<std::size_t> stackLeaders(const std::vector<std::vector<float>>& vectors, double similarity,
                                      double maxStackedFraction) {
    const std::size_t n = vectors.size();
    std::vector<std::size_t> leader(n);
    for (std::size_t i = 0; i < n; ++i) leader[i] = i;
    if (!(similarity > 0.0 && similarity <= 1.0)) return leader;
    std::size_t dim = 0;
    for (const auto& v : vectors)
        if (!v.empty()) {
            dim = v.size();
            break;
        }
    std::vector<std::size_t> leaders;  // indices of items leading a stack, in rank order
    for (std::size_t i = 0; i < n; ++i) {
        if (vectors[i].empty() || vectors[i].size() != dim) continue;
        bool joined = false;
        for (std::size_t l : leaders)
            if (cosine(vectors[l], vectors[i]) >= similarity) {
                leader[i] = l;
                joined = true;
                break;
            }
        if (!joined) leaders.push_back(i);
    }
    std::size_t stacked = 0;
    for (std::size_t i = 0; i < n; ++i) stacked += leader[i] != i;
    if (double(stacked) > maxStackedFraction * double(n))
        for (std::size_t i = 0; i < n; ++i) leader[i] = i;
    return leader;
}

}  // namespace lowclip::library
