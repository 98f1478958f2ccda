#include "jobs/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <chrono>

#include <fstream>
#include <sstream>
#include <thread>

#include "core/digest.h"
#include "jobs/child_process.h"
#include "support/temp_dir.h"

namespace vitrine::jobs {
namespace {

namespace fs = std::filesystem;

struct Member {
  enum class Kind { kFile, kFolder, kSymlink, kHardlink, kCharDevice };
  std::string name;
  std::string content;  // a file's bytes, or a link's target
  Kind kind = Kind::kFile;
  int mode = 0644;
};

Member File(std::string name, std::string content, int mode = 0644) {
  return {std::move(name), std::move(content), Member::Kind::kFile, mode};
}
Member Symlink(std::string name, std::string target) {
  return {std::move(name), std::move(target), Member::Kind::kSymlink, 0777};
}

// Writes a .tar.gz with libarchive, which (unlike tar) writes hostile names as given.
void WriteBundle(const fs::path& file, const std::vector<Member>& members) {
  archive* writer = archive_write_new();
  archive_write_add_filter_gzip(writer);
  archive_write_set_format_pax_restricted(writer);
  ASSERT_EQ(archive_write_open_filename(writer, file.c_str()), ARCHIVE_OK);
  for (const Member& member : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, member.name.c_str());
    archive_entry_set_perm(entry, member.mode);
    switch (member.kind) {
      case Member::Kind::kFile:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_size(entry, static_cast<la_int64_t>(member.content.size()));
        break;
      case Member::Kind::kFolder:
        archive_entry_set_filetype(entry, AE_IFDIR);
        break;
      case Member::Kind::kSymlink:
        archive_entry_set_filetype(entry, AE_IFLNK);
        archive_entry_set_symlink(entry, member.content.c_str());
        break;
      case Member::Kind::kHardlink:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_hardlink(entry, member.content.c_str());
        break;
      case Member::Kind::kCharDevice:
        archive_entry_set_filetype(entry, AE_IFCHR);
        archive_entry_set_rdev(entry, makedev(1, 3));
        break;
    }
    ASSERT_EQ(archive_write_header(writer, entry), ARCHIVE_OK) << archive_error_string(writer);
    if (member.kind == Member::Kind::kFile && !member.content.empty()) {
      archive_write_data(writer, member.content.data(), member.content.size());
    }
    archive_entry_free(entry);
  }
  archive_write_close(writer);
  archive_write_free(writer);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string FileSha256(const fs::path& path) { return core::Sha256Hex(ReadFile(path)); }

const std::string kDoc = R"({"name": "cell counter", "version": "1.0"})";
const std::string kRunScript = "#!/bin/sh\necho counted $(cat \"$(dirname \"$0\")/lib/data.txt\")\n";

class BundleTest : public ::testing::Test {
 protected:
  fs::path Bundle(const std::vector<Member>& members, const std::string& name = "bundle.tar.gz") {
    const fs::path file = dir_.path() / name;
    WriteBundle(file, members);
    return file;
  }
  fs::path cache() const { return dir_.path() / "cache"; }
  Result<UnpackedBundle> Unpack(const fs::path& file) { return UnpackBundle(file, FileSha256(file), cache()); }
  // The cache's folders, temporary ones included.
  std::vector<std::string> CacheContents() const {
    std::vector<std::string> names;
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(cache(), ignored)) names.push_back(entry.path().filename());
    return names;
  }
  // Unpacking `members` is refused with kInvalidArgument and a message holding `expected`; the
  // cache is left empty.
  void ExpectRefused(const std::vector<Member>& members, const std::string& expected) {
    const fs::path file = Bundle(members);
    const Result<UnpackedBundle> unpacked = Unpack(file);
    ASSERT_FALSE(unpacked.ok()) << "accepted a bundle that should have been refused for " << expected;
    EXPECT_EQ(unpacked.status().code(), ErrorCode::kInvalidArgument) << unpacked.status().ToString();
    EXPECT_NE(unpacked.status().message().find(expected), std::string::npos) << unpacked.status().message();
    EXPECT_TRUE(CacheContents().empty());
  }

