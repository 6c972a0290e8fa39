// Transparent huge pages for the few large arrays of a big zone (Zone::set_memory_advice).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/mman.h>
#include <unistd.h>

namespace mxsteer::lint {

// Asks the kernel to back [data, data + bytes) with transparent huge pages (Debian's default
// THP mode is "madvise"): a 1M-record zone then loads with a few hundred page faults instead of
// tens of thousands, and its name index misses the TLB far less. Call it before the memory is
// first written. Only a hint: smaller buffers, kernels without THP and failures change nothing.
inline void advise_huge_pages(void* data, std::size_t bytes) {
    constexpr std::size_t huge_page = std::size_t{2} << 20;
    if (data == nullptr || bytes < huge_page) {
        return;
    }
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto first = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t begin = (first + page - 1) & ~(page - 1);
    const std::uintptr_t end = (first + bytes) & ~(page - 1);
    if (end > begin) {
        static_cast<void>(::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE));
    }
}

// Reserves `n` elements of `v` and advises huge pages for them.
template <class Container>
void reserve_huge(Container& v, std::size_t n) {
    v.reserve(n);
    advise_huge_pages(v.data(), v.capacity() * sizeof(typename Container::value_type));
}

} // namespace mxsteer::lint
