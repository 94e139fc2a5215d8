#include "common/strings/html.h"

#include <gtest/gtest.h>

namespace paymesh::strings {
namespace {

TEST(EscapeHtmlTest, EscapesWhatCouldEndAnElementOrAnAttribute) {
  EXPECT_EQ(EscapeHtml(R"(<a href="x" title='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(EscapeHtml("咖啡 x2"), "咖啡 x2");
  EXPECT_EQ(EscapeHtml(""), "");
}

}  // namespace
}  // namespace paymesh::strings
