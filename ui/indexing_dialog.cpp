#include "ui/indexing_dialog.h"

#include <QAction>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>

#include "ui/backend.h"
#include "ui/file_manager.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

IndexingDialog::IndexingDialog(Backend* backend, IndexController* controller, QWidget* parent)
    : QDialog(parent), backend_(backend), controller_(controller) {
    setWindowTitle(tr("Indexing"));
    resize(640, 420);
    auto* v = new QVBoxLayout(this);
    stage_ = new QLabel(this);
    QFont f = stage_->font();
    f.setBold(true);
    stage_->setFont(f);
    v->addWidget(stage_);
    bar_ = new QProgressBar(this);
    v->addWidget(bar_);
    detail_ = new QLabel(this);
    detail_->setWordWrap(true);
    v->addWidget(detail_);
    auto* row = new QHBoxLayout;
    start_ = new QPushButton(tr("Index now"), this);
    cancel_ = new QPushButton(tr("Cancel"), this);
    row->addWidget(start_);
    row->addWidget(cancel_);
    row->addStretch(1);
    v->addLayout(row);

    failuresTitle_ = new QLabel(tr("Files that could not be read"), this);
    failuresTitle_->setFont(f);
    v->addWidget(failuresTitle_);
    failures_ = new QTreeWidget(this);
    failures_->setRootIsDecorated(false);
    failures_->setHeaderLabels({tr("File"), tr("Reason")});
    failures_->header()->setSectionResizeMode(0, QHeaderView::Interactive);
    failures_->header()->resizeSection(0, 300);
    failures_->header()->setStretchLastSection(true);
    failures_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    failures_->setContextMenuPolicy(Qt::ActionsContextMenu);
    v->addWidget(failures_, 1);
    auto* actions = new QHBoxLayout;
    retry_ = new QPushButton(tr("Try again"), this);
    retry_->setToolTip(tr("Look at the library folders again and index what can be read now"));
    showInFolder_ = new QPushButton(tr("Show in folder"), this);
    remove_ = new QPushButton(tr("Remove from library"), this);
    remove_->setToolTip(tr("Stop listing these files: the library passes them by from now on; the files stay on disk"));
    actions->addWidget(retry_);
    actions->addWidget(showInFolder_);
    actions->addWidget(remove_);
    actions->addStretch(1);
    v->addLayout(actions);
    auto* showAction = new QAction(tr("Show in folder"), failures_);
    failures_->addAction(showAction);
    connect(showAction, &QAction::triggered, this, &IndexingDialog::showSelectedInFolder);
    connect(showInFolder_, &QPushButton::clicked, this, &IndexingDialog::showSelectedInFolder);
    connect(remove_, &QPushButton::clicked, this, &IndexingDialog::removeSelected);
    connect(failures_, &QTreeWidget::itemSelectionChanged, this, &IndexingDialog::updateFailureButtons);
    connect(failures_, &QTreeWidget::itemDoubleClicked, this, &IndexingDialog::showSelectedInFolder);
    connect(retry_, &QPushButton::clicked, controller_, &IndexController::start);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    v->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(start_, &QPushButton::clicked, controller_, &IndexController::start);
    connect(cancel_, &QPushButton::clicked, controller_, &IndexController::cancel);
    connect(controller_, &IndexController::started, this, &IndexingDialog::update);
    connect(controller_, &IndexController::progressChanged, this, &IndexingDialog::update);
    connect(controller_, &IndexController::finished, this, [this] {
        update();
        reloadFailures();
    });
    update();
    reloadFailures();
}

QString IndexingDialog::stageText(const QString& stage) {
    if (stage == QLatin1String("scan")) return tr("Looking for new and changed photos…");
    if (stage == QLatin1String("decode") || stage == QLatin1String("index") || stage == QLatin1String("embed"))
        return tr("Indexing photos…");
    if (stage == QLatin1String("train")) return tr("Training…");
    if (stage.isEmpty()) return tr("Indexing photos…");
    return tr("Working: %1").arg(stage);
}

QString IndexingDialog::progressText(const IndexProgressInfo& info) {
    if (info.total <= 0) return info.done > 0 ? tr("%n photo(s) so far", nullptr, int(info.done)) : QString();
    const QLocale loc;
    return tr("%1 of %2 photos, %3 photos/s, %4 left")
        .arg(loc.toString(info.done), loc.toString(info.total), loc.toString(info.perSecond, 'f', 1),
             formatDuration(info.etaSeconds >= 0 || !(info.perSecond > 0)
                                ? info.etaSeconds
                                : double(std::max<qint64>(0, info.total - info.done)) / info.perSecond));
}

void IndexingDialog::update() {
    const bool running = controller_->isRunning();
    start_->setEnabled(!running);
    cancel_->setEnabled(running);
    updateFailureButtons();
    if (running) {
        const IndexProgressInfo& p = controller_->progress();
        stage_->setText(stageText(p.stage));
        if (p.total > 0) {
            bar_->setRange(0, 1000);
            bar_->setValue(int(1000.0 * double(p.done) / double(p.total)));
        } else {
            bar_->setRange(0, 0);  // busy
        }
        // (core's free-text message is for logs, in English: not shown)
        detail_->setText(progressText(p));
    } else {
        const IndexSummary& s = controller_->lastSummary();
        const IndexProgressInfo& p = controller_->progress();
        if (controller_->lastCancelled() || !controller_->lastError().isEmpty()) {
            // Where the run stopped, never a full bar.
            bar_->setRange(0, 1000);
            bar_->setValue(p.total > 0 ? int(std::min<qint64>(999, 1000 * p.done / p.total)) : 0);
        } else {
            bar_->setRange(0, 1);
            bar_->setValue(1);
        }
        if (!controller_->lastError().isEmpty()) {
            stage_->setText(tr("Indexing stopped"));
            detail_->setText(controller_->lastError());
        } else if (controller_->lastCancelled()) {
            stage_->setText(tr("Indexing was cancelled"));
            detail_->setText(tr("Photos indexed so far are kept; the rest are indexed next time."));
        } else {
            stage_->setText(tr("The library is up to date"));
            detail_->setText(summaryText(s));
        }
    }
}

