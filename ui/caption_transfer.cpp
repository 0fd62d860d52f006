#include "ui/caption_transfer.h"

#include <QCoreApplication>
#include <QFileDialog>
#include <QMessageBox>
#include <QPointer>
#include <QStringList>
#include <QWidget>
#include <algorithm>
#include <climits>

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

namespace {

// Core reports a line it refused as "line N: <reason>" beside the unmatched "line N: <path>";
// the three reasons it gives are turned into sentences here (empty: the entry names a path).
QString refusedReason(const std::string& entry, QString* where) {
    const std::size_t colon = entry.find(": ");
    if (entry.rfind("line ", 0) != 0 || colon == std::string::npos) return {};
    const std::string rest = entry.substr(colon + 2);
    QString reason;
    if (rest == "no TAB between path and caption")
        reason = CaptionTransfer::tr("no TAB between the photo's path and the caption");
    else if (rest == "empty caption")
        reason = CaptionTransfer::tr("the caption is empty");
    else if (rest.rfind("longer than ", 0) == 0 && rest.size() > 18 && rest.compare(rest.size() - 6, 6, " bytes") == 0)
        reason = CaptionTransfer::tr("the line is too long");
    if (!reason.isEmpty() && where) *where = toQ(entry.substr(0, colon));
    return reason;
}

void appendList(QString& text, const QString& title, const QStringList& lines) {
    if (lines.isEmpty()) return;
    text += QStringLiteral("\n\n") + title;
    const int shown = std::min<int>(kListedLines, int(lines.size()));
    for (int i = 0; i < shown; ++i) text += QStringLiteral("\n  ") + lines[i];
    if (lines.size() > shown) text += QStringLiteral("\n  ") + CaptionTransfer::tr("… and %n more", nullptr, int(lines.size()) - shown);
}

}  // namespace

QString captionImportText(const CaptionImportReport& r) {
    QString text = CaptionTransfer::tr("%n caption(s) imported.", nullptr, int(std::min<std::size_t>(r.imported, INT_MAX)));
    if (r.duplicates > 0)
        text += QLatin1Char(' ') + CaptionTransfer::tr("%n were there already.", nullptr, int(std::min<std::size_t>(r.duplicates, INT_MAX)));
    QStringList unmatched, refused;
    for (const std::string& entry : r.unmatched) {
        QString where;
        const QString reason = refusedReason(entry, &where);
        if (reason.isEmpty()) unmatched << toQ(entry);
        else refused << CaptionTransfer::tr("%1: %2").arg(where, reason);
    }
    appendList(text, CaptionTransfer::tr("%n line(s) name a photo that is not in the library and were skipped:", nullptr, int(unmatched.size())),
               unmatched);
    appendList(text, CaptionTransfer::tr("%n line(s) could not be used and were skipped:", nullptr, int(refused.size())), refused);
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
