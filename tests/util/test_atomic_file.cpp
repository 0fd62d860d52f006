// core/util/atomic_file: the content arrives whole; every failure (a write refused by the system,
// a rename refused, an abandoned writer, a killed process) leaves the old file as it was and no
// temporary file behind; folders are replaced as a whole.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "core/error.h"
#include "core/util/atomic_file.h"
#include "core/util/paths.h"
#include "tests/support/testing.h"

using namespace lowclip;
using namespace lowclip::util;

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::set<std::string> names(const std::string& dir) {
    std::set<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.insert(e->d_name);
    ::closedir(d);
    return out;
}

// Writes past this many bytes fail with EFBIG while the guard lives (SIGXFSZ ignored).
struct FileSizeLimit {
    rlimit old{};
    void (*oldHandler)(int) = nullptr;
    explicit FileSizeLimit(rlim_t bytes) {
        ::getrlimit(RLIMIT_FSIZE, &old);
        oldHandler = ::signal(SIGXFSZ, SIG_IGN);
        rlimit lim = old;
        lim.rlim_cur = bytes;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
    }
    ~FileSizeLimit() {
        ::setrlimit(RLIMIT_FSIZE, &old);
        ::signal(SIGXFSZ, oldHandler);
    }
};

}  // namespace

TEST_CASE("the content arrives whole, replaces the old one, and nothing else is left in the folder") {
    const std::string dir = testing::makeTempDir("lowclip-atomic-");
    const std::string path = dir + "/captions.tsv";
    writeFileAtomically(path, "first\n");
    CHECK(readAll(path) == "first\n");
    std::string big(3 << 20, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
    writeFileAtomically(path, big);
    CHECK(readAll(path) == big);
    writeFileAtomically(path, "");
    CHECK(pathExists(path));
    CHECK(fileSize(path) == 0);
    CHECK(names(dir) == std::set<std::string>{"captions.tsv"});

    // Streamed in pieces.
    {
        AtomicFileWriter out(path);
        CHECK(out.path() == path);
        CHECK(out.tempPath().rfind(path + ".tmp-", 0) == 0);
        CHECK(pathExists(out.tempPath()));
        out.write("ab", 2);
        out.write(std::string_view("cd"));
        CHECK(readAll(path).empty());  // nothing visible before commit
        out.commit();
        CHECK_THROWS_WITH(out.write("x", 1), Error, "cannot write");
    }
    CHECK(readAll(path) == "abcd");
    CHECK(names(dir) == std::set<std::string>{"captions.tsv"});
    // The mode is the usual one for a new file (0644 less the umask), not mkstemp's 0600.
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    mode_t mask = ::umask(0);
    ::umask(mask);
    CHECK((st.st_mode & 0777) == (0644 & ~mask));
}

TEST_CASE("a writer given up, or destroyed without commit, changes nothing") {
    const std::string dir = testing::makeTempDir("lowclip-atomic-");
    const std::string path = dir + "/vocab.txt";
    writeFileAtomically(path, "old");
    {
        AtomicFileWriter out(path);
        out.write("new content that never lands");
    }
    CHECK(readAll(path) == "old");
    {
        AtomicFileWriter out(path);
        out.write("x");
        out.discard();
        CHECK(!pathExists(out.tempPath()));
        CHECK_THROWS_WITH(out.commit(), Error, "cannot write");
    }
    CHECK(readAll(path) == "old");
    CHECK(names(dir) == std::set<std::string>{"vocab.txt"});
    // Where no file can be made, nothing is made.
    try {
        writeFileAtomically(dir + "/no/such/folder/x", "y");
        CHECK_MSG(false, "no error for a missing folder");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::Io);
        CHECK(e.detail("path") == dir + "/no/such/folder/x");
        CHECK(!e.detail("reason").empty());
        CHECK(std::string(e.what()).rfind("cannot write '", 0) == 0);
    }
    CHECK(names(dir) == std::set<std::string>{"vocab.txt"});
}

