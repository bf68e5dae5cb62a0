// The fake NVML library itself: what a script makes each entry point answer.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <nvml.h>

#include <chrono>
#include <string>
#include <thread>

#include "fake_script.hpp"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

class Fake {
 public:
  explicit Fake(const std::string& script) {
    gx::test::use_fake_nvml_script(script);
    handle_ = dlopen(GPUXFER_FAKE_NVML, RTLD_NOW | RTLD_LOCAL);
  }
  ~Fake() {
    if (handle_ != nullptr) dlclose(handle_);
  }
  template <class F>
  F* fn(const char* name) const {
    return reinterpret_cast<F*>(dlsym(handle_, name));
  }
  void* handle_ = nullptr;
};

constexpr const char* kTwoGpus = R"({
  "driver_version": "580.95.05",
  "omit": ["nvmlDeviceGetRowRemapperHistogram"],
  "fail": {"nvmlDeviceGetVbiosVersion": "NO_PERMISSION"},
  "devices": [
    {"pci_bus_id": "00000000:18:00.0", "uuid": "GPU-aaaa", "name": "NVIDIA H200",
     "values": {"ecc_errors": {"volatile": {"corrected": 1, "uncorrected": 0}},
                "remapped_rows": {"corrected": 2, "uncorrected": 0, "pending": false, "failure": false},
                "nvlink": {"0": {"active": true, "errors": {"replay": 5}}},
                "fail": {"nvmlDeviceGetPersistenceMode": "GPU_IS_LOST"}},
     "steps": [{"after_calls": 1, "ecc_errors": {"volatile": {"uncorrected": 3}}},
               {"after_ms": 100000, "remapped_rows": {"pending": true}}],
     "xid_events": [{"after_ms": 30, "xid": 79}]},
    {"pci_bus_id": "0000:2a:00.0", "uuid": "GPU-bbbb", "name": "NVIDIA H200"}
  ]
})";

TEST(FakeNvml, OmittedEntryPointsResolveToNull) {
  Fake fake(kTwoGpus);
  ASSERT_NE(fake.handle_, nullptr) << dlerror();
  EXPECT_EQ(fake.fn<void>("nvmlDeviceGetRowRemapperHistogram"), nullptr);
  EXPECT_NE(fake.fn<void>("nvmlDeviceGetRemappedRows"), nullptr);
  EXPECT_NE(fake.fn<void>("nvmlInit_v2"), nullptr);
}

TEST(FakeNvml, DevicesAreFoundByAnySpellingOfTheBusId) {
  Fake fake(kTwoGpus);
  ASSERT_EQ(fake.fn<decltype(nvmlInit_v2)>("nvmlInit_v2")(), NVML_SUCCESS);
  auto by_bus = fake.fn<decltype(nvmlDeviceGetHandleByPciBusId_v2)>("nvmlDeviceGetHandleByPciBusId_v2");
  nvmlDevice_t a{}, b{}, c{};
  EXPECT_EQ(by_bus("0000:18:00.0", &a), NVML_SUCCESS);
  EXPECT_EQ(by_bus("00000000:2A:00.0", &b), NVML_SUCCESS);
  EXPECT_NE(a, b);
  EXPECT_EQ(by_bus("0000:99:00.0", &c), NVML_ERROR_NOT_FOUND);
  unsigned count = 0;
  EXPECT_EQ(fake.fn<decltype(nvmlDeviceGetCount_v2)>("nvmlDeviceGetCount_v2")(&count), NVML_SUCCESS);
  EXPECT_EQ(count, 2u);
  char uuid[96];
  EXPECT_EQ(fake.fn<decltype(nvmlDeviceGetUUID)>("nvmlDeviceGetUUID")(b, uuid, sizeof(uuid)), NVML_SUCCESS);
  EXPECT_STREQ(uuid, "GPU-bbbb");
}

TEST(FakeNvml, ScriptedFailuresAndMissingValues) {
  Fake fake(kTwoGpus);
  ASSERT_EQ(fake.fn<decltype(nvmlInit_v2)>("nvmlInit_v2")(), NVML_SUCCESS);
  nvmlDevice_t a{}, b{};
  auto by_bus = fake.fn<decltype(nvmlDeviceGetHandleByPciBusId_v2)>("nvmlDeviceGetHandleByPciBusId_v2");
  ASSERT_EQ(by_bus("0000:18:00.0", &a), NVML_SUCCESS);
  ASSERT_EQ(by_bus("0000:2a:00.0", &b), NVML_SUCCESS);
  char text[64];
  auto vbios = fake.fn<decltype(nvmlDeviceGetVbiosVersion)>("nvmlDeviceGetVbiosVersion");
  EXPECT_EQ(vbios(b, text, sizeof(text)), NVML_ERROR_NO_PERMISSION);  // global failure
  nvmlEnableState_t mode{};
  auto persistence = fake.fn<decltype(nvmlDeviceGetPersistenceMode)>("nvmlDeviceGetPersistenceMode");
  EXPECT_EQ(persistence(a, &mode), NVML_ERROR_GPU_IS_LOST);    // this device only
  EXPECT_EQ(persistence(b, &mode), NVML_ERROR_NOT_SUPPORTED);  // not scripted
  auto error_string = fake.fn<decltype(nvmlErrorString)>("nvmlErrorString");
  EXPECT_STREQ(error_string(NVML_ERROR_NOT_SUPPORTED), "Not Supported");
}

