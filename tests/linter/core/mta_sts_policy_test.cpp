// Tests of the MTA-STS policy parser.
// SPDX-License-Identifier: MIT
#include "core/mta_sts_policy.hpp"

#include <doctest/doctest.h>
