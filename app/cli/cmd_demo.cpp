#include <iostream>

#include "app/cli/command.h"

namespace {
int runDemo(lowclip::cli::Args& args) {
    bool json = args.flag("json");
    args.finish();
    if (json) {
        std::cout << "{\"status\":\"not yet implemented\"}\n";
    } else {
        std::cout << "lowclip-cli demo: will generate the synthetic Azerbaijani world, train a small dual\n"
                     "encoder on the CPU, evaluate it on held-out scenes, index them and run queries.\n";
    }
    return 0;
}
lowclip::cli::Command reg{"demo", "Train and try a small model on generated Azerbaijani data", "[--json]", runDemo,
                          {"json"}};
}  // namespace
