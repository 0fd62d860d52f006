// GUI tests that need no trained model (QtTest, offscreen), against tests/ui/fake_engine.h: the
// window's first steps, results, core errors rendered in the user's language from their codes
// (never core's English or a library's internals), a cancelled demo that leaves the window
// refreshed, the caption import report, and the teaching wizard counting what the engine counts.
#include <QApplication>
#include <QDir>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <memory>

#include "tests/ui/fake_engine.h"
#include "ui/app_settings.h"
#include "ui/application.h"
#include "ui/backend.h"
#include "ui/caption_transfer.h"
#include "ui/error_text.h"
#include "ui/finetune_wizard.h"
#include "ui/main_window.h"
#include "ui/results_model.h"

using namespace lowclip::ui;
using lowclip::ui::testing::FakeEngine;

namespace {

struct FakeSession {
    std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
    std::unique_ptr<AppSettings> settings;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<MainWindow> window;

    explicit FakeSession(const QString& dataDir) {
        settings = std::make_unique<AppSettings>(dataDir);
    }
    void open() {
        backend = std::make_unique<Backend>(engine);
        window = std::make_unique<MainWindow>(backend.get(), settings.get());
        window->resize(1280, 800);
        window->show();
    }
    ~FakeSession() {
        window.reset();
        if (backend) backend->waitForIdle();
        QApplication::processEvents();
    }
};

void screenshot(QWidget* w, const QString& name) {
    QApplication::processEvents();
    const QByteArray env = qgetenv("LOWCLIP_BUILD_DIR");
    const QString path = (env.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(env)) + QLatin1Char('/') + name;
    QVERIFY2(w->grab().save(path), qPrintable(QStringLiteral("cannot write ") + path));
}

QString translated(const char* context, const char* text) { return QCoreApplication::translate(context, text); }

// Clicks `button` of the next modal message box, from the event loop.
void answerNextMessageBox(QMessageBox::StandardButton button) {
    QTimer::singleShot(0, [button] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (box && box->button(button)) box->button(button)->click();
    });
}

}  // namespace

class TestUiFake : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;

