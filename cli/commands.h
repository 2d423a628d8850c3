// How the utvm command line is put together: every command lives in its own cli/cmd_<name>.cc and
// exposes one `register_<name>_command(CLI::App&)` that adds its subcommand(s) to the root app and
// sets the subcommand's callback. main.cc calls every register function, parses, and maps any
// utvm::Error thrown by a callback to its exit code (docs/cli.md). Options shared by all commands
// (--verbose, --no-color) are read through cli_context().
#pragma once

#include <CLI/CLI.hpp>

#include "utvm/cli/context.h"

// One line per command, each defined in cli/cmd_<name>.cc.
void register_project_commands(CLI::App& app);    // create-project, build, flash, list-options
void register_micro_command(CLI::App& app);       // tvmc compatibility: micro create|build|flash
void register_platforms_commands(CLI::App& app);  // platforms, boards
void register_doctor_command(CLI::App& app);      // doctor: which tools each platform finds
void register_completion_command(CLI::App& app);  // completion SHELL
void register_help_command(CLI::App& app);        // help [COMMAND|TOPIC], and the man page
void register_info_command(CLI::App& app);        // info MODEL.tar
void register_run_command(CLI::App& app);         // run PROJECT_DIR
void register_validate_command(CLI::App& app);    // validate: the device against a host build
void register_devices_command(CLI::App& app);     // devices: serial ports joined with boards
void register_bench_command(CLI::App& app);       // bench: MLPerf Tiny runs (docs/mlperf-tiny.md)
void register_serve_command(CLI::App& app);       // serve --pty: a device on a pseudo-terminal
