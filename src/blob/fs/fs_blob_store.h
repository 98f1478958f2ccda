// The file-system blob store.
//
// Layout under the root:  objects/ab/cd/abcd…(64 hex)   tmp/<random>.part
// A write goes to tmp/ while SHA-256 and MD5 are computed, is fsync'd, renamed into objects/,
// and the parent directory is fsync'd (and so is the parent of any folder made on the way). A reader therefore sees
// either nothing or the whole object; a crash leaves at most a temp file, which garbage collection removes.
#pragma once

#include <filesystem>
#include <memory>

#include "blob/blob_store.h"
#include "blob/fs/file_ops.h"

namespace vitrine::blob {

// `ops`: the file operations to write through (tests stand in a faulty file system).
Result<std::unique_ptr<BlobStore>> OpenFsBlobStore(const std::filesystem::path& root, FileOps& ops = PosixFileOps());

}  // namespace vitrine::blob
