#pragma once
// The model manager: every model in the data folder with its architecture, metrics and size;
// import (LowCLIP model folder, Simple-CLIP state dict, Hugging Face BERT + image backbone),
// use, export, delete.
#include <QDialog>

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

class ImportModelDialog : public QDialog {
    Q_OBJECT
public:
    ImportModelDialog(ImportRequest::Kind kind, QWidget* parent = nullptr);
    ImportRequest request() const;

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

Q_SIGNALS:
    // The active model changed: the library is being re-embedded with it.
    void modelActivated(const QString& name);
    void modelsChanged();

private:
    void importModel(ImportRequest::Kind kind);
    void activateSelected();
    void exportSelected();
    void deleteSelected();
    QString selectedName() const;
    void updateButtons();
    void showError(const QString& message);

    Backend* backend_;
    QTreeWidget* list_;
    QLabel* hint_;
    QPushButton* use_;
    QPushButton* export_;
    QPushButton* delete_;
    std::vector<ModelInfo> models_;
};

}  // namespace ui
}  // namespace lowclip
