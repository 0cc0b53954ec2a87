#!/bin/sh
# Install the Debian 12 packages casevault needs to build, test and benchmark.
# Run as root (or with sudo available).  Safe to run again.
set -eu
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
	build-essential cmake pkg-config git ca-certificates \
	libgpgme-dev libarchive-dev libsqlite3-dev libmagic-dev libmagic-mgc libgcrypt20-dev \
	libjansson-dev libinih-dev libcsv-dev libcmocka-dev libpwquality-dev cracklib-runtime \
	libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev libfreetype-dev \
	libharfbuzz-dev libjpeg-dev zlib1g-dev libxml2-dev libgmime-3.0-dev libgexiv2-dev \
	libtesseract-dev libleptonica-dev tesseract-ocr-eng \
	gnupg gpg-agent sqlite3 tar zstd libarchive-tools p7zip-full \
	imagemagick ghostscript python3 procps psmisc strace time file util-linux bsdutils \
	poppler-utils libimage-exiftool-perl mupdf-tools libjpeg-turbo-progs \
	restic \
	go-md2man lintian man-db groff-base adduser python3-jsonschema \
	libmicrohttpd-dev libgnutls28-dev chromium clang >/dev/null
# The web tests (tests/web/setup.sh) also need node and npm: Debian's npm (which brings
# Debian's nodejs) unless a Node.js distribution is installed already, whose nodejs
# package Debian's npm would conflict with.
command -v npm >/dev/null 2>&1 || $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
