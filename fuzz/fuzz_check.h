// FUZZ_CHECK: the fuzz targets' assertion. A broken property aborts, which
// libFuzzer reports as a crash and saves the input that broke it.
#ifndef SESSIONKEEPER_FUZZ_FUZZ_CHECK_H_
#define SESSIONKEEPER_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                          \
  do {                                                                 \
    if (!(condition)) {                                                \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #condition);                              \
      std::abort();                                                    \
    }                                                                  \
  } while (false)

#endif  // SESSIONKEEPER_FUZZ_FUZZ_CHECK_H_
