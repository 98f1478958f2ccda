// A tiled tuboid as Sticky Pi's matcher writes it to disk: a folder named after the tuboid
// holding metadata.txt (its shots), tuboid.jpg (the tiles) and context.jpg.
#pragma once

#include <filesystem>
#include <string>

#include "vitrine/status.h"

namespace vitrine::client {

struct TuboidFolder {
  std::string name;   // the folder's name: "<device>.<start>.<end>.<algorithm version>.<NNNN>"
  std::string shots;  // metadata.txt
  std::filesystem::path tiles;
  std::filesystem::path context;
};

// kNotFound naming a missing file; kTooLarge when metadata.txt is over `max_shots_bytes`.
Result<TuboidFolder> ReadTuboidFolder(const std::filesystem::path& folder, std::size_t max_shots_bytes);

}  // namespace vitrine::client
