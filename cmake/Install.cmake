# Installs the public headers, the library, a CMake package config
# (find_package(sessionkeeper)) and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS sessionkeeper EXPORT sessionkeeperTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sessionkeeper
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT sessionkeeperTargets NAMESPACE sessionkeeper::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sessionkeeper)

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/sessionkeeperConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sessionkeeperConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sessionkeeper)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/sessionkeeperConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/sessionkeeperConfig.cmake
  ${PROJECT_BINARY_DIR}/sessionkeeperConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sessionkeeper)

# Relocatable: the prefix is found from where the .pc file is installed, so
# `cmake --install --prefix` anywhere works.
file(RELATIVE_PATH SK_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
configure_file(${PROJECT_SOURCE_DIR}/cmake/sessionkeeper.pc.in
  ${PROJECT_BINARY_DIR}/sessionkeeper.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sessionkeeper.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
