#include "core/train/synthetic_world.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "core/error.h"
#include "core/util/utf8.h"

namespace lowclip::train {

// ---------------------------------------------------------------------------------------------
// Random helpers

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0); }

int uniformInt(std::mt19937_64& rng, int n) {
    if (n <= 0) throw Error("uniformInt: empty range");
    return static_cast<int>(rng() % static_cast<std::uint64_t>(n));
}

namespace {

double uniform(std::mt19937_64& rng, double a, double b) { return a + (b - a) * uniform01(rng); }

double normal(std::mt19937_64& rng) {
    double u1 = uniform01(rng), u2 = uniform01(rng);
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// ---------------------------------------------------------------------------------------------
// UTF-8 and vowel harmony

using util::decodeUtf8;
using util::encodeUtf8;

// Vowel classes: back unrounded (a ı), front unrounded (e ə i), back rounded (o u), front rounded (ö ü).
enum class Vowel { None, BackUnrounded, FrontUnrounded, BackRounded, FrontRounded };

Vowel vowelClass(char32_t c) {
    switch (c) {
        case U'a': case U'ı': return Vowel::BackUnrounded;
        case U'e': case U'ə': case U'i': return Vowel::FrontUnrounded;
        case U'o': case U'u': return Vowel::BackRounded;
        case U'ö': case U'ü': return Vowel::FrontRounded;
        default: return Vowel::None;
    }
}

Vowel lastVowel(const std::u32string& w) {
    for (auto it = w.rbegin(); it != w.rend(); ++it)
        if (vowelClass(*it) != Vowel::None) return vowelClass(*it);
    return Vowel::FrontUnrounded;
}

bool isFront(Vowel v) { return v == Vowel::FrontUnrounded || v == Vowel::FrontRounded; }

// The four-way high vowel (ı i u ü) that harmonises with `v`.
char32_t fourWay(Vowel v) {
    switch (v) {
        case Vowel::BackUnrounded: return U'ı';
        case Vowel::FrontUnrounded: return U'i';
        case Vowel::BackRounded: return U'u';
        case Vowel::FrontRounded: return U'ü';
        default: return U'i';
    }
}

int vowelCount(const std::u32string& w) {
    int n = 0;
    for (char32_t c : w) n += vowelClass(c) != Vowel::None;
    return n;
}

}  // namespace

std::string genitive(const std::string& noun) {
    auto w = decodeUtf8(noun);
    if (w.empty()) return noun;
    Vowel v = lastVowel(w);
    if (vowelClass(w.back()) != Vowel::None) {
        w.push_back(U'n');
    } else if (vowelCount(w) >= 2) {  // final q/k soften before a vowel in polysyllabic words
        if (w.back() == U'q') w.back() = U'ğ';
        else if (w.back() == U'k') w.back() = U'y';
    }
    w.push_back(fourWay(v));
    w.push_back(U'n');
    return encodeUtf8(w);
}

std::string locative(const std::string& noun) {
    return noun + (isFront(lastVowel(decodeUtf8(noun))) ? "də" : "da");
}

std::string plural(const std::string& noun) {
    return noun + (isFront(lastVowel(decodeUtf8(noun))) ? "lər" : "lar");
}

std::string copula(const std::string& word) {
    auto w = decodeUtf8(word);
    w += {U'd', fourWay(lastVowel(w)), U'r'};
    return encodeUtf8(w);
}

std::string capitalizeFirst(const std::string& text) {
    auto w = decodeUtf8(text);
    if (w.empty()) return text;
    char32_t& c = w.front();
    switch (c) {
        case U'i': c = U'İ'; break;
        case U'ı': c = U'I'; break;
        case U'ə': c = U'Ə'; break;
        case U'ş': c = U'Ş'; break;
        case U'ç': c = U'Ç'; break;
        case U'ö': c = U'Ö'; break;
        case U'ü': c = U'Ü'; break;
        case U'ğ': c = U'Ğ'; break;
        default:
            if (c >= U'a' && c <= U'z') c = c - U'a' + U'A';
    }
    return encodeUtf8(w);
}

std::string colourWord(Colour c) {
    static const char* words[kColourCount] = {"qırmızı", "mavi",  "yaşıl",     "sarı",    "qara",   "ağ",
                                              "narıncı", "bənövşəyi", "çəhrayı", "boz", "qəhvəyi"};
    return words[static_cast<int>(c)];
}

std::string shapeWord(Shape s) {
    static const char* words[kShapeCount] = {"dairə", "kvadrat", "üçbucaq", "ulduz",
                                             "düzbucaqlı", "ürək", "romb", "xaç"};
    return words[static_cast<int>(s)];
}

std::string sizeWord(SizeClass s) {
    static const char* words[kSizeCount] = {"kiçik", "orta ölçülü", "böyük"};
    return words[static_cast<int>(s)];
}

std::string numberWord(int n) {
    static const char* words[] = {"sıfır", "bir", "iki", "üç", "dörd", "beş"};
    if (n < 0 || n > 5) throw Error("numberWord: only 0..5 are supported, got " + std::to_string(n));
    return words[n];
}

std::string backgroundWord(Background b) {
    static const char* words[kBackgroundCount] = {"ağ", "qara", "zolaqlı", "nöqtəli"};
    return words[static_cast<int>(b)];
}

const char* shapeName(Shape s) {
    static const char* names[kShapeCount] = {"circle", "square", "triangle", "star", "rectangle", "heart", "rhombus", "cross"};
    return names[static_cast<int>(s)];
}

const char* colourName(Colour c) {
    static const char* names[kColourCount] = {"red",    "blue",   "green", "yellow", "black", "white",
                                              "orange", "purple", "pink",  "grey",   "brown"};
    return names[static_cast<int>(c)];
}

std::string describeScene(const Scene& scene) {
    static const char* bg[kBackgroundCount] = {"white", "black", "striped", "dotted"};
    static const char* sz[kSizeCount] = {"small", "medium", "big"};
    std::ostringstream os;
    os.precision(2);
    os << bg[static_cast<int>(scene.background)] << " bg:";
    for (const auto& o : scene.objects)
        os << " " << sz[static_cast<int>(o.size)] << " " << colourName(o.colour) << " " << shapeName(o.shape) << " at ("
           << o.cx << "," << o.cy << ");";
    return os.str();
}

// ---------------------------------------------------------------------------------------------
// Predicates

bool inRegion(const SceneObject& o, Region r) {
    const double lo = 0.4, hi = 0.6;
    bool left = o.cx < lo, right = o.cx > hi, top = o.cy < lo, bottom = o.cy > hi;
    switch (r) {
        case Region::Left: return left;
        case Region::Right: return right;
        case Region::Top: return top;
        case Region::Bottom: return bottom;
        case Region::Middle: return !left && !right && !top && !bottom;
        case Region::TopLeft: return top && left;
        case Region::TopRight: return top && right;
        case Region::BottomLeft: return bottom && left;
        case Region::BottomRight: return bottom && right;
    }
    return false;
}

bool related(const SceneObject& s, Relation rel, const SceneObject& r) {
    const double gap = 0.25;
    switch (rel) {
        case Relation::LeftOf: return r.cx - s.cx > gap;
        case Relation::RightOf: return s.cx - r.cx > gap;
        case Relation::Above: return r.cy - s.cy > gap;
        case Relation::Below: return s.cy - r.cy > gap;
        case Relation::NextTo: return std::abs(s.cx - r.cx) > gap || std::abs(s.cy - r.cy) > gap;
    }
    return false;
}

namespace {

bool matches(const SceneObject& o, const ObjectPhrase& p) {
    if (p.shape && *p.shape != o.shape) return false;
    if (p.colour && *p.colour != o.colour) return false;
    if (p.size && *p.size != o.size) return false;
    if (p.region && !inRegion(o, *p.region)) return false;
    return true;
}

bool assign(const Scene& scene, const CaptionSpec& spec, std::size_t k, std::vector<int>& chosen) {
    if (k == spec.objects.size()) {
        if (spec.relation && spec.objects.size() >= 2)
            return related(scene.objects[chosen[0]], *spec.relation, scene.objects[chosen[1]]);
        return true;
    }
    for (std::size_t i = 0; i < scene.objects.size(); ++i) {
        if (std::find(chosen.begin(), chosen.end(), static_cast<int>(i)) != chosen.end()) continue;
        if (!matches(scene.objects[i], spec.objects[k])) continue;
        chosen.push_back(static_cast<int>(i));
        if (assign(scene, spec, k + 1, chosen)) return true;
        chosen.pop_back();
    }
    return false;
}

}  // namespace

bool satisfies(const Scene& scene, const CaptionSpec& spec) {
    if (spec.background && *spec.background != scene.background) return false;
    for (const auto& p : spec.objects) {
        int n = 0;
        for (const auto& o : scene.objects) n += matches(o, p);
        if (p.exactCount > 0 ? n != p.exactCount : n < p.minCount) return false;
    }
    std::vector<int> chosen;
    return assign(scene, spec, 0, chosen);
}

// ---------------------------------------------------------------------------------------------
// The world

SyntheticWorld::SyntheticWorld(WorldConfig config) : config_(config) {
    if (config_.imageSize < 16) throw Error("synthetic world: image size must be at least 16 pixels");
    int maxHeld = kColourCount * kShapeCount / 4;
    if (config_.heldOutCombos < 0 || config_.heldOutCombos > maxHeld)
        throw Error("synthetic world: held-out combinations must be between 0 and " + std::to_string(maxHeld));
    // Spread the held-out pairs so every colour and every shape keeps most of its combinations in
    // training: no colour or shape is held out more than ceil(n / count) + 0 times.
    std::mt19937_64 rng(config_.seed * 0x9E3779B97F4A7C15ULL + 17);
    int colourUse[kColourCount] = {}, shapeUse[kShapeCount] = {};
    int colourCap = (config_.heldOutCombos + kColourCount - 1) / kColourCount;
    int shapeCap = (config_.heldOutCombos + kShapeCount - 1) / kShapeCount;
    std::vector<ColourShape> all;
    for (int c = 0; c < kColourCount; ++c)
        for (int s = 0; s < kShapeCount; ++s) all.push_back({static_cast<Colour>(c), static_cast<Shape>(s)});
    for (std::size_t i = all.size(); i > 1; --i) std::swap(all[i - 1], all[static_cast<std::size_t>(uniformInt(rng, static_cast<int>(i)))]);
    for (const auto& cs : all) {
        if (static_cast<int>(heldOut_.size()) == config_.heldOutCombos) break;
        int c = static_cast<int>(cs.colour), s = static_cast<int>(cs.shape);
        if (colourUse[c] >= colourCap || shapeUse[s] >= shapeCap) continue;
        ++colourUse[c];
        ++shapeUse[s];
        heldOut_.push_back(cs);
        heldOutMask_[c][s] = true;
    }
}

bool SyntheticWorld::isHeldOut(Colour c, Shape s) const {
    return heldOutMask_[static_cast<int>(c)][static_cast<int>(s)];
}

namespace {

bool visibleOn(Colour c, Background b) {
    return !((c == Colour::White && b == Background::White) || (c == Colour::Black && b == Background::Black));
}

double radiusFraction(SizeClass s) {
    switch (s) {
        case SizeClass::Small: return 0.08;
        case SizeClass::Medium: return 0.14;
        case SizeClass::Big: return 0.22;
    }
    return 0.15;
}

}  // namespace

Scene SyntheticWorld::sampleScene(SceneKind kind, WorldSplit split, std::mt19937_64& rng) const {
    Scene scene;
    scene.background = static_cast<Background>(uniformInt(rng, kBackgroundCount));
    auto pickCombo = [&](bool wantHeld) {
        for (int attempt = 0; attempt < 10000; ++attempt) {
            ColourShape cs;
            if (wantHeld) {
                if (heldOut_.empty()) throw Error("synthetic world: held-out scenes need held-out combinations");
                cs = heldOut_[static_cast<std::size_t>(uniformInt(rng, static_cast<int>(heldOut_.size())))];
            } else {
                cs = {static_cast<Colour>(uniformInt(rng, kColourCount)), static_cast<Shape>(uniformInt(rng, kShapeCount))};
                if (isHeldOut(cs.colour, cs.shape) && split == WorldSplit::Train) continue;
            }
            if (!visibleOn(cs.colour, scene.background)) continue;
            return cs;
        }
        throw Error("synthetic world: could not sample a visible combination");
    };
    auto jitter = [&](double v) { return v + uniform(rng, -0.03, 0.03); };
    static const double cells[3] = {0.25, 0.5, 0.75};
    bool held = split == WorldSplit::HeldOut;

    if (kind == SceneKind::Single) {
        ColourShape cs = pickCombo(held);
        SceneObject o;
        o.colour = cs.colour;
        o.shape = cs.shape;
        o.size = static_cast<SizeClass>(uniformInt(rng, kSizeCount));
        o.cx = jitter(cells[uniformInt(rng, 3)]);
        o.cy = jitter(cells[uniformInt(rng, 3)]);
        o.angle = uniform(rng, -12, 12);
        scene.objects.push_back(o);
    } else if (kind == SceneKind::Pair) {
        ColourShape a = pickCombo(held), b;
        do {
            b = pickCombo(false);
        } while (b == a);
        bool horizontal = uniformInt(rng, 2) == 0;
        bool swap = uniformInt(rng, 2) == 0;  // which of the two takes the first position
        SceneObject o1, o2;
        o1.colour = a.colour; o1.shape = a.shape;
        o2.colour = b.colour; o2.shape = b.shape;
        for (SceneObject* o : {&o1, &o2}) {
            o->size = static_cast<SizeClass>(uniformInt(rng, kSizeCount));
            o->angle = uniform(rng, -12, 12);
        }
        double p1 = jitter(0.25), p2 = jitter(0.75);
        if (swap) std::swap(p1, p2);
        if (horizontal) {
            o1.cx = p1; o2.cx = p2;
            o1.cy = uniform(rng, 0.3, 0.7); o2.cy = uniform(rng, 0.3, 0.7);
        } else {
            o1.cy = p1; o2.cy = p2;
            o1.cx = uniform(rng, 0.3, 0.7); o2.cx = uniform(rng, 0.3, 0.7);
        }
        scene.objects = {o1, o2};
    } else {  // Count: two or three equal objects in distinct cells
        ColourShape cs = pickCombo(held);
        int n = 2 + uniformInt(rng, 2);
        auto size = SizeClass::Small;  // so that neighbours never touch
        static const double spread[3] = {0.2, 0.5, 0.8};
        std::vector<int> cellIds = {0, 1, 2, 3, 4, 5, 6, 7, 8};
        for (std::size_t i = cellIds.size(); i > 1; --i) std::swap(cellIds[i - 1], cellIds[static_cast<std::size_t>(uniformInt(rng, static_cast<int>(i)))]);
        for (int k = 0; k < n; ++k) {
            SceneObject o;
            o.colour = cs.colour;
            o.shape = cs.shape;
            o.size = size;
            o.cx = spread[cellIds[k] % 3] + uniform(rng, -0.02, 0.02);
            o.cy = spread[cellIds[k] / 3] + uniform(rng, -0.02, 0.02);
            o.angle = uniform(rng, -12, 12);
            scene.objects.push_back(o);
        }
    }
    return scene;
}

namespace {

cv::Scalar rgbOf(Colour c) {
    static const int table[kColourCount][3] = {{215, 30, 35},   {35, 75, 215},  {35, 155, 55},  {240, 215, 35},
                                               {20, 20, 20},    {250, 250, 250}, {250, 135, 20}, {130, 45, 170},
                                               {245, 145, 185}, {128, 128, 128}, {125, 75, 35}};
    const int* t = table[static_cast<int>(c)];
    return cv::Scalar(t[0], t[1], t[2]);
}

std::vector<cv::Point2d> outline(Shape s, double r) {
    std::vector<cv::Point2d> p;
    auto ngon = [&](int n, double rad, double phase) {
        for (int i = 0; i < n; ++i) {
            double a = phase + 6.283185307179586 * i / n;
            p.emplace_back(rad * std::cos(a), rad * std::sin(a));
        }
    };
    const double pi = 3.141592653589793;
    switch (s) {
        case Shape::Circle:
            ngon(48, r, 0);
            break;
        case Shape::Square:
            p = {{-0.85 * r, -0.85 * r}, {0.85 * r, -0.85 * r}, {0.85 * r, 0.85 * r}, {-0.85 * r, 0.85 * r}};
            break;
        case Shape::Triangle:
            ngon(3, 1.15 * r, -pi / 2);
            for (auto& q : p) q.y += 0.2 * r;
            break;
        case Shape::Star:
            for (int i = 0; i < 10; ++i) {
                double a = -pi / 2 + pi * i / 5, rad = (i % 2 == 0) ? 1.2 * r : 0.5 * r;
                p.emplace_back(rad * std::cos(a), rad * std::sin(a));
            }
            break;
        case Shape::Rectangle:
            p = {{-1.15 * r, -0.55 * r}, {1.15 * r, -0.55 * r}, {1.15 * r, 0.55 * r}, {-1.15 * r, 0.55 * r}};
            break;
        case Shape::Heart:
            for (int i = 0; i < 48; ++i) {
                double t = 2 * pi * i / 48;
                double x = 16 * std::pow(std::sin(t), 3);
                double y = 13 * std::cos(t) - 5 * std::cos(2 * t) - 2 * std::cos(3 * t) - std::cos(4 * t);
                p.emplace_back(x * r / 15.0, -(y + 2.5) * r / 15.0);
            }
            break;
        case Shape::Rhombus:
            p = {{0, -1.15 * r}, {0.7 * r, 0}, {0, 1.15 * r}, {-0.7 * r, 0}};
            break;
        case Shape::Cross: {
            double a = 0.33 * r, e = 1.05 * r;
            p = {{-a, -e}, {a, -e}, {a, -a}, {e, -a}, {e, a}, {a, a}, {a, e}, {-a, e}, {-a, a}, {-e, a}, {-e, -a}, {-a, -a}};
            break;
        }
    }
    return p;
}

void drawBackground(cv::Mat& img, Background b, std::mt19937_64& rng) {
    const int n = img.rows;
    switch (b) {
        case Background::White: {
            int v = 236 + uniformInt(rng, 14);
            img.setTo(cv::Scalar(v, v, v - uniformInt(rng, 6)));
            break;
        }
        case Background::Black: {
            int v = 10 + uniformInt(rng, 20);
            img.setTo(cv::Scalar(v, v, v));
            break;
        }
        case Background::Striped: {
            img.setTo(cv::Scalar(222, 212, 192));
            int period = std::max(4, n / 8 + uniformInt(rng, std::max(1, n / 16)));
            int orient = uniformInt(rng, 3);
            cv::Scalar dark(165, 152, 128);
            for (int y = 0; y < n; ++y)
                for (int x = 0; x < n; ++x) {
                    int t = orient == 0 ? y : orient == 1 ? x : x + y;
                    if ((t / (period / 2)) % 2 == 0) img.at<cv::Vec3b>(y, x) = cv::Vec3b(165, 152, 128);
                }
            (void)dark;
            break;
        }
        case Background::Dotted: {
            img.setTo(cv::Scalar(228, 222, 210));
            int step = std::max(4, n / 8);
            int off = uniformInt(rng, step);
            int rad = std::max(1, n / 40);
            for (int y = off; y < n + step; y += step)
                for (int x = off + ((y / step) % 2) * step / 2; x < n + step; x += step)
                    cv::circle(img, cv::Point(x, y), rad, cv::Scalar(150, 144, 138), cv::FILLED, cv::LINE_AA);
            break;
        }
    }
}

}  // namespace

vision::Image SyntheticWorld::render(const Scene& scene, std::mt19937_64& rng) const {
    const int n = config_.imageSize;
    cv::Mat img(n, n, CV_8UC3);
    drawBackground(img, scene.background, rng);
    for (const auto& o : scene.objects) {
        double r = radiusFraction(o.size) * n;
        auto pts = outline(o.shape, r);
        double a = o.angle * 3.141592653589793 / 180.0, ca = std::cos(a), sa = std::sin(a);
        const int shift = 4;
        std::vector<cv::Point> poly;
        for (const auto& q : pts) {
            double x = o.cx * n + ca * q.x - sa * q.y, y = o.cy * n + sa * q.x + ca * q.y;
            poly.emplace_back(static_cast<int>(std::lround(x * (1 << shift))), static_cast<int>(std::lround(y * (1 << shift))));
        }
        cv::Scalar col = rgbOf(o.colour);
        for (int k = 0; k < 3; ++k) col[k] = std::clamp(col[k] + uniform(rng, -12, 12), 0.0, 255.0);
        std::vector<std::vector<cv::Point>> polys = {poly};
        cv::fillPoly(img, polys, col, cv::LINE_AA, shift);
    }
    vision::Image out;
    out.width = n;
    out.height = n;
    out.rgb.resize(static_cast<std::size_t>(n) * n * 3);
    // Pixel noise: a fixed table of standard normals read from a random offset with a random odd
    // stride (much cheaper than drawing one normal per value, and still seeded).
    static const std::vector<float> table = [] {
        std::mt19937_64 g(12345);
        std::vector<float> t(1 << 16);
        for (auto& v : t) v = static_cast<float>(normal(g));
        return t;
    }();
    const std::size_t mask = table.size() - 1;
    std::size_t pos = rng() & mask, stride = (rng() & mask) | 1;
    float sigma = static_cast<float>(config_.noiseSigma);
    float gain = static_cast<float>(uniform(rng, 0.92, 1.06));
    std::size_t k = 0;
    for (int y = 0; y < n; ++y) {
        const auto* row = img.ptr<cv::Vec3b>(y);
        for (int x = 0; x < n; ++x)
            for (int c = 0; c < 3; ++c) {
                float v = row[x][c] * gain;
                if (sigma > 0) {
                    v += sigma * table[pos];
                    pos = (pos + stride) & mask;
                }
                out.rgb[k++] = static_cast<std::uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f));
            }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Captions

namespace {

ObjectPhrase phrase(const SceneObject& o, bool size = false) {
    ObjectPhrase p;
    p.shape = o.shape;
    p.colour = o.colour;
    if (size) p.size = o.size;
    return p;
}

std::string cs(const SceneObject& o) { return colourWord(o.colour) + " " + shapeWord(o.shape); }

// Region words true of an object, with the region they claim.
std::vector<std::pair<Region, std::string>> regionWords(const SceneObject& o) {
    std::vector<std::pair<Region, std::string>> out;
    auto add = [&](Region r, const char* w) {
        if (inRegion(o, r)) out.emplace_back(r, w);
    };
    add(Region::Left, "solda");
    add(Region::Left, "sol tərəfdə");
    add(Region::Right, "sağda");
    add(Region::Right, "sağ tərəfdə");
    add(Region::Top, "yuxarıda");
    add(Region::Bottom, "aşağıda");
    add(Region::Middle, "ortada");
    add(Region::Middle, "mərkəzdə");
    add(Region::TopLeft, "sol yuxarı küncdə");
    add(Region::TopRight, "sağ yuxarı küncdə");
    add(Region::BottomLeft, "sol aşağı küncdə");
    add(Region::BottomRight, "sağ aşağı küncdə");
    return out;
}

const char* relationWord(Relation r) {
    switch (r) {
        case Relation::LeftOf: return "solunda";
        case Relation::RightOf: return "sağında";
        case Relation::Above: return "üstündə";
        case Relation::Below: return "altında";
        case Relation::NextTo: return "yanında";
    }
    return "";
}

}  // namespace

std::vector<Caption> SyntheticWorld::allCaptions(const Scene& scene, bool includePartial) const {
    std::vector<Caption> out;
    const std::string bg = backgroundWord(scene.background);
    std::string kind = "plain";
    auto add = [&](std::string text, CaptionSpec spec) { out.push_back({std::move(text), std::move(spec), kind}); };
    auto withBg = [&](CaptionSpec spec) {
        spec.background = scene.background;
        return spec;
    };
    if (scene.objects.empty()) return out;

    // Count scenes: every object the same colour, shape and size, more than one of them.
    bool allSame = scene.objects.size() > 1;
    for (const auto& o : scene.objects)
        allSame = allSame && o.colour == scene.objects[0].colour && o.shape == scene.objects[0].shape &&
                  o.size == scene.objects[0].size;

    if (scene.objects.size() == 1) {
        const SceneObject& o = scene.objects[0];
        const std::string c = colourWord(o.colour), s = shapeWord(o.shape), z = sizeWord(o.size);
        CaptionSpec plain{{phrase(o)}, {}, {}}, sized{{phrase(o, true)}, {}, {}};
        kind = "plain";
        add(c + " " + s, plain);
        add("Şəkildə " + c + " " + s + " var.", plain);
        add(c + " rəngli " + s, plain);
        kind = "size";
        add(z + " " + c + " " + s, sized);
        add("Şəkildə " + z + " " + c + " " + s + " var.", sized);
        add(c + " rəngli " + z + " " + s, sized);
        if (o.size == SizeClass::Big) add("iri " + c + " " + s, sized);
        kind = "background";
        add(bg + " fonda " + c + " " + s, withBg(plain));
        add(bg + " fonda " + z + " " + c + " " + s, withBg(sized));
        add(bg + " fonun üzərində " + c + " " + s, withBg(plain));
        if (includePartial) {
            kind = "partial";
            CaptionSpec shapeOnly{{ObjectPhrase{}}, {}, {}}, colourOnly{{ObjectPhrase{}}, {}, {}};
            shapeOnly.objects[0].shape = o.shape;
            colourOnly.objects[0].colour = o.colour;
            add(s, shapeOnly);
            add("Şəkildə " + s + " var.", shapeOnly);
            if (config_.partialColour) {
                add(c + " fiqur", colourOnly);
                add(c + " rəngli fiqur", colourOnly);
            }
        }
        kind = "region";
        for (const auto& [region, word] : regionWords(o)) {
            CaptionSpec spec = plain;
            spec.objects[0].region = region;
            add(word + " " + c + " " + s, spec);
            add(word + " " + c + " " + s + " təsvir olunub", spec);
        }
    } else if (allSame) {
        const SceneObject& o = scene.objects[0];
        int n = static_cast<int>(scene.objects.size());
        const std::string c = colourWord(o.colour), s = shapeWord(o.shape), num = numberWord(n);
        CaptionSpec exact{{phrase(o)}, {}, {}};
        exact.objects[0].exactCount = n;
        CaptionSpec many{{phrase(o)}, {}, {}};
        many.objects[0].minCount = 2;
        kind = "count";
        add(num + " " + c + " " + s, exact);
        add("Şəkildə " + num + " " + c + " " + s + " var.", exact);
        add(bg + " fonda " + num + " " + c + " " + s, withBg(exact));
        add(c + " " + plural(s), many);
        add("Şəkildə " + c + " " + plural(s) + " var.", many);
    } else if (scene.objects.size() == 2) {
        const SceneObject& a = scene.objects[0];
        const SceneObject& b = scene.objects[1];
        CaptionSpec both{{phrase(a), phrase(b)}, {}, {}};
        CaptionSpec bothSwapped{{phrase(b), phrase(a)}, {}, {}};
        CaptionSpec oneEach = both;
        for (auto& p : oneEach.objects) p.exactCount = 1;
        kind = "plain";
        add(cs(a) + " və " + cs(b), both);
        add(cs(b) + " və " + cs(a), bothSwapped);
        add("Şəkildə bir " + cs(a) + " və bir " + cs(b) + " var.", oneEach);
        kind = "background";
        add(bg + " fonda " + cs(a) + " və " + cs(b), withBg(both));
        kind = "size";
        CaptionSpec sized{{phrase(a, true), phrase(b, true)}, {}, {}};
        add(sizeWord(a.size) + " " + cs(a) + " və " + sizeWord(b.size) + " " + cs(b), sized);
        kind = "relation";
        // Relations: "REF-gen REL-loc SUBJ" and "SUBJ REF-gen REL-loc-dır."
        for (int rel = 0; rel < 5; ++rel) {
            for (int order = 0; order < 2; ++order) {
                const SceneObject& subj = order == 0 ? a : b;
                const SceneObject& ref = order == 0 ? b : a;
                auto r = static_cast<Relation>(rel);
                if (!related(subj, r, ref)) continue;
                CaptionSpec spec{{phrase(subj), phrase(ref)}, r, {}};
                std::string refGen = colourWord(ref.colour) + " " + genitive(shapeWord(ref.shape));
                add(refGen + " " + relationWord(r) + " " + cs(subj), spec);
                add(capitalizeFirst(cs(subj)) + " " + refGen + " " + copula(relationWord(r)) + ".", spec);
            }
        }
    } else {
        // Any other scene: name every object.
        kind = "plain";
        CaptionSpec spec;
        std::string text;
        for (const auto& o : scene.objects) {
            spec.objects.push_back(phrase(o));
            text += (text.empty() ? "" : " və ") + cs(o);
        }
        add(text, spec);
    }
    return out;
}

std::vector<Caption> SyntheticWorld::captions(const Scene& scene, std::mt19937_64& rng, int n, bool includePartial) const {
    auto all = allCaptions(scene, includePartial && config_.partialCaptions);
    // Families in first-appearance order, each with its captions.
    std::vector<std::pair<std::string, std::vector<std::size_t>>> families;
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto it = std::find_if(families.begin(), families.end(), [&](const auto& f) { return f.first == all[i].kind; });
        if (it == families.end()) families.push_back({all[i].kind, {i}});
        else it->second.push_back(i);
    }
    std::vector<Caption> out;
    std::size_t want = n < 0 ? all.size() : std::min(all.size(), static_cast<std::size_t>(n));
    while (out.size() < want) {
        auto& fam = families[static_cast<std::size_t>(uniformInt(rng, static_cast<int>(families.size())))];
        std::size_t k = static_cast<std::size_t>(uniformInt(rng, static_cast<int>(fam.second.size())));
        out.push_back(all[fam.second[k]]);
        fam.second.erase(fam.second.begin() + static_cast<std::ptrdiff_t>(k));
        if (fam.second.empty())
            families.erase(std::find_if(families.begin(), families.end(), [&](const auto& f) { return f.second.empty(); }));
    }
    return out;
}

