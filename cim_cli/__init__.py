"""cim: run a Certificate of International Merits programme over git-backed portfolio folders."""

__version__ = "0.1.0"
