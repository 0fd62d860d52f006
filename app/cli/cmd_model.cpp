// lowclip-cli model: the models of the data folder and which one is active (the same registry and
// choice the desktop app uses).
#include <iostream>

#include "app/cli/workspace_cli.h"

namespace {

nlohmann::json entryJson(const lowclip::app::ModelEntry& m) {
    nlohmann::json j{{"name", m.name},        {"bundle", m.dir},       {"text_encoder", m.textEncoder},
                     {"image_arch", m.imageArch}, {"dim", m.dim},       {"image_size", m.imageSize},
                     {"bytes", m.bytes},      {"created", m.created},  {"source", m.source},
                     {"active", m.active},    {"readable", m.readable}, {"metrics", m.metrics}};
    if (!m.readable) j["problem"] = m.problem;
    return j;
}

int runModel(lowclip::cli::Args& args) {
    using namespace lowclip;
    using namespace lowclip::cli::ws;
    const bool json = args.flag("json");
    const std::string action = args.positionals().empty() ? "list" : args.positionals()[0];
    const bool writes = action == "delete";  // forgets the model's vectors in the library
    auto options = workspaceOptions(args, writes ? library::OpenMode::ReadWrite : library::OpenMode::ReadOnly);
    args.finish();
    if (action != "list" && action != "use" && action != "delete" && action != "export" && action != "show")
        throw cli::UsageError("unknown action '" + action + "' (list, show, use, delete, export)");
    auto w = app::Workspace::open(options);
    if (action == "list") {
        const auto models = w->models();
        if (json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& m : models) out.push_back(entryJson(m));
            printJson(out);
            return 0;
        }
        if (models.empty()) std::cout << "no models yet: run lowclip-cli demo, or lowclip-cli import\n";
        for (const auto& m : models)
            std::cout << (m.active ? "* " : "  ") << m.name << "  "
                      << (m.readable ? m.imageArch + ", " + std::to_string(m.dim) + " dimensions" : "unreadable: " + m.problem)
                      << "\n";
        return 0;
    }
    const std::string name = args.positional(1, "the model name");
    if (action == "show") {
        auto m = w->registry().describe(name);
        m.active = w->activeModel().dir == m.dir;
        if (json) printJson(entryJson(m));
        else std::cout << entryJson(m).dump(2) << "\n";
    } else if (action == "use") {
        w->activateModel(name);
        if (!json) std::cout << "'" << name << "' is the active model\n";
        else printJson({{"active", name}});
    } else if (action == "delete") {
        w->deleteModel(name);
        if (!json) std::cout << "deleted '" << name << "'\n";
    } else {
        const std::string dest = args.positional(2, "the destination folder");
        w->exportModel(name, dest);
        if (!json) std::cout << "copied '" << name << "' into " << dest << "\n";
    }
    return 0;
}

const std::string gUsage = std::string(lowclip::cli::ws::kWorkspaceUsage) +
                           " [--json] [list] | show NAME | use NAME | delete NAME | export NAME FOLDER";

lowclip::cli::Command reg{"model", "List the models, choose the active one, delete or export one", gUsage.c_str(),
                          runModel, {"json"}};

}  // namespace
