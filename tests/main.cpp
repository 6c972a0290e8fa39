// Test runner entry point: doctest's main, made safe for CTest.
// SPDX-License-Identifier: MIT
//
// doctest_discover_tests registers each test case as `--test-case=<name>`, but doctest reads
// a comma in a filter as "or": a name with a comma would match nothing and "pass" without
// running. So commas in --test-case values are escaped here, and a run whose filter selects
// no test case fails instead of passing empty.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace {

unsigned selected = 0; // test cases that passed the filters in the last run

struct SelectedCounter : doctest::IReporter {
    explicit SelectedCounter(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& stats) override {
        selected = stats.numTestCasesPassingFilters;
    }
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("selected-counter", 1, SelectedCounter);

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    bool filtered = false;
    for (auto& arg : args) {
        for (const std::string_view flag : {"--test-case=", "-tc="}) {
            if (std::string_view{arg}.substr(0, flag.size()) != flag) {
                continue;
            }
            filtered = true;
            std::string escaped{flag};
            for (std::size_t i = flag.size(); i < arg.size(); ++i) {
                if (arg[i] == ',' && arg[i - 1] != '\\') {
                    escaped += '\\';
                }
                escaped += arg[i];
            }
            arg = escaped;
        }
    }
    std::vector<char*> pointers;
    for (auto& arg : args) {
        pointers.push_back(arg.data());
    }
    doctest::Context context(static_cast<int>(pointers.size()), pointers.data());
    const int result = context.run();
    if (context.shouldExit()) {
        return result;
    }
    if (result == 0 && filtered && selected == 0) {
        std::fprintf(stderr, "no test case matches the --test-case filter: a name with ';' is "
                             "split by CTest, so test names must not contain one\n");
        return 1;
    }
    return result;
}
