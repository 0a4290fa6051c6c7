// The report's tables as Markdown, for a README, a paper's notes or a pull
// request: per database, the groups (loss x lr x d_steps) with their runs,
// divergences and step-window medians, the outcome per group, and the runs.
// Torch-free.
#pragma once

#include <string>

#include "report/html_report.h"

namespace gansweep::report {

// Table cells are escaped for Markdown (| and newlines); the medians are
// over steps [0, 200) of each run, as `gansweep query --by` computes them.
std::string build_markdown_report(const ReportOptions& options);

}  // namespace gansweep::report
