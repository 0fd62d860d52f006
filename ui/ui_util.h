#pragma once
// Small helpers shared by the widgets: string conversions, Azerbaijani-aware case folding,
// durations and sizes for people.
#include <QCoreApplication>
#include <QDateTime>
#include <QString>
#include <QStringList>
#include <string>

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

inline QString toQ(const std::string& s) { return QString::fromStdString(s); }
inline std::string toStd(const QString& s) { return s.toStdString(); }

// Lower case by Azerbaijani rules (I -> ı, İ -> i), for filtering and matching what people type.
QString azLower(const QString& s);

// Sorts names for people: ICU collation of the UI's locale (Azerbaijani: a b c ç d e ə ...),
// numbers by value ("scene_2" before "scene_10"), case ignored first.
void sortForDisplay(QStringList& names);
// True when `a` comes before `b` in that order.
bool lessForDisplay(const QString& a, const QString& b);

// A date (and time, when it has one) in the UI's locale with a four-digit year, from ISO 8601
// ("2024-07-12", "2024-07-12T18:03:00"); the input itself when it is not a date.
QString formatPhotoDate(const QString& iso);

// "45 s", "3 min", "1 h 20 min" (translated).
QString formatDuration(double seconds);
// Seconds left of a run: `eta` when the engine knows it (>= 0), else extrapolated from the time
// `done` of `total` units took; negative when neither is known yet.
double remainingSeconds(double elapsed, double done, double total, double eta);
// "12.3 MB" in the UI's locale.
QString formatBytes(quint64 bytes);
// A metric value such as 0.8734 as "0.873".
QString formatMetric(double value);
// Human name of a metric key: "t2i_r5" -> "Text→photo Recall@5".
QString metricName(const QString& key);

}  // namespace ui
}  // namespace lowclip
