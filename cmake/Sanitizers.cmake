# SPDX-License-Identifier: MIT
# mx_sanitizers: sanitizer flags chosen by MXSTEER_SANITIZE, linked by every project target.
add_library(mx_sanitizers INTERFACE)
if(MXSTEER_SANITIZE)
    target_compile_options(mx_sanitizers INTERFACE
        -fsanitize=${MXSTEER_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(mx_sanitizers INTERFACE -fsanitize=${MXSTEER_SANITIZE})
endif()
# Fuzz builds instrument every project target for coverage, not only the fuzz entry points, so
# that libFuzzer sees the paths inside the loader, the rules and the decoders.
if(MXSTEER_FUZZ)
    target_compile_options(mx_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()
