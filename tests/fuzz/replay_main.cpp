// Replays a fuzz corpus through a fuzz target without libFuzzer, so ctest runs it in every build.
// usage: replay CORPUS_DIR_OR_FILE...
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int replay(const std::filesystem::path& file) {
    std::ifstream in{file, std::ios::binary};
    if (!in) {
        std::fprintf(stderr, "replay: cannot open '%s'\n", file.c_str());
        return 1;
    }
    const std::vector<char> bytes{std::istreambuf_iterator<char>{in}, {}};
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t count = 0;
    int status = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg{argv[i]};
        if (std::filesystem::is_directory(arg)) {
            for (const auto& entry : std::filesystem::directory_iterator{arg}) {
                status |= replay(entry.path());
                ++count;
            }
        } else {
            status |= replay(arg);
            ++count;
        }
    }
    std::printf("replayed %zu inputs\n", count);
    return count == 0 ? 1 : status;
}
