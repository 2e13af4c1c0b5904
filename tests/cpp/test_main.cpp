// The one main of the doctest suite; every other tests/cpp/test_*.cpp holds the tests of one module.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
