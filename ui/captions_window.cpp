#include "ui/captions_window.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QShortcut>
#include <QTableView>
#include <QVBoxLayout>
#include <set>

#include "core/error.h"
#include "ui/backend.h"
#include "ui/caption_transfer.h"
#include "ui/thumbnail_loader.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

// ---- CaptionsModel ---------------------------------------------------------------------------

CaptionsModel::CaptionsModel(Backend* backend, QObject* parent)
    : QAbstractTableModel(parent),
      backend_(backend),
      thumbnails_(new ThumbnailLoader(backend->enginePtr(), kThumbnailSize, this)) {
    connect(thumbnails_, &ThumbnailLoader::loaded, this, [this](qint64 photoId, const QImage&) {
        for (std::size_t i = 0; i < rows_.size(); ++i)
            if (rows_[i].photoId == photoId) {
                const QModelIndex at = index(int(i), PhotoColumn);
                Q_EMIT dataChanged(at, at, {Qt::DecorationRole});
            }
    });
}

CaptionsModel::~CaptionsModel() {
    thumbnails_->clearPending();
    thumbnails_->waitForDone();
}

void CaptionsModel::setCaptions(std::vector<Caption> captions) {
    beginResetModel();
    rows_ = std::move(captions);
    endResetModel();
}

void CaptionsModel::removeCaptionRow(int row) {
    beginRemoveRows({}, row, row);
    rows_.erase(rows_.begin() + row);
    endRemoveRows();
}

int CaptionsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int CaptionsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant CaptionsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const Caption& c = rows_[std::size_t(index.row())];
    if (role == Qt::DisplayRole || role == Qt::EditRole) {
        switch (index.column()) {
        case PhotoColumn: return QFileInfo(toQ(c.path)).fileName();
        case TextColumn: return toQ(c.text);
        case SourceColumn:
            if (c.source == "user") return tr("typed");
            if (c.source == "import") return tr("imported");
            return toQ(c.source);
        }
    }
    if (role == Qt::ToolTipRole && index.column() == PhotoColumn) return toQ(c.path);
    if (role == Qt::DecorationRole && index.column() == PhotoColumn) {
        const QImage image = thumbnails_->get(c.photoId, toQ(c.path));
        if (!image.isNull()) return QPixmap::fromImage(image);
        // Nothing to show (yet, or the photo cannot be read): an empty square keeps rows even.
        QPixmap empty(kThumbnailSize, kThumbnailSize);
        empty.fill(Qt::transparent);
        return empty;
    }
    return {};
}

QVariant CaptionsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case PhotoColumn: return tr("Photo");
    case TextColumn: return tr("Caption");
    case SourceColumn: return tr("Source");
    }
    return {};
}

Qt::ItemFlags CaptionsModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.column() == TextColumn) f |= Qt::ItemIsEditable;
    return f;
}

bool CaptionsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || index.column() != TextColumn) return false;
    const QString text = value.toString().trimmed();
    Caption& c = rows_[std::size_t(index.row())];
    if (text.isEmpty() || toStd(text) == c.text) return false;
    const std::string old = c.text;
    c.text = toStd(text);
    Q_EMIT dataChanged(index, index);
    const qint64 id = c.id;
    backend_->run(
        this, [engine = backend_->enginePtr(), id, t = c.text]() { engine->editCaption(id, t); },
        [this]() { Q_EMIT edited(); },
        [this, id, old](const QString& message) {
            for (std::size_t i = 0; i < rows_.size(); ++i)
                if (rows_[i].id == id) {
                    rows_[i].text = old;
                    Q_EMIT dataChanged(this->index(int(i), TextColumn), this->index(int(i), TextColumn));
                }
            Q_EMIT failed(message);
        });
    return true;
}

// ---- AzFilterProxy ---------------------------------------------------------------------------

void AzFilterProxy::setNeedle(const QString& text) {
    needle_ = azLower(text.trimmed());
    invalidateFilter();
}

