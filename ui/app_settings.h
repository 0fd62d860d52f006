#pragma once
// The application's settings, kept in settings.ini inside the data folder (so --data-dir keeps
// tests and portable installs away from the user's real settings).
#include <QSettings>
#include <QStringList>
#include <memory>

#include "ui/engine/engine.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class AppSettings {
public:
    explicit AppSettings(const QString& dataDir);

    QString dataDir() const { return dataDir_; }
    EngineOptions engineOptions() const;
    void setEngineOptions(const EngineOptions& o);
    int thumbnailSize() const;
    // "" = follow the system, "az", "en".
    QString language() const;
    void setLanguage(const QString& lang);
    // Results: near-identical photos grouped into stacks, and the cosine from which they count so.
    bool groupNearIdentical() const;
    void setGroupNearIdentical(bool on);
    double nearIdenticalSimilarity() const;  // 0.80..0.999, default 0.95
    void setNearIdenticalSimilarity(double s);
    QStringList searchHistory() const;
    void addToHistory(const QString& query);
    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& g);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& s);
    void sync() { settings_->sync(); }

    static constexpr int kHistoryMax = 50;

private:
    QString dataDir_;
    std::unique_ptr<QSettings> settings_;
};

}  // namespace ui
}  // namespace lowclip
