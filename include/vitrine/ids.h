// One strong type per kind of id, so an ImageId can never be passed where a ProjectId is meant.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace vitrine {

template <class Tag>
class Id {
 public:
  constexpr Id() = default;
  constexpr explicit Id(std::int64_t v) : v_(v) {}
  constexpr std::int64_t value() const { return v_; }
  constexpr bool valid() const { return v_ > 0; }
  auto operator<=>(const Id&) const = default;

 private:
  std::int64_t v_ = 0;
};

using UserId = Id<struct UserTag>;
using ProjectId = Id<struct ProjectTag>;
using ApiKeyId = Id<struct ApiKeyTag>;
using TokenId = Id<struct TokenTag>;
using ImageId = Id<struct ImageTag>;
using AnnotationId = Id<struct AnnotationTag>;
using OntologyId = Id<struct OntologyTag>;
using TermId = Id<struct TermTag>;
using AnnotationRunId = Id<struct AnnotationRunTag>;
using TuboidSeriesId = Id<struct TuboidSeriesTag>;
using TuboidId = Id<struct TuboidTag>;
using ItcLabelId = Id<struct ItcLabelTag>;

}  // namespace vitrine

template <class Tag>
struct std::hash<vitrine::Id<Tag>> {
  std::size_t operator()(const vitrine::Id<Tag>& id) const noexcept { return std::hash<std::int64_t>()(id.value()); }
};
