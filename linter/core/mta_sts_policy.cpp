// MTA-STS policy parser (stub until implemented).
// SPDX-License-Identifier: MIT
#include "mta_sts_policy.hpp"
