#pragma once
// "Captions": every captioned photo with its text, editable in place; delete; import and export
// as TSV (path<TAB>caption). The header says how many pairs are ready for teaching the model.
#include <QAbstractTableModel>
#include <QDialog>
#include <QSortFilterProxyModel>
#include <functional>

#include "ui/engine/engine.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend;
class ThumbnailLoader;

class CaptionsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { PhotoColumn, TextColumn, SourceColumn, ColumnCount };
    static constexpr int kThumbnailSize = 48;
    CaptionsModel(Backend* backend, QObject* parent = nullptr);
    ~CaptionsModel() override;
    void setCaptions(std::vector<Caption> captions);
    const Caption& captionAt(int row) const { return rows_[std::size_t(row)]; }
    void removeCaptionRow(int row);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;

Q_SIGNALS:
    void edited();
    void failed(const QString& message);

private:
    Backend* backend_;
    ThumbnailLoader* thumbnails_;
    std::vector<Caption> rows_;
};

// Case-insensitive filtering by Azerbaijani rules (I/ı, İ/i).
class AzFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setNeedle(const QString& text);

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override;

private:
    QString needle_;
};

class CaptionsWindow : public QDialog {
    Q_OBJECT
public:
    CaptionsWindow(Backend* backend, QWidget* parent = nullptr);
    void reload();
    QTableView* table() const { return table_; }
    CaptionsModel* model() const { return model_; }
    bool isLoading() const { return loading_; }
    // Deletes the selected captions after asking (the Delete key and the button).
    void deleteSelected();
    // Puts back the captions the last deletion removed (the Undo button, Ctrl+Z); they come back as
    // the person's own captions.
    void undoDelete();
    QPushButton* undoButton() const { return undo_; }

Q_SIGNALS:
    void captionsChanged();

private:
    void importTsv();
    void exportTsv();
    void updateHeader();
    void showError(const QString& message);
    // Runs a change of the captions on a worker thread, then reloads (also after an error).
    void runChange(std::function<void()> change);

    Backend* backend_;
    CaptionsModel* model_;
    AzFilterProxy* proxy_;
    QTableView* table_;
    QLabel* header_;
    QLineEdit* filter_;
    QPushButton* delete_;
    QPushButton* undo_;
    std::vector<Caption> lastDeleted_;  // what undoDelete() puts back
    std::size_t pairs_ = 0;
    bool loading_ = false;
};

}  // namespace ui
}  // namespace lowclip
