#include "ui/preview_pane.h"

#include <QDateTime>
#include <QFileInfo>
#include <QGridLayout>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include "ui/backend.h"
#include "ui/flow_layout.h"
#include "ui/thumbnail_loader.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

namespace {
constexpr int kPreviewSize = 320;
}

PreviewPane::PreviewPane(Backend* backend, QWidget* parent) : QWidget(parent), backend_(backend) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(8, 8, 8, 8);
    placeholder_ = new QLabel(tr("Select a photo to see it here."), this);
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setWordWrap(true);
    placeholder_->setEnabled(false);
    outer->addWidget(placeholder_, 1);

    body_ = new QWidget(this);
    auto* v = new QVBoxLayout(body_);
    v->setContentsMargins(0, 0, 0, 0);
    image_ = new QLabel(body_);
    image_->setAlignment(Qt::AlignCenter);
    image_->setMinimumSize(160, 120);
    image_->setMaximumHeight(kPreviewSize);
    image_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    v->addWidget(image_);

    // The text scrolls; the buttons below it never move, however long the text is.
    auto* scroll = new QScrollArea(body_);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* text = new QWidget(scroll);
    auto* tv = new QVBoxLayout(text);
    tv->setContentsMargins(0, 0, 0, 0);
    name_ = new QLabel(text);
    name_->setWordWrap(true);
    name_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = name_->font();
    bold.setBold(true);
    name_->setFont(bold);
    tv->addWidget(name_);
    details_ = new QLabel(text);
    details_->setWordWrap(true);
    details_->setTextFormat(Qt::RichText);
    details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    tv->addWidget(details_);
    captionsTitle_ = new QLabel(tr("Captions:"), text);
    captionsTitle_->setFont(bold);
    tv->addWidget(captionsTitle_);
    captions_ = new QListWidget(text);
    captions_->setWordWrap(true);
    captions_->setMaximumHeight(110);
    captions_->setObjectName(QStringLiteral("previewCaptions"));
    tv->addWidget(captions_);
    tv->addStretch(1);
    scroll->setWidget(text);
    v->addWidget(scroll, 1);

    auto* marks = new QHBoxLayout;
    markState_ = new QLabel(body_);
    markState_->setObjectName(QStringLiteral("markState"));
    markState_->setWordWrap(true);
    undo_ = new QPushButton(tr("Undo"), body_);
    undo_->setObjectName(QStringLiteral("undoMark"));
    undo_->setVisible(false);
    marks->addWidget(markState_, 1);
    marks->addWidget(undo_);
    v->addLayout(marks);

    // Two columns when there is room, fewer when the pane is narrow; always below the text.
    auto* actions = new QWidget(body_);
    auto* grid = new FlowLayout(actions, 6, 4);
    relevant_ = new QPushButton(QStringLiteral("✓ ") + tr("Relevant"), body_);
    relevant_->setObjectName(QStringLiteral("markRelevant"));
    notRelevant_ = new QPushButton(QStringLiteral("✗ ") + tr("Not relevant"), body_);
    notRelevant_->setObjectName(QStringLiteral("markNotRelevant"));
    for (auto* b : {relevant_, notRelevant_}) b->setCheckable(true);
    similar_ = new QPushButton(tr("Find similar"), body_);
    caption_ = new QPushButton(tr("Add caption…"), body_);
    open_ = new QPushButton(tr("Open"), body_);
    folder_ = new QPushButton(tr("Show in folder"), body_);
    folder_->setObjectName(QStringLiteral("showInFolder"));
    for (auto* b : {relevant_, notRelevant_, similar_, caption_, open_, folder_}) {
        b->setParent(actions);
        grid->addWidget(b);
    }
    v->addWidget(actions);
    outer->addWidget(body_, 1);

    // A checkable button toggles by itself; the state shown is always the engine's (setMark).
    auto press = [this](bool relevant) {
        const int wanted = relevant ? 1 : -1;
        if (mark_ == wanted) Q_EMIT clearMark(photo_.id);
        else Q_EMIT markRelevant(photo_.id, relevant);
        setMark(mark_);
    };
    connect(relevant_, &QPushButton::clicked, this, [press] { press(true); });
    connect(notRelevant_, &QPushButton::clicked, this, [press] { press(false); });
    connect(undo_, &QPushButton::clicked, this, [this] { Q_EMIT undoMark(); });
    connect(similar_, &QPushButton::clicked, this, [this] { Q_EMIT findSimilar(photo_.id); });
    connect(open_, &QPushButton::clicked, this, [this] { Q_EMIT openPhoto(photo_.id); });
    connect(folder_, &QPushButton::clicked, this, [this] { Q_EMIT showInFolder(photo_.id); });
    connect(caption_, &QPushButton::clicked, this, [this] { Q_EMIT addCaption(); });
    clear();
}

