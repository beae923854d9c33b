// SPDX-License-Identifier: Apache-2.0
// Not YAML::LoadAll: in yaml-cpp 0.7 it loops forever, allocating a null
// document per turn until the OOM killer comes, on a text that starts with
// a token no document can start with, such as ',' (jbeder/yaml-cpp#1040;
// fixed after 0.7 by #1319). Documents are first counted with the event
// parser, stopping at the second, and the tree is built by YAML::Load,
// which reads one document only.
#include "yaml_document.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <string>
#include <vector>

#include "quote.hpp"

namespace pktlens::config::detail {
namespace {

// Deeper than any pktlens.yaml needs (alerts[].match is 4 levels); a
// document nested far deeper is refused at the first level too many, with
// its position, before yaml-cpp's own recursion limit fails it with none.
constexpr int kMaxDepth = 32;

// Records where each document starts, and refuses deep nesting; ignores
// everything else.
class DocumentStarts : public YAML::EventHandler {
 public:
  explicit DocumentStarts(const Source& src) : src_(src) {}
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& mark) override {
    starts.push_back(mark);
    depth_ = 0;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    enter(mark);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    enter(mark);
  }
  void OnMapEnd() override { --depth_; }

 private:
  void enter(const YAML::Mark& mark) {
    if (++depth_ > kMaxDepth) {
      src_.fail(mark, "nested deeper than " + std::to_string(kMaxDepth) +
                          " levels (expected the few levels of docs/configuration.md)");
    }
  }

  const Source& src_;
  int depth_ = 0;
};

}  // namespace

std::optional<YAML::Node> single_document(const Source& src, std::string_view text) {
  const std::string copy(text);
  try {
    std::istringstream in(copy);
    YAML::Parser parser(in);
    DocumentStarts documents(src);
    // Three at most: two to see a second document, and a third to tell a
    // real second document from the parser stuck at one place.
    while (documents.starts.size() < 3 && parser.HandleNextDocument(documents)) {
    }
    const std::vector<YAML::Mark>& starts = documents.starts;
    for (std::size_t i = 1; i < starts.size(); ++i) {
      // A document starting where the previous one did: no progress, the
      // parser is stuck on a token it cannot use.
      if (starts[i].pos == starts[i - 1].pos) {
        const auto at = static_cast<std::size_t>(starts[i].pos);
        src.fail(starts[i], "invalid YAML: unexpected " +
                                quote(at < copy.size() ? copy.substr(at, 1) : std::string()));
      }
    }
    if (starts.empty()) return std::nullopt;
    if (starts.size() > 1) {
      src.fail(starts[1], "a second YAML document (expected one document per file)");
    }
    return YAML::Load(copy);
  } catch (const YAML::Exception& e) {
    // ParserException and friends: yaml-cpp's own words, at its position.
    src.fail(e.mark, "invalid YAML: " + e.msg);
  }
}

}  // namespace pktlens::config::detail
