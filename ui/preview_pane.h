#pragma once
// The right-hand pane: a larger view of the selected photo, its metadata and captions, and what
// can be done with it (relevance marks, find similar, open, show in folder, add caption).
#include <QWidget>

#include "ui/engine/engine.h"

class QLabel;
class QListWidget;
class QPushButton;
class QToolButton;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend;

class PreviewPane : public QWidget {
    Q_OBJECT
public:
    explicit PreviewPane(Backend* backend, QWidget* parent = nullptr);

    void showPhoto(const Photo& photo, bool fromTextQuery);
    void showSelectionCount(int count);  // several photos selected
    void clear();
    void reloadCaptions();
    qint64 photoId() const { return photo_.id; }
    QListWidget* captionList() const { return captions_; }
    // The shown photo's relevance mark for the current query (ResultsModel::Mark values).
    void setMark(int mark);
    int mark() const { return mark_; }
    // The Undo button after a mark was given or removed; `text` says what it undoes.
    void setUndo(const QString& text);
    QPushButton* relevantButton() const { return relevant_; }
    QPushButton* notRelevantButton() const { return notRelevant_; }
    QPushButton* undoButton() const { return undo_; }
    QLabel* markLabel() const { return markState_; }

Q_SIGNALS:
    void findSimilar(qint64 photoId);
    void openPhoto(qint64 photoId);
    void showInFolder(qint64 photoId);
    void addCaption();
    void markRelevant(qint64 photoId, bool relevant);
    void clearMark(qint64 photoId);  // the marked button was pressed again
    void undoMark();

private:
    void setImage(const QImage& image);

    Backend* backend_;
    Photo photo_;
    int generation_ = 0;
    QLabel* image_;
    QLabel* name_;
    QLabel* details_;
    QLabel* captionsTitle_;
    QListWidget* captions_;
    QPushButton* relevant_;
    QPushButton* notRelevant_;
    QPushButton* similar_;
    QPushButton* open_;
    QPushButton* folder_;
    QPushButton* caption_;
    QPushButton* undo_;
    QLabel* markState_;
    int mark_ = 0;
    bool fromTextQuery_ = false;
    QWidget* body_;
    QLabel* placeholder_;
};

}  // namespace ui
}  // namespace lowclip
