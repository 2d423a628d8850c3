// The host side of MLPerf Tiny's serial protocol (docs/mlperf-tiny.md), as the MLCommons runner
// speaks it: commands are text plus '%' (written separately), replies are lines read one byte at
// a time (CR and NUL dropped, empty lines skipped) up to the first line containing "m-ready".
// Used by `utvm bench` over any ByteStream (an emulator's UART through the project server, a
// serial port). Parsing follows the runner's regexes, so what utvm accepts the runner accepts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "utvm/transport/byte_stream.h"

namespace utvm::cli::mlperf {

// One `infer N W` as the runner reads it.
struct InferResult {
  std::vector<std::string> lines;                 // the reply, m-ready included
  std::optional<std::uint64_t> start_us, end_us;  // first and last m-lap-us
  std::vector<double> results;                    // m-results-[...] (empty: none or unparsable)
  bool has_results = false;                       // an m-results line was there
  std::vector<std::string> errors;                // e-[...] lines
  // end - start in microseconds; nullopt without two laps (the runner's "Incomplete time data").
  std::optional<std::uint64_t> elapsed_us() const;
};

// The m-results vector of `line` parsed as the runner does (`^m-results-\[([^]]+)\]$`, split on
// ',', blanks dropped, float() each): nullopt when the line is not a results line; an empty vector
// when a field does not parse.
std::optional<std::vector<double>> parse_results_line(const std::string& line);

class Dut {
 public:
  struct Timeouts {
    std::chrono::milliseconds line{5000};    // between two lines of a reply (runner: 5 s)
    std::chrono::milliseconds infer{30000};  // for infer (runner: 30 s)
  };
  Dut(transport::ByteStream& stream, Timeouts timeouts);
  Dut(transport::ByteStream& stream) : Dut(stream, Timeouts{}) {}

  // Reads and drops what the device printed since it started (its boot banner), until a line
  // with m-ready or `quiet` without a byte. Returns the lines dropped.
  std::vector<std::string> drain(std::chrono::milliseconds quiet);

  // Sends `command` and returns its reply's lines (the m-ready line included). A line not
  // arriving within the timeout is Error(kTransport) "No response to command <command>" (the
  // runner's words).
  std::vector<std::string> command(const std::string& command,
                                   std::optional<std::chrono::milliseconds> line_timeout = {});

  // name: the bracket of `m-name-dut-[...]` (nullopt when no line matched).
  std::optional<std::string> name();
  // profile: the model id of `m-model-[...]` and the firmware id of `m-profile-[...]`.
  struct Profile {
    std::optional<std::string> model, firmware;
  };
  Profile profile();
  // db load N, then 31 bytes of lowercase hex per db command.
  void load(std::span<const std::uint8_t> bytes);
  InferResult infer(std::uint64_t n, std::uint64_t warmups);

 private:
  // One line (CR/NUL dropped, empty lines skipped); nullopt when `timeout` passed first.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  transport::ByteStream& stream_;
  Timeouts timeouts_;
  std::string pending_;  // bytes read past the last line
};

}  // namespace utvm::cli::mlperf
