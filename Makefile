# Two commands on a fresh machine: `make run` and `make test`. Both create .venv if missing,
# install the project with the pinned constraints and compile the message catalogs first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CATALOGS := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/messages.po))
DEBIAN_PACKAGES := chromium fonts-wqy-microhei fonts-noto-color-emoji

.PHONY: run test deps messages catalogs lint bench clean

run: $(STAMP) catalogs
	$(PY) -m bot run

# The import contracts first (pyproject.toml [tool.importlinter]; README "Layers"), then the tests.
test: $(STAMP) catalogs
	$(VENV)/bin/lint-imports --no-logo
	$(PY) -m pytest

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

catalogs: $(CATALOGS)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@

# Extract every _() string from the code and merge it into both catalogs.
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k __ -k lazy_gettext --no-location --sort-output -o locales/messages.pot .
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

# Debian packages the project uses (run as root, non-interactive).
deps:
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEBIAN_PACKAGES)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP) catalogs
	for f in bench/*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo
