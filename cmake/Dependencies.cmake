# Finds every system dependency; a missing one stops configuration with the
# Debian package that provides it (scripts/setup.sh installs them all).

function(sk_missing what package)
  message(FATAL_ERROR
    "SessionKeeper needs ${what}, which was not found.\n"
    "On Debian: apt-get install -y ${package}  (or run scripts/setup.sh)")
endfunction()

find_package(Threads REQUIRED)
find_package(PkgConfig)
if(NOT PkgConfig_FOUND)
  sk_missing("pkg-config" "pkg-config")
endif()

# The ZooKeeper C client (multi-threaded flavour) ships no CMake or
# pkg-config file on Debian, so look for the header and library directly.
find_path(ZOOKEEPER_INCLUDE_DIR zookeeper/zookeeper.h)
find_library(ZOOKEEPER_MT_LIBRARY NAMES zookeeper_mt)
if(NOT ZOOKEEPER_INCLUDE_DIR OR NOT ZOOKEEPER_MT_LIBRARY)
  sk_missing("the ZooKeeper C client (libzookeeper_mt)" "libzookeeper-mt-dev")
endif()
add_library(zookeeper::zookeeper_mt UNKNOWN IMPORTED)
set_target_properties(zookeeper::zookeeper_mt PROPERTIES
  IMPORTED_LOCATION "${ZOOKEEPER_MT_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${ZOOKEEPER_INCLUDE_DIR}"
  INTERFACE_COMPILE_DEFINITIONS "THREADED")

find_package(glog CONFIG QUIET)
if(NOT glog_FOUND)
  sk_missing("glog" "libgoogle-glog-dev")
endif()

find_package(gflags CONFIG QUIET)
if(NOT gflags_FOUND)
  sk_missing("gflags" "libgflags-dev")
endif()

find_package(FlatBuffers CONFIG QUIET)
if(NOT FlatBuffers_FOUND)
  sk_missing("the FlatBuffers library" "libflatbuffers-dev")
endif()
find_program(FLATC_EXECUTABLE flatc)
if(NOT FLATC_EXECUTABLE)
  sk_missing("the FlatBuffers compiler flatc" "flatbuffers-compiler")
endif()

find_package(nlohmann_json CONFIG QUIET)
if(NOT nlohmann_json_FOUND)
  sk_missing("nlohmann/json" "nlohmann-json3-dev")
endif()

find_package(OpenSSL QUIET COMPONENTS Crypto)
if(NOT OpenSSL_FOUND)
  sk_missing("OpenSSL's libcrypto (SHA-256)" "libssl-dev")
endif()

pkg_check_modules(LIBEVENT QUIET IMPORTED_TARGET libevent libevent_pthreads)
if(NOT LIBEVENT_FOUND)
  sk_missing("libevent" "libevent-dev")
endif()

# sessionkeeperd's allocator (the library leaves that choice to the
# application). Sanitizers bring their own malloc, so they go without.
option(SK_DAEMON_JEMALLOC "Link sessionkeeperd with jemalloc" ON)
if(SK_DAEMON_JEMALLOC AND NOT SK_SANITIZE)
  pkg_check_modules(JEMALLOC QUIET IMPORTED_TARGET jemalloc)
  if(NOT JEMALLOC_FOUND)
    sk_missing("jemalloc (or -DSK_DAEMON_JEMALLOC=OFF)" "libjemalloc-dev")
  endif()
endif()

if(SK_BUILD_TESTS)
  find_package(GTest CONFIG QUIET)
  if(NOT GTest_FOUND)
    find_package(GTest QUIET)
  endif()
  if(NOT GTest_FOUND)
    sk_missing("GoogleTest" "libgtest-dev")
  endif()
endif()
