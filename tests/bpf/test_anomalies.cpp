// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "dataplane.hpp"
#include "packet.hpp"