void PreviewPane::clear() {
    ++generation_;
    photo_ = {};
    body_->hide();
    placeholder_->setText(tr("Select a photo to see it here."));
    placeholder_->show();
}

void PreviewPane::showSelectionCount(int count) {
    ++generation_;
    photo_ = {};
    body_->hide();
    placeholder_->setText(tr("%n photos selected. Use “Add caption” in the context menu to caption them all.", nullptr, count));
    placeholder_->show();
}

void PreviewPane::showPhoto(const Photo& photo, bool fromTextQuery) {
    const int gen = ++generation_;
    photo_ = photo;
    placeholder_->hide();
    body_->show();
    const QString path = toQ(photo.path);
    const QFileInfo fi(path);
    name_->setText(fi.fileName());
    QStringList rows;
    auto row = [&rows](const QString& label, const QString& value) {
        if (!value.isEmpty()) rows << QStringLiteral("<b>%1:</b> %2").arg(label.toHtmlEscaped(), value.toHtmlEscaped());
    };
    const QString date = formatPhotoDate(toQ(photo.dateTaken));
    row(tr("Date"), date);
    row(tr("Camera"), toQ(photo.camera));
    QString size;
    if (photo.width > 0) size = QStringLiteral("%1 × %2").arg(photo.width).arg(photo.height);
    if (photo.bytes > 0) size += (size.isEmpty() ? QString() : QStringLiteral(", ")) + formatBytes(photo.bytes);
    row(tr("Size"), size);
    row(tr("Folder"), fi.absolutePath());
    if (photo.hasLocation)
        row(tr("Location"), QStringLiteral("%1, %2").arg(QLocale().toString(photo.latitude, 'f', 5),
                                                         QLocale().toString(photo.longitude, 'f', 5)));
    if (photo.score != 0.0f) row(tr("Relevance score"), QLocale().toString(double(photo.score), 'f', 3));
    details_->setText(rows.join(QStringLiteral("<br>")));
    fromTextQuery_ = fromTextQuery;
    relevant_->setEnabled(fromTextQuery);
    notRelevant_->setEnabled(fromTextQuery);
    const QString hint = fromTextQuery ? QString() : tr("Search with a sentence first to mark results.");
    relevant_->setToolTip(fromTextQuery ? tr("This photo matches the query: use it to teach the model") : hint);
    notRelevant_->setToolTip(fromTextQuery ? tr("This photo does not match the query") : hint);
    setMark(0);

    image_->setPixmap({});
    image_->setText(tr("Loading…"));
    backend_->run(
        this, [path]() { return ThumbnailLoader::decodeScaled(path, kPreviewSize * 2); },
        [this, gen](QImage img) {
            if (gen == generation_) setImage(img);
        },
        [this, gen](const QString&) {
            if (gen == generation_) image_->setText(tr("This photo cannot be shown."));
        });
    reloadCaptions();
}

void PreviewPane::setMark(int mark) {
    mark_ = mark;
    relevant_->setChecked(mark > 0);
    notRelevant_->setChecked(mark < 0);
    QFont f = relevant_->font();
    for (auto* b : {relevant_, notRelevant_}) {
        f.setBold(b->isChecked());
        b->setFont(f);
    }
    if (!fromTextQuery_) markState_->clear();
    else if (mark > 0) markState_->setText(tr("Marked as relevant. Press again to remove the mark."));
    else if (mark < 0) markState_->setText(tr("Marked as not relevant. Press again to remove the mark."));
    else markState_->setText(tr("Not marked."));
}

void PreviewPane::setUndo(const QString& text) {
    undo_->setVisible(!text.isEmpty());
    undo_->setToolTip(text);
}

void PreviewPane::setImage(const QImage& image) {
    if (image.isNull()) {
        image_->setText(tr("This photo cannot be shown."));
        return;
    }
    const int w = std::max(160, std::min(width() - 16, kPreviewSize));
    QPixmap pm = QPixmap::fromImage(image.scaled(w, kPreviewSize, Qt::KeepAspectRatio, Qt::SmoothTransformation));
    image_->setPixmap(pm);
}

void PreviewPane::reloadCaptions() {
    if (photo_.id == 0) return;
    const int gen = generation_;
    const qint64 id = photo_.id;
    backend_->run(
        this, [engine = backend_->enginePtr(), id]() { return engine->captionsFor(id); },
        [this, gen](std::vector<Caption> list) {
            if (gen != generation_) return;
            captions_->clear();
            for (const auto& c : list) {
                auto* item = new QListWidgetItem(toQ(c.text), captions_);
                item->setData(Qt::UserRole, qint64(c.id));
            }
            captionsTitle_->setText(list.empty() ? tr("No captions yet.") : tr("Captions:"));
            captions_->setVisible(!list.empty());
        });
}

}  // namespace ui
}  // namespace lowclip
