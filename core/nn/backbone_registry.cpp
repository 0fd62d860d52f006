#include "core/nn/backbone_registry.h"

#include <map>
#include <mutex>
#include <set>

#include "core/error.h"

namespace lowclip::nn {

namespace {

struct Registry {
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<const BackboneFamily>> families;  // by name
    std::map<std::string, std::string> presetFamily;                         // preset or alias -> family
};

Registry& registry() {
    static Registry r;
    return r;
}

}  // namespace

bool registerBackboneFamily(BackboneFamily family) {
    auto bad = [&](const std::string& problem) {
        throw Error("backbone family \"" + family.name + "\" cannot be registered: " + problem);
    };
    if (family.name.empty()) bad("it has no name");
    if (!family.build || !family.completeConfig) bad("it needs a builder and a complete-config function");
    if (family.displayName.empty()) family.displayName = family.name;
    bool standardFound = false;
    for (const auto& p : family.presets) standardFound = standardFound || p.name == family.standardPreset;
    if (!standardFound) bad("its standard preset \"" + family.standardPreset + "\" is not among its presets");

    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::set<std::string> names{family.name};
    if (r.families.count(family.name) || r.presetFamily.count(family.name)) bad("the name is taken");
    for (const auto& p : family.presets) {
        std::vector<std::string> all = p.aliases;
        all.push_back(p.name);
        for (const auto& n : all) {
            if (n.empty()) bad("a preset has an empty name");
            if (!names.insert(n).second || r.families.count(n) || r.presetFamily.count(n))
                bad("the preset name \"" + n + "\" is taken");
        }
    }
    for (const auto& p : family.presets) {
        r.presetFamily[p.name] = family.name;
        for (const auto& a : p.aliases) r.presetFamily[a] = family.name;
    }
    const std::string name = family.name;
    r.families[name] = std::make_shared<const BackboneFamily>(std::move(family));
    return true;
}

std::vector<std::shared_ptr<const BackboneFamily>> backboneFamilies() {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::vector<std::shared_ptr<const BackboneFamily>> out;
    for (const auto& [name, f] : r.families) out.push_back(f);
    return out;
}

std::shared_ptr<const BackboneFamily> findBackboneFamily(const std::string& name) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.families.find(name);
    return it == r.families.end() ? nullptr : it->second;
}

PresetLookup findBackbonePreset(const std::string& name) {
    std::shared_ptr<const BackboneFamily> family;
    {
        Registry& r = registry();
        std::lock_guard<std::mutex> lock(r.mutex);
        auto it = r.presetFamily.find(name);
        if (it == r.presetFamily.end()) return {};
        family = r.families.at(it->second);
    }
    for (const auto& p : family->presets) {
        if (p.name == name) return {family, &p};
        for (const auto& a : p.aliases)
            if (a == name) return {family, &p};
    }
    return {};
}

const BackboneFamily& backboneFamilyOf(const std::string& arch) {
    // Families are never removed, so the reference stays valid.
    if (auto f = findBackboneFamily(arch)) return *f;
    if (auto p = findBackbonePreset(arch); p.family) return *p.family;
    throw Error("unknown backbone \"" + arch + "\" (known: " + knownBackboneNames() + ")");
}

std::string knownBackboneNames() {
    const auto families = backboneFamilies();
    std::string s;
    for (const auto& f : families) s += (s.empty() ? "" : ", ") + f->name;
    for (const auto& f : families)
        for (const auto& p : f->presets) s += ", " + p.name;
    for (const auto& f : families)
        for (const auto& p : f->presets)
            for (const auto& a : p.aliases) s += ", " + a;
    return s;
}

}  // namespace lowclip::nn
