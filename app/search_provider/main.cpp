// lowclip-search-provider: answers the desktop's own search (GNOME Shell, KRunner) over the session
// bus with photos of the library. Started by D-Bus activation (the DEB installs the service file);
// reads the library only, so it runs beside the window; exits after a while without questions.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDBusConnection>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>
#include <cstdio>
#include <exception>
#include <memory>

#include "app/search_provider/dbus_adaptors.h"
#include "core/error.h"
#include "ui/app_settings.h"
#include "ui/application.h"
#include "ui/desktop_search.h"
#include "ui/engine/engine.h"
#include "ui/error_text.h"
#include "ui/ui_util.h"

namespace {

const QString kService = QStringLiteral("io.lowclip.Desktop.SearchProvider");
const QString kObjectPath = QStringLiteral("/io/lowclip/Desktop/SearchProvider");

void say(const QString& text) { std::fprintf(stderr, "lowclip-search-provider: %s\n", text.toUtf8().constData()); }

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    // The same names as the window's: the same data folder (<data home>/lowclip) and settings.
    QCoreApplication::setOrganizationName(QString());
    QCoreApplication::setOrganizationDomain(QString());
    QCoreApplication::setApplicationName(QStringLiteral("lowclip"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LOWCLIP_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Answers the desktop's search with photos of the LowCLIP library."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption dataDirOption(QStringLiteral("data-dir"), QStringLiteral("The data folder (default: the window's)."),
                                     QStringLiteral("folder"));
    QCommandLineOption idleOption(QStringLiteral("idle-exit"),
                                  QStringLiteral("Exit after this many seconds without a question (0: never; default 300)."),
                                  QStringLiteral("seconds"), QStringLiteral("300"));
    QCommandLineOption resultsOption(QStringLiteral("results"), QStringLiteral("Photos per answer (1-50, default 12)."),
                                     QStringLiteral("count"), QStringLiteral("12"));
    QCommandLineOption guiOption(QStringLiteral("gui-program"),
                                 QStringLiteral("The window's program for \"search in LowCLIP\" (default: lowclip)."),
                                 QStringLiteral("program"));
    parser.addOption(dataDirOption);
    parser.addOption(idleOption);
    parser.addOption(guiOption);
    parser.addOption(resultsOption);
    parser.process(app);
    bool okIdle = false, okResults = false;
    const int idleSeconds = parser.value(idleOption).toInt(&okIdle);
    const int results = parser.value(resultsOption).toInt(&okResults);
    if (!okIdle || idleSeconds < 0 || idleSeconds > 86400 || !okResults || results < 1 || results > 50) {
        say(QStringLiteral("--idle-exit takes 0 to 86400 seconds and --results 1 to 50"));
        return 2;
    }

    const bool customData = parser.isSet(dataDirOption);
    const QString dataDir = customData ? QDir(parser.value(dataDirOption)).absolutePath() : lowclip::ui::defaultDataDir();
    lowclip::ui::AppSettings settings(dataDir);
    lowclip::ui::installTranslations(app, settings.language());

    lowclip::ui::EngineOptions engineOptions = settings.engineOptions();
    engineOptions.readOnly = true;
    std::shared_ptr<lowclip::ui::Engine> engine;
    try {
        engine = lowclip::ui::openEngine(lowclip::ui::toStd(dataDir), engineOptions);
    } catch (const lowclip::Error& e) {
        say(lowclip::ui::errorText(e));
        return 1;
    } catch (const std::exception&) {
        say(lowclip::ui::unexpectedErrorText());
        return 1;
    }

    lowclip::ui::DesktopSearch::Options options;
    options.maxResults = results;
    const QString cache = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    if (!cache.isEmpty()) options.thumbnailCache = QDir(cache).filePath(QStringLiteral("desktop-search"));
    const QString besideUs = QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("lowclip"));
    if (parser.isSet(guiOption)) options.guiProgram = parser.value(guiOption);
    else if (QFileInfo(besideUs).isExecutable()) options.guiProgram = besideUs;
    if (customData) options.dataDir = dataDir;
    lowclip::ui::DesktopSearch search(engine, options);
    search.pruneIconCache();

    lowclip::searchprovider::registerDBusTypes();
    QObject root;
    new lowclip::searchprovider::GnomeSearchProvider(&root, &search);
    new lowclip::searchprovider::KRunner(&root, &search);
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) {
        say(QStringLiteral("there is no D-Bus session bus"));
        return 1;
    }
    if (!bus.registerObject(kObjectPath, &root, QDBusConnection::ExportAdaptors)) {
        say(QStringLiteral("cannot export ") + kObjectPath);
        return 1;
    }
    if (!bus.registerService(kService)) {
        // Another provider answers already.
        say(kService + QStringLiteral(" is taken: another provider runs"));
        return 0;
    }

    // The first question would otherwise wait for the model to load.
    QTimer::singleShot(0, &app, [engine] {
        try {
            engine->prepareSearch();
        } catch (const std::exception&) {
            // No library or no model yet: questions are answered with nothing until there is.
        }
    });

    QTimer idle;
    idle.setSingleShot(true);
    if (idleSeconds > 0) {
        idle.setInterval(idleSeconds * 1000);
        QObject::connect(&idle, &QTimer::timeout, &app, &QCoreApplication::quit);
        QObject::connect(&search, &lowclip::ui::DesktopSearch::used, &idle, qOverload<>(&QTimer::start));
        idle.start();
    }
    return app.exec();
}
