#pragma once
// Shaping a result list from its scores and stored vectors, and finding near-identical photos in
// a library. Pure functions over plain numbers; Library and the application service call them.
//
//   - relevance cut-off: where a ranked list's scores drop by a gap that stands out from the
//     list's own spacing, what follows is "less relevant". A flat threshold fails across queries
//     and models (one query's best score is another's noise); a gap relative to the list does not;
//   - stacks: hits whose image vectors are near-identical (cosine >= a threshold) are grouped
//     under the best-ranked one, so bursts and copies take one cell of the grid;
//   - duplicate groups: the same relation over a whole library (Library::nearDuplicates).
#include <cstddef>
#include <vector>

namespace lowclip::library {

// What makes a gap stand out. A gap is a drop between two neighbouring scores of the ranked list.
struct RelevanceCutTuning {
    std::size_t minItems = 4;    // shorter lists are never cut
    double minGap = 0.02;        // cosine units: drops smaller than this never cut
    double medianFactor = 4.0;   // the gap is at least this many times the median gap
    double rangeFraction = 0.2;  // and at least this fraction of the list's whole score range
};

// `scores`: best first (ties and small disorder are tolerated: negative drops count as 0). Returns
// how many leading items are relevant: scores.size() when no gap stands out, else the position of
// the largest standing-out gap (at least 1).
std::size_t relevantCount(const std::vector<float>& scores, const RelevanceCutTuning& tuning = {});

// Stacks over a ranked list: `vectors[i]` is item i's L2-normalised vector (empty: it stands
// alone). Each item joins the first earlier stack leader whose vector has cosine >= `similarity`
// with its own; otherwise it leads a stack. Returns per item the index of its leader (itself when
// it leads). `similarity` outside (0, 1]: every item stands alone. Vectors of another length than
// the first non-empty one stand alone. When more than `maxStackedFraction` of the items would join
// a stack, the vectors do not tell these photos apart at this similarity (a model that sees them all
// alike): every item then stands alone rather than hiding most of the list.
std::vector<std::size_t> stackLeaders(const std::vector<std::vector<float>>& vectors, double similarity,
                                      double maxStackedFraction = 1.0);

// Cosine of two L2-normalised vectors of equal length (their dot product), 0 when lengths differ.
double cosine(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace lowclip::library
