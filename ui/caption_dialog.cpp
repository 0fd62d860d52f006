#include "ui/caption_dialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

CaptionDialog::CaptionDialog(int photoCount, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Add caption"));
    auto* v = new QVBoxLayout(this);
    auto* label = new QLabel(tr("Describe what is in the photo, in Azerbaijani. The caption is added to %n selected photo(s).",
                                nullptr, photoCount),
                             this);
    label->setWordWrap(true);
    v->addWidget(label);
    edit_ = new QLineEdit(this);
    edit_->setPlaceholderText(tr("For example: sahildə oynayan uşaqlar"));
    edit_->setMinimumWidth(420);
    v->addWidget(edit_);
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons_->button(QDialogButtonBox::Ok)->setText(tr("Add caption"));
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(false);
    v->addWidget(buttons_);
    connect(edit_, &QLineEdit::textChanged, this,
            [this](const QString& t) { buttons_->button(QDialogButtonBox::Ok)->setEnabled(!t.trimmed().isEmpty()); });
    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

QString CaptionDialog::text() const { return edit_->text().trimmed(); }

}  // namespace ui
}  // namespace lowclip
