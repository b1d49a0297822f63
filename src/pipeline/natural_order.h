// Natural ("human") ordering of file names: runs of digits compare by value, so "clip2" < "clip10". Upstream's
// list_files sorts this way by default (natsort); its reference loader skips the sort, which makes the order of
// several reference clips depend on Python's hash seed (spec 6.2). We always sort, so prompts are reproducible.
#pragma once

#include <string_view>

namespace fishtts::pipeline {

// Strict weak order. Digit runs compare by numeric value (leading zeros ignored; on a tie the shorter run, i.e.
// fewer leading zeros, first); everything else compares byte by byte.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace fishtts::pipeline
