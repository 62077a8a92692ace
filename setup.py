"""Packaging for itsm, an ITIL service desk on Pyramid and ZODB."""

from setuptools import find_namespace_packages, setup

# Lower bounds are the versions the suite was last run with; they are what we know works.
requires = [
    "pyramid>=2.0.2",
    "pyramid_tm>=2.5",  # one transaction per request, committed or aborted as a whole
    "pyramid_retry>=2.1.1",  # re-runs a request whole on ZODB ConflictError
    "pyramid_zodbconn>=0.8.1",  # a ZODB connection per request, tied to request.tm
    "pyramid_chameleon>=0.3",
    "zodburi>=2.6",  # one URI picks FileStorage, ZEO or RelStorage
    "ZODB>=6.0",
    "ZEO>=6.0",
    "BTrees>=6.0",
    "transaction>=4.0",
    "persistent>=5.0",
    "hypatia>=0.5",
    "PyStemmer>=3.1",  # Snowball ru/en stemming for the catalog's text index (C, has wheels)
    "deform>=3.0",
    "colander>=2.0",
    "Chameleon>=4.5",
    "ldap3>=2.9.1",
    "waitress>=3.0",
    "APScheduler>=3.10,<4",
    "argon2-cffi>=23.1",
    "Babel>=2.14",
    "jsonschema>=4.20",
    "PasteDeploy>=3.0",
    # IANA time zones for SLA calendars where the OS has no zoneinfo (slim images, Windows).
    "tzdata>=2024.1",
    "plaster_pastedeploy>=1.0",
    # Knowledge articles: Markdown (CommonMark, raw HTML off) rendered, then sanitised by nh3
    # (Rust ammonia: an allow-list of tags, attributes and URL schemes; bleach is deprecated).
    "markdown-it-py>=3.0",
    "nh3>=0.2.14",
    # Reports: server-rendered SVG charts (no JavaScript needed) and XLSX exports.
    "pygal>=3.0",
    "openpyxl>=3.1",
]

# scripts/run: a local SMTP sink so the demo's notifications can be read in var/mail.log.
dev_require = ["aiosmtpd>=1.4.4"]

tests_require = [
    "pytest>=8.0",
    "pytest-xdist>=3.5",
    "WebTest>=3.0.1",
    "hypothesis>=6.100",
    "aiosmtpd>=1.4.4",
    "playwright>=1.45",
    "RelStorage>=4.0",  # the PostgreSQL driver is psycopg2-binary (no compiler needed)
    "psycopg2-binary>=2.9",
    "lingua>=4.15",
    "ruff>=0.5",
    "icalendar>=5.0",  # the change calendar feed is parsed back in the tests
    "pip-audit>=2.7",  # scripts/audit (RELIABILITY.md S13)
]

setup(
    name="itsm",
    version="0.1.0",
    description="An ITIL service desk for a company's own employees",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-or-later",
    python_requires=">=3.11",
    # Namespace discovery so templates/, static/ and locale/ ship inside built wheels too.
    packages=find_namespace_packages(include=["itsm", "itsm.*"]),
    include_package_data=True,
    zip_safe=False,
    install_requires=requires,
    extras_require={"test": tests_require, "dev": dev_require},
    entry_points={
        "paste.app_factory": ["main = itsm:main"],
        "console_scripts": [
            "itsm-init = itsm.scripts.init:main",
            "itsm-token = itsm.scripts.token:main",
            "itsm-evolve = itsm.scripts.evolve:main",
            "itsm-worker = itsm.worker.cli:main",
            "itsm-import = itsm.cmdb.importer:main",
            "itsm-mail-in = itsm.mailin.cli:main",
            "itsm-import-events = itsm.reports.importer:main",
            "itsm-reports = itsm.reports.rebuild:main",
            "itsm-backup = itsm.scripts.backup:backup_main",
            "itsm-restore = itsm.scripts.backup:restore_main",
            "itsm-pack = itsm.scripts.pack:main",
            "itsm-sync = itsm.sync.cli:main",
        ],
    },
)
