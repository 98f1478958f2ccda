// A fast reader for the bodies of bulk annotation requests: a JSON array of plain annotation
// objects. nlohmann's lexer is a sizeable part of the time such a request takes; simdjson
// reads the same body several times faster.
//
// It only ever accepts bodies that NewAnnotationFromJson would read without complaint, giving
// the same values: for anything else (an unknown or repeated key, a GeoJSON object, a null, a
// wrong type, a value NewAnnotationFromJson refuses) it answers nullopt, and the caller reads
// the body with nlohmann, whose answer and error messages stand.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "vitrine/requests.h"

namespace vitrine::wire {

std::optional<std::vector<NewAnnotation>> ReadPlainAnnotationBatch(std::string_view body, bool repair_all);

}  // namespace vitrine::wire
