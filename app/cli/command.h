#pragma once
// lowclip-cli subcommands. Each lives in its own app/cli/cmd_<name>.cpp and registers itself:
//
//   static int run(lowclip::cli::Args& args) { ... return 0; }
//   static lowclip::cli::Command reg{"tokenize", "Tokenize lines from stdin", "usage text", run};
//
// Errors: throw lowclip::Error (or cli::UsageError); main prints "lowclip-cli: error: ..." and exits 1
// (2 for usage errors).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace lowclip::cli {

class UsageError : public Error {
public:
    using Error::Error;
};

// Parsed command line: "--name value", "--flag", "--name=value" and positionals, in order.
class Args {
public:
    Args(std::vector<std::string> argv, std::vector<std::string> flagNames);
    // Declared flags take no value; every other --option takes one.
    bool flag(const std::string& name);                          // --name present?
    std::optional<std::string> option(const std::string& name);  // --name VALUE
    std::string option(const std::string& name, const std::string& fallback);
    int intOption(const std::string& name, int fallback);
    double doubleOption(const std::string& name, double fallback);
    std::vector<std::string> options(const std::string& name);   // repeated --name
    const std::vector<std::string>& positionals() const { return positionals_; }
    std::string positional(std::size_t i, const std::string& what) const;  // UsageError if missing
    // Throws UsageError naming any option that no accessor asked for.
    void finish() const;

private:
    std::multimap<std::string, std::string> options_;
    std::map<std::string, bool> used_;
    std::vector<std::string> positionals_;
};

struct Command {
    using Fn = int (*)(Args&);
    Command(const char* name, const char* summary, const char* usage, Fn fn,
            std::vector<std::string> flags = {});
    const char* name;
    const char* summary;
    const char* usage;
    Fn fn;
    std::vector<std::string> flags;  // option names that take no value (without "--")
};

const std::vector<Command*>& commands();

}  // namespace lowclip::cli
