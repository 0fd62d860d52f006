#pragma once
// Everything core/vision offers, for callers that want one include. No OpenCV or Torch here.
#include "core/vision/augment.h"
#include "core/vision/decode.h"
#include "core/vision/encode.h"
#include "core/vision/image.h"
#include "core/vision/metadata.h"
#include "core/vision/preprocess.h"
