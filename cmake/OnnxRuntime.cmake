# ONNX Runtime as one imported target, fishtts::onnxruntime.
# Lookup order: -DONNXRUNTIME_ROOT=<dir with include/ and lib/>, an installed package (CMake config or
# pkg-config), then the folder scripts/setup.sh fills (third_party/onnxruntime).

set(ONNXRUNTIME_ROOT "" CACHE PATH "ONNX Runtime folder with include/ and lib/")

function(_fishtts_ort_from_root root)
  find_path(ONNXRUNTIME_INCLUDE_DIR onnxruntime_cxx_api.h
            PATHS "${root}/include" "${root}/include/onnxruntime" NO_DEFAULT_PATH)
  find_library(ONNXRUNTIME_LIBRARY NAMES onnxruntime PATHS "${root}/lib" NO_DEFAULT_PATH)
  if(ONNXRUNTIME_INCLUDE_DIR AND ONNXRUNTIME_LIBRARY)
    add_library(fishtts::onnxruntime SHARED IMPORTED GLOBAL)
    set_target_properties(fishtts::onnxruntime PROPERTIES
      IMPORTED_LOCATION "${ONNXRUNTIME_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${ONNXRUNTIME_INCLUDE_DIR}")
    set(FISHTTS_ORT_SOURCE "${root}" PARENT_SCOPE)
  endif()
endfunction()

if(ONNXRUNTIME_ROOT)
  _fishtts_ort_from_root("${ONNXRUNTIME_ROOT}")
  if(NOT TARGET fishtts::onnxruntime)
    message(FATAL_ERROR "ONNXRUNTIME_ROOT=${ONNXRUNTIME_ROOT} has no include/onnxruntime_cxx_api.h + lib/libonnxruntime.so")
  endif()
endif()

if(NOT TARGET fishtts::onnxruntime)
  find_package(onnxruntime CONFIG QUIET)
  if(TARGET onnxruntime::onnxruntime)
    add_library(fishtts::onnxruntime INTERFACE IMPORTED GLOBAL)
    target_link_libraries(fishtts::onnxruntime INTERFACE onnxruntime::onnxruntime)
    set(FISHTTS_ORT_SOURCE "installed CMake package")
  endif()
endif()

if(NOT TARGET fishtts::onnxruntime)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(ORT_PC QUIET IMPORTED_TARGET libonnxruntime)
    if(ORT_PC_FOUND)
      add_library(fishtts::onnxruntime INTERFACE IMPORTED GLOBAL)
      target_link_libraries(fishtts::onnxruntime INTERFACE PkgConfig::ORT_PC)
      set(FISHTTS_ORT_SOURCE "pkg-config libonnxruntime")
    endif()
  endif()
endif()

if(NOT TARGET fishtts::onnxruntime)
  _fishtts_ort_from_root("${PROJECT_SOURCE_DIR}/third_party/onnxruntime")
endif()

if(NOT TARGET fishtts::onnxruntime)
  message(FATAL_ERROR "ONNX Runtime not found. Run scripts/setup.sh (it fetches the pinned package into "
                      "third_party/onnxruntime) or pass -DONNXRUNTIME_ROOT=<dir>.")
endif()
message(STATUS "ONNX Runtime: ${FISHTTS_ORT_SOURCE}")

# A bundled library travels with the install so the installed binary's $ORIGIN rpath finds it.
if(ONNXRUNTIME_LIBRARY AND FISHTTS_ORT_SOURCE MATCHES "third_party")
  file(GLOB _ort_libs "${PROJECT_SOURCE_DIR}/third_party/onnxruntime/lib/libonnxruntime.so*")
  install(FILES ${_ort_libs} DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
