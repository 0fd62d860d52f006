#include "ui/ui_util.h"

#include <QLocale>
#include <cmath>

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

QString azLower(const QString& s) { return QLocale(QLocale::Azerbaijani, QLocale::Azerbaijan).toLower(s); }

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
