#include "zone_loader.hpp"
