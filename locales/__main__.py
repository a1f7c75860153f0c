"""`python -m locales`: compile every catalog; exits non-zero on a broken .po."""

from __future__ import annotations

import sys

from locales import CatalogError, compile_catalogs


def main() -> int:
    try:
        written = compile_catalogs()
    except CatalogError as error:
        print(f"locales: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"compiled {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
