# saga_target_defaults(<target>): warnings, -Werror and sanitizers for the project's own targets.
# Per-target only; CMAKE_CXX_FLAGS is never edited.
function(saga_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual)
  if(SAGA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  saga_target_sanitize(${target})
endfunction()

# Sanitizers also go on third-party-heavy targets (tests) that may not take every warning.
function(saga_target_sanitize target)
  if(SAGA_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
