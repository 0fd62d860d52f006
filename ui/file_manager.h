#pragma once
// "Show in folder": the desktop's file manager selects the file in its folder through its D-Bus
// interface (org.freedesktop.FileManager1: Nautilus, Dolphin, Nemo, Caja, Thunar...) when the
// session has one; otherwise, or when the call fails, `openFolder` opens the folder.
#include <QString>
#include <QUrl>
#include <functional>

class QObject;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

// Returns at once; `context` owns the pending call (its destruction drops the fallback).
void showInFileManager(QObject* context, const QString& file, const std::function<bool(const QUrl&)>& openFolder);

}  // namespace ui
}  // namespace lowclip
