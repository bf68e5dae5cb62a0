#include "core/device_select.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace gx;

namespace {
std::vector<DeviceIdentity> four_gpus() {
  return {{0, "GPU-1a2b3c4d-0000-0000-0000-000000000000", "0000:18:00.0"},
          {1, "GPU-1a2b9999-0000-0000-0000-000000000000", "0000:2a:00.0"},
          {2, "GPU-deadbeef-0000-0000-0000-000000000000", "0000:3a:00.0"},
          {3, "GPU-cafef00d-0000-0000-0000-000000000000", "0000:5d:00.0"}};
}
std::vector<int> pick(const std::string& text) {
  return resolve_devices(parse_device_spec(text), four_gpus());
}
}  // namespace

TEST(DeviceSelect, AllAndDefault) {
  EXPECT_EQ(pick("all"), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(pick("ALL"), (std::vector<int>{0, 1, 2, 3}));
}

TEST(DeviceSelect, IndicesUuidsAndBusIdsInGivenOrder) {
  EXPECT_EQ(pick("2,0"), (std::vector<int>{2, 0}));
  EXPECT_EQ(pick(" 1 , 3 "), (std::vector<int>{1, 3}));
  EXPECT_EQ(pick("GPU-deadbeef"), (std::vector<int>{2}));
  EXPECT_EQ(pick("gpu-CAFEF00D-0000"), (std::vector<int>{3}));
  EXPECT_EQ(pick("0000:2a:00.0,18:00.0"), (std::vector<int>{1, 0}));
  EXPECT_EQ(pick("00000000:5D:00.0"), (std::vector<int>{3}));
}

TEST(DeviceSelect, SyntaxErrorsAreUsageErrors) {
  for (const char* bad :
       {"", " ", "x", "0,,1", ",", "-1", "1.5", "GPU-", "GPU-12", "GPU-zzzz", "0,0", "1, 1", "0x1", "9999999"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW((void)parse_device_spec(bad), UsageError);
  }
}

TEST(DeviceSelect, ResolutionErrorsNameTheValue) {
  try {
    (void)pick("9");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("GPU 9 does not exist"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("4 GPUs (0-3)"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)pick("GPU-1a2b"), InputError);  // ambiguous prefix
  EXPECT_THROW((void)pick("GPU-00000000"), InputError);
  EXPECT_THROW((void)pick("0000:99:00.0"), InputError);
  EXPECT_THROW((void)pick("0,GPU-1a2b3c4d"), InputError);  // GPU 0 twice by two names
}

TEST(DeviceSelect, EmptyMachine) {
  EXPECT_TRUE(resolve_devices(parse_device_spec("all"), {}).empty());
  try {
    (void)resolve_devices(parse_device_spec("0"), {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no GPU"), std::string::npos);
  }
}
