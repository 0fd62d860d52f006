#include "ui/app_settings.h"

#include <QDir>
#include <algorithm>
#include <cmath>

#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

AppSettings::AppSettings(const QString& dataDir)
    : dataDir_(dataDir), settings_(std::make_unique<QSettings>(QDir(dataDir).filePath(QStringLiteral("settings.ini")),
                                                               QSettings::IniFormat)) {}

EngineOptions AppSettings::engineOptions() const {
    EngineOptions o;
    o.device = toStd(settings_->value(QStringLiteral("engine/device"), QStringLiteral("auto")).toString());
    o.threads = settings_->value(QStringLiteral("engine/threads"), 0).toInt();
    o.hnswEfSearch = settings_->value(QStringLiteral("index/efSearch"), o.hnswEfSearch).toInt();
    o.textPrecision = settings_->value(QStringLiteral("engine/textPrecision")).toString() == QStringLiteral("float32") ? "float32" : "auto";
    o.thumbnailSize = thumbnailSize();
    return o;
}

void AppSettings::setEngineOptions(const EngineOptions& o) {
    settings_->setValue(QStringLiteral("engine/device"), toQ(o.device));
    settings_->setValue(QStringLiteral("engine/threads"), o.threads);
    settings_->setValue(QStringLiteral("index/efSearch"), o.hnswEfSearch);
    settings_->setValue(QStringLiteral("engine/textPrecision"), toQ(o.textPrecision));
    settings_->setValue(QStringLiteral("ui/thumbnailSize"), o.thumbnailSize);
}

int AppSettings::thumbnailSize() const {
    return std::clamp(settings_->value(QStringLiteral("ui/thumbnailSize"), 160).toInt(), 64, 512);
}

bool AppSettings::groupNearIdentical() const { return settings_->value(QStringLiteral("results/groupNearIdentical"), true).toBool(); }
void AppSettings::setGroupNearIdentical(bool on) { settings_->setValue(QStringLiteral("results/groupNearIdentical"), on); }

double AppSettings::nearIdenticalSimilarity() const {
    bool ok = false;
    const double s = settings_->value(QStringLiteral("results/nearIdenticalSimilarity"), 0.95).toDouble(&ok);
    return ok && std::isfinite(s) ? std::clamp(s, 0.80, 0.999) : 0.95;
}
void AppSettings::setNearIdenticalSimilarity(double s) {
    settings_->setValue(QStringLiteral("results/nearIdenticalSimilarity"), std::clamp(s, 0.80, 0.999));
}

QString AppSettings::language() const { return settings_->value(QStringLiteral("ui/language")).toString(); }
void AppSettings::setLanguage(const QString& lang) { settings_->setValue(QStringLiteral("ui/language"), lang); }

QStringList AppSettings::searchHistory() const { return settings_->value(QStringLiteral("search/history")).toStringList(); }

void AppSettings::addToHistory(const QString& query) {
    const QString q = query.trimmed();
    if (q.isEmpty()) return;
    QStringList h = searchHistory();
    h.removeAll(q);
    h.prepend(q);
    while (h.size() > kHistoryMax) h.removeLast();
    settings_->setValue(QStringLiteral("search/history"), h);
}

QByteArray AppSettings::windowGeometry() const { return settings_->value(QStringLiteral("ui/geometry")).toByteArray(); }
void AppSettings::setWindowGeometry(const QByteArray& g) { settings_->setValue(QStringLiteral("ui/geometry"), g); }
QByteArray AppSettings::windowState() const { return settings_->value(QStringLiteral("ui/state")).toByteArray(); }
void AppSettings::setWindowState(const QByteArray& s) { settings_->setValue(QStringLiteral("ui/state"), s); }

}  // namespace ui
}  // namespace lowclip
