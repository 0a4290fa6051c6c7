#include "report/markdown_report.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "query/group_comparison.h"
#include "query/run_table.h"
#include "report/grouping.h"
#include "util/build_info.h"

namespace gansweep::report {
namespace {

std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string row(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const auto& c : cells) line += " " + cell(c) + " |";
  return line + "\n";
}

std::string header(const std::vector<std::string>& cells) {
  std::string line = row(cells) + "|";
  for (std::size_t i = 0; i < cells.size(); ++i) line += "---|";
  return line + "\n";
}

std::string number(double x) { return std::isfinite(x) ? fmt::format("{:.4g}", x) : ""; }

}  // namespace

std::string build_markdown_report(const ReportOptions& options) {
  std::string md = "# " + cell(options.title) + "\n\n";
  md += fmt::format("Written by gansweep {} ({}).\n", gansweep_version(), git_commit());
  const std::vector<std::string> metrics{"g_grad_norm", "dg_dlogit"};
  for (const auto& path : options.databases) {
    const query::RunTable runs = query::query_runs(path, [&] {
      query::RunQuery selection;
      selection.sweep = options.sweep;
      return selection;
    }());
    md += "\n## " + cell(path.string()) + "\n\n";
    const auto shows = [&](const char* outcome) {
      return std::find(runs.outcomes.begin(), runs.outcomes.end(), outcome) != runs.outcomes.end();
    };
    const bool toy_quality = shows("high_quality_fraction");
    const bool image_quality = shows("frechet_distance");
    md +=
        "Per group: the median and quartiles, over runs, of each run's median in steps "
        "0-199";
    if (toy_quality) {
      md +=
          "; final quality is the median of the last evaluation's high-quality fraction "
          "(toy data)";
    }
    if (image_quality) {
      md +=
          "; final Fréchet distance (to the training set, in a Fashion-MNIST classifier's "
          "features; lower is better) and final classes covered (of 10) are medians of the "
          "last evaluation (images)";
    }
    md += ".\n\n";
    // The HTML report's groups (report/grouping.h), so both pair alike.
    const std::vector<std::string> by = grouping_settings(runs);
    const auto comparison = query::compare_groups(path, runs, by, {0, 200}, metrics, 500);
    std::vector<std::string> group_columns{"loss", "lr", "d_steps"};
    group_columns.insert(group_columns.end(), by.begin() + 3, by.end());
    group_columns.insert(group_columns.end(), {"runs", "diverged", "g_grad_norm median [q25, q75]",
                                               "dg_dlogit median [q25, q75]"});
    if (toy_quality) group_columns.push_back("final quality");
    if (image_quality) {
      group_columns.push_back("final Fréchet distance");
      group_columns.push_back("final classes covered");
    }
    md += header(group_columns);
    const auto optional = [](const std::optional<double>& x) { return x ? number(*x) : "n/a"; };
    for (const auto& g : comparison.groups) {
      std::vector<std::string> cells = g.key;
      cells.push_back(std::to_string(g.runs));
      cells.push_back(std::to_string(g.diverged));
      for (const auto& m : g.metrics) {
        cells.push_back(fmt::format("{} [{}, {}]", number(m.median), number(m.q25), number(m.q75)));
      }
      if (toy_quality) cells.push_back(optional(g.median_final_high_quality));
      if (image_quality) {
        cells.push_back(optional(g.median_final_frechet_distance));
        cells.push_back(optional(g.median_final_classes_covered));
      }
      md += row(cells);
    }
    if (!comparison.differences.empty()) {
      // Runs that share a seed and every other setting start from the same
      // weights and see the same data and noise, so their differences vary
      // less than the groups do; the intervals use that pairing where it
      // exists and say which.
      md +=
          "\nEach group against the first, over the same steps: the difference of medians "
          "with a 95% bootstrap interval. *Paired* intervals resample pairs of runs that share "
          "their seed and every other setting (the same initial weights, data order and "
          "noise), which removes the seeds' own spread; *unpaired* ones resample the two "
          "groups' runs independently.\n\n";
      md += header({"group", "against", "metric", "difference", "95% interval", "pairing"});
      const auto label = [&](std::size_t index) {
        std::string text;
        for (const auto& part : comparison.groups[index].key) {
          if (part.empty()) continue;  // a setting these runs do not read
          text += (text.empty() ? "" : ", ") + part;
        }
        return text;
      };
      for (const auto& d : comparison.differences) {
        md += row({label(d.group), label(d.reference), d.metric, number(d.difference),
                   fmt::format("[{}, {}]", number(d.ci_low), number(d.ci_high)),
                   d.paired ? fmt::format("paired, {} pairs", d.pairs_or_runs)
                            : fmt::format("unpaired, {} runs", d.pairs_or_runs)});
      }
    }
    md += "\n### Runs\n\n";
    std::vector<std::string> columns{"run_key", "status"};
    for (const auto& s : runs.settings) columns.push_back(s);
    for (const auto& o : runs.outcomes) columns.push_back(o);
    md += header(columns);
    for (const auto& r : runs.rows) {
      std::vector<std::string> cells{r.run_key, r.status};
      for (std::size_t i = 2; i < columns.size(); ++i) {
        const auto it = r.fields.find(columns[i]);
        cells.push_back(it == r.fields.end() ? "" : it->second.display());
      }
      md += row(cells);
    }
  }
  return md;
}

}  // namespace gansweep::report
