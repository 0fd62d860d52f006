#pragma once
// A tiny dual encoder over the synthetic world, shared by the trainer tests: a 120-token vocabulary
// from the world's captions, a 2-layer BERT of width 16 and a two-stage demo image tower at 16 px.
#include <memory>
#include <string>
#include <vector>

#include "core/nn/clip.h"
#include "core/text/tokenizer.h"
#include "core/text/vocab_builder.h"
#include "core/train/demo.h"
#include "core/train/synthetic_world.h"

namespace lowclip::train::testsupport {

struct Tiny {
    std::unique_ptr<SyntheticWorld> world;
    std::vector<std::string> vocab;
    std::shared_ptr<text::WordPieceTokenizer> tokenizer;
    nn::ClipConfig config;
};

// `dropout` sets the text tower's hidden and attention dropout and the projection heads'.
inline Tiny makeTiny(double dropout = 0.0) {
    Tiny t;
    WorldConfig wc;
    wc.imageSize = 16;
    wc.seed = 2;
    t.world = std::make_unique<SyntheticWorld>(wc);
    text::VocabBuilderOptions vo;
    vo.vocabSize = 120;
    vo.lowercase = true;
    t.vocab = text::buildWordPieceVocab(t.world->corpus(50, 1), vo);
    t.tokenizer = std::make_shared<text::WordPieceTokenizer>(t.vocab, true);
    DemoOptions o;
    o.imageSize = 16;
    o.hidden = 16;
    o.layers = 2;
    o.heads = 2;
    o.intermediate = 32;
    o.stagePlanes = {8, 16};
    o.stageLayers = {1, 1};
    o.projectionDim = 16;
    o.maxTextLength = 24;
    t.config = demoClipConfig(o, t.vocab.size());
    t.config.text.hiddenDropout = dropout;
    t.config.text.attentionDropout = dropout;
    t.config.dropout = dropout;
    return t;
}

}  // namespace lowclip::train::testsupport
