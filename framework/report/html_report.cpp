#include "report/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "query/group_comparison.h"
#include "query/run_table.h"
#include "query/window_summary.h"
#include "report/assets/uplot_assets.h"
#include "report/grouping.h"
#include "report/report_page.h"
#include "store/database.h"
#include "store/result_store.h"
#include "util/build_info.h"

namespace gansweep::report {
namespace {

// The step metrics drawn, with whether their axis is logarithmic.
struct CurveSpec {
  const char* metric;
  const char* title;
  bool log_scale;
};
constexpr CurveSpec kCurves[] = {
    {"g_grad_norm", "Generator gradient norm ||dJ_G/dtheta_G||", true},
    {"dg_dlogit", "|dJ_G/dl| per sample (batch mean)", true},
    {"d_fake", "D(G(z)): batch mean of sigma(l_f)", false},
    {"d_loss", "Discriminator loss", false},
    {"g_loss", "Generator loss", false},
};

std::string setting(const query::RunRow& row, const std::string& path) {
  const auto it = row.fields.find(path);
  return it == row.fields.end() ? "" : it->second.display();
}

// "minimax lr=0.001 d_steps=1 train.beta1=0.5": a group's name from its
// values of grouping_settings (loss, lr, d_steps, then the others by path);
// an empty value is a setting these runs do not read and is left out.
std::string group_name(const std::vector<std::string>& by, const std::vector<std::string>& values) {
  std::string name = fmt::format("{} lr={} d_steps={}", values[0], values[1], values[2]);
  for (std::size_t i = 3; i < by.size(); ++i) {
    if (!values[i].empty()) name += fmt::format(" {}={}", by[i], values[i]);
  }
  return name;
}

// Four significant digits: more than a plot can show, and it halves the
// page's size.
nlohmann::json number_or_null(double x) {
  if (!std::isfinite(x)) return nullptr;
  return std::stod(fmt::format("{:.4g}", x));
}

// One group's curves, per metric: steps and the median and quartiles
// across its runs at each step, finite values only.
struct GroupCurves {
  std::vector<double> steps;
  std::vector<std::vector<double>> median, q25, q75;  // [metric][i]
};

GroupCurves read_group_curves(store::Database& db, const std::vector<std::string>& run_keys) {
  std::string columns;
  for (const auto& c : kCurves) columns += std::string(", ") + c.metric;
  auto statement =
      db.prepare(fmt::format("SELECT step{} FROM steps WHERE run_key = ?1 ORDER BY step", columns),
                 "reading curves");
  constexpr int kMetrics = static_cast<int>(std::size(kCurves));
  std::map<std::int64_t, std::vector<std::vector<double>>> by_step;
  for (const auto& key : run_keys) {
    statement.bind_text(1, key);
    while (statement.step()) {
      auto& cell = by_step[statement.column_int64(0)];
      if (cell.empty()) cell.resize(kMetrics);
      for (int m = 0; m < kMetrics; ++m) {
        if (statement.column_is_null(m + 1)) continue;  // a NaN
        const double v = statement.column_double(m + 1);
        if (std::isfinite(v)) cell[m].push_back(v);
      }
    }
    statement.reset();
  }
  GroupCurves curves;
  curves.median.resize(kMetrics);
  curves.q25.resize(kMetrics);
  curves.q75.resize(kMetrics);
  for (auto& [step, values] : by_step) {
    curves.steps.push_back(static_cast<double>(step));
    for (int m = 0; m < kMetrics; ++m) {
      std::sort(values[m].begin(), values[m].end());
      curves.median[m].push_back(query::quantile_of_sorted(values[m], 0.5));
      curves.q25[m].push_back(query::quantile_of_sorted(values[m], 0.25));
      curves.q75[m].push_back(query::quantile_of_sorted(values[m], 0.75));
    }
  }
  return curves;
}

// The band follows the reduced median's buckets: per bucket, the lowest
// lower quartile and the highest upper quartile.
void reduce_band(const std::vector<double>& x, const std::vector<double>& lo,
                 const std::vector<double>& hi, const std::vector<double>& kept_x,
                 std::vector<double>* out_lo, std::vector<double>* out_hi) {
  std::size_t i = 0;
  for (std::size_t k = 0; k < kept_x.size(); ++k) {
    const double until = k + 1 < kept_x.size() ? kept_x[k + 1] : INFINITY;
    double low = INFINITY;
    double high = -INFINITY;
    // Points up to the next kept x belong to this one.
    while (i < x.size() && x[i] < until) {
      if (std::isfinite(lo[i])) low = std::min(low, lo[i]);
      if (std::isfinite(hi[i])) high = std::max(high, hi[i]);
      ++i;
    }
    out_lo->push_back(std::isfinite(low) ? low : NAN);
    out_hi->push_back(std::isfinite(high) ? high : NAN);
  }
}

nlohmann::json sample_json(store::Database& db, const std::string& run_key) {
  auto statement = db.prepare(
      "SELECT step, shape, data FROM samples WHERE run_key = ?1 ORDER BY step DESC LIMIT 1",
      "reading samples");
  statement.bind_text(1, run_key);
  if (!statement.step()) return nullptr;
  const auto bytes = statement.column_blob(2);
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  nlohmann::json rounded = nlohmann::json::array();
  for (float v : values) {
    rounded.push_back(std::isfinite(v) ? nlohmann::json(std::round(v * 1000.0) / 1000.0)
                                       : nlohmann::json(nullptr));
  }
  return {{"step", statement.column_int64(0)},
          {"shape", nlohmann::json::parse(statement.column_text(1))},
          {"values", rounded}};
}

nlohmann::json database_json(const std::filesystem::path& path, int max_points,
                             const std::string& sweep) {
  query::RunQuery selection;
  selection.sweep = sweep;
  const query::RunTable runs = query::query_runs(path, selection);
  auto db = store::open_database_read_only(path);

  // Groups (report/grouping.h), in the order their first run is listed.
  const std::vector<std::string> by = grouping_settings(runs);
  std::vector<std::string> names;
  std::map<std::string, std::vector<const query::RunRow*>> members;
  for (const auto& row : runs.rows) {
    std::vector<std::string> values;
    for (const auto& path : by) values.push_back(setting(row, path));
    const std::string name = group_name(by, values);
    if (members.count(name) == 0) names.push_back(name);
    members[name].push_back(&row);
  }

  nlohmann::json groups = nlohmann::json::array();
  nlohmann::json charts = nlohmann::json::array();
  std::vector<GroupCurves> curves;
  for (const auto& name : names) {
    std::vector<std::string> keys;
    nlohmann::json divergences = nlohmann::json::array();
    for (const auto* row : members[name]) {
      keys.push_back(row->run_key);
      const auto& step = row->fields.at("first_nonfinite_step");
      if (row->status == "diverged" && step.kind == query::Cell::Kind::kNumber) {
        divergences.push_back(step.number);
      }
    }
    curves.push_back(read_group_curves(*db, keys));
    const auto* first = members[name].front();
    groups.push_back({{"name", name},
                      {"loss", setting(*first, "train.loss")},
                      {"lr", setting(*first, "train.lr")},
                      {"d_steps", setting(*first, "train.d_steps")},
                      {"runs", keys.size()},
                      {"divergences", divergences},
                      {"sample", sample_json(*db, first->run_key)}});
  }

  for (std::size_t m = 0; m < std::size(kCurves); ++m) {
    // Each group reduced on its own, then aligned on the union of kept steps.
    std::vector<std::map<double, std::array<double, 3>>> reduced(names.size());
    std::vector<double> all_x;
    for (std::size_t g = 0; g < names.size(); ++g) {
      const GroupCurves& c = curves[g];
      std::vector<double> kx;
      std::vector<double> ky;
      reduce_min_max(c.steps, c.median[m], max_points, &kx, &ky);
      std::vector<double> lo;
      std::vector<double> hi;
      reduce_band(c.steps, c.q25[m], c.q75[m], kx, &lo, &hi);
      for (std::size_t i = 0; i < kx.size(); ++i) {
        reduced[g][kx[i]] = {ky[i], lo[i], hi[i]};
        all_x.push_back(kx[i]);
      }
    }
    std::sort(all_x.begin(), all_x.end());
    all_x.erase(std::unique(all_x.begin(), all_x.end()), all_x.end());
    nlohmann::json series = nlohmann::json::array();
    for (std::size_t g = 0; g < names.size(); ++g) {
      nlohmann::json median = nlohmann::json::array();
      nlohmann::json low = nlohmann::json::array();
      nlohmann::json high = nlohmann::json::array();
      for (double x : all_x) {
        const auto it = reduced[g].find(x);
        const bool log_ok = !kCurves[m].log_scale;
        const auto value = [&](double v) {
          return it == reduced[g].end() || (!log_ok && !(v > 0)) ? nlohmann::json(nullptr)
                                                                 : number_or_null(v);
        };
        median.push_back(it == reduced[g].end() ? nlohmann::json(nullptr) : value(it->second[0]));
        low.push_back(it == reduced[g].end() ? nlohmann::json(nullptr) : value(it->second[1]));
        high.push_back(it == reduced[g].end() ? nlohmann::json(nullptr) : value(it->second[2]));
      }
      series.push_back({{"median", median}, {"q25", low}, {"q75", high}});
    }
    charts.push_back({{"metric", kCurves[m].metric},
                      {"title", kCurves[m].title},
                      {"log", kCurves[m].log_scale},
                      {"x", all_x},
                      {"series", series}});
  }

  nlohmann::json table = nlohmann::json::array();
  std::vector<std::string> columns{"run_key", "sweep", "status"};
  for (const auto& s : runs.settings) columns.push_back(s);
  for (const auto& o : runs.outcomes) columns.push_back(o);
  for (const auto& row : runs.rows) {
    nlohmann::json cells = nlohmann::json::array({row.run_key, row.sweep, row.status});
    for (std::size_t i = 3; i < columns.size(); ++i) {
      const auto it = row.fields.find(columns[i]);
      cells.push_back(it == row.fields.end() ? "" : it->second.display());
    }
    table.push_back(cells);
  }
  // Each group against the first over steps 0-199, paired by seed where
  // the two groups' runs match up (the same seeds and every other setting:
  // the same initial weights, data order and noise), which removes the
  // seeds' own spread from the interval.
  const auto comparison =
      query::compare_groups(path, runs, by, {0, 200}, {"g_grad_norm", "dg_dlogit"}, 500);
  const auto label = [&](std::size_t g) { return group_name(by, comparison.groups[g].key); };
  nlohmann::json differences = nlohmann::json::array();
  for (const auto& d : comparison.differences) {
    differences.push_back(
        {{"group", label(d.group)},
         {"against", label(d.reference)},
         {"metric", d.metric},
         {"difference", number_or_null(d.difference)},
         {"low", number_or_null(d.ci_low)},
         {"high", number_or_null(d.ci_high)},
         {"pairing", d.paired ? fmt::format("paired, {} pairs", d.pairs_or_runs)
                              : fmt::format("unpaired, {} runs", d.pairs_or_runs)}});
  }

  return {{"path", path.string()}, {"groups", groups},   {"differences", differences},
          {"charts", charts},      {"columns", columns}, {"runs", table}};
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string json_for_script(const nlohmann::json& value) {
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

void reduce_min_max(const std::vector<double>& x, const std::vector<double>& y, int buckets,
                    std::vector<double>* out_x, std::vector<double>* out_y) {
  std::vector<std::size_t> finite;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isfinite(y[i])) finite.push_back(i);
  }
  if (buckets <= 0 || finite.size() <= static_cast<std::size_t>(2 * buckets)) {
    for (std::size_t i : finite) {
      out_x->push_back(x[i]);
      out_y->push_back(y[i]);
    }
    return;
  }
  const std::size_t n = finite.size();
  for (int b = 0; b < buckets; ++b) {
    const std::size_t begin = n * b / buckets;
    const std::size_t end = n * (b + 1) / buckets;
    if (begin == end) continue;
    std::size_t lo = finite[begin];
    std::size_t hi = finite[begin];
    for (std::size_t k = begin; k < end; ++k) {
      if (y[finite[k]] < y[lo]) lo = finite[k];
      if (y[finite[k]] > y[hi]) hi = finite[k];
    }
    // In step order, once each.
    const std::size_t first = std::min(lo, hi);
    const std::size_t second = std::max(lo, hi);
    out_x->push_back(x[first]);
    out_y->push_back(y[first]);
    if (second != first) {
      out_x->push_back(x[second]);
      out_y->push_back(y[second]);
    }
  }
}

std::string build_html_report(const ReportOptions& options) {
  nlohmann::json data;
  data["title"] = options.title;
  data["databases"] = nlohmann::json::array();
  for (const auto& path : options.databases) {
    data["databases"].push_back(database_json(path, options.max_points, options.sweep));
  }
  data["generated_by"] = fmt::format("gansweep {} ({})", gansweep_version(), git_commit());
  return render_page(escape_html(options.title), json_for_script(data), uplot_css(), uplot_js());
}

}  // namespace gansweep::report
