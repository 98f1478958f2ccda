// Just enough XML for S3's answers (lists, upload ids, errors): the text of elements found by
// name, in document order. S3's bodies are flat and namespace-free in the parts read here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vitrine::blob::s3 {

// The raw contents of each <name>...</name> in `xml` (nested markup left as it is).
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name);
// The decoded text of the first <name> element, or "" when there is none.
std::string XmlText(std::string_view xml, std::string_view name);
// `text` with the five predefined entities and numeric references decoded.
std::string XmlDecode(std::string_view text);
// `text` with & < > escaped, for element content.
std::string XmlEscape(std::string_view text);

}  // namespace vitrine::blob::s3