  testing::TempDir dir_;
};

TEST_F(BundleTest, UnpackingsACrashLeftBehindAreRemovedOnceOld) {
  const std::string sha = std::string(64, 'a');
  const fs::path abandoned = cache() / (".unpacking-" + sha + "-old123");
  const fs::path in_progress = cache() / (".unpacking-" + sha + "-new456");
  fs::create_directories(abandoned / "lib");
  fs::create_directories(in_progress);
  fs::last_write_time(abandoned, fs::file_time_type::clock::now() - std::chrono::hours(2));
  const fs::path file = Bundle({File("analytic.json", kDoc), File("run", kRunScript)});
  ASSERT_TRUE(Unpack(file).ok());
  EXPECT_FALSE(fs::exists(abandoned)) << "two hours old: left by a crash";
  EXPECT_TRUE(fs::exists(in_progress)) << "recent: perhaps another process's, still being written";
}

TEST_F(BundleTest, UnpacksOnceAndReusesTheCache) {
  const fs::path file =
      Bundle({File("analytic.json", kDoc), File("run", kRunScript), File("lib/data.txt", "42 cells")});
  const Result<UnpackedBundle> first = Unpack(file);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->dir, fs::canonical(cache()) / FileSha256(file));
  EXPECT_EQ(first->analytic_json, kDoc);
  EXPECT_EQ(first->entry_point, first->dir / "run");
  EXPECT_EQ(ReadFile(first->dir / "lib" / "data.txt"), "42 cells");
  const fs::perms perms = fs::status(first->entry_point).permissions();
  EXPECT_NE(perms & fs::perms::owner_exec, fs::perms::none);
  EXPECT_NE(perms & fs::perms::others_exec, fs::perms::none);
  EXPECT_NE(fs::status(first->dir).permissions() & fs::perms::others_exec, fs::perms::none);

  // A second call uses the cached folder as it is.
  std::ofstream(first->dir / "marker") << "left by the first call";
  const Result<UnpackedBundle> second = Unpack(file);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->dir, first->dir);
  EXPECT_EQ(second->entry_point, first->entry_point);
  EXPECT_TRUE(fs::exists(second->dir / "marker"));
  EXPECT_EQ(CacheContents().size(), 1u);

  // And the entry point runs.
  ChildSpec spec;
  spec.argv = {second->entry_point.string()};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  std::string log;
  const Result<ChildOutcome> ran = RunChild(spec, [&](std::string_view chunk) { log += chunk; }, {}, {});
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_EQ(ran->exit_code, 0) << log << ran->start_error;
  EXPECT_EQ(log, "counted 42 cells\n");
}

TEST_F(BundleTest, FindsTheDocInASingleTopFolderAndTheEntryPointItNames) {
  const std::string doc = R"({"info": {"entrypoint": "bin/start.py"}})";
  const fs::path file =
      Bundle({Member{"counter/", "", Member::Kind::kFolder, 0755}, File("counter/analytic.json", doc),
              File("counter/bin/start.py", "print('hi')\n"), Symlink("counter/start", "bin/start.py")});
  const Result<UnpackedBundle> unpacked = Unpack(file);
  ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();
  EXPECT_EQ(unpacked->dir.filename(), "counter");
  EXPECT_EQ(unpacked->analytic_json, doc);
  EXPECT_EQ(unpacked->entry_point, unpacked->dir / "bin" / "start.py");
  EXPECT_TRUE(fs::is_symlink(unpacked->dir / "start"));

  const Result<std::string> read = ReadBundleAnalyticJson(file);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, doc);
}

TEST_F(BundleTest, TheEntryPointFieldAndRunPyWork) {
  const fs::path declared =
      Bundle({File("analytic.json", R"({"entry_point": "go.sh"})"), File("go.sh", "#!/bin/sh\n")}, "declared.tar.gz");
  const Result<UnpackedBundle> unpacked = Unpack(declared);
  ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();
  EXPECT_EQ(unpacked->entry_point.filename(), "go.sh");

  const fs::path python = Bundle({File("./analytic.json", "{}"), File("./run.py", "print(1)\n")}, "python.tar.gz");
  const Result<UnpackedBundle> by_name = Unpack(python);
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  EXPECT_EQ(by_name->entry_point.filename(), "run.py");
}

