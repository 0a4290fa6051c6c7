// The report's building blocks: escaping (handed case c10), min-max
// reduction that keeps spikes, and a page built from a real database.
#include "report/html_report.h"
#include "report/markdown_report.h"

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>

#include <gtest/gtest.h>
#include <unistd.h>

#include "store/result_store.h"

namespace gansweep::report {
namespace {

namespace fs = std::filesystem;

const std::string kPayload =
    "<img src=x onerror=alert(1)></script><script>alert(2)</script><!--<script>";

TEST(Escaping, HtmlTextHasNoMarkupLeft) {
  EXPECT_EQ(escape_html(kPayload),
            "&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;alert(2)&lt;/"
            "script&gt;&lt;!--&lt;script&gt;");
  EXPECT_EQ(escape_html("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
}

TEST(Escaping, JsonInsideAScriptCannotCloseIt) {
  const std::string json = json_for_script({{"name", kPayload}});
  EXPECT_EQ(json.find('<'), std::string::npos);
  EXPECT_EQ(json.find('>'), std::string::npos);
  EXPECT_EQ(json.find('&'), std::string::npos);
  // And it still parses back to the same text.
  EXPECT_EQ(nlohmann::json::parse(json)["name"], kPayload);
}

TEST(Reduction, SpikesSurviveAndStepOrderIsKept) {
  std::vector<double> x;
  std::vector<double> y;
  for (int i = 0; i < 100000; ++i) {
    x.push_back(i);
    y.push_back(i == 54321 ? 1e6 : 1.0 + (i % 7) * 1e-3);
  }
  y[777] = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> rx;
  std::vector<double> ry;
  reduce_min_max(x, y, 500, &rx, &ry);
  EXPECT_LE(rx.size(), 1000u);
  EXPECT_NE(std::find(ry.begin(), ry.end(), 1e6), ry.end());
  EXPECT_TRUE(std::is_sorted(rx.begin(), rx.end()));
  for (double v : ry) EXPECT_TRUE(std::isfinite(v));
  // Short curves are kept whole.
  rx.clear();
  ry.clear();
  reduce_min_max({0, 1, 2}, {5, 6, 7}, 500, &rx, &ry);
  EXPECT_EQ(ry, (std::vector<double>{5, 6, 7}));
}

TEST(Report, C10NamesAppearOnlyEscaped) {
  const fs::path db = fs::temp_directory_path() / ("gansweep-report-" + std::to_string(getpid()));
  fs::remove(db);
  {
    auto store = store::ResultStore::open_for_writing(db);
    store->register_sweep(
        {kPayload, kPayload + ".yaml", "name: x"},
        {{"k1", 0, R"({"train":{"loss":"minimax","lr":0.001,"d_steps":1}})", {}}});
    store->start_run("k1", {});
    for (int step = 0; step < 50; ++step) {
      store::StepRow row;
      row.step = step;
      row.g_grad_norm = 1.0 + step;
      row.dg_dlogit = 0.5;
      row.d_fake = 0.4;
      store->append_step("k1", row);
    }
    store->finish_run("k1", {});
  }
  ReportOptions options;
  options.databases = {db};
  options.title = kPayload;
  const std::string page = build_html_report(options);
  EXPECT_EQ(page.find(kPayload), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("alert(2)</script>"), std::string::npos);
  EXPECT_EQ(page.find("<!--"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x"), std::string::npos);  // the title, escaped
  EXPECT_NE(page.find("new uPlot"), std::string::npos);

  // The Markdown tables: one group row, pipes in names escaped.
  options.title = "a | b";
  const std::string md = build_markdown_report(options);
  EXPECT_NE(md.find("# a \\| b\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| minimax | 0.001 | 1 | 1 | 0 | 25.5 [25.5, 25.5] | 0.5 [0.5, 0.5] | n/a |"),
            std::string::npos)
      << md;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix);
}

// A database of two losses x seeds 0 and 1 whose g_grad_norm differs by
// exactly 1 between the losses, seed by seed; `extra_setting` (JSON text
// such as "\"beta1\":0.5,") is added to each loss's train settings.
class PairedReportTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db_.string() + suffix);
  }

  ReportOptions write(const std::function<std::string(const std::string&)>& extra_setting) {
    fs::remove(db_);
    auto store = store::ResultStore::open_for_writing(db_);
    std::vector<store::RunRecord> runs;
    int position = 0;
    for (const std::string loss : {"minimax", "non_saturating"}) {
      for (int seed = 0; seed < 2; ++seed) {
        runs.push_back({loss + std::to_string(seed),
                        position++,
                        R"({"train":{"loss":")" + loss + R"(","lr":0.001,"d_steps":1,)" +
                            extra_setting(loss) + R"("seed":)" + std::to_string(seed) + "}}",
                        {}});
      }
    }
    store->register_sweep({"paired", "paired.yaml", "name: paired"}, runs);
    for (const auto& run : runs) {
      store->start_run(run.run_key, {});
      for (int step = 0; step < 20; ++step) {
        store::StepRow row;
        row.step = step;
        row.g_grad_norm = (run.run_key[0] == 'm' ? 1.0 : 2.0) + step;
        row.dg_dlogit = 0.5;
        store->append_step(run.run_key, row);
      }
      store->finish_run(run.run_key, {});
    }
    ReportOptions options;
    options.databases = {db_};
    options.title = "paired";
    return options;
  }

  fs::path db_ = fs::temp_directory_path() / ("gansweep-report-paired-" + std::to_string(getpid()));
};

TEST_F(PairedReportTest, DifferencesSayWhenRunsArePairedBySeed) {
  const ReportOptions options = write([](const std::string&) { return std::string(); });
  const std::string md = build_markdown_report(options);
  EXPECT_NE(md.find("| non_saturating, 0.001, 1 | minimax, 0.001, 1 | g_grad_norm | 1 | [1, 1] | "
                    "paired, 2 pairs |"),
            std::string::npos)
      << md;
  // The HTML report carries the same difference, paired, for its table.
  const std::string html = build_html_report(options);
  EXPECT_NE(html.find(R"("against":"minimax lr=0.001 d_steps=1","difference":1.0,"group":)"
                      R"("non_saturating lr=0.001 d_steps=1","high":1.0,"low":1.0,"metric":)"
                      R"("g_grad_norm","pairing":"paired, 2 pairs")"),
            std::string::npos);
}

// Groups that also differ in a setting other than loss, lr and d_steps
// (a searched beta1) are still paired by seed, in both reports alike.
TEST_F(PairedReportTest, GroupsDifferingInOtherSettingsPairBySeedInBothReports) {
  const ReportOptions options = write([](const std::string& loss) {
    return std::string(R"("beta1":)") + (loss == "minimax" ? "0.5" : "0.9") + ",";
  });
  const std::string md = build_markdown_report(options);
  EXPECT_NE(md.find("| non_saturating, 0.001, 1, 0.9 | minimax, 0.001, 1, 0.5 | g_grad_norm | 1 | "
                    "[1, 1] | paired, 2 pairs |"),
            std::string::npos)
      << md;
  const std::string html = build_html_report(options);
  EXPECT_NE(html.find(R"("group":"non_saturating lr=0.001 d_steps=1 train.beta1=0.9","high":1.0,)"
                      R"("low":1.0,"metric":"g_grad_norm","pairing":"paired, 2 pairs")"),
            std::string::npos);
}

}  // namespace
}  // namespace gansweep::report
