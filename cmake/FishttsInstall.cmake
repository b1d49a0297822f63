# `cmake --install`: headers, libfishtts.so (the C API) and libfishtts.a (the C API with the engine, static), the
# CLI, a CMake package (find_package(fishtts): fishtts::fishtts, fishtts::fishtts_static) and fishtts.pc.
# Included after every target exists: the static library's link line is read off the build's own targets.
include(CMakePackageConfigHelpers)

set(FISHTTS_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/fishtts")
set(FISHTTS_LIBDIR_TOKEN "@FISHTTS_INSTALLED_LIBDIR@")  # replaced by each file's own way of naming the lib folder

# The files that a program linking libfishtts.a needs after it, in link order, resolved from `target`'s link
# libraries (imported targets to their files, interface targets to what they carry). The bundled ONNX Runtime
# becomes the installed copy.
function(_fishtts_link_files target out)
  get_target_property(libs ${target} LINK_LIBRARIES)
  get_target_property(iface ${target} INTERFACE_LINK_LIBRARIES)
  set(result "")
  foreach(lib IN LISTS libs iface)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
    # "::@(...)" marks which folder linked an item (target_link_libraries from a subdirectory), not a library
    if(lib STREQUAL "" OR lib MATCHES "^\\$<" OR lib MATCHES "^::@|-NOTFOUND$" OR lib IN_LIST _fishtts_seen)
      continue()
    endif()
    list(APPEND _fishtts_seen "${lib}")
    set(_fishtts_seen "${_fishtts_seen}" PARENT_SCOPE)
    if(TARGET ${lib})
      get_target_property(type ${lib} TYPE)
      set(file "")
      if(NOT type STREQUAL "INTERFACE_LIBRARY")
        get_target_property(configs ${lib} IMPORTED_CONFIGURATIONS)
        get_target_property(file ${lib} IMPORTED_LOCATION)
        if(NOT file AND configs)
          list(GET configs 0 config)
          get_target_property(file ${lib} IMPORTED_LOCATION_${config})
        endif()
      endif()
      if(file AND file MATCHES "/third_party/onnxruntime/")
        set(file "${FISHTTS_LIBDIR_TOKEN}/libonnxruntime.so.1")
      endif()
      if(file)
        list(APPEND result "${file}")
      endif()
      _fishtts_link_files(${lib} deps)
      list(APPEND result ${deps})
    else()
      list(APPEND result "${lib}")
    endif()
  endforeach()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

set(_fishtts_seen "")
_fishtts_link_files(fishtts FISHTTS_STATIC_LINK)
list(APPEND FISHTTS_STATIC_LINK stdc++ m)  # the C++ runtime, for C programs
list(REMOVE_DUPLICATES FISHTTS_STATIC_LINK)

install(TARGETS fishtts ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})

# CMake package: the config names the installed files relative to its own folder, so the tree can move.
set(FISHTTS_STATIC_LINK_CMAKE "${FISHTTS_STATIC_LINK}")
string(REPLACE "${FISHTTS_LIBDIR_TOKEN}" "\${FISHTTS_LIB_DIR}" FISHTTS_STATIC_LINK_CMAKE "${FISHTTS_STATIC_LINK_CMAKE}")
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/fishttsConfig.cmake.in" "${PROJECT_BINARY_DIR}/fishttsConfig.cmake"
  INSTALL_DESTINATION "${FISHTTS_CMAKE_DIR}" PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/fishttsConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)  # before 1.0 a minor version may break the ABI
install(FILES "${PROJECT_BINARY_DIR}/fishttsConfig.cmake" "${PROJECT_BINARY_DIR}/fishttsConfigVersion.cmake"
        DESTINATION "${FISHTTS_CMAKE_DIR}")

# pkg-config: fishtts.pc links libfishtts.so; fishtts-static.pc links libfishtts.a and what it needs. The prefix
# is found from the .pc file's own folder, so `cmake --install --prefix` anywhere gives working files.
file(RELATIVE_PATH FISHTTS_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
set(FISHTTS_PC_STATIC_LIBS "")
foreach(lib IN LISTS FISHTTS_STATIC_LINK)
  string(REPLACE "${FISHTTS_LIBDIR_TOKEN}" "\${libdir}" lib "${lib}")
  if(lib MATCHES "^/|^\\$\\{libdir\\}|^-")
    string(APPEND FISHTTS_PC_STATIC_LIBS " ${lib}")
  else()
    string(APPEND FISHTTS_PC_STATIC_LIBS " -l${lib}")
  endif()
endforeach()
foreach(pc fishtts fishtts-static)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in" "${PROJECT_BINARY_DIR}/${pc}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/${pc}.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endforeach()
