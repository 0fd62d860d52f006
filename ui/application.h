#pragma once
// The desktop application's start-up: command line, data folder, translations, the engine and
// the main window. app/gui/main.cpp calls runApplication().
#include <QString>

class QApplication;
class QCoreApplication;
class QTranslator;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

struct StartOptions {
    QString dataDir;   // --data-dir; empty: the standard location
    QString language;  // --lang az|en; empty: settings, then the system locale
    QString search;    // --search TEXT: search for this at start (or in the running window)
};

// Parses the command line (--data-dir DIR, --lang LANG, --search TEXT); exits with usage on errors.
StartOptions parseCommandLine(QApplication& app);

// QStandardPaths::AppDataLocation for application name "lowclip" and no organisation:
// $XDG_DATA_HOME/lowclip or ~/.local/share/lowclip, the same folder as the CLI's.
QString defaultDataDir();

// Installs the translation for `language` ("az", "en", or empty for the system locale).
// Returns the language in force ("az" or "en").
QString installTranslations(QCoreApplication& app, const QString& language);

// Sets the application name, organisation and icon as the data folder and desktop integration need.
void setApplicationIdentity();

int runApplication(int argc, char** argv);

}  // namespace ui
}  // namespace lowclip
