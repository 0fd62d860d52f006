#pragma once
// Importing and exporting caption files (TSV), the one flow behind File ▸ Import/Export captions and
// the Captions window's buttons: asks for the file, runs the job, and reports the whole outcome
// (imported, already present, and every line that matched no photo).
#include <QString>
#include <functional>

#include "ui/engine/engine.h"

class QWidget;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend;

// The report for a finished import, as a person reads it.
QString captionImportText(const CaptionImportReport& report);

// Asks for a caption file and imports it; `changed` runs (on the GUI thread) after a successful import.
void importCaptionsInteractive(QWidget* parent, Backend* backend, std::function<void()> changed = {});
// Asks where to write the captions and exports them.
void exportCaptionsInteractive(QWidget* parent, Backend* backend);

}  // namespace ui
}  // namespace lowclip
