# Installing casevault as an office does (docs/install.md): manual pages
# generated from docs/commands/ and docs/service.md, the bash completion
# generated from the command table, the documentation the units point at,
# /etc/casevault/purge.env, and a Debian package built by CPack from these
# same install rules (packaging/debian/: maintainer scripts, conffiles).

find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(CV_GEN_DIR ${CMAKE_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${CV_GEN_DIR}/man ${CV_GEN_DIR}/completion ${CV_GEN_DIR}/doc)

# ---- manual pages: one per docs/commands/*.md (a command added there gets one),
# casevault(1) from its README, casevaultd(8) from docs/service.md.
find_program(GO_MD2MAN go-md2man)
string(TIMESTAMP CV_MAN_DATE "%Y-%m-%d" UTC)  # SOURCE_DATE_EPOCH when set
set(CV_MAN_PAGES "")
function(cv_man_page src name section)
  set(out ${CV_GEN_DIR}/man/${name}.${section})
  add_custom_command(OUTPUT ${out} ${out}.gz
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/packaging/gen-man.py ${src} ${out}
            ${name} ${section} ${PROJECT_VERSION} ${CV_MAN_DATE} ${GO_MD2MAN} ${ARGN}
    DEPENDS ${src} ${CMAKE_SOURCE_DIR}/packaging/gen-man.py
    COMMENT "Manual page ${name}(${section})" VERBATIM)
  install(FILES ${out}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  set(CV_MAN_PAGES ${CV_MAN_PAGES} ${out} PARENT_SCOPE)
endfunction()
if(GO_MD2MAN)
  file(GLOB CV_COMMAND_PAGES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/commands/*.md)
  foreach(page ${CV_COMMAND_PAGES})
    get_filename_component(base ${page} NAME_WE)
    if(base STREQUAL "README")
      cv_man_page(${page} casevault 1
        "keep a confidential office's case records encrypted, indexed and on a retention schedule")
    else()
      cv_man_page(${page} casevault-${base} 1)
    endif()
  endforeach()
  cv_man_page(${CMAKE_SOURCE_DIR}/docs/service.md casevaultd 8)
  add_custom_target(man ALL DEPENDS ${CV_MAN_PAGES})
else()
  message(WARNING "go-md2man not found: no manual pages (scripts/deps.sh installs it)")
endif()

# ---- bash completion, from 'casevault help --commands'
set(CV_COMPLETION ${CV_GEN_DIR}/completion/casevault)
add_custom_command(OUTPUT ${CV_COMPLETION}
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/packaging/gen-completion.py
          $<TARGET_FILE:casevault-cli> ${CV_COMPLETION}
  DEPENDS casevault-cli ${CMAKE_SOURCE_DIR}/packaging/gen-completion.py
  COMMENT "Bash completion from the command table" VERBATIM)
# casevaultd's, from 'casevaultd --options'
set(CV_COMPLETION_D ${CV_GEN_DIR}/completion/casevaultd)
add_custom_command(OUTPUT ${CV_COMPLETION_D}
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/packaging/gen-completion.py
          --daemon $<TARGET_FILE:casevaultd> ${CV_COMPLETION_D}
  DEPENDS casevaultd ${CMAKE_SOURCE_DIR}/packaging/gen-completion.py
  COMMENT "Bash completion of casevaultd from its option table" VERBATIM)
add_custom_target(completion ALL DEPENDS ${CV_COMPLETION} ${CV_COMPLETION_D})
install(FILES ${CV_COMPLETION} ${CV_COMPLETION_D} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

# ---- the documentation the units' Documentation= and the manual pages point at
file(GLOB CV_DOC_PAGES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CV_DOC_PAGES} ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/commands DESTINATION ${CMAKE_INSTALL_DOCDIR})
# the scheduled purge's environment file, kept across upgrades (a conffile)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/systemd/purge.env.example
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/casevault RENAME purge.env)

# ---- the Debian package: cpack -G DEB in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr (the program's paths are compiled in).
# CPack rather than debian/: the install rules above are the one list of what
# is installed, and the package is made from a build without building again.
set(CV_DEB_MAINTAINER "casevault maintainers <casevault@example.org>" CACHE STRING
    "the Maintainer: of the Debian package")
# a native package's changelog is changelog.gz (Debian policy 12.7)
set(CV_DEB_CHANGELOG ${CV_GEN_DIR}/doc/changelog.gz)
add_custom_command(OUTPUT ${CV_DEB_CHANGELOG}
  COMMAND ${Python3_EXECUTABLE} -c
          "import gzip,sys; gzip.GzipFile(sys.argv[2], 'wb', 9, mtime=0).write(open(sys.argv[1], 'rb').read())"
          ${CMAKE_SOURCE_DIR}/packaging/debian/changelog ${CV_DEB_CHANGELOG}
  DEPENDS ${CMAKE_SOURCE_DIR}/packaging/debian/changelog VERBATIM)
add_custom_target(deb-changelog ALL DEPENDS ${CV_DEB_CHANGELOG})
install(FILES ${CV_DEB_CHANGELOG} ${CMAKE_SOURCE_DIR}/packaging/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME casevault)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${CV_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "secure document vault for confidential case-work offices")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "casevault keeps an office's case records encrypted (OpenPGP), indexed
 (SQLite) and on a retention schedule, with secure purge, holds and subject
 access requests.  This package holds the casevault program, its
 encryption helper, the casevaultd service with its systemd units, the
 default policies, manual pages and bash completion.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# GPGME runs gpg and gpg-agent; postinst makes the account with adduser; OCR at
# filing reads tesseract-ocr-eng's English data (docs/ocr.md)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, gnupg, gpg-agent, libmagic-mgc, tesseract-ocr-eng")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
include(CPack)
