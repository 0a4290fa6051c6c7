// `gansweep report DB [DB...] -o FILE.html`: the comparison report, one
// self-contained page that opens offline.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "report/html_report.h"
#include "report/markdown_report.h"

namespace gansweep::cli {

namespace {

// The report replaces its output file whole (written beside it, then
// renamed), so the target must be a new name or an earlier report: never a
// folder, a device, a pipe or link, one of the input databases or any other
// SQLite file.
void check_output(const std::string& output, const std::vector<std::string>& databases) {
  namespace fs = std::filesystem;
  if (output.empty()) throw CLI::ValidationError("--output", "the path is empty");
  std::error_code ec;
  const auto status = fs::symlink_status(output, ec);
  if (!fs::exists(status)) return;
  if (!fs::is_regular_file(status)) {
    throw CLI::ValidationError(
        "--output", output + " exists and is not a regular file; expected a new .html path");
  }
  for (const auto& db : databases) {
    if (fs::equivalent(output, db, ec)) {
      throw CLI::ValidationError("--output", output + " is one of the input databases");
    }
  }
  std::ifstream existing(output, std::ios::binary);
  char magic[16] = {};
  existing.read(magic, sizeof(magic));
  if (std::string(magic, 15) == "SQLite format 3") {
    throw CLI::ValidationError("--output",
                               output + " is an SQLite database; refusing to replace it");
  }
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand(
      "report", "Write a self-contained HTML comparison report (or its tables as Markdown)");
  auto databases = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  auto options = std::make_shared<report::ReportOptions>();
  command->add_option("DB", *databases, "Result databases")->required();
  command->add_option("-o,--output", *output, "The HTML file to write")->required();
  auto format = std::make_shared<std::string>("html");
  command->add_option("--title", options->title, "Page title")->capture_default_str();
  command->add_option("--format", *format, "html, or md for the tables as Markdown")
      ->check(CLI::IsMember({"html", "md"}))
      ->capture_default_str();
  command
      ->add_option("--max-points", options->max_points,
                   "Per curve: more steps than this are reduced to min and max per bucket")
      ->check(CLI::Range(10, 100000))
      ->capture_default_str();
  command->add_option("--sweep", options->sweep,
                      "Only the runs of this sweep (such as NAME.rerun_best, the reruns of a "
                      "study)");
  command->callback([&exit_code, databases, output, options, format] {
    check_output(*output, *databases);
    for (const auto& db : *databases) options->databases.emplace_back(db);
    if (!options->sweep.empty()) {
      for (const auto& db : *databases) check_sweep_exists(db, options->sweep);
    }
    const std::string page = *format == "md" ? report::build_markdown_report(*options)
                                             : report::build_html_report(*options);
    // Written beside the target and renamed, so a failure leaves no half page.
    const std::string partial = *output + ".partial";
    {
      std::ofstream out(partial, std::ios::binary);
      const int open_error = errno;
      out << page;
      if (!out) {
        throw std::runtime_error(
            fmt::format("{}: cannot write the report: {}", *output, std::strerror(open_error)));
      }
    }
    if (std::rename(partial.c_str(), output->c_str()) != 0) {
      const int rename_error = errno;
      std::remove(partial.c_str());
      throw std::runtime_error(fmt::format("{}: cannot write the report there: {}", *output,
                                           std::strerror(rename_error)));
    }
    fmt::print("{} ({:.1f} kB)\n", *output, static_cast<double>(page.size()) / 1e3);
    exit_code = kExitOk;
  });
}

}  // namespace gansweep::cli
