"""Allow ``python -m recstack``."""

from recstack.app import main

if __name__ == "__main__":
    main()
