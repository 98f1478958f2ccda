// Whole-text integer parsing, the one place the code base reads an integer from text.
#pragma once

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>
#include <system_error>

namespace vitrine::core {

// The integer `text` spells in decimal, or nothing. The whole text must be digits, with one
// leading '-' allowed for signed types only ("-0" is 0). No '+', no spaces, no hex; a value
// that does not fit in T (including an unsigned one) is nothing, never a wrapped number.
// Callers check the range they need (positive ids, ports) themselves.
template <std::integral T>
std::optional<T> ParseInteger(std::string_view text) {
  T value{};
  const char* last = text.data() + text.size();
  auto [end, ec] = std::from_chars(text.data(), last, value);
  if (ec != std::errc() || end != last) return std::nullopt;
  return value;
}

}  // namespace vitrine::core
