#include "vitrine/collections.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace vitrine {
namespace {

// A fake listing of `n` items whose server may lie about the total.
struct Listing {
  int n;
  std::int64_t reported_total;
  int calls = 0;
  Result<Page<int>> operator()(const PageRequest& p) {
    ++calls;
    Page<int> page{{}, reported_total};
    for (std::int64_t i = p.offset; i < std::min<std::int64_t>(n, p.offset + p.limit); ++i) {
      page.items.push_back(static_cast<int>(i));
    }
    return page;
  }
};

TEST(PagerTest, VisitsEveryItemOnceAtEveryBoundary) {
  for (int n : {0, 1, 4, 5, 6, 11}) {  // page size 5: 0, 1, page-1, page, page+1, several pages
    Listing listing{n, n};
    Pager<int> pager(std::ref(listing), 5);
    auto all = pager.All();
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->size(), static_cast<std::size_t>(n)) << n;
    for (int i = 0; i < n; ++i) EXPECT_EQ((*all)[i], i);
    EXPECT_LE(listing.calls, n / 5 + 1) << "no request after the last page is known";
  }
}

TEST(PagerTest, StopsWhenTheTotalLiesEitherWay) {
  Listing inflated{3, 1000};  // claims more than there is: stops at the first empty page
  EXPECT_EQ(Pager<int>(std::ref(inflated), 2).All()->size(), 3u);
  EXPECT_LE(inflated.calls, 3);
  Listing shrunk{10, 4};  // claims fewer: stops at the reported total, never loops
  EXPECT_EQ(Pager<int>(std::ref(shrunk), 2).All()->size(), 4u);
}

TEST(PagerTest, AnErrorEndsTheIteration) {
  int calls = 0;
  Pager<int> pager([&](const PageRequest&) -> Result<Page<int>> {
    ++calls;
    return Status::Unavailable("down");
  });
  auto first = pager.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(pager.Next().has_value());
  EXPECT_EQ(calls, 1);
}

TEST(BulkMapTest, ResultsComeBackInInputOrderWithProgress) {
  std::vector<int> inputs;
  for (int i = 0; i < 40; ++i) inputs.push_back(i);
  std::size_t last_done = 0, calls = 0;
  auto out = BulkMap(
      inputs, 4,
      [](int x) -> Result<int> {
        std::this_thread::sleep_for(std::chrono::microseconds((40 - x) * 50));  // finish out of order
        if (x == 7) return Status::InvalidArgument("seven");
        return x * x;
      },
      [&](std::size_t done, std::size_t total) {
        EXPECT_EQ(total, 40u);
        EXPECT_EQ(done, last_done + 1);
        last_done = done;
        ++calls;
      });
  ASSERT_EQ(out.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    if (i == 7)
      EXPECT_FALSE(out[i].ok());
    else
      EXPECT_EQ(*out[i], i * i);
  }
  EXPECT_EQ(calls, 40u);
  EXPECT_TRUE(BulkMap(std::vector<int>{}, 4, [](int x) { return x; }).empty());
}

TEST(BulkMapTest, AnExceptionInOneItemReachesTheCallerInsteadOfEndingTheProcess) {
  std::vector<int> inputs(200);
  for (int i = 0; i < 200; ++i) inputs[i] = i;
  auto map = [&] {
    return BulkMap(inputs, 4, [](int i) {
      if (i == 57) throw std::runtime_error("item 57");
      return i * 2;
    });
  };
  EXPECT_THROW(map(), std::runtime_error);
  EXPECT_EQ(BulkMap(inputs, 4, [](int i) { return i * 2; })[199], 398);
}

}  // namespace
}  // namespace vitrine
