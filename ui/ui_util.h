#pragma once
// Small helpers shared by the widgets: string conversions, Azerbaijani-aware case folding,
// durations and sizes for people.
#include <QCoreApplication>
#include <QString>
#include <string>

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

inline QString toQ(const std::string& s) { return QString::fromStdString(s); }
inline std::string toStd(const QString& s) { return s.toStdString(); }

// Lower case by Azerbaijani rules (I -> ı, İ -> i), for filtering and matching what people type.
QString azLower(const QString& s);

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
