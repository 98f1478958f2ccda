#include "blob/s3/xml.h"

#include <charconv>
#include <optional>

#include "core/parse_integer.h"

namespace vitrine::blob::s3 {

std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> found;
  const std::string open = "<" + std::string(name);
  const std::string close = "</" + std::string(name) + ">";
  std::size_t at = 0;
  while ((at = xml.find(open, at)) != std::string_view::npos) {
    std::size_t end_of_tag = xml.find('>', at);
    if (end_of_tag == std::string_view::npos) break;
    char after = xml[at + open.size()];
    if (after != '>' && after != ' ' && after != '/') {  // <NameMore>: another element
      at = end_of_tag;
      continue;
    }
    if (xml[end_of_tag - 1] == '/') {  // <Name/>
      found.emplace_back();
      at = end_of_tag;
      continue;
    }
    std::size_t closing = xml.find(close, end_of_tag);
    if (closing == std::string_view::npos) break;
    found.push_back(xml.substr(end_of_tag + 1, closing - end_of_tag - 1));
    at = closing + close.size();
  }
  return found;
}

std::string XmlText(std::string_view xml, std::string_view name) {
  auto elements = XmlElements(xml, name);
  return elements.empty() ? "" : XmlDecode(elements.front());
}

std::string XmlDecode(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    auto amp = text.find('&');
    out += text.substr(0, amp);
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp);
    auto semicolon = text.find(';');
    std::string_view entity = text.substr(1, semicolon == std::string_view::npos ? 0 : semicolon - 1);
    std::optional<unsigned> code;
    if (entity == "amp")
      code = '&';
    else if (entity == "lt")
      code = '<';
    else if (entity == "gt")
      code = '>';
    else if (entity == "quot")
      code = '"';
    else if (entity == "apos")
      code = '\'';
    else if (entity.starts_with("#x")) {
      unsigned value = 0;
      auto [end, ec] = std::from_chars(entity.data() + 2, entity.data() + entity.size(), value, 16);
      if (ec == std::errc() && end == entity.data() + entity.size()) code = value;
    } else if (entity.starts_with("#")) {
      code = core::ParseInteger<unsigned>(entity.substr(1));
    }
    if (!code || semicolon == std::string_view::npos) {
      out += '&';
      text.remove_prefix(1);
      continue;
    }
    if (*code < 0x80) {
      out += static_cast<char>(*code);
    } else if (*code < 0x800) {
      out += static_cast<char>(0xC0 | (*code >> 6));
      out += static_cast<char>(0x80 | (*code & 0x3F));
    } else if (*code < 0x10000) {
      out += static_cast<char>(0xE0 | (*code >> 12));
      out += static_cast<char>(0x80 | ((*code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (*code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (*code >> 18));
      out += static_cast<char>(0x80 | ((*code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((*code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (*code & 0x3F));
    }
    text.remove_prefix(semicolon + 1);
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

}  // namespace vitrine::blob::s3
