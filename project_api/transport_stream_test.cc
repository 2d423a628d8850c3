// TransportStream against utvm's example server, whose transport is a loopback: what is written
// comes back from read_transport, and an empty loopback answers IoTimeoutError.
#include "utvm/project_api/transport_stream.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

namespace utvm::project_api {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const fs::path kExampleTemplate = fs::path(UTVM_BINARY_DIR) / "share/utvm/platforms/example";

class TransportStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kExampleTemplate / "launch_microtvm_api_server.sh"))
      GTEST_SKIP() << "example server template not built at " << kExampleTemplate
                   << " (target utvm-example-server)";
  }

  // A client with its transport open; read_transport returns at most `chunk` bytes per call.
  static Client open(int chunk) {
    Client c = Client::launch(kExampleTemplate);
    c.server_info_query();
    c.open_transport({{"read_chunk_size", chunk}});
    return c;
  }
};

TEST_F(TransportStreamTest, BytesWrittenComeBackInPartialReads) {
  Client c = open(100);
  TransportStream stream(c);
  std::vector<std::uint8_t> sent(1000);
  for (std::size_t i = 0; i < sent.size(); ++i)
    sent[i] = static_cast<std::uint8_t>(i * 7 + 1);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  stream.write(sent, deadline);

  std::vector<std::uint8_t> got;
  std::uint8_t buf[256];
  while (got.size() < sent.size()) {
    const std::size_t n = stream.read(buf, deadline);
    ASSERT_GT(n, 0u);
    ASSERT_LE(n, 100u);  // the server's chunk, not the buffer size
    got.insert(got.end(), buf, buf + n);
  }
  EXPECT_EQ(got, sent);
  c.close_transport();
}

TEST_F(TransportStreamTest, NothingToReadIsATimeoutAfterTheDeadline) {
  Client c = open(64);
  TransportStream stream(c);
  std::uint8_t buf[16];
  const auto start = Clock::now();
  EXPECT_THROW(stream.read(buf, start + std::chrono::milliseconds(150)),
               transport::TransportTimeout);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(150));
  c.close_transport();
}

}  // namespace
}  // namespace utvm::project_api
