// lowclip: the desktop application. Everything lives in lowclip_ui; this is only the entry point.
#include "ui/application.h"

int main(int argc, char** argv) { return lowclip::ui::runApplication(argc, argv); }
