// Placed before the system headers on the include path of the Qt targets (ui/, app/gui, UI tests):
// every Torch header (ATen, c10, torch/csrc) reaches this file, so a Qt translation unit that
// includes one does not compile. The Qt side talks to the engine through ui/engine/engine.h.
#error "Qt code must not include Torch headers: use the plain-C++ facade ui/engine/engine.h"
