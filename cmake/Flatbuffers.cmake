# sk_flatbuffers_generate(TARGET SCHEMAS...): compiles the schemas with flatc
# into the build tree at build time and exposes the headers through an
# INTERFACE library named TARGET. Generated code is never committed.
function(sk_flatbuffers_generate target)
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/generated")
  set(headers)
  foreach(schema IN LISTS ARGN)
    get_filename_component(abs "${schema}" ABSOLUTE)
    get_filename_component(name "${schema}" NAME_WE)
    set(header "${out_dir}/${name}_generated.h")
    add_custom_command(
      OUTPUT "${header}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${out_dir}"
      COMMAND "${FLATC_EXECUTABLE}" --cpp --scoped-enums -o "${out_dir}" "${abs}"
      DEPENDS "${abs}"
      COMMENT "flatc ${name}.fbs"
      VERBATIM)
    list(APPEND headers "${header}")
  endforeach()
  add_custom_target(${target}_gen DEPENDS ${headers})
  add_library(${target} INTERFACE)
  add_dependencies(${target} ${target}_gen)
  target_include_directories(${target} INTERFACE "${out_dir}")
  # The generated code needs only the header-only part of the library.
  get_target_property(fb_includes flatbuffers::flatbuffers
    INTERFACE_INCLUDE_DIRECTORIES)
  if(fb_includes)
    target_include_directories(${target} INTERFACE ${fb_includes})
  endif()
endfunction()
