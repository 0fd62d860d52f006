#pragma once
// Settings: device, threads, vector index parameters, thumbnail size, UI language.
#include <QDialog>
#include <QStringList>

#include "ui/engine/engine.h"

class QCheckBox;
class QComboBox;
class QGroupBox;
class QSpinBox;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    // `devices`: what the engine can use ("cpu", maybe "cuda").
    SettingsDialog(const EngineOptions& options, const QString& language, const QStringList& devices,
                   QWidget* parent = nullptr);
    EngineOptions options() const;
    QString language() const;
    // The search index's tuning, shown only with "Show expert settings".
    QGroupBox* expertGroup() const { return index_; }
    QCheckBox* expertToggle() const { return expert_; }

private:
    EngineOptions base_;
    QComboBox* device_;
    QSpinBox* threads_;
    QComboBox* precision_;
    QSpinBox* efSearch_;
    QSpinBox* thumb_;
    QComboBox* language_;
    QCheckBox* expert_;
    QGroupBox* index_;
};

}  // namespace ui
}  // namespace lowclip