TEST_CASE("a write the system refuses (file size limit) leaves the old file and no temporary file") {
    const std::string dir = testing::makeTempDir("lowclip-atomic-");
    const std::string path = dir + "/model.safetensors";
    writeFileAtomically(path, "old weights");
    bool threw = false;
    {
        FileSizeLimit limit(4096);
        try {
            writeFileAtomically(path, std::string(1 << 20, 'w'));
        } catch (const Error& e) {
            threw = true;
            CHECK(e.code() == ErrorCode::Io);
            CHECK_MSG(std::string(e.what()).find("cannot write '" + path + "'") != std::string::npos, e.what());
        }
    }
    CHECK(threw);
    CHECK(readAll(path) == "old weights");
    CHECK(names(dir) == std::set<std::string>{"model.safetensors"});
}

TEST_CASE("a rename the system refuses leaves the old entry and no temporary file") {
    const std::string dir = testing::makeTempDir("lowclip-atomic-");
    const std::string path = dir + "/occupied";
    makeDirs(path + "/inside");  // a non-empty folder: rename(file, folder) fails
    CHECK_THROWS_WITH(writeFileAtomically(path, "data"), Error, "cannot write");
    CHECK(pathExists(path + "/inside"));
    CHECK(names(dir) == std::set<std::string>{"occupied"});
}

TEST_CASE("a library that writes by file name fills the temporary file in place") {
    const std::string dir = testing::makeTempDir("lowclip-atomic-");
    const std::string path = dir + "/index.hnsw";
    AtomicFileWriter out(path);
    std::ofstream(out.tempPath(), std::ios::binary) << "written by name";
    out.commit();
    CHECK(readAll(path) == "written by name");
    // One that replaces the file under that name is fine too.
    AtomicFileWriter again(path);
    REQUIRE(::unlink(again.tempPath().c_str()) == 0);
    std::ofstream(again.tempPath(), std::ios::binary) << "replaced";
    again.commit();
    CHECK(readAll(path) == "replaced");
    CHECK(names(dir) == std::set<std::string>{"index.hnsw"});
}

TEST_CASE("a process killed in the middle of a write leaves the old content") {
    const std::string dir = testing::makeTempDir("lowclip-atomic-");
    const std::string path = dir + "/checkpoint.pt";
    writeFileAtomically(path, "epoch 3");
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        AtomicFileWriter out(path);
        out.write(std::string(1 << 16, 'n'));
        char c = 'w';
        if (::write(ready[1], &c, 1) != 1) ::_exit(2);
        ::pause();  // killed here, before commit
        ::_exit(0);
    }
    char c;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK(readAll(path) == "epoch 3");
    // What a killed writer leaves is only its own temporary name, never the target half-written.
    for (const auto& n : names(dir)) CHECK(n == "checkpoint.pt" || n.rfind("checkpoint.pt.tmp-", 0) == 0);
}

TEST_CASE("folders: created, replaced as a whole, untouched when filling fails") {
    const std::string dir = testing::makeTempDir("lowclip-atomic-");
    const std::string target = dir + "/bundle";
    replaceFolder(target, [](const std::string& tmp) {
        writeFileAtomically(tmp + "/a.txt", "one");
        writeFileAtomically(tmp + "/b.txt", "two");
    });
    CHECK(names(target) == (std::set<std::string>{"a.txt", "b.txt"}));
    CHECK(readAll(target + "/a.txt") == "one");
    replaceFolder(target + "/", [](const std::string& tmp) { writeFileAtomically(tmp + "/c.txt", "three"); });
    CHECK(names(target) == std::set<std::string>{"c.txt"});  // the old files went with the old folder
    CHECK(names(dir) == std::set<std::string>{"bundle"});    // no .tmp- or .old- folder left

    std::string seen;
    CHECK_THROWS_WITH(replaceFolder(target,
                                    [&](const std::string& tmp) {
                                        seen = tmp;
                                        writeFileAtomically(tmp + "/half.txt", "half");
                                        throw Error("disk full");
                                    }),
                      Error, "disk full");
    CHECK(!seen.empty() && !pathExists(seen));
    CHECK(names(target) == std::set<std::string>{"c.txt"});
    CHECK(names(dir) == std::set<std::string>{"bundle"});

    writeFileAtomically(dir + "/plain", "x");
    try {
        replaceFolder(dir + "/plain", [](const std::string&) {});
        CHECK_MSG(false, "a file was replaced by a folder");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::NotAFolder);
    }
    CHECK(readAll(dir + "/plain") == "x");
}

LOWCLIP_TEST_MAIN()