TEST(FakeNvml, CountersGrowAfterTheScriptedNumberOfCalls) {
  Fake fake(kTwoGpus);
  ASSERT_EQ(fake.fn<decltype(nvmlInit_v2)>("nvmlInit_v2")(), NVML_SUCCESS);
  nvmlDevice_t a{};
  ASSERT_EQ(fake.fn<decltype(nvmlDeviceGetHandleByPciBusId_v2)>("nvmlDeviceGetHandleByPciBusId_v2")("0000:18:00.0", &a),
            NVML_SUCCESS);
  auto total = fake.fn<decltype(nvmlDeviceGetTotalEccErrors)>("nvmlDeviceGetTotalEccErrors");
  unsigned long long n = 99;
  // Counted per query: reading the corrected counter does not advance the uncorrected one.
  EXPECT_EQ(total(a, NVML_MEMORY_ERROR_TYPE_CORRECTED, NVML_VOLATILE_ECC, &n), NVML_SUCCESS);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(total(a, NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_VOLATILE_ECC, &n), NVML_SUCCESS);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(total(a, NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_VOLATILE_ECC, &n), NVML_SUCCESS);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(total(a, NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_AGGREGATE_ECC, &n), NVML_ERROR_NOT_SUPPORTED);
  unsigned c = 0, u = 0, p = 7, f = 7;
  EXPECT_EQ(fake.fn<decltype(nvmlDeviceGetRemappedRows)>("nvmlDeviceGetRemappedRows")(a, &c, &u, &p, &f), NVML_SUCCESS);
  EXPECT_EQ(c, 2u);
  EXPECT_EQ(p, 0u);  // the after_ms step has not come yet
  unsigned long long replay = 0;
  EXPECT_EQ(fake.fn<decltype(nvmlDeviceGetNvLinkErrorCounter)>("nvmlDeviceGetNvLinkErrorCounter")(
                a, 0, NVML_NVLINK_ERROR_DL_REPLAY, &replay),
            NVML_SUCCESS);
  EXPECT_EQ(replay, 5u);
  nvmlFieldValue_t fields[2] = {};
  fields[0].fieldId = NVML_FI_DEV_REMAPPED_COR;
  fields[1].fieldId = NVML_FI_DEV_GET_GPU_RECOVERY_ACTION;
  EXPECT_EQ(fake.fn<decltype(nvmlDeviceGetFieldValues)>("nvmlDeviceGetFieldValues")(a, 2, fields), NVML_SUCCESS);
  EXPECT_EQ(fields[0].nvmlReturn, NVML_SUCCESS);
  EXPECT_EQ(fields[0].value.uiVal, 2u);
  EXPECT_EQ(fields[1].nvmlReturn, NVML_ERROR_NOT_SUPPORTED);
}

TEST(FakeNvml, XidEventsReachSetsRegisteredBeforeThem) {
  Fake fake(kTwoGpus);
  ASSERT_EQ(fake.fn<decltype(nvmlInit_v2)>("nvmlInit_v2")(), NVML_SUCCESS);
  nvmlDevice_t a{};
  ASSERT_EQ(fake.fn<decltype(nvmlDeviceGetHandleByPciBusId_v2)>("nvmlDeviceGetHandleByPciBusId_v2")("0000:18:00.0", &a),
            NVML_SUCCESS);
  nvmlEventSet_t set{};
  ASSERT_EQ(fake.fn<decltype(nvmlEventSetCreate)>("nvmlEventSetCreate")(&set), NVML_SUCCESS);
  ASSERT_EQ(
      fake.fn<decltype(nvmlDeviceRegisterEvents)>("nvmlDeviceRegisterEvents")(a, nvmlEventTypeXidCriticalError, set),
      NVML_SUCCESS);
  auto wait = fake.fn<decltype(nvmlEventSetWait_v2)>("nvmlEventSetWait_v2");
  nvmlEventData_t data{};
  EXPECT_EQ(wait(set, &data, 0), NVML_ERROR_TIMEOUT);  // not yet due
  EXPECT_EQ(wait(set, &data, 5000), NVML_SUCCESS);     // waits for it
  EXPECT_EQ(data.eventData, 79u);
  EXPECT_EQ(data.device, a);
  EXPECT_EQ(wait(set, &data, 0), NVML_ERROR_TIMEOUT);  // delivered once
  EXPECT_EQ(fake.fn<decltype(nvmlEventSetFree)>("nvmlEventSetFree")(set), NVML_SUCCESS);
}

TEST(FakeNvml, ABadScriptFailsInit) {
  Fake fake("{not json");
  ASSERT_NE(fake.handle_, nullptr);
  EXPECT_EQ(fake.fn<decltype(nvmlInit_v2)>("nvmlInit_v2")(), NVML_ERROR_UNKNOWN);
}

}  // namespace
