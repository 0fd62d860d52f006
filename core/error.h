#pragma once
// The one exception type core throws. Messages are written for a person: they say what went
// wrong, where (file, field, name), and when possible what to do about it.
#include <stdexcept>
#include <string>

namespace lowclip {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Thrown when long work stops because its cancellation flag was set.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

}  // namespace lowclip
