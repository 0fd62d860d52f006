#pragma once
// The model manager: every model in the data folder with its architecture, metrics and size;
// import (LowCLIP model folder, Simple-CLIP state dict, Hugging Face BERT + image backbone),
// use, export, delete.
#include <QDialog>
#include <QRegularExpression>
#include <optional>

#include "ui/engine/engine.h"

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend;

// A model's text->photo Recall@5 with the set it was measured on and a 95 % interval.
struct QualityFigure {
    bool known = false;
    QString set;               // "heldout", "single" (the demo's), empty: unnamed
    double recall = 0.0;
    std::size_t captions = 0;  // size of the set, 0 when not recorded
    double low = 0.0, high = 0.0;
};
QualityFigure modelQuality(const std::map<std::string, double>& metrics);
// "Recall@5 0.620 (95 %: 0.530–0.700, 120 captions)", or "too few captions to measure" below
// `minCaptions` (the engine's TeachingPlan::minHeldOutCaptions).
QString modelQualityText(const std::map<std::string, double>& metrics, std::size_t minCaptions);

class ImportModelDialog : public QDialog {
    Q_OBJECT
public:
    ImportModelDialog(ImportRequest::Kind kind, QWidget* parent = nullptr);
    ImportRequest request() const;
    // Fills the form (after a failed import).
    void setRequest(const ImportRequest& request);
    // What the name field accepts: letters and digits of any script, marks, spaces, ".", "-", "_".
    static QRegularExpression modelNamePattern();
    QLineEdit* nameField() const { return name_; }

private:
    QLineEdit* addPathRow(QFormLayout* form, const QString& label, bool folder, const QString& filter);
    void validate();

    ImportRequest::Kind kind_;
    QLineEdit* name_ = nullptr;
    QLineEdit* source_ = nullptr;
    QLineEdit* vocab_ = nullptr;
    QLineEdit* bertConfig_ = nullptr;
    QLineEdit* bertFolder_ = nullptr;
    QLineEdit* imageWeights_ = nullptr;
    QComboBox* arch_ = nullptr;
    QPushButton* ok_ = nullptr;
};

class ModelManager : public QDialog {
    Q_OBJECT
public:
    ModelManager(Backend* backend, QWidget* parent = nullptr);
    void reload();
    QTreeWidget* list() const { return list_; }
    QPushButton* useButton() const { return use_; }
    QPushButton* measureButton() const { return measure_; }
    // Measures every model on the library's held-out captions (the "On your captions" column).
    void measureAll();
    // Imports in the background with a progress dialog; a failure shows the reason and then the
    // form again, filled in as it was.
    void startImport(const ImportRequest& request);

Q_SIGNALS:
    // The active model changed: the library is being re-embedded with it.
    void modelActivated(const QString& name);
    void modelsChanged();
    // An import failed (after its message was shown).
    void importFailed();

private:
    void importModel(ImportRequest::Kind kind);
    void activateSelected();
    void exportSelected();
    void deleteSelected();
    QString selectedName() const;
    void updateButtons();
    void showError(const QString& message);
    void applyMeasurement();

    Backend* backend_;
    QTreeWidget* list_;
    QLabel* hint_;
    QPushButton* use_;
    QPushButton* export_;
    QPushButton* delete_;
    QPushButton* measure_;
    std::vector<ModelInfo> models_;
    std::optional<HeldOutMeasurement> measured_;
    std::size_t minCaptions_ = 20;
    std::optional<ImportRequest> lastFailedImport_;
};

}  // namespace ui
}  // namespace lowclip
