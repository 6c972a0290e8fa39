// tests
#include <doctest/doctest.h>
