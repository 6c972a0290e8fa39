// MTA-STS policy files (RFC 8461 §3.2): parsing and mx pattern matching.
// SPDX-License-Identifier: MIT
#pragma once
