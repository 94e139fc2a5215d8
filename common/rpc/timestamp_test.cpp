#include "common/rpc/timestamp.h"

#include <gtest/gtest.h>

namespace paymesh::rpc {
namespace {

using std::chrono::microseconds;

TEST(TimestampTest, RoundTripsMicroseconds) {
  for (int64_t micros :
       {int64_t{0}, int64_t{1}, int64_t{1'764'000'000'123'456}, int64_t{-1}, int64_t{-1'500'000}}) {
    const time::Timestamp t{microseconds(micros)};
    EXPECT_EQ(*FromProto(ToProto(t)), t) << micros;
  }
}

TEST(TimestampTest, NanosStayInRangeBeforeTheEpoch) {
  const google::protobuf::Timestamp p = ToProto(time::Timestamp(microseconds(-1)));
  EXPECT_EQ(p.seconds(), -1);
  EXPECT_EQ(p.nanos(), 999'999'000);
}

TEST(TimestampTest, SubMicrosecondNanosAreTruncated) {
  google::protobuf::Timestamp p;
  p.set_seconds(10);
  p.set_nanos(1'999);
  EXPECT_EQ(*FromProto(p), time::Timestamp(microseconds(10'000'001)));
}

TEST(TimestampTest, RefusesWhatNoPeerShouldSend) {
  google::protobuf::Timestamp p;
  p.set_seconds(253'402'300'799);
  EXPECT_TRUE(FromProto(p).ok()) << "9999-12-31T23:59:59Z is the last valid second";
  p.set_seconds(253'402'300'800);
  EXPECT_FALSE(FromProto(p).ok());
  p.set_seconds(INT64_MAX);
  EXPECT_FALSE(FromProto(p).ok());
  p.set_seconds(-62'135'596'801);
  EXPECT_FALSE(FromProto(p).ok());
  p.set_seconds(0);
  p.set_nanos(-1);
  EXPECT_FALSE(FromProto(p).ok());
  p.set_nanos(1'000'000'000);
  EXPECT_FALSE(FromProto(p).ok());
}

}  // namespace
}  // namespace paymesh::rpc
