#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <stdexcept>

#include "app/cli/command.h"
#include "core/nn/runtime.h"
#include "core/util/stderr_filter.h"

namespace lowclip::cli {

namespace {
std::vector<Command*>& mutableCommands() {
    static std::vector<Command*> list;
    return list;
}
}  // namespace

Command::Command(const char* n, const char* s, const char* u, Fn f, std::vector<std::string> fl)
    : name(n), summary(s), usage(u), fn(f), flags(std::move(fl)) {
    mutableCommands().push_back(this);
}

const std::vector<Command*>& commands() { return mutableCommands(); }

Args::Args(std::vector<std::string> argv, std::vector<std::string> flagNames) {
    auto isFlag = [&](const std::string& n) {
        for (const auto& f : flagNames)
            if (f == n) return true;
        return n == "help";
    };
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
            std::string name = a.substr(2), value;
            auto eq = name.find('=');
            if (eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
            } else if (isFlag(name)) {
                value = "1";
            } else {
                if (i + 1 >= argv.size()) throw UsageError("option --" + name + " needs a value");
                value = argv[++i];
            }
            options_.emplace(name, value);
            used_[name] = false;
        } else if (a == "--") {
            for (++i; i < argv.size(); ++i) positionals_.push_back(argv[i]);
        } else {
            positionals_.push_back(a);
        }
    }
}

bool Args::flag(const std::string& name) {
    used_[name] = true;
    return options_.count(name) > 0;
}

std::optional<std::string> Args::option(const std::string& name) {
    used_[name] = true;
    auto it = options_.find(name);
    if (it == options_.end()) return std::nullopt;
    return it->second;
}

std::string Args::option(const std::string& name, const std::string& fallback) {
    auto v = option(name);
    return v ? *v : fallback;
}

int Args::intOption(const std::string& name, int fallback) {
    auto v = option(name);
    if (!v) return fallback;
    try {
        std::size_t pos = 0;
        int x = std::stoi(*v, &pos);
        if (pos != v->size()) throw std::invalid_argument("trailing");
        return x;
    } catch (const std::exception&) {
        throw UsageError("--" + name + " needs an integer, got '" + *v + "'");
    }
}

double Args::doubleOption(const std::string& name, double fallback) {
    auto v = option(name);
    if (!v) return fallback;
    try {
        std::size_t pos = 0;
        double x = std::stod(*v, &pos);
        if (pos != v->size()) throw std::invalid_argument("trailing");
        return x;
    } catch (const std::exception&) {
        throw UsageError("--" + name + " needs a number, got '" + *v + "'");
    }
}

std::vector<std::string> Args::options(const std::string& name) {
    used_[name] = true;
    std::vector<std::string> out;
    auto range = options_.equal_range(name);
    for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
    return out;
}

std::string Args::positional(std::size_t i, const std::string& what) const {
    if (i >= positionals_.size()) throw UsageError("missing " + what);
    return positionals_[i];
}

void Args::finish() const {
    for (const auto& [name, used] : used_)
        if (!used) throw UsageError("unknown option --" + name);
}

}  // namespace lowclip::cli

namespace {

// What to do next, for the codes where the CLI has advice of its own (core's messages name no flags).
std::string hintFor(const lowclip::Error& e) {
    using lowclip::ErrorCode;
    switch (e.code()) {
    case ErrorCode::NoLibrary:
        return "create it with: lowclip-cli index --add-root PHOTO_FOLDER";
    case ErrorCode::LibraryInUse:
        return "another program (the desktop app?) is changing the library; search, status and errors still work";
    case ErrorCode::NoModel:
        return "train the demo model with: lowclip-cli demo, or add one with: lowclip-cli import ... --name NAME";
    case ErrorCode::ModelNotFound:
        return "see the models with: lowclip-cli model list";
    case ErrorCode::ModelInUse:
        return "choose another model first: lowclip-cli model use NAME";
    case ErrorCode::RootNotFound:
        return "see the library's folders with: lowclip-cli status";
    case ErrorCode::PhotoNotFound:
        return "name a photo by its id (lowclip-cli search --json shows them) or by its path";
    case ErrorCode::TooFewPairs:
        return "add captions with: lowclip-cli caption add PHOTO TEXT";
    default:
        return {};
    }
}

void printHelp() {
    std::cout << "lowclip-cli " << LOWCLIP_VERSION
              << " - search and teach photo libraries in Azerbaijani\n\nUsage: lowclip-cli COMMAND [OPTIONS]\n\nCommands:\n";
    for (const auto* c : lowclip::cli::commands()) {
        std::string n = c->name;
        n.resize(12, ' ');
        std::cout << "  " << n << c->summary << "\n";
    }
    std::cout << "\nRun 'lowclip-cli COMMAND --help' for a command's options.\n";
}
}  // namespace

int main(int argc, char** argv) {
    using namespace lowclip::cli;
    lowclip::nn::keepFreedMemory();
    // libpng's, libjpeg's, libtiff's and OpenCV's own lines stay off the terminal (core/vision reports
    // a broken photo in its own words).
    lowclip::util::installStderrFilter();
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        printHelp();
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::cout << "lowclip-cli " << LOWCLIP_VERSION << "\n";
        return 0;
    }
    for (auto* c : commands()) {
        if (std::strcmp(c->name, argv[1]) != 0) continue;
        std::vector<std::string> rest(argv + 2, argv + argc);
        try {
            Args args(rest, c->flags);
            if (args.flag("help")) {
                std::cout << "Usage: lowclip-cli " << c->name << " " << c->usage << "\n\n" << c->summary << "\n";
                return 0;
            }
            return c->fn(args);
        } catch (const UsageError& e) {
            std::cerr << "lowclip-cli " << c->name << ": " << e.what() << "\nUsage: lowclip-cli " << c->name << " "
                      << c->usage << "\n";
            return 2;
        } catch (const lowclip::Cancelled&) {
            std::cerr << "lowclip-cli " << c->name << ": cancelled\n";
            return 130;
        } catch (const lowclip::Error& e) {
            std::cerr << "lowclip-cli " << c->name << ": error: " << e.what() << "\n";
            if (const std::string hint = hintFor(e); !hint.empty()) std::cerr << "  " << hint << "\n";
            return 1;
        } catch (const std::bad_alloc&) {
            std::cerr << "lowclip-cli " << c->name << ": error: there is not enough memory for this\n";
            return 1;
        } catch (const std::exception& e) {
            // Not one of ours (a library's own exception): its first line only, never a stack dump.
            std::string first = e.what();
            first = first.substr(0, first.find('\n'));
            if (first.size() > 200) first.resize(200);
            std::cerr << "lowclip-cli " << c->name << ": error: an unexpected failure stopped the command (" << first
                      << ")\n";
            return 1;
        }
    }
    std::cerr << "lowclip-cli: unknown command '" << argv[1] << "'\n";
    printHelp();
    return 2;
}
