#pragma once
// Image-caption datasets: the file formats people have (CSV/TSV with chosen columns, the Flickr8k
// token file, Flickr30k results.csv, COCO captions JSON, the app's own caption store) read into one
// structure, splits by image (never by caption, so no image is in two splits), and checks for
// missing or unreadable images. Plain C++ (no Torch).
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lowclip::train {

struct CaptionedImage {
    std::string imagePath;              // absolute, or relative to the current folder
    std::vector<std::string> captions;  // at least one
};

struct Dataset {
    std::string name;                   // e.g. the file it came from
    std::vector<CaptionedImage> items;  // one per image, in first-seen order
    std::size_t captionCount() const;
};

// A file that could not be used, and why (missing, unreadable, corrupt).
struct DatasetProblem {
    std::string path;
    std::string reason;
};

struct CsvOptions {
    std::string imageColumn = "image";     // header name, or a 0-based column number ("0")
    std::string captionColumn = "caption";
    char delimiter = 0;                    // 0: '\t' for .tsv/.txt, '|' when the header has it, else ','
    bool header = true;                    // without a header, columns must be numbers
    std::string imageRoot;                 // prefix for relative image paths; default: the file's folder
};

// CSV/TSV (RFC 4180 quoting: "a, ""b""" is one field, quoted fields may span lines). Rows with the
// same image are grouped (several captions per image). Empty captions are dropped. Throws
// lowclip::Error naming the file, line and column for unknown columns or malformed quoting.
Dataset loadCsvDataset(const std::string& path, const CsvOptions& options = {});

// Flickr8k "Flickr8k.token.txt": "1000268201_693b08cb0e.jpg#0\tA child in a pink dress ...".
Dataset loadFlickr8k(const std::string& tokenFile, const std::string& imageRoot = "");
// Flickr30k "results.csv": header "image_name| comment_number| comment", fields separated by '|'.
Dataset loadFlickr30k(const std::string& resultsCsv, const std::string& imageRoot = "");
// COCO captions JSON: {"images": [{"id", "file_name"}], "annotations": [{"image_id", "caption"}]}.
Dataset loadCoco(const std::string& captionsJson, const std::string& imageRoot = "");
// (image path, caption) pairs, e.g. from the app's caption store; grouped by path.
Dataset fromPairs(const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& name = "captions");

// Chooses the reader by content and name: ".json" -> COCO, a first line with "#<digit>\t" ->
// Flickr8k, a header "image_name|..." -> Flickr30k, otherwise CSV/TSV with `csv`.
Dataset loadDataset(const std::string& path, const CsvOptions& csv = {});

struct DatasetSplits {
    Dataset train, validation, test;
};
// Shuffles the IMAGES (seeded) and cuts them into train/validation/test by the given fractions;
// all captions of an image go to the same split. Deterministic for a given seed and dataset.
DatasetSplits splitByImage(const Dataset& dataset, double validationFraction, double testFraction, std::uint64_t seed);

// Keeps the items whose image passes `check` (which throws lowclip::Error with the reason when it
// does not); problems are appended to `problems`. The default check only tests that the file exists
// and is not empty; pass a decoder (vision::decodeImageFile) to find corrupt files too.
using ImageCheck = std::function<void(const std::string& path)>;
Dataset dropUnusableImages(const Dataset& dataset, std::vector<DatasetProblem>* problems, const ImageCheck& check = {});

// Parses delimited text into rows of fields (exposed for tests). Throws lowclip::Error for an
// unterminated quote, naming `what` and the line.
std::vector<std::vector<std::string>> parseDelimited(const std::string& text, char delimiter,
                                                     const std::string& what = "input");

}  // namespace lowclip::train
