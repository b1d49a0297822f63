// Speed keeping pitch: durations scale by 1/speed, a 440 Hz tone stays 440 Hz, the content is really moved
// (a tone change at 1 s lands at 1/speed s), the stream gives audio before flush, bad speeds are named.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "audio/time_stretch.h"
#include "common/error.h"
#include "support/audio_analysis.h"

namespace {

using namespace fishtts::audio;
using fishtts::test::dominant_frequency;
using fishtts::test::sine;

constexpr int kRate = 44100;

// 440 Hz for `seconds`, then 660 Hz for as long.
std::vector<float> two_tones(double seconds) {
  auto a = sine(440, kRate, seconds);
  auto b = sine(660, kRate, seconds);
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

double tone_at(const std::vector<float>& x, double t) {
  const auto at = static_cast<std::size_t>(t * kRate);
  return dominant_frequency(std::span(x).subspan(at, kRate / 5), kRate, 400, 700);
}

class Speeds : public ::testing::TestWithParam<double> {};

TEST_P(Speeds, DurationScalesAndPitchStays) {
  const double speed = GetParam();
  const auto x = two_tones(1.0);
  const auto y = time_stretch(x, kRate, speed);
  const double expected = 2.0 / speed;
  EXPECT_NEAR(static_cast<double>(y.size()) / kRate, expected, 0.05 * expected);
  // Well inside each half of the output, the tone is the input's.
  EXPECT_NEAR(tone_at(y, 0.25 / speed), 440, 3.0) << speed;
  EXPECT_NEAR(tone_at(y, 1.5 / speed - 0.1), 660, 3.0) << speed;
}

INSTANTIATE_TEST_SUITE_P(TimeStretch, Speeds, ::testing::Values(0.5, 2.0, 0.25, 4.0),
                         [](const auto& info) { return "x" + std::to_string(static_cast<int>(info.param * 100)); });

TEST(TimeStretch, StreamedInChunksGivesAudioBeforeFlushAndTheSameLength) {
  const auto x = two_tones(1.0);
  TimeStretcher stretcher(kRate, 0.5);
  std::vector<float> y;
  for (std::size_t at = 0; at < x.size(); at += 4410) {
    auto part = stretcher.process(std::span(x).subspan(at, std::min<std::size_t>(4410, x.size() - at)));
    y.insert(y.end(), part.begin(), part.end());
  }
  const std::size_t before_flush = y.size();
  auto tail = stretcher.flush();
  y.insert(y.end(), tail.begin(), tail.end());
  EXPECT_GT(before_flush, y.size() * 9 / 10);  // all but the held-back window came out as it went
  EXPECT_EQ(y.size(), time_stretch(x, kRate, 0.5).size());
  EXPECT_NEAR(tone_at(y, 0.5), 440, 3.0);
  EXPECT_NEAR(tone_at(y, 3.0), 660, 3.0);
}

// One NaN must not silence (or poison) the rest of the stream.
TEST(TimeStretch, NonFiniteSamplesDoNotPoisonTheStream) {
  auto x = sine(440, kRate, 1.0);
  x[1000] = std::numeric_limits<float>::quiet_NaN();
  x[2000] = std::numeric_limits<float>::infinity();
  const auto y = time_stretch(x, kRate, 2.0);
  for (float v : y) ASSERT_TRUE(std::isfinite(v));
  EXPECT_NEAR(tone_at(y, 0.25), 440, 3.0);
}

TEST(TimeStretch, SpeedOnePassesThrough) {
  const auto x = sine(440, kRate, 0.3);
  EXPECT_EQ(time_stretch(x, kRate, 1.0), x);
}

TEST(TimeStretch, BadSpeedsAreNamed) {
  for (double s : {0.2, 4.5, 0.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
    try {
      TimeStretcher t(kRate, s);
      ADD_FAILURE() << "no error for " << s;
    } catch (const fishtts::Error& e) {
      EXPECT_EQ(e.code(), fishtts::ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("between 0.25 and 4.0"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
