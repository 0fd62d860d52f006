#include "ui/application.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QLibraryInfo>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTranslator>
#include <memory>

#include "ui/app_settings.h"
#include "ui/backend.h"
#include "ui/error_text.h"
#include "ui/main_window.h"
#include "ui/single_instance.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

void setApplicationIdentity() {
    // No organisation name: AppDataLocation is then <data home>/lowclip, where the CLI looks too.
    QCoreApplication::setOrganizationName(QString());
    QCoreApplication::setOrganizationDomain(QString());
    QCoreApplication::setApplicationName(QStringLiteral("lowclip"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LOWCLIP_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("LowCLIP"));
    QGuiApplication::setDesktopFileName(QStringLiteral("io.lowclip.Desktop"));
}

QString defaultDataDir() { return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation); }

StartOptions parseCommandLine(QApplication& app) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("lowclip::ui::Application",
                                                                 "Find photos by describing them in Azerbaijani."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption dataDir(QStringLiteral("data-dir"),
                               QCoreApplication::translate("lowclip::ui::Application",
                                                           "Keep the library, models and settings in <folder>."),
                               QStringLiteral("folder"));
    QCommandLineOption lang(QStringLiteral("lang"),
                            QCoreApplication::translate("lowclip::ui::Application", "User interface language: az or en."),
                            QStringLiteral("language"));
    QCommandLineOption search(QStringLiteral("search"),
                              QCoreApplication::translate("lowclip::ui::Application",
                                                          "Search for <text> (in the window already open, if any)."),
                              QStringLiteral("text"));
    parser.addOption(dataDir);
    parser.addOption(lang);
    parser.addOption(search);
    parser.process(app);
    StartOptions o;
    o.dataDir = parser.value(dataDir);
    o.language = parser.value(lang);
    o.search = parser.value(search).simplified().left(512);
    return o;
}

QString installTranslations(QCoreApplication& app, const QString& language) {
    static std::unique_ptr<QTranslator> ours, qtBase;
    if (ours) app.removeTranslator(ours.get());
    if (qtBase) app.removeTranslator(qtBase.get());
    ours = std::make_unique<QTranslator>();
    qtBase = std::make_unique<QTranslator>();
    QString lang = language;
    if (lang.isEmpty()) {
        // Follow the system: Azerbaijani when it is among the UI languages, else English.
        lang = QStringLiteral("en");
        for (const QString& l : QLocale().uiLanguages())
            if (l.startsWith(QLatin1String("az"))) {
                lang = QStringLiteral("az");
                break;
            }
    }
    if (ours->load(QStringLiteral(":/i18n/lowclip_%1.qm").arg(lang))) app.installTranslator(ours.get());
    // Qt's own texts (Yes/No/OK, context menus, the file dialog): the system's Qt translation when
    // there is one, else the one LowCLIP carries (Qt has no Azerbaijani qtbase translation).
    if (qtBase->load(QStringLiteral("qtbase_%1").arg(lang), QLibraryInfo::path(QLibraryInfo::TranslationsPath)) ||
        qtBase->load(QStringLiteral(":/i18n/qtbase_%1.qm").arg(lang)))
        app.installTranslator(qtBase.get());
    // Numbers and dates follow the UI language when it is Azerbaijani, else the system's locale.
    QLocale::setDefault(lang == QLatin1String("az") ? QLocale(QLocale::Azerbaijani, QLocale::Azerbaijan) : QLocale::system());
    return lang;
}

int runApplication(int argc, char** argv) {
    QApplication app(argc, argv);
    setApplicationIdentity();
    app.setWindowIcon(QIcon(QStringLiteral(":/icons/io.lowclip.Desktop.svg")));
    const StartOptions options = parseCommandLine(app);
    const QString dataDir = options.dataDir.isEmpty() ? defaultDataDir() : QDir(options.dataDir).absolutePath();
    if (!QDir().mkpath(dataDir)) {
        installTranslations(app, options.language);
        QMessageBox::critical(nullptr, QStringLiteral("LowCLIP"),
                              QCoreApplication::translate("lowclip::ui::Application",
                                                          "The data folder %1 cannot be created. Check that the disk "
                                                          "is writable, or start LowCLIP with --data-dir FOLDER.")
                                  .arg(dataDir));
        return 1;
    }
    // A second start on the same data folder raises the running window instead of failing on the
    // library's lock.
    SingleInstance instance(QDir(dataDir).canonicalPath());
    if (instance.forwardToRunning(1500, options.search)) return 0;
    instance.listen();
    AppSettings settings(dataDir);
    installTranslations(app, options.language.isEmpty() ? settings.language() : options.language);

    std::shared_ptr<Engine> engine;
    try {
        engine = openEngine(toStd(dataDir), settings.engineOptions());
    } catch (const lowclip::Error& e) {
        QMessageBox::critical(nullptr, QStringLiteral("LowCLIP"),
                              QCoreApplication::translate("lowclip::ui::Application",
                                                          "The photo library in %1 cannot be opened: %2")
                                  .arg(dataDir, errorText(e)));
        return 1;
    } catch (...) {
        QMessageBox::critical(nullptr, QStringLiteral("LowCLIP"),
                              QCoreApplication::translate("lowclip::ui::Application",
                                                          "The photo library in %1 cannot be opened: %2")
                                  .arg(dataDir, unexpectedErrorText()));
        return 1;
    }
    Backend backend(engine);
    MainWindow window(&backend, &settings);
    auto searchFor = [&window](const QString& query) {
        if (query.isEmpty()) return;
        window.searchField()->setText(query);
        window.runSearch();
    };
    QObject::connect(&instance, &SingleInstance::activationRequested, &window, [&window, searchFor](const QString& query) {
        if (window.isMinimized()) window.showNormal();
        window.show();
        window.raise();
        window.activateWindow();
        searchFor(query);
    });
    window.show();
    searchFor(options.search);
    const int rc = app.exec();
    backend.waitForIdle();
    return rc;
}

}  // namespace ui
}  // namespace lowclip
