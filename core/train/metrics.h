#pragma once
// Retrieval metrics for a dual encoder: text->image and image->text Recall@1/5/10, median rank of
// the first relevant item and mean average precision, given which items are relevant to which
// queries (every caption of an image is relevant to it; in the synthetic world every image whose
// scene satisfies the caption). Plain C++: similarities come in as floats.
//
// Ties: items with equal scores are ranked pessimistically (irrelevant ones first), so a model that
// scores everything the same gets chance-level figures, never lucky ones.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lowclip::train {

struct RetrievalMetrics {
    double r1 = 0, r5 = 0, r10 = 0;  // fraction of queries with a relevant item in the top K
    double medianRank = 0;           // median (over queries) of the 1-based rank of the first relevant item
    double meanRank = 0;
    double map = 0;                  // mean over queries of average precision
    std::size_t queries = 0;         // queries with at least one relevant item (the others are skipped)
    std::size_t skipped = 0;         // queries without any relevant item
    nlohmann::json toJson() const;
};

struct RetrievalReport {
    RetrievalMetrics textToImage;
    RetrievalMetrics imageToText;
    std::size_t numTexts = 0, numImages = 0;
    // {"t2i": {...}, "i2t": {...}, "texts": n, "images": n}
    nlohmann::json toJson() const;
    // {"t2i_r1", "t2i_r5", "t2i_r10", "t2i_map", "t2i_median_rank", "i2t_r1", ..., "texts", "images"}
    nlohmann::json toFlatJson() const;
    std::string toText() const;  // a few lines for people
};

// Metrics of one direction. scores: queries x items, row-major. relevant[q]: indices of the items
// relevant to query q (any order; duplicates ignored). Throws lowclip::Error on size mismatches or
// indices out of range.
RetrievalMetrics rankingMetrics(const std::vector<float>& scores, std::size_t numQueries, std::size_t numItems,
                                const std::vector<std::vector<int>>& relevant);

// Both directions from one text x image similarity matrix (row-major) and, for each text, the
// images relevant to it. Image->text relevance is the transpose.
RetrievalReport evaluateRetrieval(const std::vector<float>& textImageScores, std::size_t numTexts,
                                  std::size_t numImages, const std::vector<std::vector<int>>& relevantImagesPerText);

// Similarity matrix of row-major L2-normalised embeddings: a (n x dim) times b (m x dim)ᵀ.
std::vector<float> dotProducts(const std::vector<float>& a, const std::vector<float>& b, int dim);

// Average precision of one ranking given relevance flags in ranked order.
double averagePrecision(const std::vector<bool>& relevantInRankOrder);

}  // namespace lowclip::train
