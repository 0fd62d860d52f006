#include "ui/ui_util.h"

#include <QCollator>
#include <QLocale>
#include <algorithm>
#include <cmath>

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

QString azLower(const QString& s) { return QLocale(QLocale::Azerbaijani, QLocale::Azerbaijan).toLower(s); }

namespace {
QCollator displayCollator() {
    QCollator c{QLocale()};
    c.setNumericMode(true);
    c.setCaseSensitivity(Qt::CaseInsensitive);
    return c;
}

// A locale's short format with every year written with four digits ("dd.MM.yy" -> "dd.MM.yyyy").
QString withFullYear(QString format) {
    if (format.contains(QLatin1String("yyyy"))) return format;
    return format.replace(QLatin1String("yy"), QLatin1String("yyyy"));
}
}  // namespace

void sortForDisplay(QStringList& names) {
    const QCollator c = displayCollator();
    std::stable_sort(names.begin(), names.end(), [&c](const QString& a, const QString& b) { return c.compare(a, b) < 0; });
}

bool lessForDisplay(const QString& a, const QString& b) { return displayCollator().compare(a, b) < 0; }

QString formatPhotoDate(const QString& iso) {
    if (iso.isEmpty()) return iso;
    const QLocale loc;
    if (iso.size() > 10) {
        const QDateTime dt = QDateTime::fromString(iso.left(19), Qt::ISODate);
        if (dt.isValid()) return loc.toString(dt, withFullYear(loc.dateTimeFormat(QLocale::ShortFormat)));
    }
    const QDate d = QDate::fromString(iso.left(10), Qt::ISODate);
    if (d.isValid()) return loc.toString(d, withFullYear(loc.dateFormat(QLocale::ShortFormat)));
    return iso;
}

QString formatDuration(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds)) return QCoreApplication::translate("lowclip::ui::Format", "unknown");
    const qint64 s = qint64(std::llround(seconds));
    if (s < 60) return QCoreApplication::translate("lowclip::ui::Format", "%1 s").arg(s);
    if (s < 3600) return QCoreApplication::translate("lowclip::ui::Format", "%1 min").arg((s + 30) / 60);
    return QCoreApplication::translate("lowclip::ui::Format", "%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

double remainingSeconds(double elapsed, double done, double total, double eta) {
    if (eta >= 0 && std::isfinite(eta)) return eta;
    if (!(elapsed > 0) || !(done > 0) || !(total >= done) || !std::isfinite(elapsed) || !std::isfinite(total)) return -1.0;
    return elapsed * (total - done) / done;
}

QString formatBytes(quint64 bytes) { return QLocale().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeSIFormat); }

QString formatMetric(double value) { return QLocale().toString(value, 'f', 3); }

QString metricName(const QString& key) {
    QString prefix, k = key;
    const int dot = k.lastIndexOf(QLatin1Char('.'));
    if (dot >= 0) {
        prefix = k.left(dot) + QStringLiteral(": ");
        k = k.mid(dot + 1);
    }
    QString name;
    if (k.startsWith(QLatin1String("t2i_r")))
        name = QCoreApplication::translate("lowclip::ui::Format", "Text→photo Recall@%1").arg(k.mid(5));
    else if (k.startsWith(QLatin1String("i2t_r")))
        name = QCoreApplication::translate("lowclip::ui::Format", "Photo→text Recall@%1").arg(k.mid(5));
    else if (k == QLatin1String("t2i_map"))
        name = QCoreApplication::translate("lowclip::ui::Format", "Text→photo MAP");
    else if (k == QLatin1String("i2t_map"))
        name = QCoreApplication::translate("lowclip::ui::Format", "Photo→text MAP");
    else if (k == QLatin1String("t2i_median_rank"))
        name = QCoreApplication::translate("lowclip::ui::Format", "Text→photo median rank");
    else
        name = k;
    return prefix + name;
}

}  // namespace ui
}  // namespace lowclip
