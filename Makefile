# Release build and installation of sriovctl.
#
#   make                         release binary (Swift runtime linked in), man page, completions
#   make install PREFIX=/usr/local DESTDIR=
#   make uninstall PREFIX=/usr/local DESTDIR=
#   make deb                     .build-release/sriovctl_VERSION_ARCH.deb (scripts/build-deb)
#   make check-dist              build the .deb, install it into a scratch root, check it (scripts/check-dist)
#
# Everything generated lands in .build-release/ (git-ignored); nothing is fetched at build time.

PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
DOCDIR      ?= $(DATADIR)/doc/sriovctl
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
# zsh searches vendor-completions for packaged files and site-functions for local ones.
ifeq ($(PREFIX),/usr)
ZSHCOMPDIR  ?= $(DATADIR)/zsh/vendor-completions
else
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions
endif
# systemd reads units from /usr/local/lib/systemd/system too; the .deb passes /lib/systemd/system.
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR     ?=

SWIFT       ?= swift
STRIP       ?= strip
INSTALL     ?= install
SCRATCH     := .build-release
OUT         := $(SCRATCH)/dist
BINARY      := $(SCRATCH)/release/sriovctl
VERSION     := $(shell cat VERSION)
# The man page's date is the release date of the top CHANGELOG entry, so rebuilds are identical.
MANDATE     := $(shell sed -n 's/^## \[[^]]*\] - \([0-9-]*\).*/\1/p' CHANGELOG.md | head -n 1)
UNIT        := dist/systemd/sriovctl.service

.PHONY: all build man completions install uninstall deb check-dist clean

all: build man completions

build: $(BINARY)

# Always ask SwiftPM: it knows whether the sources changed.
.PHONY: $(BINARY)
$(BINARY):
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(SCRATCH) --product sriovctl

# The man page comes from the command definitions: swift-argument-parser's generate-manual reads
# `sriovctl --experimental-dump-help`. The tool is built for the host in the default .build.
man: $(BINARY)
	$(SWIFT) build --product generate-manual
	mkdir -p $(OUT)/man/generated
	"$$($(SWIFT) build --show-bin-path)/generate-manual" $(BINARY) --section 8 --date $(MANDATE) \
	  --authors "sriovctl developers" -o $(OUT)/man/generated
	awk -v version=$(VERSION) -f dist/man/literal-blocks.awk $(OUT)/man/generated/sriovctl.8 > $(OUT)/man/sriovctl.8
	test -s $(OUT)/man/sriovctl.8

completions: $(BINARY)
	mkdir -p $(OUT)/completions
	@# bash-completion sources the file; a #! line would only mislead (lintian flags it).
	$(BINARY) --generate-completion-script bash | sed '1{/^#!/d}' > $(OUT)/completions/sriovctl.bash
	$(BINARY) --generate-completion-script zsh > $(OUT)/completions/_sriovctl
	$(BINARY) --generate-completion-script fish > $(OUT)/completions/sriovctl.fish

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0755 $(BINARY) $(DESTDIR)$(BINDIR)/sriovctl
	$(STRIP) --strip-unneeded $(DESTDIR)$(BINDIR)/sriovctl
	$(INSTALL) -m 0644 $(OUT)/man/sriovctl.8 $(DESTDIR)$(MANDIR)/man8/sriovctl.8
	$(INSTALL) -m 0644 $(OUT)/completions/sriovctl.bash $(DESTDIR)$(BASHCOMPDIR)/sriovctl
	$(INSTALL) -m 0644 $(OUT)/completions/_sriovctl $(DESTDIR)$(ZSHCOMPDIR)/_sriovctl
	$(INSTALL) -m 0644 $(OUT)/completions/sriovctl.fish $(DESTDIR)$(FISHCOMPDIR)/sriovctl.fish
	$(INSTALL) -m 0644 README.md CHANGELOG.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 $(filter-out docs/help-style.md,$(wildcard docs/*.md)) $(DESTDIR)$(DOCDIR)/
	@# The unit comes with `persist` (dist/systemd/); until it exists there is nothing to install.
	@# Its ExecStart is pointed at the binary installed here.
	@if [ -f $(UNIT) ]; then \
	  $(INSTALL) -d $(DESTDIR)$(SYSTEMDUNITDIR) && \
	  sed 's|^\(ExecStart=[-@:+!]*\)[^ ]*sriovctl |\1$(BINDIR)/sriovctl |' $(UNIT) > $(DESTDIR)$(SYSTEMDUNITDIR)/sriovctl.service && \
	  chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/sriovctl.service && \
	  echo "installed $(SYSTEMDUNITDIR)/sriovctl.service"; \
	else \
	  echo "note: $(UNIT) not in this tree (no persist command yet): no systemd unit installed"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sriovctl $(DESTDIR)$(MANDIR)/man8/sriovctl.8 \
	  $(DESTDIR)$(BASHCOMPDIR)/sriovctl $(DESTDIR)$(ZSHCOMPDIR)/_sriovctl \
	  $(DESTDIR)$(FISHCOMPDIR)/sriovctl.fish $(DESTDIR)$(SYSTEMDUNITDIR)/sriovctl.service
	rm -rf $(DESTDIR)$(DOCDIR)

deb:
	scripts/build-deb

check-dist:
	scripts/check-dist

clean:
	rm -rf $(SCRATCH)
