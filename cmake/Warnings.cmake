# SPDX-License-Identifier: MIT
# mx_warnings: the warning set every project target links.
add_library(mx_warnings INTERFACE)
target_compile_options(mx_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
    -Wnon-virtual-dtor -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2)
# GCC 12 reports std::string concatenation at -O2 and above as overlapping memcpy: a known
# false positive (GCC bug 105329), the same kind fmt works around for -Wnull-dereference.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(mx_warnings INTERFACE -Wno-restrict)
endif()
if(MXSTEER_WERROR)
    target_compile_options(mx_warnings INTERFACE -Werror)
endif()