private Q_SLOTS:
    void emptyWindowOffersFirstSteps() {
        FakeSession s(tmp_.filePath(QStringLiteral("empty")));
        s.open();
        QSignalSpy refreshed(s.window.get(), &MainWindow::stateRefreshed);
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() > 0, 10000);
        QVERIFY(!s.window->libraryState().hasModel);
        QVERIFY(!s.window->resultsView()->isVisible());  // the welcome page is shown instead
        screenshot(s.window.get(), QStringLiteral("ui_main_empty.png"));
    }

    void resultsComeSortedFromTheEngine() {
        FakeSession s(tmp_.filePath(QStringLiteral("results")));
        s.engine->addModel("demo", true);
        s.engine->setRoot("/photos");
        s.engine->addPhoto("/photos/a.png", {"qırmızı", "dairə"});
        s.engine->addPhoto("/photos/b.png", {"qırmızı"});
        s.engine->addPhoto("/photos/c.png", {"mavi"});
        s.open();
        QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
        s.window->searchField()->setText(QStringLiteral("qırmızı dairə"));
        s.window->runSearch();
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
        QCOMPARE(found.first().at(0).toInt(), 2);
        QCOMPARE(QString::fromStdString(s.window->resultsModel()->photoAt(0).path), QStringLiteral("/photos/a.png"));
    }

    void coreErrorsAreShownInTheUserLanguage() {
        auto& app = *qobject_cast<QApplication*>(QCoreApplication::instance());
        installTranslations(app, QStringLiteral("az"));
        {
            FakeSession s(tmp_.filePath(QStringLiteral("errors")));
            s.engine->addModel("demo", true);
            s.engine->failWith("search", lowclip::Error(lowclip::ErrorCode::NoModel,
                                                        "there is no model to search with yet (core's English)"));
            s.open();
            QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
            s.window->searchField()->setText(QStringLiteral("mavi"));
            s.window->runSearch();
            QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
            const QString shown = s.window->lastError();
            const QString expected =
                translated("lowclip::ui::ErrorText", "There is no model yet. Try the demo, or import a model (Model menu).");
            QVERIFY2(shown.contains(expected), qPrintable(shown));
            QVERIFY2(!shown.contains(QStringLiteral("core's English")), qPrintable(shown));
            QVERIFY2(expected != QStringLiteral("There is no model yet. Try the demo, or import a model (Model menu)."),
                     "the Azerbaijani translation of the sentence is missing");

            // Details of the error fill the sentence (a model name with Azerbaijani letters).
            const QString exists = errorText(lowclip::Error(lowclip::ErrorCode::ModelExists, "x", {{"name", "mənim modelim"}}));
            QVERIFY2(exists.contains(QStringLiteral("mənim modelim")), qPrintable(exists));
        }
        installTranslations(app, QStringLiteral("en"));
    }

    void unexpectedExceptionsShowNoInternals() {
        FakeSession s(tmp_.filePath(QStringLiteral("unexpected")));
        s.open();
        QString message;
        bool done = false;
        s.backend->run(
            s.window.get(), []() -> int { throw std::bad_alloc(); }, [](int) {},
            [&](const QString& m) {
                message = m;
                done = true;
            });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QCOMPARE(message, unexpectedErrorText());
        QVERIFY(!message.contains(QStringLiteral("bad_alloc")));
    }

    void cancelledDemoRefreshesTheWindow() {
        FakeSession s(tmp_.filePath(QStringLiteral("demo")));
        s.open();
        QSignalSpy refreshed(s.window.get(), &MainWindow::stateRefreshed);
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() > 0, 10000);
        answerNextMessageBox(QMessageBox::Yes);
        s.window->runDemo();
        QTRY_VERIFY_WITH_TIMEOUT(s.engine->demoRuns.load() == 1, 10000);
        QProgressDialog* dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = s.window->findChild<QProgressDialog*>()) != nullptr, 10000);
        // The label says the stage and the time, not the engine's English.
        QTRY_VERIFY_WITH_TIMEOUT(dialog->labelText().contains(QStringLiteral("step")), 10000);
        QVERIFY2(dialog->labelText().contains(QStringLiteral("elapsed")), qPrintable(dialog->labelText()));
        QVERIFY2(dialog->labelText().contains(QStringLiteral("left")), qPrintable(dialog->labelText()));
        refreshed.clear();
        auto* cancelButton = dialog->findChild<QPushButton*>();
        QVERIFY(cancelButton);
        cancelButton->click();  // as a person cancels
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() > 0, 10000);  // the window was refreshed after the cancel
        QTRY_VERIFY_WITH_TIMEOUT(s.window->findChild<QProgressDialog*>() == nullptr, 10000);
        QVERIFY(s.window->lastError().isEmpty());  // a cancel is not an error
        QVERIFY(s.window->statusBar()->currentMessage().contains(QStringLiteral("cancelled")));
    }

    void captionImportReportsEverySkippedLine() {
        CaptionImportReport r;
        r.imported = 2;
        r.duplicates = 1;
        r.unmatched = {"line 3: /x/a.png", "line 4: /x/b.png", "line 9: /x/ç.png"};
        const QString text = captionImportText(r);
        QVERIFY2(text.contains(QStringLiteral("2 captions imported")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1 was there already")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("3 lines")), qPrintable(text));
        for (const auto& u : r.unmatched) QVERIFY2(text.contains(QString::fromStdString(u)), qPrintable(text));
        CaptionImportReport many;
        for (int i = 0; i < 50; ++i) many.unmatched.push_back("line " + std::to_string(i) + ": /x.png");
        QVERIFY2(captionImportText(many).contains(QStringLiteral("30 more")), qPrintable(captionImportText(many)));
    }

    void wizardCountsWhatTheEngineTeaches() {
        FakeSession s(tmp_.filePath(QStringLiteral("wizard")));
        s.engine->addModel("demo", true);
        std::vector<std::int64_t> ids;
        for (int i = 0; i < 10; ++i) ids.push_back(s.engine->addPhoto("/p/" + std::to_string(i) + ".png", {"x"}));
        for (auto id : ids) s.engine->addCaption({id}, "mavi dairə");
        s.open();
        FineTuneWizard* wizard = s.window->openFineTune();
        QTRY_VERIFY_WITH_TIMEOUT(wizard->currentPage()->isComplete(), 10000);
        const TeachingPlan expected = s.engine->teachingPlan(true, true);
        QCOMPARE(wizard->pairs(), expected.trainPairs + expected.heldOutPairs);
        QCOMPARE(wizard->plan().heldOutPairs, expected.heldOutPairs);
        wizard->close();
    }
};

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? QByteArray("offscreen") : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    setApplicationIdentity();
    installTranslations(app, QStringLiteral("en"));
    TestUiFake test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_ui_fake.moc"
