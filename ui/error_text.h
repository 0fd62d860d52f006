#pragma once
// Core errors in the user's language: each lowclip::ErrorCode has its own sentence (tr()), filled
// in from the error's details; the English message of core is never shown as the sentence itself
// (only, for the codes that carry no details of their own, as the technical reason after it).
#include <QString>

#include "core/error.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

QString errorText(const lowclip::Error& error);
// For exceptions that are not lowclip::Error (a defect somewhere): a sentence without internals.
QString unexpectedErrorText();

}  // namespace ui
}  // namespace lowclip