QString IndexingDialog::summaryText(const IndexSummary& s) {
    QString text = tr("Last run: %1 new, %2 changed, %3 removed, %4 indexed.")
                       .arg(s.added).arg(s.changed).arg(s.removed).arg(s.embedded);
    if (s.failed > 0) text += QLatin1Char(' ') + tr("%n file(s) could not be read.", nullptr, int(std::min<std::size_t>(s.failed, INT_MAX)));
    return text;
}

QString IndexingDialog::failureReasonText(const QString& kind) {
    // Core says what kind of failure it was (core/library: failureKind); people get one of these.
    if (kind == QLatin1String("empty")) return tr("The file is empty.");
    if (kind == QLatin1String("not-a-file")) return tr("This is a folder or a special file, not a photo.");
    if (kind == QLatin1String("too-large")) return tr("The photo is too large to open on this computer.");
    if (kind == QLatin1String("out-of-memory")) return tr("There was not enough memory to open the photo; try again later.");
    if (kind == QLatin1String("unreadable")) return tr("The file cannot be opened (no permission, or the disk is not there).");
    if (kind == QLatin1String("truncated")) return tr("The file is incomplete: it was cut off while being copied or saved.");
    if (kind == QLatin1String("not-an-image"))
        return tr("This is not a photo in a supported format (JPEG, PNG, WebP, TIFF, BMP, HEIF).");
    if (kind == QLatin1String("unsupported")) return tr("This kind of image is not supported.");
    if (kind == QLatin1String("damaged")) return tr("The file is damaged.");
    return tr("The file could not be read as a photo.");
}

void IndexingDialog::updateFailureButtons() {
    showInFolder_->setEnabled(!failures_->selectedItems().isEmpty());
    remove_->setEnabled(!failures_->selectedItems().isEmpty() && !controller_->isRunning());
    retry_->setEnabled(failures_->topLevelItemCount() > 0 && !controller_->isRunning());
}

void IndexingDialog::showSelectedInFolder() {
    const auto items = failures_->selectedItems();
    if (items.isEmpty()) return;
    // The file manager selects the file when it can (FileManager1), else its folder opens.
    const QString file = items.first()->data(0, Qt::UserRole).toString();
    showInFileManager(this, file, [this, file](const QUrl& folder) {
        if (QDesktopServices::openUrl(folder)) return true;
        QMessageBox::information(this, tr("Show in folder"), tr("The file is in %1").arg(QFileInfo(file).absolutePath()));
        return false;
    });
}

void IndexingDialog::removeSelected() {
    std::vector<std::int64_t> ids;
    for (const QTreeWidgetItem* item : failures_->selectedItems()) ids.push_back(item->data(1, Qt::UserRole).toLongLong());
    if (ids.empty() || controller_->isRunning()) return;
    const QString question =
        ids.size() == 1
            ? tr("Remove “%1” from the library? The file stays on the disk; its captions and marks are removed, and "
                 "the library passes it by from now on.")
                  .arg(QFileInfo(failures_->selectedItems().first()->data(0, Qt::UserRole).toString()).fileName())
            : tr("Remove %n file(s) from the library? The files stay on the disk; their captions and marks are removed, "
                 "and the library passes them by from now on.", nullptr, int(ids.size()));
    if (QMessageBox::question(this, tr("Remove from library"), question, QMessageBox::Yes | QMessageBox::No,
                              QMessageBox::No) != QMessageBox::Yes)
        return;
    remove_->setEnabled(false);
    backend_->run(
        this, [engine = backend_->enginePtr(), ids]() { return engine->removeFromLibrary(ids); },
        [this](std::size_t) {
            reloadFailures();
            Q_EMIT libraryChanged();
        },
        [this](const QString& message) {
            QMessageBox::warning(this, tr("Remove from library"), message);
            reloadFailures();
        });
}

void IndexingDialog::reloadFailures() {
    backend_->run(
        this, [engine = backend_->enginePtr()]() { return engine->failures(); },
        [this](std::vector<FailedFile> list) {
            failures_->clear();
            for (const auto& f : list) {
                auto* item = new QTreeWidgetItem(failures_, {toQ(f.path), failureReasonText(toQ(f.kind))});
                item->setData(0, Qt::UserRole, toQ(f.path));
                item->setData(1, Qt::UserRole, qlonglong(f.photoId));
                item->setToolTip(0, toQ(f.path));
                item->setToolTip(1, tr("Technical details: %1").arg(toQ(f.reason)));
            }
            updateFailureButtons();
            failuresTitle_->setText(list.empty() ? tr("Every file could be read.")
                                                 : tr("Files that could not be read (%1)").arg(list.size()));
        });
}

}  // namespace ui
}  // namespace lowclip
