#include "ui/indexing_dialog.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "ui/backend.h"
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
    v->addWidget(failures_, 1);
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
             formatDuration(info.etaSeconds));
}

void IndexingDialog::update() {
    const bool running = controller_->isRunning();
    start_->setEnabled(!running);
    cancel_->setEnabled(running);
    if (running) {
        const IndexProgressInfo& p = controller_->progress();
        stage_->setText(stageText(p.stage));
        if (p.total > 0) {
            bar_->setRange(0, 1000);
            bar_->setValue(int(1000.0 * double(p.done) / double(p.total)));
        } else {
            bar_->setRange(0, 0);  // busy
        }
        QString text = progressText(p);
        if (!p.message.isEmpty()) text += (text.isEmpty() ? QString() : QStringLiteral("\n")) + p.message;
        detail_->setText(text);
    } else {
        bar_->setRange(0, 1);
        bar_->setValue(1);
        const IndexSummary& s = controller_->lastSummary();
        if (!controller_->lastError().isEmpty()) {
            stage_->setText(tr("Indexing stopped"));
            detail_->setText(controller_->lastError());
            bar_->setValue(0);
        } else if (controller_->lastCancelled()) {
            stage_->setText(tr("Indexing was cancelled"));
            detail_->setText(tr("Photos indexed so far are kept; the rest are indexed next time."));
        } else {
            stage_->setText(tr("The library is up to date"));
            detail_->setText(tr("Last run: %1 new, %2 changed, %3 removed, %4 indexed, %5 failed.")
                                 .arg(s.added).arg(s.changed).arg(s.removed).arg(s.embedded).arg(s.failed));
        }
    }
}

void IndexingDialog::reloadFailures() {
    backend_->run(
        this, [engine = backend_->enginePtr()]() { return engine->failures(); },
        [this](std::vector<FailedFile> list) {
            failures_->clear();
            for (const auto& f : list) {
                auto* item = new QTreeWidgetItem(failures_, {toQ(f.path), toQ(f.reason)});
                item->setToolTip(0, toQ(f.path));
                item->setToolTip(1, toQ(f.reason));
            }
            failuresTitle_->setText(list.empty() ? tr("Every file could be read.")
                                                 : tr("Files that could not be read (%1)").arg(list.size()));
        });
}

}  // namespace ui
}  // namespace lowclip
