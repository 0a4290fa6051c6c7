// Text helpers whose output users see or that becomes a file name.
#include "util/text.h"

#include <gtest/gtest.h>

namespace gansweep {
namespace {

TEST(SafeFileName, HandedCaseC10NameBecomesOneHarmlessFileName) {
  const std::string name =
      "<img src=x onerror=alert(1)></script><script>alert(2)</script><!--<script>";
  const std::string file = safe_file_name(name);
  EXPECT_EQ(file, "img_src_x_onerror_alert_1_script_script_alert_2_script_--_script");
  EXPECT_EQ(file.find('/'), std::string::npos);
  EXPECT_EQ(file.find('<'), std::string::npos);
}

TEST(SafeFileName, NoPathTricks) {
  EXPECT_EQ(safe_file_name("../../etc/passwd"), "etc_passwd");
  EXPECT_EQ(safe_file_name(".."), "sweep");
  EXPECT_EQ(safe_file_name(""), "sweep");
  EXPECT_EQ(safe_file_name(".hidden"), "hidden");
  EXPECT_EQ(safe_file_name("quickstart"), "quickstart");
  EXPECT_EQ(safe_file_name(std::string(300, 'a')).size(), 80u);
}

TEST(Suggestions, CloseTyposOnly) {
  EXPECT_EQ(closest_match("setps", {"steps", "batch", "seed"}), "steps");
  EXPECT_EQ(closest_match("colour", {"steps", "batch"}), "");
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
}

TEST(MessageText, ShortenedAndPrintable) {
  EXPECT_EQ(quote_for_message("abc"), "'abc'");
  EXPECT_EQ(shorten_for_message(std::string(50, 'x')), std::string(40, 'x') + "...");
  EXPECT_EQ(shorten_for_message("a\nb\x1b"), "a?b?");
}

TEST(Utf8, WellFormedOnly) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));          // cut short
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
}

}  // namespace
}  // namespace gansweep
