#pragma once
// The synthetic Azerbaijani world: rendered scenes of coloured shapes with several grammatical
// Azerbaijani captions each, the scene's ground truth, and a predicate that says whether a scene
// satisfies what a caption says. Some (colour, shape) combinations are held out: training scenes
// never contain them, evaluation scenes always do, so evaluation measures composition.
//
// No Torch here: plain C++ and OpenCV (in the .cpp). Deterministic given the seeds.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/vision/image.h"

namespace lowclip::train {

enum class Shape : int { Circle, Square, Triangle, Star, Rectangle, Heart, Rhombus, Cross };
constexpr int kShapeCount = 8;
enum class Colour : int { Red, Blue, Green, Yellow, Black, White, Orange, Purple, Pink, Grey, Brown };
constexpr int kColourCount = 11;
enum class SizeClass : int { Small, Medium, Big };
constexpr int kSizeCount = 3;
enum class Background : int { White, Black, Striped, Dotted };
constexpr int kBackgroundCount = 4;
// Where an object is in the picture (thresholds on its centre, in [0, 1] coordinates; see satisfies()).
enum class Region : int { Left, Right, Top, Bottom, Middle, TopLeft, TopRight, BottomLeft, BottomRight };
// subject REL reference: "mavi dairənin solunda qırmızı kvadrat" = red square LeftOf blue circle.
enum class Relation : int { LeftOf, RightOf, Above, Below, NextTo };

// Dictionary forms and grammar (AZERBAIJANI.md).
std::string colourWord(Colour c);      // "qırmızı"
std::string shapeWord(Shape s);        // "dairə"
std::string sizeWord(SizeClass s);     // "kiçik", "orta ölçülü", "böyük"
std::string numberWord(int n);         // 1..5: "bir" .. "beş"
std::string backgroundWord(Background b);  // "ağ", "qara", "zolaqlı", "nöqtəli"
// Suffixes by vowel harmony, with -n- after a vowel and final q/k softening before a vowel.
std::string genitive(const std::string& noun);   // dairə -> dairənin, üçbucaq -> üçbucağın
std::string locative(const std::string& noun);   // dairə -> dairədə, kvadrat -> kvadratda
std::string plural(const std::string& noun);     // dairə -> dairələr
std::string copula(const std::string& word);     // solunda -> solundadır, üstündə -> üstündədir
// Upper-cases the first letter with Azerbaijani rules (i -> İ, ı -> I, ə -> Ə, ş -> Ş, ...).
std::string capitalizeFirst(const std::string& text);

struct SceneObject {
    Shape shape = Shape::Circle;
    Colour colour = Colour::Red;
    SizeClass size = SizeClass::Medium;
    double cx = 0.5, cy = 0.5;  // centre in [0, 1] image coordinates (y down)
    double angle = 0.0;         // small rotation jitter, degrees
};

struct Scene {
    Background background = Background::White;
    std::vector<SceneObject> objects;
};

// What a caption says about one object (or a group of equal objects).
struct ObjectPhrase {
    std::optional<Shape> shape;
    std::optional<Colour> colour;
    std::optional<SizeClass> size;
    std::optional<Region> region;
    int exactCount = 0;  // > 0: exactly this many scene objects match ("iki yaşıl üçbucaq", "bir ...")
    int minCount = 1;    // otherwise at least this many (plural: 2)
};

// What a caption says about a scene. With a relation, objects[0] is the subject and objects[1] the
// reference: objects[0] RELATION objects[1].
struct CaptionSpec {
    std::vector<ObjectPhrase> objects;
    std::optional<Relation> relation;
    std::optional<Background> background;
};

struct Caption {
    std::string text;
    CaptionSpec spec;
    // Which template family wrote it: "plain", "size", "background", "region", "relation", "count",
    // or "partial" (names only the colour or only the shape; training only, never an eval query).
    std::string kind;
};

// Region and relation predicates on object centres.
bool inRegion(const SceneObject& o, Region r);
bool related(const SceneObject& subject, Relation rel, const SceneObject& reference);
// True when every named object is in the scene with its attributes (counted as the phrase says),
// the named objects are distinct scene objects, the relation holds and the background matches.
bool satisfies(const Scene& scene, const CaptionSpec& spec);

enum class SceneKind { Single, Pair, Count };
enum class WorldSplit { Train, HeldOut };

struct WorldConfig {
    int imageSize = 64;
    double noiseSigma = 6.0;     // Gaussian pixel noise (0..255 scale)
    int heldOutCombos = 12;      // (colour, shape) pairs never seen in training
    std::uint64_t seed = 1;      // decides the held-out set
    bool partialCaptions = true; // also write captions naming only the colour or only the shape
    bool partialColour = true;   // with partialCaptions: colour-only ones too (false: shape-only ones only)
};

struct ColourShape {
    Colour colour;
    Shape shape;
    bool operator==(const ColourShape& o) const { return colour == o.colour && shape == o.shape; }
};

struct WorldSample {
    Scene scene;
    vision::Image image;
    std::vector<Caption> captions;
    SceneKind kind = SceneKind::Single;
};

class SyntheticWorld {
public:
    explicit SyntheticWorld(WorldConfig config = {});

    const WorldConfig& config() const { return config_; }
    const std::vector<ColourShape>& heldOut() const { return heldOut_; }
    bool isHeldOut(Colour c, Shape s) const;

    // A random scene. Train: no object has a held-out combination. HeldOut: the first object has
    // one (the others are anything), so the scene is one training never showed.
    Scene sampleScene(SceneKind kind, WorldSplit split, std::mt19937_64& rng) const;
    vision::Image render(const Scene& scene, std::mt19937_64& rng) const;
    // Every caption the templates can write for this scene (each true of it by construction);
    // "partial" ones only when asked for.
    std::vector<Caption> allCaptions(const Scene& scene, bool includePartial = false) const;
    // `n` distinct captions (n < 0: all of them), each drawn by picking a template family uniformly
    // among those with captions left, then a caption of that family uniformly. "partial" captions are
    // included when config().partialCaptions and `includePartial`.
    std::vector<Caption> captions(const Scene& scene, std::mt19937_64& rng, int n, bool includePartial = false) const;

    WorldSample sample(SceneKind kind, WorldSplit split, std::mt19937_64& rng, int captionsPerImage,
                       bool includePartial = false) const;
    // `count` samples, deterministic given `seed`.
    std::vector<WorldSample> generate(SceneKind kind, WorldSplit split, int count, std::uint64_t seed,
                                      int captionsPerImage) const;

    // Every word the templates can produce, for building a vocabulary or checking coverage.
    std::vector<std::string> corpus(int scenesPerKind, std::uint64_t seed) const;

private:
    WorldConfig config_;
    std::vector<ColourShape> heldOut_;
    bool heldOutMask_[kColourCount][kShapeCount] = {};
};

// Small deterministic helpers (std distributions differ between standard libraries).
double uniform01(std::mt19937_64& rng);
int uniformInt(std::mt19937_64& rng, int n);  // [0, n)

const char* shapeName(Shape s);    // English, for logs: "circle"
const char* colourName(Colour c);  // "red"
std::string describeScene(const Scene& scene);  // "white bg: big red circle at (0.25,0.50); ..."

}  // namespace lowclip::train