WorldSample SyntheticWorld::sample(SceneKind kind, WorldSplit split, std::mt19937_64& rng, int captionsPerImage,
                                   bool includePartial) const {
    WorldSample s;
    s.kind = kind;
    s.scene = sampleScene(kind, split, rng);
    s.image = render(s.scene, rng);
    s.captions = captions(s.scene, rng, captionsPerImage, includePartial);
    return s;
}

std::vector<WorldSample> SyntheticWorld::generate(SceneKind kind, WorldSplit split, int count, std::uint64_t seed,
                                                  int captionsPerImage) const {
    std::vector<WorldSample> out;
    out.reserve(static_cast<std::size_t>(std::max(0, count)));
    for (int i = 0; i < count; ++i) {
        std::mt19937_64 rng(seed * 1000003ULL + static_cast<std::uint64_t>(i) * 7919ULL + static_cast<std::uint64_t>(kind) * 31 +
                            (split == WorldSplit::HeldOut ? 0x5bd1e995ULL : 0));
        out.push_back(sample(kind, split, rng, captionsPerImage));
    }
    return out;
}

std::vector<std::string> SyntheticWorld::corpus(int scenesPerKind, std::uint64_t seed) const {
    std::vector<std::string> out;
    std::mt19937_64 rng(seed);
    for (SceneKind kind : {SceneKind::Single, SceneKind::Pair, SceneKind::Count})
        for (int i = 0; i < scenesPerKind; ++i)
            for (auto& c : allCaptions(sampleScene(kind, WorldSplit::Train, rng), config_.partialCaptions))
                out.push_back(std::move(c.text));
    return out;
}

}  // namespace lowclip::train
