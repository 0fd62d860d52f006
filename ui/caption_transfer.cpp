#include "ui/caption_transfer.h"

#include <QCoreApplication>
#include <QFileDialog>
#include <QMessageBox>
#include <QPointer>
#include <QWidget>

#include "ui/backend.h"
#include "ui/ui_util.h"

namespace lowclip {
namespace ui {

namespace {

// The translation context of the texts below.
struct CaptionTransfer {
    Q_DECLARE_TR_FUNCTIONS(lowclip::ui::CaptionTransfer)
};

constexpr int kListedLines = 20;  // unmatched lines shown in the report; the rest are counted

}  // namespace

QString captionImportText(const CaptionImportReport& r) {
    QString text = CaptionTransfer::tr("%n caption(s) imported.", nullptr, int(r.imported));
    if (r.duplicates > 0) text += QLatin1Char(' ') + CaptionTransfer::tr("%n were there already.", nullptr, int(r.duplicates));
    if (!r.unmatched.empty()) {
        text += QStringLiteral("\n\n") +
                CaptionTransfer::tr("%n line(s) name a photo that is not in the library and were skipped:", nullptr, int(r.unmatched.size()));
        const int shown = std::min<int>(kListedLines, int(r.unmatched.size()));
        for (int i = 0; i < shown; ++i) text += QStringLiteral("\n  ") + toQ(r.unmatched[std::size_t(i)]);
        if (int(r.unmatched.size()) > shown)
            text += QStringLiteral("\n  ") + CaptionTransfer::tr("… and %n more", nullptr, int(r.unmatched.size()) - shown);
    }
    return text;
}

void importCaptionsInteractive(QWidget* parent, Backend* backend, std::function<void()> changed) {
    const QString file = QFileDialog::getOpenFileName(parent, CaptionTransfer::tr("Import captions"), QString(),
                                                      CaptionTransfer::tr("Caption files (*.tsv *.txt);;All files (*)"));
    if (file.isEmpty()) return;
    QPointer<QWidget> guard(parent);
    backend->run(
        parent, [engine = backend->enginePtr(), f = toStd(file)]() { return engine->importCaptions(f); },
        [guard, changed](CaptionImportReport r) {
            if (changed) changed();
            if (!guard) return;
            if (r.unmatched.empty()) QMessageBox::information(guard, CaptionTransfer::tr("Import captions"), captionImportText(r));
            else QMessageBox::warning(guard, CaptionTransfer::tr("Import captions"), captionImportText(r));
        },
        [guard](const QString& m) {
            if (guard) QMessageBox::warning(guard, CaptionTransfer::tr("Import captions"), CaptionTransfer::tr("The captions could not be imported: %1").arg(m));
        });
}

void exportCaptionsInteractive(QWidget* parent, Backend* backend) {
    const QString file = QFileDialog::getSaveFileName(parent, CaptionTransfer::tr("Export captions"), QStringLiteral("captions.tsv"),
                                                      CaptionTransfer::tr("Caption files (*.tsv)"));
    if (file.isEmpty()) return;
    QPointer<QWidget> guard(parent);
    backend->run(
        parent, [engine = backend->enginePtr(), f = toStd(file)]() { return engine->exportCaptions(f); },
        [guard](std::size_t n) {
            if (guard) QMessageBox::information(guard, CaptionTransfer::tr("Export captions"), CaptionTransfer::tr("%n caption(s) written.", nullptr, int(n)));
        },
        [guard](const QString& m) {
            if (guard) QMessageBox::warning(guard, CaptionTransfer::tr("Export captions"), CaptionTransfer::tr("The captions could not be exported: %1").arg(m));
        });
}

}  // namespace ui
}  // namespace lowclip
