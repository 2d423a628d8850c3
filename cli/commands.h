// How the utvm command line is put together: every command lives in its own cli/cmd_<name>.cc and
// exposes one `register_<name>_command(CLI::App&)` that adds its subcommand(s) to the root app and
// sets the subcommand's callback. main.cc calls every register function, parses, and maps any
// utvm::Error thrown by a callback to its exit code (docs/cli.md). Options shared by all commands
// (--verbose, --no-color) are read through cli_context().
#pragma once

#include <CLI/CLI.hpp>

#include "utvm/cli/context.h"

// One line per command; keep them in this simple form so others can add theirs.
void register_project_commands(CLI::App& app);    // create-project, build, flash, list-options
void register_micro_command(CLI::App& app);       // tvmc compatibility: micro create|build|flash
void register_platforms_commands(CLI::App& app);  // platforms, boards
void register_doctor_command(CLI::App& app);
void register_completion_command(CLI::App& app);
void register_help_command(CLI::App& app);  // help [COMMAND|TOPIC], and the man page
void register_info_command(CLI::App& app);  // cli/cmd_info.cc (engineer "mlf")
void register_run_command(CLI::App& app);   // cli/cmd_run.cc (the lead)
// cli/cmd_devices.cc (engineer "zephyr")
void register_devices_command(CLI::App& app);
// cli/cmd_validate.cc: the device against a host build of the same model
void register_validate_command(CLI::App& app);
// cli/cmd_bench.cc: MLPerf Tiny performance/accuracy runs (docs/mlperf-tiny.md)
void register_bench_command(CLI::App& app);
// cli/cmd_serve.cc: a project's device on a pseudo-terminal (utvm serve --pty)
void register_serve_command(CLI::App& app);
