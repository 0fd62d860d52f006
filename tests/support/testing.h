#pragma once
// A small test harness for core's units. Core tests cannot be QtTest executables because a
// translation unit never mixes Qt and Torch headers, and lowclip_nn's tests must build with
// LibTorch alone. Usage:
//
//   #include "tests/support/testing.h"
//   TEST_CASE("safetensors round trip") { CHECK(a == b); REQUIRE_THROWS(f()); }
//   LOWCLIP_TEST_MAIN()
//
// Output: one line per case (PASS/FAIL/SKIP), then "N passed, N failed, N skipped".
// Exit code 0 when nothing failed, 77 (CTest's skip code here) when every case skipped.
#include <cmath>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace lowclip::testing {

struct Case {
    const char* name;
    void (*fn)();
};

inline std::vector<Case>& registry() {
    static std::vector<Case> cases;
    return cases;
}

struct Registrar {
    Registrar(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

struct Failure {
    std::string message;
};
struct Skip {
    std::string reason;
};

inline int& checkFailures() {
    static int n = 0;
    return n;
}

inline void reportCheck(bool ok, const char* expr, const char* file, int line, const std::string& extra = {}) {
    if (ok) return;
    ++checkFailures();
    std::cerr << "  " << file << ":" << line << ": CHECK failed: " << expr;
    if (!extra.empty()) std::cerr << " (" << extra << ")";
    std::cerr << "\n";
}

// Folder of the reference fixtures: $LOWCLIP_FIXTURES, else ../shared/fixtures beside the source tree.
inline std::string fixturesDir() {
    if (const char* env = std::getenv("LOWCLIP_FIXTURES"); env && *env) return env;
#ifdef LOWCLIP_SOURCE_DIR
    return std::string(LOWCLIP_SOURCE_DIR) + "/../shared/fixtures";
#else
    return "../shared/fixtures";
#endif
}

// A fresh temporary folder for one test run, removed by the caller if it wants.
std::string makeTempDir(const std::string& prefix = "lowclip-test-");

inline int runAll(int argc, char** argv) {
    std::string filter = argc > 1 ? argv[1] : "";
    int passed = 0, failed = 0, skipped = 0;
    for (const Case& c : registry()) {
        if (!filter.empty() && std::string(c.name).find(filter) == std::string::npos) continue;
        checkFailures() = 0;
        try {
            c.fn();
            if (checkFailures() == 0) {
                ++passed;
                std::cout << "PASS: " << c.name << std::endl;
            } else {
                ++failed;
                std::cout << "FAIL: " << c.name << " (" << checkFailures() << " checks failed)" << std::endl;
            }
        } catch (const Skip& s) {
            ++skipped;
            std::cout << "SKIP: " << c.name << ": " << s.reason << std::endl;
        } catch (const Failure& f) {
            ++failed;
            std::cout << "FAIL: " << c.name << ": " << f.message << std::endl;
        } catch (const std::exception& e) {
            ++failed;
            std::cout << "FAIL: " << c.name << ": unexpected exception: " << e.what() << std::endl;
        } catch (...) {
            ++failed;
            std::cout << "FAIL: " << c.name << ": unexpected non-standard exception" << std::endl;
        }
    }
    std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped" << std::endl;
    if (failed) return 1;
    if (passed == 0 && skipped > 0) return 77;
    return 0;
}

}  // namespace lowclip::testing

#define LOWCLIP_CONCAT_INNER(a, b) a##b
#define LOWCLIP_CONCAT(a, b) LOWCLIP_CONCAT_INNER(a, b)
#define TEST_CASE(name)                                                                        \
    static void LOWCLIP_CONCAT(lowclip_test_fn_, __LINE__)();                                  \
    static ::lowclip::testing::Registrar LOWCLIP_CONCAT(lowclip_test_reg_, __LINE__)(          \
        name, &LOWCLIP_CONCAT(lowclip_test_fn_, __LINE__));                                    \
    static void LOWCLIP_CONCAT(lowclip_test_fn_, __LINE__)()

// Torch (glog-style) headers define CHECK too; ours wins in test files.
#undef CHECK
#define CHECK(expr) ::lowclip::testing::reportCheck(static_cast<bool>(expr), #expr, __FILE__, __LINE__)
#define CHECK_MSG(expr, msg)                                                                   \
    do {                                                                                       \
        std::ostringstream lowclip_os_;                                                        \
        lowclip_os_ << msg;                                                                    \
        ::lowclip::testing::reportCheck(static_cast<bool>(expr), #expr, __FILE__, __LINE__,    \
                                        lowclip_os_.str());                                    \
    } while (0)
#define REQUIRE(expr)                                                                          \
    do {                                                                                       \
        if (!(expr)) {                                                                         \
            std::ostringstream lowclip_os_;                                                    \
            lowclip_os_ << __FILE__ << ":" << __LINE__ << ": REQUIRE failed: " << #expr;       \
            throw ::lowclip::testing::Failure{lowclip_os_.str()};                              \
        }                                                                                      \
    } while (0)
// Checks that `stmt` throws an exception of type `type` whose what() contains `substring`.
#define CHECK_THROWS_WITH(stmt, type, substring)                                               \
    do {                                                                                       \
        bool lowclip_thrown_ = false;                                                          \
        std::string lowclip_what_;                                                             \
        try {                                                                                  \
            stmt;                                                                              \
        } catch (const type& e) {                                                              \
            lowclip_thrown_ = true;                                                            \
            lowclip_what_ = e.what();                                                          \
        } catch (const std::exception& e) {                                                    \
            lowclip_what_ = std::string("other exception: ") + e.what();                       \
        }                                                                                      \
        ::lowclip::testing::reportCheck(                                                       \
            lowclip_thrown_ && lowclip_what_.find(substring) != std::string::npos,             \
            #stmt " throws " #type " with \"" substring "\"", __FILE__, __LINE__,              \
            lowclip_thrown_ ? "message: " + lowclip_what_                                      \
                            : (lowclip_what_.empty() ? std::string("did not throw")            \
                                                      : lowclip_what_));                       \
    } while (0)
#define SKIP(reason) throw ::lowclip::testing::Skip{reason}
#define LOWCLIP_TEST_MAIN()                                                                    \
    int main(int argc, char** argv) { return ::lowclip::testing::runAll(argc, argv); }