TEST_F(BundleTest, ReadsTheDocWithoutUnpacking) {
  const fs::path file = Bundle({File("run", kRunScript), File("analytic.json", kDoc)});
  const Result<std::string> doc = ReadBundleAnalyticJson(file);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(*doc, kDoc);
  EXPECT_FALSE(fs::exists(cache()));

  const fs::path without = Bundle({File("run", kRunScript)}, "without.tar.gz");
  EXPECT_EQ(ReadBundleAnalyticJson(without).status().code(), ErrorCode::kInvalidArgument);
  const fs::path two_folders = Bundle({File("a/analytic.json", kDoc), File("b/run", kRunScript)}, "two.tar.gz");
  EXPECT_EQ(ReadBundleAnalyticJson(two_folders).status().code(), ErrorCode::kInvalidArgument);
  std::ofstream(dir_.path() / "not-a-bundle.tar.gz") << "plain text";
  EXPECT_EQ(ReadBundleAnalyticJson(dir_.path() / "not-a-bundle.tar.gz").status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(BundleTest, RefusesAPathClimbingOut) {
  ExpectRefused({File("analytic.json", kDoc), File("run", kRunScript), File("../evil", "x")}, "'../evil'");
  ExpectRefused({File("analytic.json", kDoc), File("run", kRunScript), File("lib/../../evil", "x")},
                "'lib/../../evil'");
  EXPECT_FALSE(fs::exists(dir_.path() / "evil"));
}

TEST_F(BundleTest, RefusesAnAbsolutePath) {
  ExpectRefused({File("analytic.json", kDoc), File("run", kRunScript), File("/etc/x", "x")}, "'/etc/x'");
}

TEST_F(BundleTest, RefusesSymlinksLeadingOutside) {
  ExpectRefused({File("analytic.json", kDoc), File("run", kRunScript), Symlink("passwd", "/etc/passwd")},
                "'passwd' is a symbolic link leading outside the bundle (to '/etc/passwd')");
  ExpectRefused({File("analytic.json", kDoc), File("run", kRunScript), Symlink("lib/up", "../../x")}, "'lib/up'");
  // Each lexically inside, together one level above the bundle.
  ExpectRefused({File("analytic.json", kDoc), File("run", kRunScript), Symlink("here", "."), Symlink("x", "here/..")},
                "'x'");
  // Writing through a link inside is refused too (libarchive's check).
  const fs::path file =
      Bundle({File("analytic.json", kDoc), File("run", kRunScript), Symlink("lib", "."), File("lib/y", "z")});
  EXPECT_FALSE(Unpack(file).ok());
}

TEST_F(BundleTest, RefusesHardLinksLeadingOutsideAndDevices) {
  ExpectRefused({File("analytic.json", kDoc), File("run", kRunScript),
                 Member{"shadow", "../../../etc/shadow", Member::Kind::kHardlink}},
                "'shadow' is a hard link leading outside");
  ExpectRefused(
      {File("analytic.json", kDoc), File("run", kRunScript), Member{"null", "", Member::Kind::kCharDevice, 0666}},
      "'null' is a device");
}

TEST_F(BundleTest, RefusesABundleWithoutDocOrEntryPoint) {
  ExpectRefused({File("run", kRunScript)}, "no analytic.json");
  ExpectRefused({File("analytic.json", kDoc), File("main.sh", kRunScript)}, "no entry point");
  ExpectRefused({File("analytic.json", R"({"info": {"entrypoint": "missing.sh"}})"), File("run", kRunScript)},
                "'missing.sh'");
  ExpectRefused({File("analytic.json", kDoc), Symlink("run", "analytic.json")}, "not a regular file");
  ExpectRefused({File("analytic.json", "not json"), File("run", kRunScript)}, "not a JSON object");
}

TEST_F(BundleTest, RefusesTooManyMembers) {
  std::vector<Member> members = {File("analytic.json", kDoc), File("run", kRunScript)};
  for (int i = 0; i < 10'000; ++i) members.push_back(File("f/" + std::to_string(i), ""));
  ExpectRefused(members, "more than 10,000 members");
}

TEST_F(BundleTest, RefusesAWrongOrMalformedHash) {
  const fs::path file = Bundle({File("analytic.json", kDoc), File("run", kRunScript)});
  EXPECT_EQ(UnpackBundle(file, std::string(64, 'a'), cache()).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(UnpackBundle(file, "../../etc", cache()).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(CacheContents().empty());
}

TEST_F(BundleTest, ThreadsUnpackingTheSameBundleAgree) {
  const fs::path file =
      Bundle({File("analytic.json", kDoc), File("run", kRunScript), File("lib/data.txt", std::string(1 << 20, 'd'))});
  const std::string sha256 = FileSha256(file);
  for (int round = 0; round < 5; ++round) {
    const fs::path cache_root = dir_.path() / ("cache" + std::to_string(round));
    std::vector<Result<UnpackedBundle>> results(2, Status::Internal("not run"));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < results.size(); ++i) {
      threads.emplace_back([&, i] {
        ready.fetch_add(1);
        while (ready.load() < 2) {
        }
        results[i] = UnpackBundle(file, sha256, cache_root);
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (const Result<UnpackedBundle>& result : results) {
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      EXPECT_EQ(result->dir, fs::canonical(cache_root) / sha256);
      EXPECT_EQ(ReadFile(result->dir / "lib" / "data.txt").size(), 1u << 20);
    }
    EXPECT_EQ(std::distance(fs::directory_iterator(cache_root), fs::directory_iterator()), 1)
        << "a loser's copy remains";
  }
}

}  // namespace
}  // namespace vitrine::jobs
