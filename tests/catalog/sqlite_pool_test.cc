// The SQLite connection pool: writers queue on its gate, every commit is flushed before it is
// reported (group_commit.h), and statements assembled at run time are kept and lent safely.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "catalog/commit_batch.h"
#include "catalog/sqlite/connection.h"
#include "support/temp_dir.h"

namespace vitrine::catalog::sqlite {
namespace {

using vitrine::testing::TempDir;

class SqlitePoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conn = pool_.Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE((*conn)->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL)").ok());
  }
  std::int64_t Count(const std::string& where = "") {
    auto conn = pool_.Acquire();
    auto q = (*conn)->PrepareDynamic("SELECT COUNT(*) FROM t" + where);
    EXPECT_TRUE(q.ok() && *q->Step());
    return q->Int(0);
  }

  TempDir dir_;
  ConnectionPool pool_{dir_.path() / "pool.db", 8};
};

TEST_F(SqlitePoolTest, ATransactionIsFlushedBeforeCommitReturnsAndARollbackIsNot) {
  auto conn = pool_.Acquire();
  ASSERT_TRUE(conn.ok());
  const std::uint64_t before = pool_.group_commit().flushes();
  {
    auto tx = Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*conn)->Exec("INSERT INTO t(writer) VALUES (0)").ok());
    ASSERT_TRUE(tx->Commit().ok());
  }
  EXPECT_EQ(pool_.group_commit().flushes(), before + 1);
  {
    auto tx = Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*conn)->Exec("INSERT INTO t(writer) VALUES (1)").ok());
  }  // rolled back
  EXPECT_EQ(pool_.group_commit().flushes(), before + 1);
  EXPECT_EQ(Count(), 1);
}

TEST_F(SqlitePoolTest, ALoneStatementIsFlushedToo) {
  auto conn = pool_.Acquire();
  ASSERT_TRUE(conn.ok());
  const std::uint64_t before = pool_.group_commit().flushes();
  ASSERT_TRUE((*conn)->Exec("INSERT INTO t(writer) VALUES (0)").ok());
  EXPECT_EQ(pool_.group_commit().flushes(), before + 1);
}

TEST_F(SqlitePoolTest, ABatchsCommitsShareOneFlushAtItsEnd) {
  auto conn = pool_.Acquire();
  ASSERT_TRUE(conn.ok());
  const std::uint64_t before = pool_.group_commit().flushes();
  {
    CommitBatch batch;
    {
      CommitBatch inner;  // joins the outer one
      for (int i = 0; i < 3; ++i) {
        auto tx = Transaction::Begin(**conn);
        ASSERT_TRUE(tx.ok());
        ASSERT_TRUE((*conn)->Exec("INSERT INTO t(writer) VALUES (7)").ok());
        ASSERT_TRUE(tx->Commit().ok());
      }
      ASSERT_TRUE((*conn)->Exec("INSERT INTO t(writer) VALUES (7)").ok());  // a lone statement too
    }
    EXPECT_EQ(pool_.group_commit().flushes(), before) << "owed until the batch ends";
    ASSERT_TRUE(batch.Finish().ok());
    EXPECT_EQ(pool_.group_commit().flushes(), before + 1);
  }
  EXPECT_EQ(pool_.group_commit().flushes(), before + 1) << "finished once";
  EXPECT_EQ(Count(" WHERE writer = 7"), 4);
  EXPECT_FALSE(CommitBatch::Active());
}

TEST_F(SqlitePoolTest, ConcurrentWritersAllCommitAndShareFlushes) {
  constexpr int kWriters = 8, kEach = 100;
  const std::uint64_t before = pool_.group_commit().flushes();
  std::vector<std::thread> writers;
  std::atomic<int> failures = 0;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        auto conn = pool_.Acquire();
        if (!conn.ok()) {
          ++failures;
          continue;
        }
        auto tx = Transaction::Begin(**conn);
        auto insert = (*conn)->Prepare("INSERT INTO t(writer) VALUES (?)");
        if (!tx.ok() || !insert.ok() || !insert->Bind(w).Run().ok() || !tx->Commit().ok()) ++failures;
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Count(), kWriters * kEach);
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(Count(" WHERE writer = " + std::to_string(w)), kEach);
  const std::uint64_t flushes = pool_.group_commit().flushes() - before;
  EXPECT_GE(flushes, 1u);
  EXPECT_LE(flushes, static_cast<std::uint64_t>(kWriters * kEach)) << "never more than one flush per commit";
}

TEST_F(SqlitePoolTest, AKeptStatementInUseIsNotLentTwice) {
  auto conn = pool_.Acquire();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE((*conn)->Exec("INSERT INTO t(writer) VALUES (1), (2), (3)").ok());
  const std::string sql = "SELECT writer FROM t WHERE writer >= ? ORDER BY writer";
  auto outer = (*conn)->PrepareDynamic(sql);
  ASSERT_TRUE(outer.ok());
  outer->BindAt(1, 1);
  std::vector<std::int64_t> pairs;
  while (*outer->Step()) {
    // The same text while the outer one is being read: a statement of its own.
    auto inner = (*conn)->PrepareDynamic(sql);
    ASSERT_TRUE(inner.ok());
    inner->BindAt(1, outer->Int(0));
    std::int64_t n = 0;
    while (*inner->Step()) ++n;
    pairs.push_back(outer->Int(0) * 10 + n);
  }
  EXPECT_EQ(pairs, (std::vector<std::int64_t>{13, 22, 31}));
  // Given back, then kept: the next use starts from a reset statement with no bindings left.
  {
    auto again = (*conn)->PrepareDynamic(sql);
    ASSERT_TRUE(again.ok());
    again->BindAt(1, 3);
    ASSERT_TRUE(*again->Step());
    EXPECT_EQ(again->Int(0), 3);
  }
}

}  // namespace
}  // namespace vitrine::catalog::sqlite