bool AzFilterProxy::filterAcceptsRow(int row, const QModelIndex& parent) const {
    if (needle_.isEmpty()) return true;
    for (int col : {int(CaptionsModel::PhotoColumn), int(CaptionsModel::TextColumn)}) {
        const QString s = sourceModel()->index(row, col, parent).data().toString();
        if (azLower(s).contains(needle_)) return true;
    }
    return false;
}

// ---- CaptionsWindow --------------------------------------------------------------------------

CaptionsWindow::CaptionsWindow(Backend* backend, QWidget* parent) : QDialog(parent), backend_(backend) {
    setWindowTitle(tr("Captions"));
    resize(760, 480);
    auto* v = new QVBoxLayout(this);
    header_ = new QLabel(this);
    header_->setWordWrap(true);
    v->addWidget(header_);
    filter_ = new QLineEdit(this);
    filter_->setPlaceholderText(tr("Filter by file name or caption"));
    filter_->setClearButtonEnabled(true);
    v->addWidget(filter_);

    model_ = new CaptionsModel(backend_, this);
    proxy_ = new AzFilterProxy(this);
    proxy_->setSourceModel(model_);
    table_ = new QTableView(this);
    table_->setModel(proxy_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                            QAbstractItemView::AnyKeyPressed);
    table_->horizontalHeader()->setSectionResizeMode(CaptionsModel::TextColumn, QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(CaptionsModel::PhotoColumn, QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(CaptionsModel::SourceColumn, QHeaderView::ResizeToContents);
    table_->verticalHeader()->hide();
    table_->setIconSize(QSize(CaptionsModel::kThumbnailSize, CaptionsModel::kThumbnailSize));
    table_->verticalHeader()->setDefaultSectionSize(CaptionsModel::kThumbnailSize + 8);
    table_->setAlternatingRowColors(true);
    table_->setSortingEnabled(true);
    table_->sortByColumn(CaptionsModel::PhotoColumn, Qt::AscendingOrder);
    v->addWidget(table_, 1);

    auto* row = new QHBoxLayout;
    delete_ = new QPushButton(tr("Delete"), this);
    delete_->setEnabled(false);
    auto* import = new QPushButton(tr("Import…"), this);
    import->setToolTip(tr("Read captions from a TSV file: one “path<TAB>caption” per line"));
    auto* exportBtn = new QPushButton(tr("Export…"), this);
    exportBtn->setToolTip(tr("Write every caption to a TSV file"));
    undo_ = new QPushButton(tr("Undo delete"), this);
    undo_->setEnabled(false);
    undo_->setToolTip(tr("Put back the captions just deleted (Ctrl+Z)"));
    row->addWidget(delete_);
    row->addWidget(undo_);
    row->addStretch(1);
    row->addWidget(import);
    row->addWidget(exportBtn);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    row->addWidget(close);
    v->addLayout(row);

    connect(filter_, &QLineEdit::textChanged, proxy_, &AzFilterProxy::setNeedle);
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { delete_->setEnabled(table_->selectionModel()->hasSelection()); });
    connect(delete_, &QPushButton::clicked, this, &CaptionsWindow::deleteSelected);
    // The Delete key on the table (not while a caption is being edited: the editor keeps its keys).
    auto* del = new QShortcut(QKeySequence::Delete, table_, nullptr, nullptr, Qt::WidgetShortcut);
    connect(del, &QShortcut::activated, this, &CaptionsWindow::deleteSelected);
    connect(undo_, &QPushButton::clicked, this, &CaptionsWindow::undoDelete);
    auto* undoKey = new QShortcut(QKeySequence::Undo, this);
    connect(undoKey, &QShortcut::activated, this, &CaptionsWindow::undoDelete);
    connect(import, &QPushButton::clicked, this, &CaptionsWindow::importTsv);
    connect(exportBtn, &QPushButton::clicked, this, &CaptionsWindow::exportTsv);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(model_, &CaptionsModel::edited, this, &CaptionsWindow::captionsChanged);
    connect(model_, &CaptionsModel::failed, this, &CaptionsWindow::showError);
    updateHeader();
    reload();
}

void CaptionsWindow::reload() {
    loading_ = true;
    backend_->run(
        this,
        [engine = backend_->enginePtr()]() {
            auto list = engine->captions();
            const TeachingPlan plan = engine->teachingPlan(true, true);
            return std::make_pair(std::move(list), plan.trainPairs + plan.heldOutPairs);
        },
        [this](std::pair<std::vector<Caption>, std::size_t> r) {
            loading_ = false;
            model_->setCaptions(std::move(r.first));
            pairs_ = r.second;
            updateHeader();
        },
        [this](const QString& message) {
            loading_ = false;
            showError(message);
        });
}

void CaptionsWindow::updateHeader() {
    std::set<qint64> photos;
    for (int i = 0; i < model_->rowCount(); ++i) photos.insert(model_->captionAt(i).photoId);
    header_->setText(tr("%n caption(s) on %1 photo(s).", nullptr, model_->rowCount()).arg(photos.size()) +
                     QLatin1Char(' ') +
                     tr("%n pair(s) ready for teaching the model (captions and photos marked relevant).", nullptr,
                        int(pairs_)));
}

void CaptionsWindow::deleteSelected() {
    QList<int> rows;
    for (const QModelIndex& i : table_->selectionModel()->selectedRows()) rows << proxy_->mapToSource(i).row();
    if (rows.isEmpty()) return;
    const QString question =
        rows.size() == 1
            ? tr("Delete the caption “%1”? The photo itself is not affected.").arg(toQ(model_->captionAt(rows.first()).text))
            : tr("Delete %n caption(s)? The photos themselves are not affected.", nullptr, int(rows.size()));
    if (QMessageBox::question(this, tr("Delete captions"), question, QMessageBox::Yes | QMessageBox::No, QMessageBox::No) !=
        QMessageBox::Yes)
        return;
    std::sort(rows.begin(), rows.end(), std::greater<int>());
    std::vector<qint64> ids;
    lastDeleted_.clear();
    for (int r : rows) {
        ids.push_back(model_->captionAt(r).id);
        lastDeleted_.push_back(model_->captionAt(r));
    }
    for (int r : rows) model_->removeCaptionRow(r);
    undo_->setEnabled(true);
    updateHeader();
    runChange([engine = backend_->enginePtr(), ids]() { for (auto id : ids) engine->deleteCaption(id); });
}

void CaptionsWindow::runChange(std::function<void()> change) {
    backend_->run(
        this, std::move(change),
        [this]() {
            Q_EMIT captionsChanged();
            reload();
        },
        [this](const QString& m) {
            showError(m);
            reload();
        });
}

void CaptionsWindow::undoDelete() {
    if (lastDeleted_.empty()) return;
    std::vector<Caption> back;
    back.swap(lastDeleted_);
    undo_->setEnabled(false);
    runChange([engine = backend_->enginePtr(), back]() {
        // Oldest first, as they were; a photo gone from the library meanwhile keeps its caption gone.
        for (auto it = back.rbegin(); it != back.rend(); ++it) {
            try {
                engine->addCaption({it->photoId}, it->text);
            } catch (const lowclip::Error& e) {
                if (e.code() != lowclip::ErrorCode::PhotoNotFound) throw;
            }
        }
    });
}

void CaptionsWindow::importTsv() {
    importCaptionsInteractive(this, backend_, [this] {
        Q_EMIT captionsChanged();
        reload();
    });
}

void CaptionsWindow::exportTsv() { exportCaptionsInteractive(this, backend_); }

void CaptionsWindow::showError(const QString& message) {
    QMessageBox::warning(this, tr("Error"), tr("The captions could not be changed: %1").arg(message));
}

}  // namespace ui
}  // namespace lowclip
