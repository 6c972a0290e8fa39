# SPDX-License-Identifier: MIT
# mx_warnings: the warning set every project target links.
add_library(mx_warnings INTERFACE)
target_compile_options(mx_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
    -Wnon-virtual-dtor -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2)
if(MXSTEER_WERROR)
    target_compile_options(mx_warnings INTERFACE -Werror)
endif()
